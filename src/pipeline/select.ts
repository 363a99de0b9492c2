import type { ArtifactKind } from '../artifacts/kinds.js';
import { ArtifactRegistry } from '../artifacts/registry.js';
import type { ReleaseState } from '../artifacts/state.js';
import { readsOf, writesOf, type Stage } from '../context/stage.js';
import { UsageError } from '../util/errors.js';

// Which stages a run runs. Pure: from the pipeline, --only/--skip, and what the release state
// says earlier runs made. A run that builds starts a new release; any other run continues the
// one in dist/, and when it changes files that later stages packed (signing an exe an MSI and a
// zip already hold), those stages run again for what became stale, so dist/ never ships a
// package of old bytes or a checksums file that does not match.

export interface PriorRelease {
  /** Where the state is, for messages. */
  where: string;
  /** Stages that ran to the end on the recorded files. */
  completed: readonly string[];
  /** Kinds of the recorded artifacts. */
  kinds: ReadonlySet<ArtifactKind>;
  /**
   * Kinds of recorded packages already stale: a file they packed changed since (a run stopped
   * between signing an exe and remaking its MSI). Their stages run again, whatever else runs.
   */
  stale: ReadonlySet<ArtifactKind>;
  /** A --split part: the stages over the whole release run after `release merge`. */
  partial: boolean;
}

/** What the selection needs to know of the release recorded in dist/. */
export function priorRelease(state: ReleaseState, where: string): PriorRelease {
  const registry = new ArtifactRegistry(state.artifacts);
  return {
    where,
    completed: state.completed,
    kinds: new Set(state.artifacts.map((a) => a.kind)),
    stale: new Set(state.artifacts.filter((a) => registry.staleInputs(a).length > 0).map((a) => a.kind)),
    partial: state.partial,
  };
}

export interface SelectionInput {
  stages: readonly Stage[];
  only: readonly string[];
  skip: readonly string[];
  /** --split: write one part of a release (only stages that work per target, and the checks). */
  split: boolean;
  /** The release in dist/ this run may continue; undefined when there is none. */
  prior?: PriorRelease;
  /** The dist folder, for messages. */
  distDir: string;
  /** Why a stage's own rule skips it in this run (no sign: section…), or false. */
  skipRule(stage: Stage): string | false;
  /**
   * Stages asked for by a command rather than by --only (`release sign`): one whose inputs are
   * missing is left out instead of being an error.
   */
  leaveOutMissingInputs?: boolean;
}

export interface Selection {
  /** The run starts a new release: what dist/ held before is retired. */
  fresh: boolean;
  /** The stages to run, in pipeline order. */
  run: Stage[];
  /** Stages added because files they made will change: they remake only what is stale. */
  refresh: Set<Stage>;
  /** The stages not run, each with the reason shown to the user. */
  leftOut: Map<Stage, string>;
  /** Kinds of file the run adds or rewrites: a continued run retires what describes them first. */
  changes: Set<ArtifactKind>;
}

/** Does a run with these --only/--skip flags build, and so start a new release? */
export function startsNewRelease(stages: readonly Stage[], only: readonly string[], skip: readonly string[]): boolean {
  return stages.some((s) => s.startsRelease && (only.length ? only.includes(s.id) : !skip.includes(s.id)));
}

/** A stage that works on the whole release at once (checksums, manifests), not per target. */
function wholeRelease(stage: Stage): boolean {
  return stage.scope === 'release' && !stage.gate;
}

