import { resolve } from 'node:path';
import { findConfig, loadConfig } from '../../config/load.js';
import { mergeParts } from '../../pipeline/merge.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { parseConcurrency } from '../options.js';
import { reportRun } from '../outcome.js';

export const mergeHelp = `Usage: release merge DIR… [-o DIR] [--config release.yaml] [--clean] [--json]

Joins the parts of a release built with "release build --split --targets …" (one dist folder
per CI machine) into one dist folder, then writes what needs the whole release: the checksums
file and the manifests (artifacts.json, metadata.json).

The parts must come from the same commit, version and release.yaml (run merge from that
checkout), hold different targets and different files; every file is checked against its
recorded SHA-256 before it is copied, and again after. The merged dist can then be continued
like any other: release sign, release build --only msi,sign-packages,…

Options:
  -o, --output DIR     where the merged release goes (default: dist: of release.yaml)
  --config PATH        release.yaml to use (default: ./release.yaml)
  --clean              empty the output folder first (only a folder winship made)
  --json               print a JSON summary on stdout; logs go to stderr`;

export async function mergeCommand(values: Record<string, unknown>, dirs: string[], io: CliIo): Promise<number> {
  if (dirs.length === 0) throw new UsageError('release merge needs the folders of the parts to join: release merge DIR… [-o DIR]');
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  const configPath = await findConfig(values.config as string | undefined, io.cwd);
  const { distDir } = await loadConfig(configPath);
  const out = values.output === undefined ? distDir : resolve(io.cwd, String(values.output));
  const warnings: string[] = [];
  const merged = await mergeParts(
    dirs.map((d) => resolve(io.cwd, d)),
    out,
    { clean: values.clean === true, warn: (m) => warnings.push(m) },
  );
  log.write(`merged ${dirs.length} part${dirs.length > 1 ? 's' : ''} (${merged.targets.join(', ')}) into ${out}\n`);
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  try {
    outcome = await runBuild({
      cwd: io.cwd,
      config: configPath,
      distDir: out,
      skip: [],
      only: ['checksum', 'manifest'],
      split: false,
      dryRun: false,
      json,
      concurrency: parseConcurrency(undefined),
      devCert: false,
      clean: false,
      signal: io.signal,
      log,
      out: io.stdout,
      env: io.env,
      interactive: Boolean(io.stdout.isTTY) && !io.env.CI,
    });
    for (const w of warnings) outcome.ctx?.warn(w);
  } catch (err) {
    thrown = err;
  }
  return reportRun(io, outcome, thrown, { json, dryRun: false, log, noun: 'merged release' });
}
