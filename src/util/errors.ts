// Errors a user can hit. Each kind maps to one exit code, and each message names the thing it
// is about (file:line, key path, target, server) and, where there is one, the next step.

/** Bad command line or bad release.yaml: exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** A stage could not do its job (compile error, tool failure, bad input file): exit 1. */
export class StageError extends Error {
  override name = 'StageError';
  readonly exitCode = 1;
  constructor(
    message: string,
    /** Longer output that explains the failure (compiler output, tool stderr), already redacted. */
    readonly details?: string,
  ) {
    super(message);
  }
}

/** An external program is not installed: exit 1, with the command that installs it. */
export class MissingToolError extends StageError {
  override name = 'MissingToolError';
  constructor(
    readonly tool: string,
    readonly install: string,
  ) {
    super(`${tool} was not found on PATH. Install it with: ${install}`);
  }
}

/** The run was cancelled (Ctrl-C, or a sibling job failed first). */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly exitCode = 130;
  constructor(message = 'cancelled') {
    super(message);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number') {
    return err.exitCode;
  }
  return 1;
}
