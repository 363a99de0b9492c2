import { CancelledError } from './errors.js';

/**
 * Wait `ms` (never less: Node schedules timers from the event loop's cached clock, so a timer can
 * fire a little early by performance.now(); it is re-armed until the time has really passed).
 * Rejects with CancelledError when `signal` aborts.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new CancelledError());
  if (ms <= 0) return Promise.resolve();
  const until = performance.now() + ms;
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const arm = () => {
      timer = setTimeout(() => {
        const left = until - performance.now();
        if (left > 0) return arm();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(1, Math.ceil(until - performance.now())));
    };
    arm();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
