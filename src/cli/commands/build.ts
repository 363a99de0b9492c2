import type { CliIo } from '../io.js';
import { redactError, reportError } from '../report.js';
import { SUPPORTED_TARGETS } from '../../config/schema.js';
import { CancelledError, exitCodeOf, StageError, UsageError } from '../../util/errors.js';
import { pipeline } from '../../pipeline/pipeline.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import { artifactsDocument } from '../../stages/manifests.js';
import { parseConcurrency } from '../options.js';

export function buildHelp(): string {
  return `Usage: release build [options]

Build the release described by release.yaml: Go binaries for Windows, version resources,
archives, checksums and dist/artifacts.json.

Options:
  --config PATH        release.yaml to use (default: ./release.yaml)
  --version X.Y.Z      release version (default: vX.Y.Z tag on HEAD, then release.yaml, then a snapshot)
  --targets LIST       only these targets, comma-separated (${SUPPORTED_TARGETS.join(', ')})
  --skip STAGE         skip a stage; repeatable (${pipeline.map((s) => s.id).join(', ')})
  --only STAGE         run only these stages; repeatable
  --dry-run            run nothing; print every command line that would run, in order
  --json               print a JSON summary on stdout; logs go to stderr
  --concurrency N      parallel jobs inside a stage (default: number of CPUs)
  --clean              empty the dist folder first (only a folder winship made)
  --dev-cert           sign with a throwaway self-signed certificate (local testing, NOT for release)
  -h, --help           show this help
      --version        (without a value) print the winship version

Exit codes: 0 ok, 1 a stage failed, 2 usage or configuration error, 130 interrupted.`;
}


export async function buildCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 0) {
    // "--skip sign msi" would otherwise build the MSI the user meant to skip.
    throw new UsageError(`release build takes no arguments, got ${positionals.map((p) => `"${p}"`).join(' ')}; repeat the flag for each value (--skip sign --skip msi)`);
  }
  const json = values.json === true;
  // stdout carries only what a script reads: the JSON summary, or the dry-run listing.
  const log = json || values['dry-run'] === true ? io.stderr : io.stdout;
  let outcome: BuildOutcome | undefined;
  let failure: unknown;
  try {
    outcome = await runBuild({
      cwd: io.cwd,
      config: values.config as string | undefined,
      version: values.version as string | undefined,
      targets: values.targets as string[] | undefined,
      skip: (values.skip as string[] | undefined) ?? [],
      only: (values.only as string[] | undefined) ?? [],
      dryRun: values['dry-run'] === true,
      json,
      concurrency: parseConcurrency(values.concurrency),
      ioConcurrency: values.concurrency === undefined ? undefined : parseConcurrency(values.concurrency),
      devCert: values['dev-cert'] === true,
      clean: values.clean === true,
      signal: io.signal,
      log,
      out: io.stdout,
      env: io.env,
      interactive: Boolean(io.stdout.isTTY) && !io.env.CI,
    });
    failure = outcome.error;
  } catch (err) {
    failure = err;
  }
  if (failure !== undefined && io.signal.aborted && !(failure instanceof UsageError)) {
    failure = new CancelledError('interrupted: stopped every running command; dist/ keeps only complete files');
  }
  const ctx = outcome?.ctx;
  if (failure !== undefined && ctx) redactError(failure, (text) => ctx.runner.redact(text));
  if (json) {
    const summary = {
      ok: failure === undefined,
      dryRun: values['dry-run'] === true,
      ...(ctx
        ? { ...artifactsDocument(ctx), snapshot: ctx.release.snapshot, commit: ctx.release.commit }
        : {}),
      timings: outcome?.timings ?? [],
      warnings: ctx?.warnings ?? [],
      ...(values['dry-run'] ? { commands: outcome?.commands ?? [] } : {}),
      ...(failure !== undefined ? { error: { message: (failure as Error).message, details: (failure as StageError).details, exitCode: exitCodeOf(failure) } } : {}),
    };
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
  if (failure !== undefined) {
    reportError(failure, io.stderr);
    return exitCodeOf(failure);
  }
  if (!json && ctx && !ctx.options.dryRun) {
    const files = ctx.artifacts.all();
    log.write(`\nrelease ${ctx.release.version}${ctx.release.snapshot ? ' (snapshot)' : ''}: ${files.length} files in ${ctx.distDir}\n`);
    for (const a of files) log.write(`  ${a.kind.padEnd(10)} ${a.name}${a.goarch ? `  (${a.goarch})` : ''}\n`);
    if (ctx.warnings.length) log.write(`${ctx.warnings.length} warning${ctx.warnings.length > 1 ? 's' : ''}:\n${ctx.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
  }
  return 0;
}

