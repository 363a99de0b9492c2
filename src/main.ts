import { rmSync } from 'node:fs';
import { main } from './cli/main.js';
import { killAllChildren } from './tools/processes.js';
import { CancelledError } from './util/errors.js';
import { liveTemps } from './util/fs.js';

/** Process wiring: Ctrl-C kills every child process tree and removes our temp files. */
export async function runCli(): Promise<void> {
  // Jobs, tools and probes each listen on a signal derived from this one (AbortSignal.any),
  // never on it directly, so it needs no raised listener limit.
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    killAllChildren(interrupts > 1);
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping…\n`);
      controller.abort(new CancelledError());
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    killAllChildren(true); // no timers run after 'exit'
    for (const temp of liveTemps()) rmSync(temp, { force: true, recursive: true });
  });
  const code = await main(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  process.exitCode = controller.signal.aborted && code !== 2 ? 130 : code;
}
