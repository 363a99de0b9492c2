import { readStateShape, statePath } from '../artifacts/state.js';
import { runBuild, type BuildOptions, type BuildOutcome } from '../pipeline/run.js';
import { UsageError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import type { CliIo } from './io.js';
import { parseConcurrency, processOptions } from './options.js';
import { reportRun } from './outcome.js';

/**
 * A command that rewrites some files of the release already in dist/ (App Installer files, the
 * winget and Scoop manifests): the named stages continue the release recorded there, then the
 * checksums and manifests follow. Refuses a dist/ that holds no release, naming the command.
 */
export async function rewriteRelease(
  command: string,
  io: CliIo,
  values: Record<string, unknown>,
  run: { configPath: string; distDir: string; only: string[]; preflight: BuildOptions['preflight'] } & Partial<Pick<BuildOptions, 'appinstallerBaseUrl' | 'channelsBaseUrl'>>,
): Promise<number> {
  if (!(await readStateShape(run.distDir, TOOL_VERSION))) {
    throw new UsageError(`release ${command}: ${run.distDir} holds no release (no ${statePath(run.distDir)}): build it first (release build)`);
  }
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  const { configPath, distDir: _distDir, ...rest } = run;
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  try {
    outcome = await runBuild({
      ...rest,
      config: configPath,
      skip: [],
      split: false,
      dryRun: false,
      json,
      concurrency: parseConcurrency(undefined),
      devCert: false,
      clean: false,
      noWait: values['no-wait'] === true,
      ...processOptions(io, log),
    });
  } catch (err) {
    thrown = err;
  }
  return reportRun(io, outcome, thrown, { json, dryRun: false, log, noun: 'release' });
}
