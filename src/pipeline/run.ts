import { readFile } from 'node:fs/promises';
import { ArtifactRegistry } from '../artifacts/registry.js';
import { configDigest, parseState, readState, statePath, type ReleaseState } from '../artifacts/state.js';
import { findConfig, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ReleaseContext, type Logger, type ReleaseInfo } from '../context/context.js';
import type { Stage } from '../context/stage.js';
import { ToolRunner } from '../tools/runner.js';
import { archOf, type Target } from '../util/arch.js';
import type { Concurrency } from '../util/concurrency.js';
import { CancelledError, UsageError } from '../util/errors.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { checkDistIsOurs, claimDist, retireManifests, retirePreviousRelease } from './dist.js';
import { readProjectGit, releaseInfoFromFacts, releaseInfoFromGit } from './facts.js';
import { pipeline, STAGE_IDS } from './pipeline.js';
import { liveProgress, plainProgress, silentProgress, type Progress } from './progress.js';
import { priorRelease, StateRecorder } from './recorder.js';
import { planJobs, runJobs, type Job } from './schedule.js';
import { selectStages, startsNewRelease, type Selection } from './select.js';

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
  lenient?: boolean;
  /** Work on this dist folder instead of release.yaml's (release merge -o). */
  distDir?: string;
  /** `release sign FILE…`: sign only these recorded files (dist paths). */
  files?: ReadonlySet<string>;
  /** A command's own checks, once the context and the stages are known, before anything runs. */
  preflight?: (ctx: ReleaseContext, selection: Selection) => void;
  dryRun: boolean;
  json: boolean;
  concurrency: Concurrency;
  devCert: boolean;
  clean: boolean;
  signal: AbortSignal;
  /** Where progress and logs go: stderr with --json, else stdout. */
  log: NodeJS.WriteStream;
  /** Where --dry-run listings go. */
  out: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  interactive: boolean;
}

export interface StageTiming {
  stage: string;
  title: string;
  ms: number;
  skipped?: string;
}

/** One job of the run: when it started (ms after the run did) and how long it took. */
export interface JobTiming {
  stage: string;
  target?: Target;
  startMs: number;
  ms: number;
  /** Passed over: a stage run again for what changed found this target's files current. */
  upToDate?: true;
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

/** The release this run continues, or the previous one it replaces. */
interface Prior {
  state?: ReleaseState;
  where: string;
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
function checkContinuation(state: ReleaseState, where: string, digest: string, headCommit: string | undefined, flagVersion: string | undefined): void {
  if (headCommit !== undefined && state.release.commit !== 'none' && headCommit !== state.release.commit) {
    throw new UsageError(
      `${where} was built from commit ${state.release.commit}, but HEAD is ${headCommit}: check out ${state.release.shortCommit} to continue that release, or start a new one with release build`,
    );
  }
  if (state.configDigest !== digest) {
    throw new UsageError(`release.yaml is not the one ${where} was built with (config digest ${state.configDigest.slice(0, 12)}… recorded, ${digest.slice(0, 12)}… now): use the same release.yaml, or start a new release with release build`);
  }
  if (flagVersion !== undefined && flagVersion.replace(/^v/, '') !== state.release.version) {
    throw new UsageError(`--version ${flagVersion}: ${where} holds release ${state.release.version}; a run that continues it keeps its version (drop --version, or start a new release with release build)`);
  }
}

function runTargets(config: Config, requested: readonly Target[] | undefined, state: ReleaseState | undefined, where: string): Target[] {
  const built = [...new Set(config.builds.flatMap((b) => b.targets))];
  const base = state ? built.filter((t) => state.targets.includes(t)) : built;
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
  const prior: Prior = { where };
  if (distExists && !opts.clean) prior.state = fresh ? await readPreviousState(distDir, warn) : await readState(distDir, TOOL_VERSION);

  const git = await readProjectGit(runner, projectDir, distDir);
  let release: ReleaseInfo;
  const digest = configDigest(config);
  if (!fresh && prior.state) {
    checkContinuation(prior.state, where, digest, git?.commit, opts.version);
    if (!git) warn(`${projectDir} is not a git work tree, so nothing checks that it is commit ${prior.state.release.shortCommit} the release in dist/ was built from`);
    // Files this run packs from the project (README, msi.files) come from this checkout: if it has
    // changes, so may the release.
    release = { ...releaseInfoFromFacts(prior.state.release, where), dirty: prior.state.release.dirty || (git?.dirty ?? false) };
  } else {
    release = releaseInfoFromGit(git, projectDir, opts.env, opts.version, config.version);
  }
  const continued = !fresh ? prior.state : undefined;
  const targets = runTargets(config, opts.targets, continued, where);

  ctx = new ReleaseContext({
    config,
    configPath,
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
    },
    runner,
    signal: opts.signal,
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
    ...(continued ? { prior: priorRelease(continued, where) } : {}),
    skipRule: (stage) => stage.skip?.(context) ?? false,
    lenient: opts.lenient ?? false,
  });
  if (fresh && release.snapshot) ctx.warn(`no release tag on HEAD and no version given: building snapshot ${release.version}`);
  if (git?.dirty) ctx.warn('the git work tree has uncommitted changes: the release will not match its commit');
  opts.preflight?.(ctx, selection);
  for (const s of selection.run.filter((x) => selection.refresh.has(x))) {
    ctx.logger.info(`${s.title}: runs again for what this run changes (${s.id})`);
  }

