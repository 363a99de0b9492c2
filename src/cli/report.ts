import { CancelledError, ProblemsError, StageError, UsageError } from '../util/errors.js';

/** How an error reaches the user: the message, then details (tool output) indented below it. */
export function reportError(err: unknown, stderr: NodeJS.WriteStream): void {
  const e = err as Error & { details?: string };
  // What a user can cause is told as a message; only a bug in winship shows its stack.
  const known = err instanceof UsageError || err instanceof StageError || err instanceof CancelledError || err instanceof ProblemsError;
  stderr.write(`error: ${known ? e.message : (e.stack ?? String(err))}\n`);
  // A compile error's output is already in the message; other details (the command line) follow it.
  if (e.details && !e.message.includes(e.details)) stderr.write(`${e.details.replace(/^/gm, '  ')}\n`);
}

/**
 * The last line of defence for secrets: runs a run's redaction over an error's message, details
 * and stack just before it is printed or written to --json. Tool output reaches parsers
 * unredacted (see RunResult.raw), so a message built from it must pass through here.
 */
export function redactError<T>(err: T, redact: (text: string) => string): T {
  if (!(err instanceof Error)) return err;
  err.message = redact(err.message);
  if (err instanceof ProblemsError) for (const p of err.problems) redactError(p, redact);
  if (err.stack) err.stack = redact(err.stack);
  const details = (err as { details?: unknown }).details;
  if (typeof details === 'string') Object.defineProperty(err, 'details', { value: redact(details) });
  return err;
}
