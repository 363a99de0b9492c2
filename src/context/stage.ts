import type { ArtifactKind } from '../artifacts/kinds.js';
import type { Target } from '../util/arch.js';
import type { ReleaseContext } from './context.js';

/**
 * One step of a release. The order lives in src/pipeline/pipeline.ts; a stage talks to others
 * only through the context and its artifact registry. What a stage reads and writes is declared
 * as artifact kinds: the runner derives from them which work waits for which (a target's zip
 * waits for its signed exe, not for its MSI), what a later run can continue from, and what must
 * be made again when a file it packed changes.
 */
interface StageBase {
  /** Short name for --skip/--only, the state and the JSON summary. */
  id: string;
  title: string;
  /** Kinds this stage reads. Without any in this run or in the release state, it has nothing to do. */
  consumes: readonly ArtifactKind[];
  /** Kinds it adds. */
  produces: readonly ArtifactKind[];
  /** Kinds whose files it rewrites in place (embedding resources, signing). */
  modifies: readonly ArtifactKind[];
  /** A check that writes nothing: every later stage waits for it, so a bad release stops early. */
  gate?: true;
  /**
   * Sends the release elsewhere (the update feed): waits for every earlier stage of the run (the
   * release must be finished, manifests included), and runs only when the run asks for it, never
   * again on its own because a later run changed files (a published version does not change).
   */
  publishes?: true;
  /** Makes the release's files from the sources (the build): a run with it starts a new release. */
  startsRelease?: true;
  /**
   * Packs files of the project checkout (README, msi.files, an icon), not only release files: a
   * run that continues a release with it from a checkout with changes marks the release dirty.
   */
  readsProject?: true;
  /** A reason to skip this run (shown to the user), or false. */
  skip?(ctx: ReleaseContext): string | false;
  /**
   * The stage's preflight, called when the run starts, for every stage of the run at once (beside
   * the gates): check everything that can be known before compiling — settings against what the
   * release will hold (a shortcut to a file the package installs), version mappings, input files
   * (an icon that is a real .ico), templates rendered with the real model — and throw what is
   * wrong, with release.yaml positions (ctx.positions); several problems at once as a
   * ProblemsError. Every stage's preparation runs to its end and all their problems are
   * reported together; no job but a gate's starts (no `go build`) before all have passed.
   *
   * So the promise it returns holds up the build: it must settle when the checks are done. Work
   * that only waits (the timestamp-server probe) is started here and not awaited — kept with
   * ctx.once and its rejection handled (`.catch(() => undefined)`), to be awaited, and its
   * failure reported, by the stage when it needs the result.
   */
  prepare?(ctx: ReleaseContext): void | Promise<void>;
  /**
   * Start loading the modules the stage will need (resedit, the WiX generator, the signing
   * engine), called once the first builds are running, so that loading overlaps their wait
   * instead of holding up the stage when its turn comes. Only a speed-up: nothing may depend on it.
   */
  preload?(ctx: ReleaseContext): void;
}

/** Runs once per target, as soon as that target's inputs are ready. */
export interface TargetStage extends StageBase {
  scope: 'target';
  /**
   * Whether the stage has anything to do for `target` (default: yes). Targets with more work
   * ahead are built first, so the longest road of the release starts first.
   */
  worksOn?(ctx: ReleaseContext, target: Target): boolean;
  /**
   * Earlier stages whose jobs (for every target) this one starts after, though it needs none of
   * their files: CPU work that is not on the release's critical path (a zip) yields to work
   * that is (the MSIs that still have to be signed), and then runs while those wait on a server.
   */
  after?: readonly string[];
  run(ctx: ReleaseContext, target: Target, signal: AbortSignal): Promise<void>;
}

/** Runs once, when its inputs are ready for every target. */
export interface ReleaseStage extends StageBase {
  scope: 'release';
  run(ctx: ReleaseContext, signal: AbortSignal): Promise<void>;
}

export type Stage = TargetStage | ReleaseStage;

/** Kinds a stage writes (adds or rewrites). */
export function writesOf(stage: Stage): ArtifactKind[] {
  return [...stage.produces, ...stage.modifies];
}

/** Kinds a stage needs to be final before it starts (it reads them or rewrites them). */
export function readsOf(stage: Stage): ArtifactKind[] {
  return [...stage.consumes, ...stage.modifies];
}
