// Many jobs at once under one run-wide signal must not pile 'abort' listeners onto it: each call
// derives its own signal (AbortSignal.any) and listens there. Node warns (MaxListenersExceeded-
// Warning) at the 11th listener on one signal, so these run 50 jobs and fail on any warning.

import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { signWithFailover } from '../../../src/signing/failover.js';
import { ServerLimiter } from '../../../src/signing/limiter.js';
import { sleep } from '../../../src/util/sleep.js';
import { CancelledError } from '../../../src/util/errors.js';
import { runBounded } from '../../../src/util/parallel.js';
import { warningsDuring } from '../../support/warnings.js';

const JOBS = 50;
const items = Array.from({ length: JOBS }, (_, i) => i);

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('abort listeners under one shared signal', () => {
  it(`runBounded: ${JOBS} jobs at once, each waiting on its signal, add no listener to the parent`, async () => {
    const parent = new AbortController().signal;
    const during: number[] = [];
    const warnings = await warningsDuring(() =>
      runBounded(items, JOBS, parent, async (_, signal) => {
        await sleep(5, signal); // listens on the job's signal while it waits
        during.push(listeners(parent));
      }),
    );
    expect(warnings).toEqual([]);
    expect(during).toEqual(Array(JOBS).fill(0));
    expect(listeners(parent)).toBe(0);
  });

  it('runBounded: the parent still cancels every running job, and the first failure the others', async () => {
    const parent = new AbortController();
    const started: number[] = [];
    const run = runBounded(items, JOBS, parent.signal, async (n, signal) => {
      started.push(n);
      await sleep(60_000, signal);
    });
    setTimeout(() => parent.abort(), 5);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(started).toHaveLength(JOBS);

    const seen: unknown[] = [];
    const failing = runBounded(items, JOBS, new AbortController().signal, async (n, signal) => {
      if (n === 7) throw new Error('job 7 broke');
      await sleep(60_000, signal).catch((err: unknown) => {
        seen.push(err);
        throw err;
      });
    });
    await expect(failing).rejects.toThrow('job 7 broke');
    expect(seen).toHaveLength(JOBS - 1);
    expect(seen.every((e) => e instanceof CancelledError)).toBe(true);
  });

  it(`signWithFailover: ${JOBS} files at once with one signal add no listener to it`, async () => {
    const parent = new AbortController().signal;
    const limiter = new ServerLimiter({ maxInFlightPerServer: JOBS });
    const during: number[] = [];
    const warnings = await warningsDuring(() =>
      Promise.all(
        items.map((i) =>
          signWithFailover({
            file: `f${i}.exe`,
            servers: ['a', 'b'],
            // The first server fails every file once, the second answers after 5 ms: each file
            // waits in the limiter, in an attempt and for its deadline.
            attemptOnce: async (server, signal) => {
              during.push(listeners(parent));
              if (server === 'a') throw new Error('HTTP 500');
              await sleep(5, signal);
            },
            timeoutMs: 10_000,
            retries: 0,
            backoffMs: 10,
            limiter,
            signal: parent,
          }),
        ),
      ),
    );
    expect(warnings).toEqual([]);
    expect(during.length).toBeGreaterThanOrEqual(JOBS);
    expect(new Set(during)).toEqual(new Set([0]));
    expect(listeners(parent)).toBe(0);
  });
});
