import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/util/errors.js';
import { runBounded } from '../../../src/util/parallel.js';

describe('runBounded', () => {
  it('stops taking new items after the first failure and throws that failure', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const err = await runBounded([1, 2, 3, 4, 5, 6], 2, new AbortController().signal, async (n, signal) => {
      started.push(n);
      if (n === 2) throw new Error('job 2 broke');
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 50));
      running--;
      if (signal.aborted) throw new CancelledError();
      return n;
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('job 2 broke');
    expect(peak).toBe(1);
    expect(started).toEqual([1, 2]);
  });
});

it('runBounded never runs more than N at once', async () => {
  let running = 0;
  let peak = 0;
  const out = await runBounded([1, 2, 3, 4, 5, 6, 7], 3, new AbortController().signal, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    return n * 10;
  });
  expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
  expect(peak).toBe(3);
});
