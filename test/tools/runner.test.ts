// ToolRunner with real processes: timeouts and cancellation kill the whole tree, secrets are
// redacted, dry runs still run read-only queries. (Pure command-line code: test/unit/tools/.)

import { execa } from 'execa';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CancelledError, MissingToolError } from '../../src/util/errors.js';
import { ToolFailedError, ToolRunner, type Tool } from '../../src/tools/runner.js';
import { warningsDuring } from '../support/warnings.js';

const sh: Tool = { name: 'sh', command: 'sh', install: 'apt-get install dash' };

/**
 * Processes whose command line matches `pattern`, once they are gone or after 10 s. A killed
 * process leaves the table a moment after its parent has been reaped (later on a loaded
 * machine), so look until it has rather than once after a fixed sleep.
 */
async function survivors(pattern: string): Promise<string> {
  const until = performance.now() + 10_000;
  for (;;) {
    const left = (await execa('pgrep', ['-f', pattern], { reject: false })).stdout;
    if (left === '' || performance.now() > until) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runner = (extra: Partial<ConstructorParameters<typeof ToolRunner>[0]> = {}) =>
  new ToolRunner({ dryRun: false, signal: new AbortController().signal, ...extra });

describe('ToolRunner', () => {
  it('kills the whole process tree on timeout', async () => {
    const marker = `winship-timeout-${process.pid}-${Date.now()}`;
    const started = Date.now();
    const err = await runner()
      .run({ tool: sh, args: ['-c', `sleep 30 & sleep 31; echo ${marker}`], timeoutMs: 500 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolFailedError);
    expect((err as ToolFailedError).timedOut).toBe(true);
    expect((err as Error).message).toContain('did not finish within 1 s and was stopped');
    // Real time, because a real process tree must be killed: unkilled, the shell would run for
    // 31 s. The bound only says it did not, so it is wide on purpose (a 0.5 s timeout).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await survivors('sleep 3[01]')).toBe('');
  });

  it('kills the tree on cancel and reports CancelledError', async () => {
    const controller = new AbortController();
    const p = runner({ signal: controller.signal }).run({ tool: sh, args: ['-c', 'sleep 40 & wait'] });
    setTimeout(() => controller.abort(), 200);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(await survivors('sleep 40')).toBe('');
  });

  it('20 tools at once under one run signal and one job signal add no listener to either', async () => {
    const run = new AbortController();
    const job = new AbortController();
    const r = runner({ signal: run.signal });
    const during: number[] = [];
    const warnings = await warningsDuring(async () => {
      const all = Promise.all(Array.from({ length: 20 }, () => r.run({ tool: sh, args: ['-c', 'sleep 0.2'], signal: job.signal })));
      // run() listens before its first await: all 20 are listening now.
      during.push(getEventListeners(run.signal, 'abort').length, getEventListeners(job.signal, 'abort').length);
      await all;
    });
    expect(warnings).toEqual([]);
    expect(during).toEqual([0, 0]);
  });

  it('redacts secrets from command lines, output and errors', async () => {
    const secret = 'hunter2-Pa55word';
    const lines: string[] = [];
    const r = runner({ secrets: [secret], onCommand: (l) => lines.push(l) });
    const err = (await r.run({ tool: sh, args: ['-c', `echo "pw=${secret}" >&2; exit 3`, secret] }).catch((e: unknown) => e)) as ToolFailedError;
    expect(err.toolExitCode).toBe(3);
    for (const text of [err.message, err.stderr, err.details ?? '', ...lines, JSON.stringify(err)]) expect(text).not.toContain(secret);
    expect(err.stderr).toContain('pw=***');
    // Parsers read what the tool wrote: a short secret must not rewrite "sha256" as "sha***".
    expect(err.raw.stderr).toBe(`pw=${secret}\n`);
    const ok = await runner({ secrets: ['256'] }).run({ tool: sh, args: ['-c', 'echo Message digest algorithm: SHA256'] });
    expect(ok.stdout).toBe('Message digest algorithm: SHA***\n');
    expect(ok.raw.stdout).toBe('Message digest algorithm: SHA256\n');
  });

  it('keeps scrubbed variables (secrets) out of the child environment', async () => {
    process.env.WINSHIP_TEST_SECRET = 'hunter3';
    try {
      const r = runner();
      r.scrubEnv('WINSHIP_TEST_SECRET');
      const out = await r.run({ tool: sh, args: ['-c', 'echo "${WINSHIP_TEST_SECRET-unset} ${HOME:+home}"'] });
      expect(out.stdout).toBe('unset home\n');
    } finally {
      delete process.env.WINSHIP_TEST_SECRET;
    }
  });

  it('names the install command for a missing tool', async () => {
    const err = await runner().run({ tool: { name: 'nope', command: 'winship-no-such-tool', install: 'apt-get install nope' }, args: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as Error).message).toBe('nope was not found on PATH. Install it with: apt-get install nope');
  });

  it('a tool that cannot start because its working folder is gone is not reported as missing', async () => {
    const err = await runner().run({ tool: sh, args: ['-c', 'true'], cwd: '/nonexistent/winship-work' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(MissingToolError);
    expect(err).toBeInstanceOf(ToolFailedError);
    expect((err as Error).message).toContain('sh could not be started: its working folder /nonexistent/winship-work does not exist');
  });

  it('feeds input on stdin, keeps output byte for byte, and reads exit codes and signals', async () => {
    const r = runner();
    const text = 'päss\nword\n'.repeat(20_000); // more than a pipe buffer
    expect((await r.run({ tool: sh, args: ['-c', 'cat'], input: text })).raw.stdout).toBe(text);
    // Without input the child's stdin is empty, not a pipe left open: a tool that reads it ends.
    expect((await r.run({ tool: sh, args: ['-c', 'cat; echo done'] })).stdout).toBe('done\n');
    expect((await r.run({ tool: sh, args: ['-c', 'echo out; echo err >&2; exit 3'], okExitCodes: [0, 3] })).exitCode).toBe(3);
    const failed = await r.run({ tool: sh, args: ['-c', 'echo why >&2; exit 4'], subject: 'x' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ToolFailedError);
    expect((failed as ToolFailedError).message).toBe("sh (x) exited with code 4: sh -c 'echo why >&2; exit 4'");
    expect((failed as ToolFailedError).toolExitCode).toBe(4);
    expect((failed as ToolFailedError).stderr).toBe('why\n');
    const killed = await r.run({ tool: sh, args: ['-c', 'kill -TERM $$'] }).catch((e: unknown) => e);
    expect((killed as Error).message).toContain('sh was killed by SIGTERM');
  });

  it('in dry-run prints instead of running, but still runs read-only queries', async () => {
    const lines: string[] = [];
    const r = runner({ dryRun: true, onCommand: (l) => lines.push(l) });
    expect((await r.run({ tool: sh, args: ['-c', 'echo ran'] })).stdout).toBe('');
    expect((await r.run({ tool: sh, args: ['-c', 'echo ran'], readOnly: true })).stdout).toBe('ran\n');
    expect(lines).toEqual(["sh -c 'echo ran'"]);
  });
});
