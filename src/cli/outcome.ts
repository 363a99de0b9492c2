import type { BuildOutcome } from '../pipeline/run.js';
import { manifestFacts } from '../stages/manifests.js';
import { artifactsDocument } from '../artifacts/manifest.js';
import { CancelledError, exitCodeOf, ProblemsError, type StageError } from '../util/errors.js';
import type { CliIo } from './io.js';
import { redactError, reportError } from './report.js';

export interface ReportOptions {
  json: boolean;
  dryRun: boolean;
  /** Where the human summary goes (stderr with --json or --dry-run). */
  log: NodeJS.WriteStream;
  /** What the run was, for the closing line ("release", "merged release"). */
  noun?: string;
}

/**
 * How a pipeline run (build, sign, merge) ends for the user: the JSON summary on stdout with
 * --json, else the files made; the error, redacted, on stderr. Returns the exit code.
 */
export function reportRun(io: CliIo, outcome: BuildOutcome | undefined, thrown: unknown, o: ReportOptions): number {
  let failure = thrown ?? outcome?.error;
  if (failure !== undefined && io.signal.aborted && exitCodeOf(failure) !== 2) {
    failure = new CancelledError('interrupted: stopped every running command; dist/ keeps only complete files, and its release state says which');
  }
  const ctx = outcome?.ctx;
  if (failure !== undefined && ctx) redactError(failure, (text) => ctx.runner.redact(text));
  if (o.json) {
    const doc = ctx ? artifactsDocument(manifestFacts(ctx)) : undefined;
    const summary = {
      ok: failure === undefined,
      dryRun: o.dryRun,
      ...(ctx && doc
        ? {
            project: doc.project,
            version: doc.version,
            snapshot: ctx.release.snapshot,
            commit: doc.commit,
            dist: ctx.distDir,
            // A dry run wrote nothing: no sizes or digests to show.
            artifacts: o.dryRun ? doc.artifacts.map(({ size: _size, sha256: _sha256, ...a }) => a) : doc.artifacts,
          }
        : {}),
      timings: outcome?.timings ?? [],
      jobs: outcome?.jobs ?? [],
      warnings: ctx?.warnings ?? [],
      ...(o.dryRun ? { commands: outcome?.commands ?? [] } : {}),
      ...(failure !== undefined ? { error: errorSummary(failure) } : {}),
    };
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
  if (failure !== undefined) {
    reportError(failure, io.stderr);
    return exitCodeOf(failure);
  }
  if (!o.json && ctx && !o.dryRun) {
    const files = ctx.artifacts.all();
    const what = files.length ? `${files.length} files in ${ctx.distDir}` : `no files (nothing was written to ${ctx.distDir})`;
    o.log.write(`\n${o.noun ?? 'release'} ${ctx.release.version}${ctx.release.snapshot ? ' (snapshot)' : ''}: ${what}\n`);
    const width = Math.max(10, ...files.map((a) => a.kind.length));
    for (const a of files) o.log.write(`  ${a.kind.padEnd(width)} ${a.path}${'goarch' in a ? `  (${a.goarch})` : ''}${'signature' in a && a.signature ? '  signed' : ''}\n`);
    if (ctx.warnings.length) o.log.write(`${ctx.warnings.length} warning${ctx.warnings.length > 1 ? 's' : ''}:\n${ctx.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
  }
  return 0;
}

/** The error of a --json summary: the message as printed, and every problem of a ProblemsError (the message shows a screenful). */
function errorSummary(failure: unknown) {
  return {
    message: (failure as Error).message,
    details: (failure as StageError).details,
    exitCode: exitCodeOf(failure),
    ...(failure instanceof ProblemsError ? { problems: failure.problems.map((p) => ({ message: p.message, exitCode: exitCodeOf(p) })) } : {}),
  };
}
