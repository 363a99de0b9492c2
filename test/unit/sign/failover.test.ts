// The failover loop and the shared ServerLimiter with fake attempts on fake time: every wait in
// them is a timer (deadlines, backoff, pacing slots, the stop grace), so vitest's fake clock
// runs them in microseconds and the tests can assert the exact times the logic computed,
// however loaded the machine is. (The real osslsigncode against a hanging TSA is in
// test/sign/failover.test.ts.)

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, StageError } from '../../../src/util/errors.js';
import { PermanentSigningError, SigningFailedError, displayServer, signWithFailover, type FailoverOptions } from '../../../src/signing/failover.js';
import { urlSecrets } from '../../../src/tsa/servers.js';
import { KNOWN_MIN_INTERVALS_MS, ServerLimiter, minIntervalFor } from '../../../src/signing/limiter.js';
import { sleep } from '../../../src/util/sleep.js';

const never = new AbortController().signal;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Fake ms since the test started (vitest fakes performance.now along with the timers). */
let t0 = 0;
const now = () => performance.now() - t0;

beforeEach(() => {
  vi.useFakeTimers();
  t0 = performance.now();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/**
 * What `p` gave (or `error`) and `at`, the fake time it settled at. Never rejects, so a
 * rejection is never unhandled while the test moves time on.
 */
function track<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  return p.then(
    (value) => ({ value, at: now() }),
    (error: unknown) => ({ error, at: now() }),
  );
}

/** Run fake time until no timer is left (every wait here is one), then track(p). */
async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  const outcome = track(p);
  await vi.runAllTimersAsync();
  return outcome;
}

/** A fake server: resolves after `ms` (default 1), fails with `error`, or never answers. */
type Behaviour = { ms?: number; error?: Error } | 'hang' | 'deaf';

