import type { ReleaseContext } from './context.js';

/** One step of a release. The order lives in pipeline.ts; a stage talks to others only through the context. */
export interface Stage {
  /** Short name for --skip/--only and the JSON summary. */
  id: string;
  title: string;
  /** A reason to skip this run (shown to the user), or false. */
  skip?(ctx: ReleaseContext): string | false;
  run(ctx: ReleaseContext): Promise<void>;
}
