import type { ArtifactKind } from '../artifacts/kinds.js';
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
  /** A --split part: the stages over the whole release run after `release merge`. */
  partial: boolean;
}

export interface SelectionInput {
  stages: readonly Stage[];
  only: readonly string[];
  skip: readonly string[];
  /** --split: write one part of a release (only stages that work per target, and the checks). */
  split: boolean;
  /** The release in dist/ this run may continue; undefined when there is none. */
  prior?: PriorRelease;
  /** Why a stage's own rule skips it in this run (no sign: section…), or false. */
  skipRule(stage: Stage): string | false;
  /**
   * Stages asked for by a command rather than by --only (`release sign`): one whose inputs are
   * missing is left out instead of being an error.
   */
  lenient?: boolean;
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
}

/** A stage that makes files from the sources alone (the build): running it starts a release. */
function startsRelease(stage: Stage): boolean {
  return stage.consumes.length === 0 && stage.modifies.length === 0 && stage.produces.length > 0;
}

/** Does a run with these --only/--skip flags build, and so start a new release? */
export function startsNewRelease(stages: readonly Stage[], only: readonly string[], skip: readonly string[]): boolean {
  return stages.some((s) => startsRelease(s) && (only.length ? only.includes(s.id) : !skip.includes(s.id)));
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

  const fresh = stages.some((s) => asked(s) && !leftOut.has(s) && startsRelease(s) && !input.skipRule(s));
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
        const reason = missingInputs(s, inputs, fresh, prior);
        if (only.includes(s.id) && !input.lenient) throw new UsageError(`--only ${s.id}: ${reason}`);
        leftOut.set(s, reason);
        continue;
      }
      run.push(s);
    } else if (!fresh && prior && prior.completed.includes(s.id) && !rule && !(partial && wholeRelease(s)) && readsOf(s).some((k) => changed.has(k))) {
      // A stage that made files from what this run changes: it runs again for what became stale.
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
  return { fresh, run, refresh, leftOut };
}

function missingInputs(stage: Stage, inputs: readonly ArtifactKind[], fresh: boolean, prior: PriorRelease | undefined): string {
  const none = fresh ? 'this run starts a new release' : prior ? `${prior.where} lists none` : 'dist/ has no release state to continue from';
  return `${stage.id} works on ${inputs.join(' or ')} files: no stage of this run makes them, and ${none}; run release build first, or add the stage that makes them`;
}

function refuseSkip(stage: Stage, changed: ReadonlySet<ArtifactKind>, stages: readonly Stage[], run: readonly Stage[]): UsageError {
  const kinds = readsOf(stage).filter((k) => changed.has(k));
  const wanted = stages.filter((s) => run.includes(s) || s === stage).map((s) => s.id);
  return new UsageError(
    `--skip ${stage.id}: this run changes ${kinds.join(' and ')} files that the ${stage.produces.join(', ') || stage.id} files in dist/ were made from, so they would ship the old bytes. ` +
      `Run without --skip ${stage.id}: release build --only ${wanted.join(',')}`,
  );
}
