// The failover loop and the shared ServerLimiter, with fake attempts (exact control of timing),
// then once with the real osslsigncode against a hanging and a healthy local TSA.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, StageError } from '../../src/util/errors.js';
import { PermanentSigningError, SigningFailedError, displayServer, signWithFailover, type FailoverOptions } from '../../src/signing/failover.js';
import { urlSecrets } from '../../src/tsa/servers.js';
import { KNOWN_MIN_INTERVALS_MS, ServerLimiter, minIntervalFor } from '../../src/signing/limiter.js';
import { osslsigncodeSign } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { buildTinyWindowsExe } from '../fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

const never = new AbortController().signal;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake server: resolves after `ms`, fails with `error`, or never answers ('hang', ignoring the signal). */
type Behaviour = { ms?: number; error?: Error } | 'hang' | 'deaf';

function fakeAttempts(behaviours: Record<string, Behaviour | ((call: number) => Behaviour)>) {
  const calls: Array<{ server: string; at: number; signal: AbortSignal }> = [];
  const t0 = performance.now();
  const attemptOnce = async (server: string, signal: AbortSignal) => {
    const n = calls.filter((c) => c.server === server).length;
    calls.push({ server, at: performance.now() - t0, signal });
    const spec = behaviours[server];
    const b = typeof spec === 'function' ? spec(n) : spec;
    if (b === undefined) throw new Error(`unexpected server ${server}`);
    // Like a real tool: it never answers, and ends (killed) when the signal aborts.
    if (b === 'hang') return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('killed')), { once: true }));
    if (b === 'deaf') return new Promise<void>(() => undefined); // ignores its signal too
    await delay(b.ms ?? 1);
    if (b.error) throw b.error;
  };
  return { calls, attemptOnce };
}

function options(partial: Partial<FailoverOptions> & Pick<FailoverOptions, 'attemptOnce' | 'servers'>): FailoverOptions {
  return {
    file: 'dist/app.exe',
    timeoutMs: 1000,
    retries: 0,
    backoffMs: 10,
    limiter: new ServerLimiter(),
    signal: never,
    ...partial,
  };
}

