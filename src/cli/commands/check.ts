import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import { STAGE_IDS } from '../../pipeline/pipeline.js';
import { CancelledError, exitCodeOf, ProblemsError, UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { parseConcurrency, parseTargets, processOptions } from '../options.js';
import { redactError, reportError } from '../report.js';

export const checkHelp = `Usage: release check [--config release.yaml] [--version X.Y.Z] [--targets LIST] [--dev-cert] [--json]

Checks release.yaml and runs every check release build makes before it compiles anything, for
every stage at once: the version mappings (file version, MSI ProductVersion), the VERSIONINFO
texts, icons, the files that ship (archives.files, msi.files: a literal path that matches
nothing is an error), the payload names, the WiX sources rendered with the real files, the
signing password and certificate, the MSIX identity and logos, the App Installer, winget and
Scoop manifests against their schemas, placeholders left in project.vendor or
project.description, the Go toolchain, the main packages and go.sum. Nothing is built and
nothing is written; dist/ is not touched. For CI, before the build (as goreleaser check).

Options:
  --config PATH        release.yaml to check (default: ./release.yaml)
  --version X.Y.Z      check as this version (default: as release build would find it)
  --targets LIST       only these targets, comma-separated
  --dev-cert           check as release build --dev-cert would sign
  --json               print the result as JSON on stdout

Exit codes: 0 every check passed (warnings may be printed), 2 problems found (each named with its
place in release.yaml), 130 interrupted.`;

export async function checkCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  let outcome: BuildOutcome | undefined;
  let failure: unknown;
  try {
    if (positionals.length) throw new UsageError(`release check takes no arguments, got ${positionals.map((p) => `"${p}"`).join(' ')}`);
    outcome = await runBuild({
      config: values.config as string | undefined,
      version: values.version as string | undefined,
      targets: parseTargets(values.targets as string[] | undefined),
      skip: [],
      only: [],
      split: false,
      dryRun: false,
      json,
      concurrency: parseConcurrency(undefined),
      devCert: values['dev-cert'] === true,
      clean: false,
      checkOnly: true,
      ...processOptions(io, log),
      interactive: false,
    });
    failure = outcome.error;
  } catch (err) {
    failure = err;
  }
  const ctx = outcome?.ctx;
  if (failure !== undefined && ctx) redactError(failure, (text) => ctx.runner.redact(text));
  // Any problem found is the release's: exit 2, however a stage classed it (a go.sum mismatch,
  // a tool that is missing). Only an interruption is not.
  const code = failure === undefined ? 0 : failure instanceof CancelledError || exitCodeOf(failure) === 130 ? 130 : 2;
  const stages = outcome?.selection
    ? [
        ...outcome.selection.run.map((s) => ({ id: s.id, title: s.title, checked: true as const })),
        ...[...outcome.selection.leftOut].map(([s, reason]) => ({ id: s.id, title: s.title, skipped: reason })),
      ].sort((a, b) => STAGE_IDS.indexOf(a.id) - STAGE_IDS.indexOf(b.id))
    : [];
  if (json) {
    const problems = failure === undefined ? [] : failure instanceof ProblemsError ? failure.problems : [failure as Error];
    io.stdout.write(
      `${JSON.stringify(
        {
          ok: failure === undefined,
          ...(ctx ? { config: ctx.configPath, project: ctx.config.project.name, version: ctx.release.version, snapshot: ctx.release.snapshot, targets: ctx.targets } : {}),
          stages,
          warnings: ctx?.warnings ?? [],
          problems: problems.map((p) => ({ message: p.message, exitCode: exitCodeOf(p) })),
        },
        null,
        2,
      )}\n`,
    );
    return code;
  }
  if (failure !== undefined) {
    reportError(failure, io.stderr);
    return code;
  }
  const c = ctx!;
  const checked = stages.filter((s) => 'checked' in s);
  const width = Math.max(...stages.map((s) => s.id.length));
  log.write(`${c.configPath}: ready to build ${c.config.project.name} ${c.release.version}${c.release.snapshot ? ' (snapshot)' : ''} for ${c.targets.join(', ')}\n`);
  for (const s of stages) log.write(`  ${'checked' in s ? 'ok  ' : 'skip'} ${s.id.padEnd(width)}  ${s.title}${'skipped' in s ? ` (${s.skipped})` : ''}\n`);
  if (c.warnings.length) log.write(`${c.warnings.length} warning${c.warnings.length > 1 ? 's' : ''}:\n${c.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
  const next = values['dev-cert'] ? 'release build --dev-cert' : c.config.sign ? 'release build' : 'release build (or release build --dev-cert, to sign with a throwaway certificate)';
  log.write(`${checked.length} stages checked; nothing was built. Next: ${next}\n`);
  return 0;
}
