import { resolve } from 'node:path';
import { configDigest } from '../../artifacts/state.js';
import { findConfig, loadConfig } from '../../config/load.js';
import { readProjectGit } from '../../pipeline/facts.js';
import { mergeParts } from '../../pipeline/merge.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import { ToolRunner } from '../../tools/runner.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';
import { parseConcurrency, parseTargets, processOptions } from '../options.js';
import { reportRun } from '../outcome.js';

export const mergeHelp = `Usage: release merge DIR… [-o DIR] [--targets LIST] [--config release.yaml] [--clean] [--json]

Joins the parts of a release built with "release build --split --targets …" (one dist folder
per CI machine) into one dist folder, then writes what needs the whole release: the winget and
Scoop manifests (when release.yaml has them), the checksums file and the manifests
(artifacts.json, metadata.json).

The parts must come from the commit and release.yaml of this checkout (run merge there), hold
different targets and different files, and together hold every target release.yaml builds (or
those --targets names). Every file is checked against its recorded SHA-256 before it is copied,
and again after. Nothing is copied when a check fails. The merged dist can then be continued
like any other: release sign, release build --only msi,sign-packages,…

Options:
  -o, --output DIR     where the merged release goes (default: dist: of release.yaml)
  --targets LIST       merge a release of only these targets (default: every target built)
  --config PATH        release.yaml to use (default: ./release.yaml)
  --clean              empty the output folder first (only a folder winship made)
  --json               print a JSON summary on stdout; logs go to stderr`;

export async function mergeCommand(values: Record<string, unknown>, dirs: string[], io: CliIo): Promise<number> {
  const json = values.json === true;
  const log = json ? io.stderr : io.stdout;
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  const warnings: string[] = [];
  try {
    if (dirs.length === 0) throw new UsageError('release merge needs the folders of the parts to join: release merge DIR… [-o DIR]');
    const configPath = await findConfig(values.config as string | undefined, io.cwd);
    const { config, projectDir, distDir } = await loadConfig(configPath);
    const out = values.output === undefined ? distDir : resolve(io.cwd, String(values.output));
    const requested = parseTargets(values.targets as string[] | undefined);
    const git = await readProjectGit(new ToolRunner({ dryRun: false, signal: io.signal }), projectDir, out);
    const merged = await mergeParts(
      dirs.map((d) => resolve(io.cwd, d)),
      out,
      {
        clean: values.clean === true,
        lock: { wait: values['no-wait'] !== true, signal: io.signal, notice: (m) => void log.write(`${m}\n`) },
        warn: (m) => void warnings.push(m),
        configDigest: configDigest(config),
        configPath,
        ...(git ? { headCommit: git.commit } : {}),
        targets: requested ?? [...new Set(config.builds.flatMap((b) => b.targets))],
        targetsGiven: requested !== undefined,
      },
    );
    log.write(`merged ${dirs.length} part${dirs.length > 1 ? 's' : ''} (${merged.targets.join(', ')}) into ${out}\n`);
    outcome = await runBuild({
      config: configPath,
      distDir: out,
      skip: [],
      only: ['winget', 'scoop', 'checksum', 'manifest'],
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
  for (const w of warnings) {
    if (outcome?.ctx) outcome.ctx.warn(w);
    else log.write(`warning: ${w}\n`);
  }
  return reportRun(io, outcome, thrown, { json, dryRun: false, log, noun: 'merged release' });
}
