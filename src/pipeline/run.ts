import { readFile } from 'node:fs/promises';
import { ArtifactRegistry } from '../artifacts/registry.js';
import { configDigest, parseState, readStateShape, ReleaseStateError, statePath, verifyStateFiles, type ReleaseState } from '../artifacts/state.js';
import { findConfig, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ReleaseContext, type Logger, type ReleaseInfo } from '../context/context.js';
import { ToolRunner } from '../tools/runner.js';
import type { Target } from '../util/arch.js';
import type { Concurrency } from '../util/concurrency.js';
import { UsageError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { checkDistIsOurs } from './dist.js';
import { checkDistFolder } from './distSafety.js';
import { execute, type JobTiming, type StageTiming } from './execute.js';
import { checkRelease } from './preflight.js';
import { readProjectGit, releaseInfoFromFacts, releaseInfoFromGit } from './facts.js';
import { sweepTempFolder } from './leftovers.js';
import { lockDist, type LockPolicy } from './lock.js';
import { pipeline, STAGE_IDS } from './pipeline.js';
import { liveProgress, plainProgress, silentProgress } from './progress.js';
import { StateRecorder } from './recorder.js';
import { priorRelease, selectStages, startsNewRelease, type Selection } from './select.js';

export type { JobTiming, StageTiming } from './execute.js';

export interface BuildOptions {
  cwd: string;
  config?: string;
  version?: string;
  /** --targets: restricts the run to these. */
  targets?: Target[];
  skip: string[];
  only: string[];
  /** --split: write one part of a release, for `release merge`. */
  split: boolean;
  /** Stages named by a command (release sign): missing inputs leave a stage out instead of failing. */
  leaveOutMissingInputs?: boolean;
  /** Work on this dist folder instead of release.yaml's (release merge -o). */
  distDir?: string;
  /** `release sign FILE…`: sign only these recorded files (dist paths). */
  files?: ReadonlySet<string>;
  /** `release appinstaller --base-url`: where the MSIX packages are served. */
  appinstallerBaseUrl?: string;
  /** `release channels --base-url`: where winget and Scoop download the release. */
  channelsBaseUrl?: string;
  /** A command's own checks, once the context and the stages are known, before anything runs. */
  preflight?: (ctx: ReleaseContext, selection: Selection) => void;
  dryRun: boolean;
  json: boolean;
  concurrency: Concurrency;
  devCert: boolean;
  /** --previous DIR…: earlier releases to make delta patches from. */
  previous?: readonly string[];
  /** `release check`: run every stage's preflight and the checks, build nothing, write nothing. */
  checkOnly?: boolean;
  clean: boolean;
  /** --no-wait: refuse when another run holds dist/'s lock, instead of waiting for it. */
  noWait?: boolean;
  signal: AbortSignal;
  /** Where progress and logs go: stderr with --json, else stdout. */
  log: NodeJS.WriteStream;
  /** Where --dry-run listings go. */
  out: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  interactive: boolean;
}

export interface BuildOutcome {
  ctx?: ReleaseContext;
  selection?: Selection;
  timings: StageTiming[];
  jobs: JobTiming[];
  commands: string[];
  /** Why the run failed, once it had started: the summary still carries its warnings and timings. */
  error?: unknown;
}

/**
 * A fresh run may replace whatever dist/ holds, so its state is read without trusting it (no
 * file is hashed): only to know what to retire. One that cannot be read is left alone.
 */
async function readPreviousState(distDir: string, warn: (m: string) => void): Promise<ReleaseState | undefined> {
  const text = await readFile(statePath(distDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return parseState(text, statePath(distDir), TOOL_VERSION);
  } catch (err) {
    warn(`${(err as Error).message.split('\n')[0]}; starting a new release over it (the files it lists are left in place)`);
    return undefined;
  }
}

/** A continued run works on what the state says: same commit (when we can tell), same config, same version. */
function checkContinuation(state: ReleaseState, where: string, digest: string, headCommit: string | undefined, flagVersion: string | undefined, configPath: string): void {
  const unknown = state.completed.filter((id) => !STAGE_IDS.includes(id));
  if (unknown.length) throw new ReleaseStateError(`${where} says stages ${unknown.join(', ')} completed, which this winship does not have (damaged or edited by hand); start the release again with: release build --clean`);
  if (headCommit !== undefined && state.release.commit !== 'none' && headCommit !== state.release.commit) {
    throw new UsageError(
      `${where} was built from commit ${state.release.commit}, but HEAD is ${headCommit}: check out ${state.release.shortCommit} to continue that release, or start a new one with release build`,
    );
  }
  if (state.configDigest !== digest) {
    throw new UsageError(`${configPath} is not the release.yaml ${where} was built with (config digest ${state.configDigest.slice(0, 12)}… recorded, ${digest.slice(0, 12)}… now): use the same release.yaml, or start a new release with release build`);
  }
  if (flagVersion !== undefined && flagVersion.replace(/^v/, '') !== state.release.version) {
    throw new UsageError(`--version ${flagVersion}: ${where} holds release ${state.release.version}; a run that continues it keeps its version (drop --version, or start a new release with release build)`);
  }
}

function runTargets(config: Config, requested: readonly Target[] | undefined, state: ReleaseState | undefined, where: string): Target[] {
  const built = [...new Set(config.builds.flatMap((b) => b.targets))];
  const base = state ? built.filter((t) => state.targets.includes(t)) : built;
  if (requested?.length === 0) throw new UsageError('--targets names no target (an empty list): give at least one, e.g. --targets windows/amd64');
  if (!requested) return base;
  const outside = requested.filter((t) => !base.includes(t));
  if (outside.length) {
    throw new UsageError(
      state
        ? `--targets ${outside.join(',')}: ${where} holds ${state.targets.join(', ') || 'no targets'}; a run that continues it works on those`
        : `--targets ${requested.join(',')}: no build in release.yaml has ${outside.join(', ')}`,
    );
  }
  return base.filter((t) => requested.includes(t));
}

export async function runBuild(opts: BuildOptions): Promise<BuildOutcome> {
  const commands: string[] = [];
  const configPath = await findConfig(opts.config, opts.cwd);
  const loaded = await loadConfig(configPath);
  const { config, projectDir } = loaded;
  const distDir = opts.distDir ?? loaded.distDir;
  // Before anything reads or writes it: a dist that is the project (dist: .), holds it, or holds
  // a repository is refused, whatever markers it has, with --clean or without.
  const unsafe = await checkDistFolder(distDir, projectDir);
  if (unsafe) {
    throw new UsageError(
      opts.distDir !== undefined
        ? `${distDir} ${unsafe}; winship writes only into a folder of its own`
        : `${loaded.positions.at(['dist'])}: ${JSON.stringify(config.dist)} ${unsafe}; winship writes the release into dist and --clean deletes it: set dist: to a folder of its own, e.g. dist`,
    );
  }
  const where = statePath(distDir);
  if (opts.split && !opts.targets) throw new UsageError('--split writes the part of a release for some targets: name them with --targets (e.g. --split --targets windows/arm64)');

  const write = (stream: NodeJS.WriteStream, line: string) => stream.write(`${line}\n`);
  const runner = new ToolRunner({
    dryRun: opts.dryRun,
    signal: opts.signal,
    onCommand: (line) => {
      commands.push(line);
      if (opts.dryRun && !opts.json) write(opts.out, line);
    },
  });
  // The signing password stays out of every child's environment, from the first one (git) on.
  runner.scrubEnv(config.sign?.certificate.passwordEnv ?? 'WINSHIP_PFX_PASSWORD');
  // The feed key and S3 credentials are for the publish stage only: no tool of the build sees them.
  for (const name of ['WINSHIP_FEED_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) runner.scrubEnv(name);
  // …and never show in a log, should an error message quote them.
  for (const name of ['WINSHIP_FEED_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    const value = opts.env[name];
    if (value) for (const line of value.split('\n').filter((l) => l.trim().length >= 16 && !l.startsWith('-----'))) runner.addSecret(line.trim());
  }
  const early: string[] = [];
  let ctx: ReleaseContext | undefined;
  const warn = (m: string) => (ctx ? ctx.warn(m) : early.push(m));
  const logger: Logger = {
    info: (message) => {
      const m = runner.redact(message);
      if (opts.dryRun) {
        commands.push(m);
        if (!opts.json) write(opts.out, m);
      } else write(opts.log, m);
    },
    warn: (m) => write(opts.log, `warning: ${runner.redact(m)}`),
  };

  // A run that builds starts a new release; any other continues the one recorded in dist/.
  const fresh = startsNewRelease(pipeline, opts.only, opts.skip);
  if (opts.clean && !fresh) throw new UsageError('--clean starts a new release, but this run continues the one in dist/ (build is not among its stages): drop --clean, or include build');
  if (opts.split && !fresh) throw new UsageError('--split builds one part of a release: it needs the build stage');
  const distExists = await checkDistIsOurs(distDir, opts.clean);
  if (!opts.dryRun && !opts.checkOnly) {
    const leftovers = await sweepTempFolder();
    if (leftovers.length) write(opts.log, `removed what interrupted runs left in the temp folder: ${leftovers.join(', ')}`);
  }
  // One run at a time: taken before the state is read, so no other run changes it meanwhile.
  const lock: LockPolicy = { wait: opts.noWait !== true, signal: opts.signal, notice: (m) => write(opts.log, m) };
  const unlock = distExists && !opts.dryRun && !opts.checkOnly ? await lockDist(distDir, lock) : undefined;
  try {
    let prior: ReleaseState | undefined;
    if (distExists && !opts.clean) prior = fresh ? await readPreviousState(distDir, warn) : await readStateShape(distDir, TOOL_VERSION);

    const git = await readProjectGit(runner, projectDir, distDir);
    let release: ReleaseInfo;
    const digest = configDigest(config);
    const continued = !fresh ? prior : undefined;
    if (continued) {
      checkContinuation(continued, where, digest, git?.commit, opts.version, configPath);
      // The cheap checks first: only then is every recorded file hashed.
      await verifyStateFiles(continued, distDir);
      if (!git) warn(`${projectDir} is not a git work tree, so nothing checks that it is commit ${continued.release.shortCommit}, which the release in ${distDir} was built from`);
      release = releaseInfoFromFacts(continued.release, where);
    } else {
      release = releaseInfoFromGit(git, projectDir, opts.env, opts.version, config.version);
    }
    const targets = runTargets(config, opts.targets, continued, where);
    const runScope = new AbortController();

    ctx = new ReleaseContext({
      config,
      configPath,
      positions: loaded.positions,
      projectDir,
      distDir,
      release,
      targets,
      options: {
        dryRun: opts.dryRun,
        // A dry-run listing must come out in order: one job at a time.
        concurrency: opts.dryRun ? 1 : opts.concurrency.cpu,
        ioConcurrency: opts.dryRun ? 1 : opts.concurrency.io,
        json: opts.json,
        devCert: opts.devCert,
        ...(opts.files ? { files: opts.files } : {}),
        ...(opts.previous?.length ? { previous: opts.previous } : {}),
        ...(opts.appinstallerBaseUrl !== undefined ? { appinstallerBaseUrl: opts.appinstallerBaseUrl } : {}),
        ...(opts.channelsBaseUrl !== undefined ? { channelsBaseUrl: opts.channelsBaseUrl } : {}),
      },
      runner,
      // Ctrl-C, or the end of the run: nothing a stage started outlives it.
      signal: AbortSignal.any([opts.signal, runScope.signal]),
      logger,
      env: opts.env,
      artifacts: new ArtifactRegistry(continued?.artifacts ?? []),
      toolVersions: { ...(continued?.tools ?? {}) },
    });
    for (const m of early) ctx.warn(m);
    const context = ctx;
    const selection = selectStages({
      stages: pipeline,
      only: opts.only,
      skip: opts.skip,
      split: opts.split,
      distDir,
      ...(continued ? { prior: priorRelease(continued, where) } : {}),
      skipRule: (stage) => stage.skip?.(context) ?? false,
      leaveOutMissingInputs: opts.leaveOutMissingInputs ?? false,
    });
    if (fresh && release.snapshot) ctx.warn(`no release tag on HEAD and no version given: building snapshot ${release.version}`);
    if (git?.dirty) {
      ctx.warn('the git work tree has uncommitted changes: the release will not match its commit');
      // A continued run that packs files of this checkout (README, msi.files, the icon) may now
      // ship changes no commit has.
      if (continued && selection.run.some((s) => s.readsProject)) ctx.release.dirty = true;
    }
    opts.preflight?.(ctx, selection);
    for (const s of selection.run.filter((x) => selection.refresh.has(x))) {
      ctx.logger.info(`${s.title}: runs again for what this run changes (${s.id})`);
    }

    const outcome: BuildOutcome = { ctx, selection, timings: [], jobs: [], commands };
    if (opts.checkOnly) {
      try {
        await checkRelease(ctx, selection, runScope);
      } catch (err) {
        outcome.error = err;
      }
      return outcome;
    }
    try {
      await execute(ctx, selection, {
        fresh,
        clean: opts.clean,
        ...(prior ? { prior } : {}),
        ...(unlock ? { unlock } : {}),
        lock,
        runScope,
        recorder: new StateRecorder(ctx, {
          configDigest: digest,
          targets: continued?.targets ?? targets,
          partial: opts.split || (continued?.partial ?? false),
          completed: continued?.completed ?? [],
          order: STAGE_IDS,
        }),
        progress: opts.dryRun ? silentProgress : opts.interactive && !opts.json ? await liveProgress(pipeline, opts.log) : plainProgress(opts.log),
        timings: outcome.timings,
        jobs: outcome.jobs,
      });
    } catch (err) {
      outcome.error = err;
    }
    return outcome;
  } catch (err) {
    await unlock?.();
    throw err;
  }
}
