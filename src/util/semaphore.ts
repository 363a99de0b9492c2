import { CancelledError } from './errors.js';

interface Waiter {
  priority: number;
  grant(): void;
}

/**
 * At most `limit` holders at once. Shared by every job of a run that uses the same resource (the
 * CPU: go build, wixl, zips), whichever stage the job belongs to. Waiters are served by priority,
 * then in arrival order: work on a release's critical path (a package that is still to be
 * signed) goes before work that only has to be done by the end (a zip). Background work
 * (priority below 0) never takes the last free slot, so critical work never waits behind it.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {}

  async run<T>(work: () => Promise<T>, signal?: AbortSignal, priority = 0): Promise<T> {
    await this.acquire(signal, priority);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined, priority: number): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.waiting.length === 0 && this.active < this.limitFor(priority)) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new CancelledError());
      };
      const waiter: Waiter = {
        priority,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve();
        },
      };
      // After every waiter of at least this priority: by priority, then first come.
      const at = this.waiting.findIndex((w) => w.priority < priority);
      this.waiting.splice(at < 0 ? this.waiting.length : at, 0, waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many slots may be taken when a job of `priority` starts. */
  private limitFor(priority: number): number {
    return priority < 0 && this.limit > 1 ? this.limit - 1 : this.limit;
  }

  private release(): void {
    this.active--;
    // The first waiter that may start now: by priority, then arrival.
    const next = this.waiting.findIndex((w) => this.active < this.limitFor(w.priority));
    if (next >= 0) this.waiting.splice(next, 1)[0]!.grant();
  }
}
