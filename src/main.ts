import { rmSync } from 'node:fs';
import { main } from './cli/main.js';
import { killAllChildren } from './tools/processes.js';
import { CancelledError } from './util/errors.js';
import { liveTemps } from './util/fs.js';

/** Exit codes of a run stopped by a signal: 128 + its number, as shells report them. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Process wiring: a signal kills every child process tree and removes our temp files. */
export async function runCli(): Promise<void> {
  // Jobs, tools and probes each listen on a signal derived from this one (AbortSignal.any),
  // never on it directly, so it needs no raised listener limit.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    stoppedBy ??= sig;
    killAllChildren(interrupts > 1);
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: stopping…\n`);
      controller.abort(new CancelledError());
    } else process.exit(SIGNAL_EXIT[stoppedBy] ?? 130);
  };
  for (const sig of Object.keys(SIGNAL_EXIT) as NodeJS.Signals[]) process.on(sig, onSignal);
  process.on('exit', () => {
    killAllChildren(true); // no timers run after 'exit'
    for (const temp of liveTemps()) rmSync(temp, { force: true, recursive: true });
  });
  // Nothing left to run, yet the command has not finished: a promise nothing will settle. Say
  // so, instead of Node's silent exit code 13.
  let finished = false;
  process.on('beforeExit', () => {
    if (finished) return;
    process.stderr.write('winship: the run stopped without finishing (internal error: please report it)\n');
    process.exit(stoppedBy ? (SIGNAL_EXIT[stoppedBy] ?? 130) : 1);
  });
  const code = await main(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  finished = true;
  process.exitCode = controller.signal.aborted && code !== 2 ? (SIGNAL_EXIT[stoppedBy ?? 'SIGINT'] ?? 130) : code;
}
