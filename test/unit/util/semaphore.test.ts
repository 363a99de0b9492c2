import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/util/errors.js';
import { Semaphore } from '../../../src/util/semaphore.js';

/** A job that holds its slot until released, and says when it started. */
function job(sem: Semaphore, name: string, log: string[], signal?: AbortSignal) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const done = sem.run(async () => {
    log.push(name);
    await held;
  }, signal);
  return { release, done };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('never runs more than its limit, and serves waiters in arrival order', async () => {
    const sem = new Semaphore(2);
    const log: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((n) => job(sem, n, log));
    await settle();
    expect(log).toEqual(['a', 'b']);
    jobs[1]!.release();
    await jobs[1]!.done;
    await settle();
    expect(log).toEqual(['a', 'b', 'c']);
    for (const j of [jobs[0]!, jobs[2]!, jobs[3]!]) {
      j.release();
      await j.done;
      await settle();
    }
    expect(log).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a waiter that is cancelled leaves the queue and rejects with CancelledError', async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    const a = job(sem, 'a', log);
    const controller = new AbortController();
    const b = job(sem, 'b', log, controller.signal);
    const c = job(sem, 'c', log);
    controller.abort();
    await expect(b.done).rejects.toBeInstanceOf(CancelledError);
    a.release();
    await a.done;
    await settle();
    expect(log).toEqual(['a', 'c']);
    c.release();
    await c.done;
  });
});
