import { CancelledError, StageError, UsageError } from './errors.js';

/** How an error reaches the user: the message, then details (tool output) indented below it. */
export function reportError(err: unknown, stderr: NodeJS.WriteStream): void {
  const e = err as Error & { details?: string };
  const known = err instanceof UsageError || err instanceof StageError || err instanceof CancelledError;
  stderr.write(`error: ${known ? e.message : (e.stack ?? String(err))}\n`);
  // A compile error's output is already in the message; other details (the command line) follow it.
  if (e.details && !e.message.includes(e.details)) stderr.write(`${e.details.replace(/^/gm, '  ')}\n`);
}
