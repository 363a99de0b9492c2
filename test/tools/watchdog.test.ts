// Children never outlive winship, even when it is killed with SIGKILL and runs no code of its
// own: the watchdog (src/tools/watchdog.ts) sees its pipe close and stops every live group.

import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/paths.js';

/** Whether `pid` still runs (a zombie counts as gone: it is only waiting to be reaped). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && !/^\d+ \(.*\) Z /.test(stat);
}

/** Wait until none of `pids` runs, or `ms` passed; returns those still running. */
async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const until = performance.now() + ms;
  for (;;) {
    const left = [];
    for (const pid of pids) if (await running(pid)) left.push(pid);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A process that runs tools through the real ToolRunner (lib/, as the CLI does), prints the
// pids involved, and then waits to be killed.
const script = (lines: string) => `
import { ToolRunner } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'lib/tools/runner.js')).href)};
import { watchdogPid } from ${JSON.stringify(pathToFileURL(join(repoRoot, 'lib/tools/watchdog.js')).href)};
const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
const sh = { name: 'sh', command: 'sh', install: '' };
${lines}
`;

describe('watchdog', () => {
  it('stops every running tool tree within seconds of winship being killed with SIGKILL', async () => {
    const parent = execa('node', ['--input-type=module', '-e', script(`
      // Two trees, one with a grandchild that ignores SIGTERM (it gets SIGKILL after the grace).
      runner.run({ tool: sh, args: ['-c', 'echo $$ > /dev/stderr; exec sleep 300'] }).catch(() => {});
      runner.run({ tool: sh, args: ['-c', 'trap "" TERM; sleep 301 & echo $! >&2; wait'] }).catch(() => {});
      setTimeout(() => { console.log(JSON.stringify({ watchdog: watchdogPid() })); }, 500);
      setInterval(() => {}, 1000);
    `)], { reject: false, buffer: true });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 50));
    const { watchdog } = JSON.parse(out) as { watchdog: number };
    const sleepers = (await execa('pgrep', ['-f', '^sleep 30[01]$'])).stdout.split('\n').map(Number);
    expect(sleepers).toHaveLength(2);
    expect(await running(watchdog)).toBe(true);

    parent.kill('SIGKILL');
    await parent;
    // The grace period is 2 s; 20 s is only a wide bound for a loaded machine.
    expect(await waitGone([...sleepers, watchdog], 20_000)).toEqual([]);
  });

  it('ends with a run that exits normally, and stops nothing that has exited', async () => {
    const { stdout } = await execa('node', ['--input-type=module', '-e', script(`
      await runner.run({ tool: sh, args: ['-c', 'true'] });
      console.log(watchdogPid());
    `)]);
    expect(await waitGone([Number(stdout)], 20_000)).toEqual([]);
  });
});
