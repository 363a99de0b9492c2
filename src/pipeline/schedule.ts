import { readsOf, writesOf, type Stage } from '../context/stage.js';
import type { Target } from '../util/arch.js';
import { CancelledError } from '../util/errors.js';

// How the stages of a run overlap. The pipeline is a story in order; its stages become jobs (one
// per target for stages that work per target) and a job waits only for the earlier jobs whose
// files it needs: those that write a kind it reads or rewrites, or read a kind it rewrites, for
// its own target (or for every target, when either side works on the whole release). Checks
// (gates) come before everything. So a target's exe is signed as soon as it is built, its MSI
// built as soon as it is signed, and its zip written while the MSIs are signed.

export interface Job {
  stage: Stage;
  /** Set for stages that run per target. */
  target?: Target;
  /** Jobs that must finish first. */
  deps: Job[];
}

export function jobLabel(job: Job): string {
  return job.target ? `${job.stage.id} ${job.target}` : job.stage.id;
}

/** Does `later` need `earlier` finished (in pipeline order) before it starts? */
export function mustWait(later: Stage, earlier: Stage): boolean {
  if (earlier.gate || later.gate || later.publishes) return true;
  const overlaps = (a: readonly string[], b: readonly string[]) => a.some((k) => b.includes(k));
  return (
    overlaps(writesOf(earlier), readsOf(later)) || // it reads what the earlier one writes
    overlaps(readsOf(earlier), writesOf(later)) || // it would rewrite what the earlier one reads
    overlaps(writesOf(earlier), writesOf(later))
  );
}

/** The jobs of `stages` (in pipeline order) over `targets`, in pipeline order, each with its dependencies. */
export function planJobs(stages: readonly Stage[], targets: readonly Target[]): Job[] {
  const jobs: Job[] = [];
  for (const stage of stages) {
    const earlier = jobs.filter((j) => mustWait(stage, j.stage));
    const yieldsTo = stage.scope === 'target' ? jobs.filter((j) => stage.after?.includes(j.stage.id) && !earlier.includes(j)) : [];
    const mine: Job[] = stage.scope === 'target' ? targets.map((target) => ({ stage, target, deps: [] })) : [{ stage, deps: [] }];
    for (const job of mine) {
      job.deps = earlier.filter((d) => d.target === undefined || job.target === undefined || d.target === job.target);
      job.deps.push(...yieldsTo);
    }
    jobs.push(...mine);
  }
  return jobs;
}

export interface RunJobsOptions {
  /** The run's signal (Ctrl-C): aborting it stops every job. */
  signal: AbortSignal;
  /** One job at a time, in plan order (a dry run's listing must come out in order). */
  sequential: boolean;
  run(job: Job, signal: AbortSignal): Promise<void>;
  onStart?(job: Job): void;
  onEnd?(job: Job, error?: unknown): void;
}

/**
 * Run every job as soon as its dependencies are done. The first failure stops the rest (running
 * jobs are aborted, their child processes killed; waiting ones never start) and is the error
 * thrown, so the run reports the job that actually broke rather than the cancellations it caused.
 * Each job gets its own AbortController, so no signal collects a listener per job.
 */
export async function runJobs(jobs: readonly Job[], options: RunJobsOptions): Promise<void> {
  if (options.signal.aborted) throw new CancelledError();
  const controllers = new Map(jobs.map((j) => [j, new AbortController()]));
  let firstError: unknown;
  let stopped = false;
  const stopAll = (reason: unknown) => {
    stopped = true;
    for (const c of controllers.values()) c.abort(reason);
  };
  const onParentAbort = () => stopAll(options.signal.reason);
  options.signal.addEventListener('abort', onParentAbort, { once: true });

  const runOne = async (job: Job): Promise<void> => {
    if (stopped) throw new CancelledError();
    const signal = controllers.get(job)!.signal;
    options.onStart?.(job);
    try {
      await options.run(job, signal);
      options.onEnd?.(job);
    } catch (err) {
      options.onEnd?.(job, err);
      if (firstError === undefined && !(err instanceof CancelledError && stopped)) firstError = err;
      stopAll(err);
      throw err;
    }
  };

  try {
    if (options.sequential) {
      for (const job of jobs) await runOne(job).catch(() => undefined);
    } else {
      const done = new Map<Job, Promise<void>>();
      for (const job of jobs) {
        done.set(job, Promise.all(job.deps.map((d) => done.get(d)!)).then(() => runOne(job)));
      }
      await Promise.allSettled(done.values());
    }
  } finally {
    options.signal.removeEventListener('abort', onParentAbort);
  }
  if (firstError !== undefined) throw firstError;
  if (stopped || options.signal.aborted) throw new CancelledError();
}