describe('signWithFailover', () => {
  it('uses the first server when it works', async () => {
    const fake = fakeAttempts({ a: { ms: 5 }, b: { ms: 5 } });
    const result = await signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce }));
    expect(result.server).toBe('a');
    expect(result.attempts).toEqual([{ server: 'a', outcome: 'ok', detail: '', ms: expect.any(Number) }]);
    expect(fake.calls.map((c) => c.server)).toEqual(['a']);
  });

  it('tries servers in ranked order until one works', async () => {
    const fake = fakeAttempts({ a: { error: new Error('HTTP 500') }, b: { error: new Error('connection refused') }, c: {}, d: {} });
    const result = await signWithFailover(options({ servers: ['a', 'b', 'c', 'd'], attemptOnce: fake.attemptOnce }));
    expect(result.server).toBe('c');
    expect(result.attempts.map((a) => [a.server, a.outcome, a.detail])).toEqual([
      ['a', 'failed', 'HTTP 500'],
      ['b', 'failed', 'connection refused'],
      ['c', 'ok', ''],
    ]);
  });

  it('stops an attempt at its deadline, aborts its signal, and moves on', async () => {
    const fake = fakeAttempts({ hang: 'hang', ok: {} });
    const started = performance.now();
    const result = await signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, timeoutMs: 300 }));
    const elapsed = performance.now() - started;
    expect(result.server).toBe('ok');
    expect(result.attempts[0]).toMatchObject({ server: 'hang', outcome: 'timeout', detail: 'no result within 300 ms; stopped' });
    expect(result.attempts[0]!.ms).toBeGreaterThanOrEqual(295);
    expect(fake.calls[0]!.signal.aborted).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1000);
  });

  it('waits for a stopped attempt to end before the next server, but not for ever', async () => {
    const order: string[] = [];
    const attemptOnce = async (server: string, signal: AbortSignal) => {
      order.push(`start ${server}`);
      if (server === 'slow-to-die') {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => setTimeout(resolve, 200), { once: true }));
        order.push('slow-to-die ended');
        throw new Error('killed');
      }
    };
    const result = await signWithFailover(options({ servers: ['slow-to-die', 'ok'], attemptOnce, timeoutMs: 100 }));
    expect(result.server).toBe('ok');
    expect(order).toEqual(['start slow-to-die', 'slow-to-die ended', 'start ok']);

    const deaf = fakeAttempts({ deaf: 'deaf', ok: {} });
    const started = performance.now();
    const second = await signWithFailover(options({ servers: ['deaf', 'ok'], attemptOnce: deaf.attemptOnce, timeoutMs: 100, stopGraceMs: 300 }));
    expect(second.server).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
  });

  it('retries whole rounds with exponential backoff, then lists every attempt', async () => {
    const fake = fakeAttempts({ a: { error: new Error('status 2 (rejection)') }, b: 'hang' });
    const started = performance.now();
    const err = await signWithFailover(
      options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, timeoutMs: 50, retries: 2, backoffMs: 100, limiter: new ServerLimiter({ coolDownMs: 0 }) }),
    ).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err).toBeInstanceOf(StageError);
    const failure = err as SigningFailedError;
    expect(failure.attempts.map((a) => [a.server, a.outcome])).toEqual([
      ['a', 'failed'], ['b', 'timeout'],
      ['a', 'failed'], ['b', 'timeout'],
      ['a', 'failed'], ['b', 'timeout'],
    ]);
    // Rounds: 3 × (a + 50 ms for b), plus backoff 100 ms then 200 ms.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 50 + 100 + 200 - 5);
    expect(elapsed).toBeLessThan(3000);
    const lines = failure.message.split('\n');
    expect(lines[0]).toBe('Could not sign dist/app.exe with a valid timestamp: all 6 attempts on 2 time-stamp servers failed:');
    expect(lines.slice(1, 7)).toEqual([
      expect.stringMatching(/^ {2}1\. a: failed: status 2 \(rejection\) \(\d+ ms\)$/),
      expect.stringMatching(/^ {2}2\. b: timed out: no result within 50 ms; stopped \(\d+ ms\)$/),
      expect.stringMatching(/^ {2}3\. a: failed/),
      expect.stringMatching(/^ {2}4\. b: timed out/),
      expect.stringMatching(/^ {2}5\. a: failed/),
      expect.stringMatching(/^ {2}6\. b: timed out/),
    ]);
    expect(lines[7]).toMatch(/^Next: check that this machine can reach the servers .* or raise the signing timeout if the servers are only slow\.$/);
  });

  it('succeeds in a later round', async () => {
    const fake = fakeAttempts({ a: (n) => (n < 1 ? { error: new Error('HTTP 503') } : {}) });
    const result = await signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, retries: 3, backoffMs: 20, limiter: new ServerLimiter({ coolDownMs: 0 }) }));
    expect(result.attempts.map((a) => a.outcome)).toEqual(['failed', 'ok']);
  });

  it('a permanent error stops at once: no other server is tried', async () => {
    const fake = fakeAttempts({ a: { error: new PermanentSigningError('Failed to parse PKCS#12 file (Wrong password?)') }, b: {} });
    const err = (await signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, retries: 2 })).catch((e: unknown) => e)) as SigningFailedError;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err.permanent).toBe('Failed to parse PKCS#12 file (Wrong password?)');
    expect(fake.calls.map((c) => c.server)).toEqual(['a']);
    expect(err.message).toContain('This is not a time-stamp server problem, so no other server was tried');
  });

  it('cancellation ends the loop with CancelledError, not a failure', async () => {
    const controller = new AbortController();
    const fake = fakeAttempts({ a: 'hang' });
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await expect(
      signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, timeoutMs: 5000, retries: 3, signal: controller.signal })),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(fake.calls[0]!.signal.aborted).toBe(true);
  });

  it('no servers is a clear error', async () => {
    await expect(signWithFailover(options({ servers: [], attemptOnce: async () => undefined }))).rejects.toThrow(/no time-stamp servers are configured/);
  });

  it('server credentials never appear in messages', () => {
    expect(displayServer('https://user:t0ken@tsa.example.com/rfc3161?x=1')).toBe('https://tsa.example.com/rfc3161?x=***');
    expect(displayServer('https://tsa.example.com/rfc3161?token=s3cr3t-t0ken&v=1')).toBe('https://tsa.example.com/rfc3161?token=***&v=***');
    expect(displayServer('http://timestamp.digicert.com')).toBe('http://timestamp.digicert.com');
    expect(urlSecrets('https://u:p%40ss@tsa.example.com/?token=s3cr3t%2Bt0ken&v=1')).toEqual(['u', 'p%40ss', 'p@ss', 's3cr3t+t0ken', 's3cr3t%2Bt0ken']);
    const err = new SigningFailedError('a.exe', [{ server: 'https://user:t0ken@tsa.example.com/', outcome: 'failed', detail: 'HTTP 401', ms: 3 }]);
    expect(err.message).not.toContain('t0ken');
    expect(err.message).toContain('https://tsa.example.com/: failed: HTTP 401');
  });
});

