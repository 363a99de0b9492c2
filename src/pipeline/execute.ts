import type { ReleaseState } from '../artifacts/state.js';
import type { ReleaseContext } from '../context/context.js';
import type { Stage } from '../context/stage.js';
import { archOf, type Target } from '../util/arch.js';
import { CancelledError, problemsOf } from '../util/errors.js';
import { claimLocked, retireManifests, retirePreviousRelease, retireUnrecorded } from './dist.js';
import { STAGE_IDS } from './pipeline.js';
import type { Progress } from './progress.js';
import type { StateRecorder } from './recorder.js';
import type { LockPolicy } from './lock.js';
import { planJobs, runJobs, type Job } from './schedule.js';
import type { Selection } from './select.js';

// Running the selected stages: their preparations, the opening of dist/ (claim, lock, retire
// what the run replaces), the jobs as they overlap, and the release state kept in step.

export interface StageTiming {
  stage: string;
  title: string;
  ms: number;
  skipped?: string;
}

/** One job of the run: when it started its work (ms after the run did; after the preflight) and how long it took. */
export interface JobTiming {
  stage: string;
  target?: Target;
  startMs: number;
  ms: number;
  /** Passed over: a stage run again for what changed found this target's files current. */
  upToDate?: true;
}

export interface ExecuteOptions {
  fresh: boolean;
  clean: boolean;
  /** The release in dist/ before this run (the one a fresh run retires). */
  prior?: ReleaseState;
  /** How to take dist/'s lock (wait or refuse). */
  lock: LockPolicy;
  /** The lock of dist/, when the run took it before reading the state. */
  unlock?: () => Promise<void>;
  recorder: StateRecorder;
  progress: Progress;
  /** Aborted when the run ends, whatever way: stops work that outlives it (the probe). */
  runScope: AbortController;
  timings: StageTiming[];
  jobs: JobTiming[];
}