export function selectStages(input: SelectionInput): Selection {
  const { stages, only, skip, prior } = input;
  const ids = stages.map((s) => s.id);
  for (const id of [...skip, ...only]) {
    if (!ids.includes(id)) throw new UsageError(`unknown stage "${id}" (stages: ${ids.join(', ')})`);
  }
  const leftOut = new Map<Stage, string>();
  const asked = (s: Stage) => (only.length ? only.includes(s.id) : !skip.includes(s.id));
  for (const s of stages) {
    if (skip.includes(s.id)) leftOut.set(s, '--skip');
    else if (only.length && !only.includes(s.id)) leftOut.set(s, 'not in --only');
  }

  const fresh = startsNewRelease(stages, only, skip);
  const partial = input.split || (!fresh && (prior?.partial ?? false));
  for (const s of stages.filter((x) => asked(x) && wholeRelease(x))) {
    if (!partial) continue;
    if (only.includes(s.id)) {
      throw new UsageError(
        input.split
          ? `--split writes one part of a release: ${s.id} runs over the whole release, after "release merge" joins the parts`
          : `${prior!.where} holds one part of a split release: join the parts with "release merge" first; ${s.id} runs there`,
      );
    }
    leftOut.set(s, 'runs after release merge');
  }

  const available = new Set<ArtifactKind>(fresh ? [] : (prior?.kinds ?? []));
  const run: Stage[] = [];
  const refresh = new Set<Stage>();
  const changed = new Set<ArtifactKind>();
  for (const s of stages) {
    const rule = input.skipRule(s);
    if (asked(s) && !leftOut.has(s)) {
      if (rule) {
        leftOut.set(s, rule);
        continue;
      }
      const inputs = readsOf(s);
      if (inputs.length > 0 && !inputs.some((k) => available.has(k))) {
        const reason = missingInputs(s, inputs, fresh, prior, input.distDir);
        if (only.includes(s.id) && !input.leaveOutMissingInputs) throw new UsageError(`--only ${s.id}: ${reason}`);
        leftOut.set(s, reason);
        continue;
      }
      run.push(s);
    } else if (!fresh && prior && !rule && !(partial && wholeRelease(s)) && mustRemake(s, prior, changed)) {
      // A stage that made files from what this run changes, or whose files are stale already:
      // it runs again for what became stale.
      if (skip.includes(s.id)) throw refuseSkip(s, changed, stages, run);
      leftOut.delete(s);
      run.push(s);
      refresh.add(s);
    } else continue;
    for (const k of writesOf(s)) {
      available.add(k);
      changed.add(k);
    }
  }
  run.sort((a, b) => stages.indexOf(a) - stages.indexOf(b));
  return { fresh, run, refresh, leftOut, changes: changed };
}

/** Must `stage`, which this run does not ask for, run again for the release in dist/? */
function mustRemake(stage: Stage, prior: PriorRelease, changed: ReadonlySet<ArtifactKind>): boolean {
  if (stage.publishes) return false;
  if (stage.produces.some((k) => prior.stale.has(k))) return true;
  const madeSomething = stage.produces.some((k) => prior.kinds.has(k)) || prior.completed.includes(stage.id);
  return madeSomething && readsOf(stage).some((k) => changed.has(k));
}

function missingInputs(stage: Stage, inputs: readonly ArtifactKind[], fresh: boolean, prior: PriorRelease | undefined, distDir: string): string {
  const none = fresh ? 'this run starts a new release' : prior ? `${prior.where} lists none` : `${distDir} has no release state to continue from`;
  return `${stage.id} works on ${inputs.join(' or ')} files: no stage of this run makes them, and ${none}; run release build first, or add the stage that makes them`;
}

function refuseSkip(stage: Stage, changed: ReadonlySet<ArtifactKind>, stages: readonly Stage[], run: readonly Stage[]): UsageError {
  const kinds = readsOf(stage).filter((k) => changed.has(k));
  const what = stage.produces.join(', ') || stage.id;
  const wanted = stages.filter((s) => run.includes(s) || s === stage).map((s) => s.id);
  return new UsageError(
    `--skip ${stage.id}: ${
      kinds.length
        ? `this run changes ${kinds.join(' and ')} files that the ${what} files in dist/ were made from, so they would ship the old bytes`
        : `the recorded ${what} files packed files that changed since, so they hold old bytes`
    }. ` +
      `Run without --skip ${stage.id}: release build --only ${wanted.join(',')}`,
  );
}