function fakeAttempts(behaviours: Record<string, Behaviour | ((call: number) => Behaviour)>) {
  const calls: Array<{ server: string; at: number; signal: AbortSignal }> = [];
  const attemptOnce = async (server: string, signal: AbortSignal) => {
    const n = calls.filter((c) => c.server === server).length;
    calls.push({ server, at: now(), signal });
    const spec = behaviours[server];
    const b = typeof spec === 'function' ? spec(n) : spec;
    if (b === undefined) throw new Error(`unexpected server ${server}`);
    // Like a real tool: it never answers, and ends (killed) when the signal aborts.
    if (b === 'hang') return new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('killed')), { once: true }));
    if (b === 'deaf') return new Promise<void>(() => undefined); // ignores its signal too
    await delay(b.ms ?? 1);
    if (b.error) throw b.error;
  };
  const starts = (server?: string) => calls.filter((c) => server === undefined || c.server === server).map((c) => [c.server, c.at]);
  return { calls, attemptOnce, starts };
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
    const { value: result, at } = await settle(signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce })));
    expect(result!.server).toBe('a');
    expect(result!.attempts).toEqual([{ server: 'a', outcome: 'ok', detail: '', ms: 5 }]);
    expect(fake.starts()).toEqual([['a', 0]]);
    expect(at).toBe(5);
  });

  it('tries servers in ranked order until one works', async () => {
    const fake = fakeAttempts({ a: { error: new Error('HTTP 500') }, b: { error: new Error('connection refused') }, c: {}, d: {} });
    const { value: result } = await settle(signWithFailover(options({ servers: ['a', 'b', 'c', 'd'], attemptOnce: fake.attemptOnce })));
    expect(result!.server).toBe('c');
    expect(result!.attempts.map((a) => [a.server, a.outcome, a.detail])).toEqual([
      ['a', 'failed', 'HTTP 500'],
      ['b', 'failed', 'connection refused'],
      ['c', 'ok', ''],
    ]);
    expect(fake.starts()).toEqual([['a', 0], ['b', 1], ['c', 2]]);
  });

  it('stops an attempt at its deadline, aborts its signal, and moves on at once', async () => {
    const fake = fakeAttempts({ hang: 'hang', ok: {} });
    const pending = track(signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, timeoutMs: 300 })));
    await vi.advanceTimersByTimeAsync(299);
    expect(fake.calls.map((c) => c.server)).toEqual(['hang']);
    expect(fake.calls[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    const { value: result, at } = await pending;
    expect(result!.server).toBe('ok');
    expect(result!.attempts).toEqual([
      { server: 'hang', outcome: 'timeout', detail: 'no result within 300 ms; stopped', ms: 300 },
      { server: 'ok', outcome: 'ok', detail: '', ms: 1 },
    ]);
    expect(fake.starts()).toEqual([['hang', 0], ['ok', 300]]);
    expect(at).toBe(301);
  });

  it('waits for a stopped attempt to end before the next server, but not for ever', async () => {
    const order: Array<[string, number]> = [];
    const attemptOnce = async (server: string, signal: AbortSignal) => {
      order.push([`start ${server}`, now()]);
      if (server === 'slow-to-die') {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => setTimeout(resolve, 200), { once: true }));
        order.push(['slow-to-die ended', now()]);
        throw new Error('killed');
      }
    };
    const first = await settle(signWithFailover(options({ servers: ['slow-to-die', 'ok'], attemptOnce, timeoutMs: 100 })));
    expect(first.value!.server).toBe('ok');
    // Stopped at 100 ms, took 200 ms to wind down: the next server starts when it has.
    expect(order).toEqual([['start slow-to-die', 0], ['slow-to-die ended', 300], ['start ok', 300]]);

    t0 = performance.now();
    const deaf = fakeAttempts({ deaf: 'deaf', ok: {} });
    const second = await settle(signWithFailover(options({ servers: ['deaf', 'ok'], attemptOnce: deaf.attemptOnce, timeoutMs: 100, stopGraceMs: 300 })));
    expect(second.value!.server).toBe('ok');
    // One that never ends is given up on after the grace period: 100 ms deadline + 300 ms.
    expect(deaf.starts()).toEqual([['deaf', 0], ['ok', 400]]);
  });

  it('retries whole rounds with exponential backoff, then lists every attempt', async () => {
    const fake = fakeAttempts({ a: { error: new Error('status 2 (rejection)') }, b: 'hang' });
    const { error: err, at } = await settle(
      signWithFailover(
        options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, timeoutMs: 50, retries: 2, backoffMs: 100, limiter: new ServerLimiter({ coolDownMs: 0 }) }),
      ),
    );
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err).toBeInstanceOf(StageError);
    // Each round: a fails after 1 ms, b times out after 50 ms; then 100 ms, then 200 ms of backoff.
    expect(fake.starts()).toEqual([
      ['a', 0], ['b', 1],
      ['a', 151], ['b', 152],
      ['a', 402], ['b', 403],
    ]);
    expect(at).toBe(453);
    const lines = (err as SigningFailedError).message.split('\n');
    expect(lines[0]).toBe('Could not sign dist/app.exe with a valid timestamp: all 6 attempts on 2 time-stamp servers failed:');
    expect(lines.slice(1, 7)).toEqual([
      '  1. a: failed: status 2 (rejection) (1 ms)',
      '  2. b: timed out: no result within 50 ms; stopped (50 ms)',
      '  3. a: failed: status 2 (rejection) (1 ms)',
      '  4. b: timed out: no result within 50 ms; stopped (50 ms)',
      '  5. a: failed: status 2 (rejection) (1 ms)',
      '  6. b: timed out: no result within 50 ms; stopped (50 ms)',
    ]);
    expect(lines[7]).toMatch(/^Next: check that this machine can reach the servers .* or raise the signing timeout if the servers are only slow\.$/);
  });

  it('succeeds in a later round', async () => {
    const fake = fakeAttempts({ a: (n) => (n < 1 ? { error: new Error('HTTP 503') } : {}) });
    const { value: result } = await settle(
      signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, retries: 3, backoffMs: 20, limiter: new ServerLimiter({ coolDownMs: 0 }) })),
    );
    expect(result!.attempts.map((a) => a.outcome)).toEqual(['failed', 'ok']);
    expect(fake.starts()).toEqual([['a', 0], ['a', 21]]);
  });

  it('a permanent error stops at once: no other server is tried', async () => {
    const fake = fakeAttempts({ a: { error: new PermanentSigningError('Failed to parse PKCS#12 file (Wrong password?)') }, b: {} });
    const { error } = await settle(signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, retries: 2 })));
    const err = error as SigningFailedError;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err.permanent).toBe('Failed to parse PKCS#12 file (Wrong password?)');
    expect(fake.calls.map((c) => c.server)).toEqual(['a']);
    expect(err.message).toContain('This is not a time-stamp server problem, so no other server was tried');
  });

  it('cancellation ends the loop at once with CancelledError, not a failure', async () => {
    const controller = new AbortController();
    const fake = fakeAttempts({ a: 'hang' });
    setTimeout(() => controller.abort(), 50);
    const { error, at } = await settle(
      signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, timeoutMs: 5000, retries: 3, signal: controller.signal })),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(at).toBe(50);
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
    const all = Promise.all(
      Array.from({ length: 5 }, (_, i) => signWithFailover(options({ file: `f${i}.exe`, servers: ['a'], attemptOnce: fake.attemptOnce, limiter }))),
    );
    const { value: results } = await settle(all);
    expect(results!.every((r) => r.server === 'a')).toBe(true);
    // Every start on its own slot, 150 ms apart (the first request is a trial: the others wait
    // for it, then book the next slots).
    expect(fake.calls.map((c) => c.at)).toEqual([0, 150, 300, 450, 600]);
  });

  it('moves on to the next server rather than wait long for a paced one', async () => {
    const limiter = new ServerLimiter({ minIntervalMs: { slow: 5_000 }, maxWaitMs: 200 });
    const fake = fakeAttempts({ slow: { ms: 5 }, b: { ms: 5 } });
    const first = await settle(signWithFailover(options({ servers: ['slow', 'b'], attemptOnce: fake.attemptOnce, limiter })));
    const second = await settle(signWithFailover(options({ servers: ['slow', 'b'], attemptOnce: fake.attemptOnce, limiter })));
    expect([first.value!.server, second.value!.server]).toEqual(['slow', 'b']);
    // slow's next slot is 4995 ms away, more than maxWaitMs: b at once, no wait.
    expect(fake.starts()).toEqual([['slow', 0], ['b', 5]]);
  });

  it('waits for the slot when every server is far away', async () => {
    const limiter = new ServerLimiter({ minIntervalMs: 400, maxWaitMs: 50 });
    const fake = fakeAttempts({ a: {}, b: {} });
    await settle(signWithFailover(options({ servers: ['a'], attemptOnce: fake.attemptOnce, limiter })));
    await settle(signWithFailover(options({ servers: ['b'], attemptOnce: fake.attemptOnce, limiter })));
    const third = await settle(signWithFailover(options({ servers: ['a', 'b'], attemptOnce: fake.attemptOnce, limiter })));
    expect(third.value!.server).toBe('a');
    // Asked at 2 ms, a's slot is at 400 ms and b's at 401 ms: the earliest, however far.
    expect(fake.starts()).toEqual([['a', 0], ['b', 1], ['a', 400]]);
  });

  it('circuit breaker: a server that timed out goes to the back for the next files', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 60_000 });
    const fake = fakeAttempts({ hang: 'hang', ok: {} });
    const first = await settle(signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 100 })));
    expect(first.value!.attempts.map((a) => a.outcome)).toEqual(['timeout', 'ok']);
    expect(limiter.stateOf('hang')).toBe('cooling');
    expect(limiter.order(['hang', 'ok'])).toEqual(['ok', 'hang']);
    for (let i = 0; i < 5; i++) {
      const next = await settle(signWithFailover(options({ servers: ['hang', 'ok'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 100 })));
      expect(next.value!.attempts.map((a) => a.server)).toEqual(['ok']);
    }
    expect(fake.calls.filter((c) => c.server === 'hang')).toHaveLength(1);
  });

  it('after the cool-down the server is tried again', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 100 });
    const fake = fakeAttempts({ flaky: (n) => (n === 0 ? { error: new Error('HTTP 500') } : {}), ok: {} });
    await settle(signWithFailover(options({ servers: ['flaky', 'ok'], attemptOnce: fake.attemptOnce, limiter })));
    // flaky failed at 1 ms: cooling until 101 ms.
    await vi.advanceTimersByTimeAsync(100 - now());
    expect(limiter.stateOf('flaky')).toBe('cooling');
    await vi.advanceTimersByTimeAsync(1);
    expect(limiter.stateOf('flaky')).toBe('unknown');
    const again = await settle(signWithFailover(options({ servers: ['flaky', 'ok'], attemptOnce: fake.attemptOnce, limiter })));
    expect(again.value!.server).toBe('flaky');
    expect(limiter.stateOf('flaky')).toBe('good');
  });

  it('a cooling server is still used when nothing else is left', async () => {
    const limiter = new ServerLimiter({ coolDownMs: 60_000 });
    const fake = fakeAttempts({ only: (n) => (n === 0 ? { error: new Error('HTTP 500') } : {}) });
    expect((await settle(signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter })))).error).toBeInstanceOf(SigningFailedError);
    const retry = await settle(signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter })));
    expect(retry.value!.server).toBe('only');
  });

  it('spreads a burst: at most maxInFlightPerServer open requests on one server', async () => {
    const limiter = new ServerLimiter({ maxInFlightPerServer: 2 });
    const fake = fakeAttempts({ a: { ms: 40 }, b: { ms: 40 }, c: { ms: 40 } });
    // Make every server known good first (one request each).
    for (const s of ['a', 'b', 'c']) await settle(signWithFailover(options({ servers: [s], attemptOnce: fake.attemptOnce, limiter })));
    fake.calls.length = 0;
    t0 = performance.now();
    const open: Record<string, number> = { a: 0, b: 0, c: 0 };
    const peak: Record<string, number> = { a: 0, b: 0, c: 0 };
    const counting = async (server: string, signal: AbortSignal) => {
      open[server]!++;
      peak[server] = Math.max(peak[server]!, open[server]!);
      try {
        await fake.attemptOnce(server, signal);
      } finally {
        open[server]!--;
      }
    };
    const { value: results } = await settle(
      Promise.all(Array.from({ length: 12 }, (_, i) => signWithFailover(options({ file: `f${i}.exe`, servers: ['a', 'b', 'c'], attemptOnce: counting, limiter })))),
    );
    expect(results!.every((r) => r.attempts.length === 1)).toBe(true);
    expect(peak).toEqual({ a: 2, b: 2, c: 2 });
    // Two waves of six, each filling a, b, c in ranked order; the rest wait for a free place.
    expect(fake.starts()).toEqual([
      ['a', 0], ['a', 0], ['b', 0], ['b', 0], ['c', 0], ['c', 0],
      ['a', 40], ['a', 40], ['b', 40], ['b', 40], ['c', 40], ['c', 40],
    ]);
  });

  it('with one server, extra workers wait for an open request to end', async () => {
    const limiter = new ServerLimiter({ maxInFlightPerServer: 1 });
    const fake = fakeAttempts({ only: { ms: 50 } });
    await settle(signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter })));
    fake.calls.length = 0;
    t0 = performance.now();
    const { at } = await settle(Promise.all(Array.from({ length: 4 }, () => signWithFailover(options({ servers: ['only'], attemptOnce: fake.attemptOnce, limiter })))));
    expect(fake.calls.map((c) => c.at)).toEqual([0, 50, 100, 150]);
    expect(at).toBe(200);
  });

  it('parallel workers do not pile onto a server nobody has seen working', async () => {
    // 8 files at once, the first-ranked server hangs: only one worker pays its timeout.
    const limiter = new ServerLimiter();
    const fake = fakeAttempts({ hang: 'hang', a: { ms: 30 }, b: { ms: 30 } });
    const finished: number[] = [];
    const all = Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signWithFailover(options({ file: `f${i}.exe`, servers: ['hang', 'a', 'b'], attemptOnce: fake.attemptOnce, limiter, timeoutMs: 500 })).then((r) => {
          finished.push(now());
          return r;
        }),
      ),
    );
    const { value: results, at } = await settle(all);
    expect(fake.calls.filter((c) => c.server === 'hang')).toHaveLength(1);
    const timedOut = results!.filter((r) => r.attempts.some((a) => a.outcome === 'timeout'));
    expect(timedOut).toHaveLength(1);
    // The other seven went straight to a healthy server: one trial each on a and b, then the
    // five that waited for those trials, spread by the in-flight cap (3 on a, 2 on b).
    const direct = results!.filter((r) => r.attempts.length === 1);
    expect(direct).toHaveLength(7);
    expect(fake.starts()).toEqual([
      ['hang', 0], ['a', 0], ['b', 0],
      ['a', 30], ['a', 30], ['a', 30], ['b', 30], ['b', 30],
      ['a', 500],
    ]);
    expect(finished).toEqual([30, 30, 60, 60, 60, 60, 60, 530]);
    expect(at).toBe(530);
  });

  it('noteRequest: keeps the minimum interval from a request made outside acquire, and trusts a healthy server at once', async () => {
    const server = 'http://tsa.test/';
    const limiter = new ServerLimiter({ minIntervalMs: { [server]: 15_000 } });
    limiter.noteRequest(server, limiter.clock(), true);
    expect(limiter.stateOf(server)).toBe('good');
    await vi.advanceTimersByTimeAsync(1000);
    const lease = limiter.acquire([server], never).then((l) => ({ ...l, at: now() }));
    await vi.advanceTimersByTimeAsync(13_999);
    const early = await Promise.race([lease, Promise.resolve('pending')]);
    expect(early).toBe('pending'); // 14.999 s after the probe: 1 ms to go
    await vi.advanceTimersByTimeAsync(1);
    expect(await lease).toMatchObject({ server, waitedMs: 14_000, at: 15_000 });
  });

  it('acquire rejects with CancelledError when its signal aborts while waiting for a slot', async () => {
    const server = 'http://tsa.test/';
    const limiter = new ServerLimiter({ minIntervalMs: { [server]: 15_000 } });
    limiter.noteRequest(server, limiter.clock(), true);
    const controller = new AbortController();
    const pending = settle(limiter.acquire([server], controller.signal));
    setTimeout(() => controller.abort(), 10);
    const { error, at } = await pending;
    expect(error).toBeInstanceOf(CancelledError);
    expect(at).toBe(10);
  });
});

