import { STATE_SCHEMA_VERSION, writeState, type ReleaseState } from '../artifacts/state.js';
import type { Stage } from '../context/stage.js';
import type { Target } from '../util/arch.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { factsOf, type ReleaseContext } from '../context/context.js';

export interface RecorderInit {
  configDigest: string;
  /** The targets the release in dist/ holds (a run with --targets may work on fewer). */
  targets: readonly Target[];
  partial: boolean;
  /** Stages that ran to the end before this run (a continued release). */
  completed: readonly string[];
  /** Every stage id in pipeline order, to keep `completed` in that order. */
  order: readonly string[];
}

/**
 * Keeps dist/.winship/state.json in step with the registry: written after every change (one
 * write at a time, the latest state wins), so an interrupted run leaves a state that describes
 * the complete files in dist/.
 */
export class StateRecorder {
  private readonly completed: Set<string>;
  private writing: Promise<void> | undefined;
  private pending = false;
  private failure: unknown;

  constructor(
    private readonly ctx: ReleaseContext,
    private readonly init: RecorderInit,
  ) {
    this.completed = new Set(init.completed);
  }

  state(): ReleaseState {
    return {
      schemaVersion: STATE_SCHEMA_VERSION,
      writtenBy: TOOL_VERSION,
      project: this.ctx.config.project.name,
      configDigest: this.init.configDigest,
      release: factsOf(this.ctx.release),
      tools: { ...this.ctx.toolVersions },
      targets: [...this.init.targets],
      partial: this.init.partial,
      completed: this.init.order.filter((id) => this.completed.has(id)),
      artifacts: this.ctx.artifacts.all(),
    };
  }

  /**
   * A stage ran to the end: a later run may continue after it. A stage that works per target
   * counts only when this run covered every target of the release (--targets may narrow it).
   */
  markCompleted(stage: Stage): void {
    if (stage.scope === 'target' && !this.init.targets.every((t) => this.ctx.targets.includes(t))) return;
    this.completed.add(stage.id);
    this.save();
  }

  /** What a stage made was retired (the checksums a run rewrites): it has to run again. */
  forget(stageId: string): void {
    this.completed.delete(stageId);
    this.save();
  }

  /** Write the state soon (coalescing a burst of changes into one write). */
  save(): void {
    this.pending = true;
    this.writing ??= this.drain();
  }

  /** Write the state now and wait for it: before deleting what it no longer lists. */
  async write(): Promise<void> {
    this.save();
    await this.flush();
  }

  /** Wait for every write; throw if one failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        this.pending = false;
        await writeState(this.ctx.distDir, this.state()).catch((err: unknown) => {
          this.failure ??= err;
        });
      }
    } finally {
      this.writing = undefined;
    }
  }
}