describe('ServerLimiter', () => {
  it('minimum intervals: configured, per host, and Sectigo’s own 15 s', () => {
    expect(minIntervalFor('http://a.test/', 250)).toBe(250);
    expect(minIntervalFor('http://a.test:8080/x', { 'a.test:8080': 300 })).toBe(300);
    expect(minIntervalFor('http://a.test/x', { 'a.test': 400 })).toBe(400);
    expect(minIntervalFor('http://a.test/x', { 'http://a.test/x': 500 })).toBe(500);
    expect(minIntervalFor('http://timestamp.sectigo.com', undefined)).toBe(15_000);
    expect(minIntervalFor('http://timestamp.sectigo.com', 1000)).toBe(KNOWN_MIN_INTERVALS_MS['timestamp.sectigo.com']);
    expect(minIntervalFor('http://timestamp.digicert.com', undefined)).toBe(0);
  });

  it('holds the per-server interval across parallel workers', async () => {
    const limiter = new ServerLimiter({ minIntervalMs: 150 });
    const fake = fakeAttempts({ a: { ms: 10 } });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        signWithFailover(options({ file: `f${i}.exe`, servers: ['a'], attemptOnce: fake.attemptOnce, limiter })),
      ),
    );
    expect(results.every((r) => r.server === 'a')).toBe(true);
    const starts = fake.calls.map((c) => c.at).sort((x, y) => x - y);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(149);
  });

  it('moves on to the next server rather than wait long for a paced one', async () => {
    const limiter = new ServerLimiter({ minIntervalMs: { slow: 5_000 }, maxWaitMs: 200 });
    const fake = fakeAttempts({ slow: { ms: 5 }, b: { ms: 5 } });
    const first = await signWithFailover(options({ servers: ['slow', 'b'], attemptOnce: fake.attemptOnce, limiter }));
    const started = performance.now();
    const second = await signWithFailover(options({ servers: ['slow', 'b'], attemptOnce: fake.attemptOnce, limiter }));
    expect([first.server, second.server]).toEqual(['slow', 'b']);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('waits for the slot when every server is far away', async () => {
    const limiter = new ServerLimiter({ minIntervalMs: 400, maxWaitMs: 50 });
    const fake = fakeAttempts({ a: {}, b: {} });
    await signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, limiter }));
    await signWithFailover(options({ servers: ['b'], attemptOnce: fake.attemptOnce, limiter }));
    const started = performance.now();
    const third = await signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, limiter }));
    expect(third.server).toBe('a');
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('circuit breaker: a server that timed out goes to the back for the next files', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 60_000 });
    const fake = fakeAttempts({ hang: 'hang', ok: {} });
    const first = await signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 100 }));
    expect(first.attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    expect(limiter.stateOf('hang')).toBe('cooling');
    expect(limiter.order(['hang', 'ok'])).toEqual(['ok', 'hang']);
    for (let i = 0; i < 5; i++) {
      const next = await signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 100 }));
      expect(next.attempts.map((a) => a.server)).toEqual(['ok']);
    }
    expect(fake.calls.filter((c) => c.server === 'hang')).toHaveLength(1);
  });

  it('after the cool-down the server is tried again', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 100 });
    const fake = fakeAttempts({ flaky: (n) => (n === 0 ? { error: new Error('HTTP 500') } : {}), ok: {} });
    await signWithFailover(options({ servers: ['flaky', 'ok'], attemptOnce: fake.attemptOnce, limiter }));
    expect(limiter.stateOf('flaky')).toBe('cooling');
    await delay(120);
    expect(limiter.stateOf('flaky')).toBe('unknown');
    const again = await signWithFailover(options({ servers: ['flaky', 'ok'], attemptOnce: fake.attemptOnce, limiter }));
    expect(again.server).toBe('flaky');
    expect(limiter.stateOf('flaky')).toBe('good');
  });

  it('a cooling server is still used when nothing else is left', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 60_000 });
    const fake = fakeAttempts({ only: (n) => (n === 0 ? { error: new Error('HTTP 500') } : {}) });
    await expect(signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter }))).rejects.toBeInstanceOf(SigningFailedError);
    const retry = await signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter }));
    expect(retry.server).toBe('only');
  });

  it('spreads a burst: at most maxInFlightPerServer open requests on one server', async () => {
    const limiter = new ServerLimiter({ maxInFlightPerServer: 2 });
    const fake = fakeAttempts({ a: { ms: 40 }, b: { ms: 40 }, c: { ms: 40 } });
    // Make every server known good first (one request each).
    for (const s of ['a', 'b', 'c']) await signWithFailover(options({ servers: [s], attemptOnce: fake.attemptOnce, limiter }));
    fake.calls.length = 0;
    let open = { a: 0, b: 0, c: 0 } as Record<string, number>;
    let peak = { a: 0, b: 0, c: 0 } as Record<string, number>;
    const counting = async (server: string, signal: AbortSignal) => {
      open[server]!++;
      peak[server] = Math.max(peak[server]!, open[server]!);
      try {
        await fake.attemptOnce(server, signal);
      } finally {
        open[server]!--;
      }
    };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signWithFailover(options({ file: `f${i}.exe`, servers: ['a', 'b', 'c'], attemptOnce: counting, limiter }))),
    );
    expect(results.every((r) => r.attempts.length === 1)).toBe(true);
    expect(peak).toEqual({ a: 2, b: 2, c: 2 });
    // Ranked order still decides who gets the most.
    const count = (s: string) => fake.calls.filter((c) => c.server === s).length;
    expect(count('a')).toBeGreaterThanOrEqual(count('c'));
    expect(count('a') + count('b') + count('c')).toBe(12);
  });

  it('with one server, extra workers wait for an open request to end', async () => {
    const limiter = new ServerLimiter({ maxInFlightPerServer: 1 });
    const fake = fakeAttempts({ only: { ms: 50 } });
    await signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter }));
    const started = performance.now();
    await Promise.all(Array.from({ length: 4 }, () => signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter }))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 50 - 5);
  });

  it('parallel workers do not pile onto a server nobody has seen working', async () => {
    // 8 files at once, the first-ranked server hangs: only one worker pays its timeout.
    const limiter = new ServerLimiter();
    const fake = fakeAttempts({ hang: 'hang', a: { ms: 30 }, b: { ms: 30 } });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signWithFailover(options({ file: `f${i}.exe`, servers: ['hang', 'a', 'b'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 500 })),
      ),
    );
    const elapsed = performance.now() - started;
    expect(fake.calls.filter((c) => c.server === 'hang')).toHaveLength(1);
    const timedOut = results.filter((r) => r.attempts.some((a) => a.outcome === 'timeout'));
    expect(timedOut).toHaveLength(1);
    // The other seven went straight to a healthy server (spread over a and b by the in-flight cap).
    const direct = results.filter((r) => r.attempts.length === 1);
    expect(direct).toHaveLength(7);
    expect(direct.every((r) => r.server === 'a' || r.server === 'b')).toBe(true);
    expect(elapsed).toBeLessThan(500 + 400);
  });
});

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
      options({
        file: exe,
        servers: [fleet.url('hang'), fleet.url('healthy')],
        timeoutMs,
        attemptOnce: async (server, signal) => {
          await rm(out, { force: true });
          await osslsigncodeSign(
            runner,
            { input: exe, output: out, credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, passwordFile: pki.codeSigning.pfxPasswordFile }, digest: 'sha256', timestampUrl: server },
            { timeoutMs: timeoutMs + 5000, signal },
          );
        },
      }),
    );
    const elapsed = performance.now() - started;
    expect(result.server).toBe(fleet.url('healthy'));
    expect(result.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('hang'), 'timeout'],
      [fleet.url('healthy'), 'ok'],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs);
    expect(elapsed).toBeLessThan(timeoutMs * 2 + 5000);
    expect(fleet.server('hang').requestCount).toBe(1);
    expect(fleet.server('healthy').requestCount).toBe(1);
    // The stuck osslsigncode was killed with its process group, not left behind.
    const ps = await execa('ps', ['-eo', 'pid,args'], { reject: false });
    expect(ps.stdout.split('\n').filter((l) => l.includes('osslsigncode') && l.includes(fleet.url('hang')))).toEqual([]);
  });
});

describe('ServerLimiter.noteRequest (the probe counts as a request)', () => {
  it('keeps the minimum interval from a request made outside acquire, and trusts a healthy server at once', async () => {
    let now = 1000;
    const limiter = new ServerLimiter({ minIntervalMs: { 'http://tsa.test/': 15_000 }, now: () => now });
    limiter.noteRequest('http://tsa.test/', 1000, true);
    expect(limiter.stateOf('http://tsa.test/')).toBe('good');
    now = 2000;
    const controller = new AbortController();
    const pending = limiter.acquire(['http://tsa.test/'], controller.signal);
    let settled = false;
    void pending.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // 1 s after the probe: still 14 s to wait
    controller.abort();
    await expect(pending).rejects.toBeTruthy();
  });
});