describe('sleep', () => {
  it('waits exactly the time asked, never less', async () => {
    const done = vi.fn();
    void sleep(250, never).then(done);
    await vi.advanceTimersByTimeAsync(249);
    expect(done).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toHaveBeenCalledOnce();
  });

  it('re-arms a timer that fires before the time has really passed', async () => {
    // Node can run a timer a little early by performance.now() (its loop clock is cached):
    // here the clock lags 5 ms behind the timers the first time sleep looks.
    const real = performance.now.bind(performance);
    let lag = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => real() - lag);
    const done = vi.fn();
    void sleep(100, never).then(done);
    lag = 5;
    await vi.advanceTimersByTimeAsync(100);
    expect(done).not.toHaveBeenCalled(); // the clock says 95 ms: armed again for the 5 ms left
    lag = 0;
    await vi.advanceTimersByTimeAsync(5);
    expect(done).toHaveBeenCalledOnce();
  });

  it('rejects with CancelledError when the signal aborts, or was aborted already', async () => {
    const controller = new AbortController();
    const pending = settle(sleep(10_000, controller.signal));
    setTimeout(() => controller.abort(), 30);
    const { error, at } = await pending;
    expect(error).toBeInstanceOf(CancelledError);
    expect(at).toBe(30);
    await expect(sleep(10, controller.signal)).rejects.toBeInstanceOf(CancelledError);
    await expect(sleep(0, never)).resolves.toBeUndefined();
  });
});
