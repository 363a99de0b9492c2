/**
 * The process warnings (MaxListenersExceededWarning, …) emitted while `run` runs. Node emits
 * them on a later tick, so this waits one turn of the event loop after `run`. A rejection of
 * `run` is passed on.
 */
export async function warningsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await run();
    return seen;
  } finally {
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
  }
}
