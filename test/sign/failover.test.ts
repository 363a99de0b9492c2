// signWithFailover with the real osslsigncode against a hanging and a healthy local TSA: the
// deadline must kill the stuck tool's process group. (The loop and the ServerLimiter on fake
// time, with exact timings, are in test/unit/sign/failover.test.ts.)

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWithFailover } from '../../src/signing/failover.js';
import { ServerLimiter } from '../../src/signing/limiter.js';
import { osslsigncodeSign } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { buildTinyWindowsExe } from '../fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

const never = new AbortController().signal;

describe('with osslsigncode and a hanging local TSA', () => {
  let dir: string;
  let pki: TestPki;
  let fleet: TsaFleet;
  let exe: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'winship-failover-'));
    pki = await createTestPki(path.join(dir, 'pki'));
    fleet = await startTsaFleet(pki, [{ kind: 'hang', name: 'hang' }, { kind: 'healthy', name: 'healthy' }]);
    exe = await buildTinyWindowsExe(path.join(dir, 'hello'));
  });
  afterAll(async () => {
    await fleet?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('kills osslsigncode stuck on the hanging server and signs with the next one', async () => {
    const runner = new ToolRunner({ dryRun: false, signal: never });
    const out = path.join(dir, 'signed.exe');
    const timeoutMs = 1500;
    const started = performance.now();
    const result = await signWithFailover(
      {
        file: exe,
        servers: [fleet.url('hang'), fleet.url('healthy')],
        timeoutMs,
        retries: 0,
        backoffMs: 10,
        limiter: new ServerLimiter(),
        signal: never,
        attemptOnce: async (server, signal) => {
          await rm(out, { force: true });
          await osslsigncodeSign(
            runner,
            { input: exe, output: out, credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword }, digest: 'sha256', timestampUrl: server },
            { timeoutMs: timeoutMs + 5000, signal },
          );
        },
      },
    );
    const elapsed = performance.now() - started;
    expect(result.server).toBe(fleet.url('healthy'));
    expect(result.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('hang'), 'timeout'],
      [fleet.url('healthy'), 'ok'],
    ]);
    // Real time, because a real process must be killed. 'timeout' above says our deadline
    // stopped it (the runner's 6.5 s backstop would have made it 'failed'); the upper bound only
    // says nothing waited for ever, so it is wide on purpose: on a loaded 2-core machine the
    // healthy signing after it alone can take seconds.
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    expect(elapsed).toBeLessThan(30_000);
    expect(fleet.server('hang').requestCount).toBe(1);
    expect(fleet.server('healthy').requestCount).toBe(1);
    // The stuck osslsigncode was killed with its process group, not left behind.
    const ps = await execa('ps', ['-eo', 'pid,args'], { reject: false });
    expect(ps.stdout.split('\n').filter((l) => l.includes('osslsigncode') && l.includes(fleet.url('hang')))).toEqual([]);
  });
});
