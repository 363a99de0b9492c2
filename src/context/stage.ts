import type { ReleaseContext } from './context.js';

/** One step of a release. The order lives in pipeline.ts; a stage talks to others only through the context. */
export interface Stage {
  /** Short name for --skip/--only and the JSON summary. */
  id: string;
  title: string;
  /**
   * Stages whose artifacts this one reads. The artifact registry lives only in this process, so
   * they must run in the same invocation: without them this stage would package or list nothing.
   */
  needs?: readonly string[];
  /** False for a stage that writes nothing into dist/ (the checks). */
  writesDist?: false;
  /** A reason to skip this run (shown to the user), or false. */
  skip?(ctx: ReleaseContext): string | false;
  run(ctx: ReleaseContext): Promise<void>;
}
