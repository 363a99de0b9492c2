import { resolve } from 'node:path';
import type { CliIo } from '../io.js';
import { pipeline } from '../../pipeline/pipeline.js';
import { runBuild, type BuildOutcome } from '../../pipeline/run.js';
import { SUPPORTED_TARGETS } from '../../util/arch.js';
import { UsageError } from '../../util/errors.js';
import { parseConcurrency, parseStageList, parseTargets, processOptions } from '../options.js';
import { reportRun } from '../outcome.js';

export function buildHelp(): string {
  return `Usage: release build [options]

Build the release described by release.yaml: Go binaries for Windows, version resources,
signatures, MSI and MSIX packages, App Installer files, archives, checksums and
dist/artifacts.json. What a run makes is recorded in dist/.winship/state.json; a run without
the build stage (--only sign,checksum) continues the release recorded there instead of
starting a new one.

Options:
  --config PATH        release.yaml to use (default: ./release.yaml)
  --version X.Y.Z      release version (default: vX.Y.Z tag on HEAD, then release.yaml, then a snapshot)
  --targets LIST       only these targets, comma-separated (${SUPPORTED_TARGETS.join(', ')})
  --skip STAGE         skip stages; repeatable or comma-separated (${pipeline.map((s) => s.id).join(', ')})
  --only STAGE         run only these stages; repeatable or comma-separated. Without build, the run
                       continues dist/: it needs the same commit and release.yaml, and remakes what
                       packed files it changes (an MSI holding an exe it signs)
  --split              write one part of a release for --targets, to join with "release merge"
                       (checksums and manifests are written by the merge)
  --dry-run            run nothing; print every command line that would run, in order
  --json               print a JSON summary on stdout; logs go to stderr
  --concurrency N      parallel jobs (default: number of CPUs; signing: at least 8)
  --clean              empty the dist folder first (only a folder winship made)
  --no-wait            refuse at once when another run works on the dist folder (default: wait for it)
  --dev-cert           sign with a throwaway self-signed certificate (local testing, NOT for release)
  --previous DIR       an earlier release (a folder laid out like dist/) to make delta patches from;
                       repeatable; replaces patches.from of release.yaml
  -h, --help           show this help
      --version        (without a value) print the winship version

Exit codes: 0 ok, 1 a stage failed, 2 usage or configuration error, 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM).`;
}

export async function buildCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 0) {
    // "--skip sign msi" would otherwise build the MSI the user meant to skip.
    throw new UsageError(`release build takes no arguments, got ${positionals.map((p) => `"${p}"`).join(' ')}; repeat the flag for each value (--skip sign --skip msi)`);
  }
  const json = values.json === true;
  const dryRun = values['dry-run'] === true;
  // stdout carries only what a script reads: the JSON summary, or the dry-run listing.
  const log = json || dryRun ? io.stderr : io.stdout;
  let outcome: BuildOutcome | undefined;
  let thrown: unknown;
  try {
    outcome = await runBuild({
      config: values.config as string | undefined,
      version: values.version as string | undefined,
      targets: parseTargets(values.targets as string[] | undefined),
      skip: parseStageList(values.skip as string[] | undefined),
      only: parseStageList(values.only as string[] | undefined),
      split: values.split === true,
      dryRun,
      json,
      concurrency: parseConcurrency(values.concurrency),
      devCert: values['dev-cert'] === true,
      previous: (values.previous as string[] | undefined)?.map((dir) => resolve(io.cwd, dir)),
      clean: values.clean === true,
      noWait: values['no-wait'] === true,
      ...processOptions(io, log),
    });
  } catch (err) {
    thrown = err;
  }
  return reportRun(io, outcome, thrown, { json, dryRun, log });
}
