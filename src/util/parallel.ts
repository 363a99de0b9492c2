import { CancelledError } from './errors.js';

/**
 * Run `work` for each item, at most `limit` at a time. The first failure aborts the others
 * (their child processes are killed through the signal) and is the error thrown, so the stage
 * reports the item that actually broke rather than the cancellations it caused.
 *
 * Each job gets a signal of its own, derived from the parent and this group (AbortSignal.any
 * adds no 'abort' listener to its sources): the listeners a job adds while it waits on a tool,
 * a server or a timer go on that signal, never on one shared by every job or by the whole run.
 */
export async function runBounded<T, R>(
  items: readonly T[],
  limit: number,
  parent: AbortSignal,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  if (parent.aborted) throw new CancelledError();
  const failed = new AbortController();
  const group = AbortSignal.any([parent, failed.signal]);

  const results: R[] = new Array(items.length);
  let firstError: unknown;
  let next = 0;
  const worker = async () => {
    while (!group.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, AbortSignal.any([group]));
      } catch (err) {
        if (firstError === undefined && !(err instanceof CancelledError && group.aborted)) firstError = err;
        failed.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (firstError !== undefined) throw firstError;
  if (group.aborted) throw new CancelledError();
  return results;
}
