import { setMaxListeners } from 'node:events';
import { CancelledError } from './errors.js';

/**
 * Run `work` for each item, at most `limit` at a time. The first failure aborts the others
 * (their child processes are killed through the signal) and is the error thrown, so the stage
 * reports the item that actually broke rather than the cancellations it caused.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  parent: AbortSignal,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one listener per running job, removed when it ends
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) throw new CancelledError();
  parent.addEventListener('abort', onParentAbort, { once: true });

  const results: R[] = new Array(items.length);
  let firstError: unknown;
  let next = 0;
  const worker = async () => {
    while (!controller.signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, controller.signal);
      } catch (err) {
        if (firstError === undefined && !(err instanceof CancelledError && controller.signal.aborted)) firstError = err;
        controller.abort(err);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    parent.removeEventListener('abort', onParentAbort);
  }
  if (firstError !== undefined) throw firstError;
  if (controller.signal.aborted) throw new CancelledError();
  return results;
}