  const outcome: BuildOutcome = { ctx, selection, timings: [], jobs: [], commands };
  try {
    await execute(ctx, selection, {
      fresh,
      clean: opts.clean,
      prior: prior.state,
      recorder: new StateRecorder(ctx, {
        configDigest: digest,
        targets,
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
}

interface ExecuteOptions {
  fresh: boolean;
  clean: boolean;
  prior?: ReleaseState;
  recorder: StateRecorder;
  progress: Progress;
  timings: StageTiming[];
  jobs: JobTiming[];
}

/** Run the selected stages as overlapping jobs, keeping the release state in step. */
async function execute(ctx: ReleaseContext, selection: Selection, o: ExecuteOptions): Promise<void> {
  const { progress, recorder } = o;
  const dry = ctx.options.dryRun;
  for (const [stage, reason] of selection.leftOut) {
    o.timings.push({ stage: stage.id, title: stage.title, ms: 0, skipped: reason });
    progress.skipped(stage, reason);
  }
  // A dry run prepares one stage after the other, first: its listing comes out in order.
  const preparation = prepareStages(ctx, selection.run, dry, (stage, err) => progress.failed(stage, err));
  if (dry) await preparation.all;

  const writes = selection.run.some((s) => !s.gate);
  let opened: Promise<void> | undefined;
  /** What the previous release left, being deleted in the background (awaited before the run ends). */
  const deletions: Promise<void>[] = [];
  /**
   * The first job that writes makes dist/ ready: a run whose checks or preparations fail leaves
   * it as it was (nothing is built before every stage has said it can do its part).
   */
  const openDist = () =>
    (opened ??= (async () => {
      await preparation.ready();
      deletions.push((await claimDist(ctx.distDir, o.clean)).done);
      if (o.fresh) deletions.push((await retirePreviousRelease(ctx.distDir, o.prior, ctx.config.project.name)).done);
      else {
        for (const old of ctx.artifacts.ofKind('checksums')) ctx.artifacts.remove(old.path);
        await retireManifests(ctx.distDir, ctx.config.project.name);
      }
      recorder.save();
      ctx.artifacts.onChange(() => recorder.save());
      // The first builds have started their processes by the time this fires: loading the modules
      // later stages need now overlaps their wait, instead of happening when those stages start.
      setTimeout(() => {
        for (const stage of selection.run) stage.preload?.(ctx);
      }, 10).unref();
    })());

  const jobs = planJobs(selection.run, dry ? ctx.targets : longestRoadFirst(ctx, selection.run));
  const left = new Map<Stage, number>();
  for (const j of jobs) left.set(j.stage, (left.get(j.stage) ?? 0) + 1);
  const startedAt = new Map<Stage, number>();
  const failedStages = new Set<Stage>();

  const runStarted = performance.now();
  const runJob = async (job: Job, signal: AbortSignal) => {
    const started = performance.now();
    const timing: JobTiming = { stage: job.stage.id, ...(job.target ? { target: job.target } : {}), startMs: Math.round(started - runStarted), ms: 0 };
    o.jobs.push(timing);
    try {
      await preparation.of(job.stage);
      if (!dry && writes && !job.stage.gate) await openDist();
      if (selection.refresh.has(job.stage) && job.target && isUpToDate(ctx, job.stage, job.target)) {
        timing.upToDate = true;
        return;
      }
      if (job.stage.scope === 'target') await job.stage.run(ctx, job.target!, signal);
      else await job.stage.run(ctx, signal);
    } finally {
      timing.ms = Math.round(performance.now() - started);
    }
  };

  try {
    await runJobs(jobs, {
      signal: preparation.signal,
      sequential: dry,
      run: runJob,
      onStart: (job) => {
        if (startedAt.has(job.stage)) return;
        startedAt.set(job.stage, performance.now());
        progress.started(job.stage);
      },
      onEnd: (job, error) => {
        const stage = job.stage;
        if (error !== undefined) {
          // A job stopped because another failed is not this stage's failure.
          if (!failedStages.has(stage)) error instanceof CancelledError ? progress.stopped(stage) : progress.failed(stage, error);
          failedStages.add(stage);
        }
        const remaining = left.get(stage)! - 1;
        left.set(stage, remaining);
        if (remaining > 0 || failedStages.has(stage)) return;
        const ms = Math.round(performance.now() - startedAt.get(stage)!);
        o.timings.push({ stage: stage.id, title: stage.title, ms });
        progress.finished(stage, ms);
        if (!dry && !stage.gate) recorder.markCompleted(stage.id);
      },
    });
  } catch (err) {
    // Jobs stopped because a stage's preparation failed: that failure is the one to report.
    throw err instanceof CancelledError ? (preparation.failure() ?? err) : err;
  } finally {
    // Stages that failed, or were stopped before all their jobs ran, show how long they ran.
    for (const [s, at] of startedAt) {
      if (!o.timings.some((t) => t.stage === s.id)) o.timings.push({ stage: s.id, title: s.title, ms: Math.round(performance.now() - at) });
    }
    o.timings.sort((a, b) => STAGE_IDS.indexOf(a.stage) - STAGE_IDS.indexOf(b.stage));
    await progress.close();
    if (opened) {
      await opened.catch(() => undefined);
      await Promise.all(deletions.map((d) => d.catch(() => undefined)));
      await recorder.flush();
    }
  }
}

/**
 * Every stage's prepare step, started together as the run starts, alongside the checks: it
 * refuses what can be refused without building (the MSI backend, a missing password) and
 * starts what only waits (the timestamp-server probe). Nothing writes before all are done; a
 * failed one stops the whole run at once.
 */
function prepareStages(ctx: ReleaseContext, stages: readonly Stage[], sequential: boolean, onFailure: (stage: Stage, error: unknown) => void) {
  const stop = new AbortController();
  let failure: unknown;
  let previous: Promise<unknown> = Promise.resolve();
  const steps = new Map(
    stages.map((stage) => {
      const step = (sequential ? previous : Promise.resolve()).then(() => stage.prepare?.(ctx));
      previous = step.catch(() => undefined);
      step.catch((err: unknown) => {
        if (failure !== undefined) return;
        failure = err;
        onFailure(stage, err);
        stop.abort(err);
      });
      return [stage, step] as const;
    }),
  );
  // A job waiting on a failed preparation was stopped by it: the failure itself is reported once.
  const stopped = () => {
    throw new CancelledError();
  };
  const all = Promise.all(steps.values());
  all.catch(() => undefined);
  return {
    all,
    ready: () => all.then(() => undefined, stopped),
    of: (stage: Stage) => steps.get(stage)?.then(() => undefined, stopped),
    signal: AbortSignal.any([ctx.signal, stop.signal]),
    failure: () => failure,
  };
}

/**
 * The run's targets, those with more stages to work on first (a target with an MSI to build and
 * sign after its exe before one with only a zip): when the CPU is short, the builds whose road
 * ahead is longest start first. Ties keep their order.
 */
function longestRoadFirst(ctx: ReleaseContext, stages: readonly Stage[]): Target[] {
  const work = (t: Target) => stages.filter((s) => s.scope === 'target' && (s.worksOn?.(ctx, t) ?? true)).length;
  return [...ctx.targets].sort((a, b) => work(b) - work(a));
}

/** A stage run again for what changed: is what it made for `target` still current? */
function isUpToDate(ctx: ReleaseContext, stage: Stage, target: Target): boolean {
  if (stage.produces.length === 0) return false;
  const arch = archOf(target);
  return stage.produces.every((kind) => {
    const made = ctx.artifacts.ofKind(kind).filter((a) => 'goarch' in a && a.goarch === arch);
    return made.length > 0 && made.every((a) => ctx.artifacts.staleInputs(a).length === 0);
  });
}
