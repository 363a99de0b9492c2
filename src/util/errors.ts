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

/** How many lines of problems a report shows before "… and N more": about a screenful. */
export const SCREENFUL_LINES = 20;

/**
 * Several problems found together (release.yaml's, or every stage's preflight): the user fixes
 * them in one go instead of one run per mistake. The message shows at most a screenful of them;
 * `problems` keeps them all (the --json summary lists every one). Exit 2 when every problem is
 * a usage error (the release.yaml or the command line must change), else 1.
 */
export class ProblemsError extends Error {
  override name = 'ProblemsError';
  readonly exitCode: number;
  readonly problems: readonly Error[];

  constructor(problems: readonly Error[], heading?: string) {
    const flat = problems.flatMap((p) => (p instanceof ProblemsError ? p.problems : [p]));
    super(problemsMessage(flat.map((p) => p.message), heading));
    this.problems = flat;
    this.exitCode = flat.length > 0 && flat.every((p) => exitCodeOf(p) === 2) ? 2 : 1;
  }
}

/**
 * One problem: its own error, unchanged (its kind and exit code). Several: one ProblemsError.
 * `heading` introduces a list of several ("3 problems found before building: …").
 */
export function problemsOf(problems: readonly Error[], heading?: (count: number) => string): Error | undefined {
  const flat = problems.flatMap((p) => (p instanceof ProblemsError ? p.problems : [p]));
  if (flat.length === 0) return undefined;
  if (flat.length === 1) return flat[0];
  return new ProblemsError(flat, heading?.(flat.length));
}

/**
 * The messages, one after the other, cut after a screenful of lines with "… and N more": a
 * release.yaml with a thousand mistakes must not scroll the first ones away.
 */
export function problemsMessage(messages: readonly string[], heading?: string, maxLines = SCREENFUL_LINES): string {
  const lines: string[] = [];
  let shown = 0;
  for (const message of messages) {
    const own = message.split('\n');
    if (lines.length + own.length > maxLines) {
      // A first problem longer than a screen still shows its beginning.
      if (shown === 0) lines.push(...own.slice(0, maxLines), `… and ${own.length - maxLines} more line${own.length - maxLines > 1 ? 's' : ''} (--json lists every problem whole)`);
      break;
    }
    lines.push(...own);
    shown++;
  }
  const left = messages.length - shown;
  if (left > 0 && shown > 0) lines.push(`… and ${left} more problem${left > 1 ? 's' : ''} (--json lists every problem)`);
  else if (left > 1) lines.push(`… and ${left - 1} more problem${left > 2 ? 's' : ''} (--json lists every problem)`);
  return heading ? [heading, ...lines.map((l) => `  ${l}`)].join('\n') : lines.join('\n');
}

export function exitCodeOf(err: unknown): number {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof err.exitCode === 'number') {
    return err.exitCode;
  }
  return 1;
}