/** Run the selected stages as overlapping jobs, keeping the release state in step. */
export async function execute(ctx: ReleaseContext, selection: Selection, o: ExecuteOptions): Promise<void> {
  const { progress, recorder } = o;
  const dry = ctx.options.dryRun;
  for (const [stage, reason] of selection.leftOut) {
    o.timings.push({ stage: stage.id, title: stage.title, ms: 0, skipped: reason });
    progress.skipped(stage, reason);
  }
  // A dry run prepares one stage after the other, first: its listing comes out in order.
  const preparation = prepareStages(ctx, selection.run, dry, (stage, err) => progress.failed(stage, err));
  const dist = new DistOpening(ctx, selection, o);
  const jobs = planJobs(selection.run, dry ? ctx.targets : longestRoadFirst(ctx, selection.run));
  const left = new Map<Stage, number>();
  for (const j of jobs) left.set(j.stage, (left.get(j.stage) ?? 0) + 1);
  const startedAt = new Map<Stage, number>();
  const failedStages = new Set<Stage>();
  const runStarted = performance.now();

  const runJob = async (job: Job, signal: AbortSignal) => {
    // A check (gate) waits only for its own preparation: it runs beside the others, and its
    // problems join theirs. Everything else — the Go build first — starts only when every
    // stage's checks have passed. A job stopped here never started: no timing, no progress line.
    await (job.stage.gate ? preparation.of(job.stage) : preparation.ready());
    if (!dry && !job.stage.gate) await dist.open();
    // Every stage starts once the state that lists what the stages before it made is on disk.
    // A stage that rewrites files in place (resources, signing) then leaves, when the run is
    // killed during the rewrite, files its state knows, not a complete MSI that a state write
    // still in flight would have listed; and a run killed while a stage writes its own output
    // (the manifests after the checksums) leaves no finished file of an earlier stage unrecorded.
    if (!dry) await recorder.flush();
    const started = performance.now();
    if (!startedAt.has(job.stage)) {
      startedAt.set(job.stage, started);
      progress.started(job.stage);
    }
    const timing: JobTiming = { stage: job.stage.id, ...(job.target ? { target: job.target } : {}), startMs: Math.round(started - runStarted), ms: 0 };
    o.jobs.push(timing);
    try {
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
    if (dry) await preparation.ready();
    await runJobs(jobs, {
      signal: ctx.signal,
      sequential: dry,
      run: runJob,
      onEnd: (job, error) => {
        const stage = job.stage;
        if (error !== undefined) {
          // A job stopped because another failed (or a preparation did) is not this stage's failure.
          if (!failedStages.has(stage) && !preparation.failed(stage)) {
            if (!(error instanceof CancelledError)) progress.failed(stage, error);
            else if (startedAt.has(stage)) progress.stopped(stage);
          }
          failedStages.add(stage);
        }
        const remaining = left.get(stage)! - 1;
        left.set(stage, remaining);
        if (remaining > 0 || failedStages.has(stage)) return;
        const ms = Math.round(performance.now() - startedAt.get(stage)!);
        o.timings.push({ stage: stage.id, title: stage.title, ms });
        progress.finished(stage, ms);
        if (!dry && !stage.gate) recorder.markCompleted(stage);
      },
    });
  } catch (err) {
    throw await preflightFailure(err, preparation);
  } finally {
    o.runScope.abort(new CancelledError('the run is over'));
    // Stages that failed, or were stopped before all their jobs ran, show how long they ran (and
    // one stopped before its last job started still gets its closing line).
    for (const [s, at] of startedAt) {
      if (o.timings.some((t) => t.stage === s.id)) continue;
      o.timings.push({ stage: s.id, title: s.title, ms: Math.round(performance.now() - at) });
      if (!failedStages.has(s)) progress.stopped(s);
    }
    o.timings.sort((a, b) => STAGE_IDS.indexOf(a.stage) - STAGE_IDS.indexOf(b.stage));
    await progress.close();
    await dist.close();
  }
}

/**
 * The first job that writes opens dist/ (after every preparation has passed: nothing is built
 * before every stage has said it can do its part): dist/ is claimed and locked, and what this run
 * replaces is retired — recorded first, deleted after, so the state never lists a file that is
 * gone. A run whose checks fail leaves dist/ as it was.
 */
class DistOpening {
  private opened: Promise<void> | undefined;
  private unlock: (() => Promise<void>) | undefined;
  /** What the previous release left, being deleted in the background (awaited before the run ends). */
  private readonly deletions: Promise<void>[] = [];

  constructor(
    private readonly ctx: ReleaseContext,
    private readonly selection: Selection,
    private readonly o: ExecuteOptions,
  ) {
    this.unlock = o.unlock;
  }

  open(): Promise<void> {
    return (this.opened ??= this.openOnce());
  }

  private async openOnce(): Promise<void> {
    const { ctx, o } = this;
    const claimed = await claimLocked(ctx.distDir, o.clean, this.unlock, ctx.projectDir, o.lock);
    this.deletions.push(claimed.deletion.done);
    this.unlock = claimed.unlock;
    if (o.fresh) {
      await o.recorder.write(); // the new release's state, listing nothing yet
      this.deletions.push((await retirePreviousRelease(ctx.distDir, o.prior, ctx.config.project.name, o.lock.notice)).done);
    } else {
      this.deletions.push((await retireUnrecorded(ctx.distDir, { artifacts: ctx.artifacts.all() }, o.lock.notice)).done);
      await this.retireWhatThisRunRewrites();
    }
    ctx.artifacts.onChange(() => o.recorder.save());
    // The first builds have started their processes by the time this fires: loading the modules
    // later stages need now overlaps their wait, instead of happening when those stages start.
    setTimeout(() => {
      for (const stage of this.selection.run) stage.preload?.(ctx);
    }, 10).unref();
  }

  /**
   * A continued run that changes files drops what describes them (the checksums file when it
   * changes what that lists, the manifests always), first in the state, then on disk: the
   * stages that write them again run last. Until then none may describe what is being replaced.
   */
  private async retireWhatThisRunRewrites(): Promise<void> {
    const { ctx, o, selection } = this;
    if (selection.changes.size === 0) return;
    const covered = [...selection.changes].some((kind) => kind !== 'checksums');
    if (covered) {
      for (const old of ctx.artifacts.ofKind('checksums')) ctx.artifacts.remove(old.path);
      o.recorder.forget('checksum');
    }
    o.recorder.forget('manifest');
    await o.recorder.write();
    await retireManifests(ctx.distDir, ctx.config.project.name, { checksums: covered });
  }

  async close(): Promise<void> {
    if (!this.opened) {
      await this.unlock?.();
      return;
    }
    await this.opened.catch(() => undefined);
    await Promise.all(this.deletions.map((d) => d.catch(() => undefined)));
    try {
      await this.o.recorder.flush();
    } finally {
      await this.unlock?.();
    }
  }
}

/**
 * Every stage's prepare step (Stage.prepare), started together as the run starts, beside the
 * checks (gates): each refuses what can be refused without building (a version the MSI cannot
 * hold, a shortcut to a file the package does not install, an icon that is no .ico) and starts
 * what only waits (the timestamp-server probe) without waiting for it. Every one runs to its
 * end, so a release with five mistakes reports five, not one per run; nothing but the gates
 * starts before all have passed.
 */
export function prepareStages(ctx: ReleaseContext, stages: readonly Stage[], sequential: boolean, onFailure: (stage: Stage, error: unknown) => void) {
  const failures: { stage: Stage; error: unknown }[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  const steps = new Map(
    stages.map((stage) => {
      const step = (sequential ? previous : Promise.resolve()).then(() => stage.prepare?.(ctx));
      previous = step.catch(() => undefined);
      step.catch((error: unknown) => {
        failures.push({ stage, error });
        onFailure(stage, error);
      });
      return [stage, step] as const;
    }),
  );
  const settled = Promise.allSettled(steps.values()).then(() => undefined);
  // A job waiting on a failed preparation was stopped by it: the failures are reported together, once.
  const stopped = () => {
    throw new CancelledError();
  };
  return {
    /** Every preparation has passed; throws CancelledError once they have all ended and one failed. */
    ready: () => settled.then(() => (failures.length ? stopped() : undefined)),
    of: (stage: Stage) => steps.get(stage)?.then(() => undefined, stopped),
    failed: (stage: Stage) => failures.some((f) => f.stage === stage),
    /** Every failure, in pipeline order, once all preparations have ended. */
    failures: () => settled.then(() => stages.flatMap((s) => failures.filter((f) => f.stage === s).map((f) => f.error))),
  };
}

export type Preparation = ReturnType<typeof prepareStages>;

/**
 * What a run that failed before building reports: every preparation's problem and a check's
 * (the gate's error, when one failed too), together; one problem is reported as itself. A run
 * that failed later, with every preparation passed, reports its own error.
 */
export async function preflightFailure(err: unknown, preparation: Preparation): Promise<unknown> {
  const prepared = await preparation.failures();
  if (prepared.length === 0) return err;
  const gate = err instanceof CancelledError ? [] : [err];
  // Two stages sharing one check (both signing stages, the certificate) report it once.
  const problems = [...new Set([...gate, ...prepared])].map((e) => (e instanceof Error ? e : new Error(String(e))));
  return problemsOf(problems, (n) => `${n} problems found before building (nothing was built; fix them all, then run again):`) ?? err;
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
