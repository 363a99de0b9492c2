import type { Stage } from '../context/stage.js';

// How a run shows its stages. Stages overlap, so each line stands on its own: a stage starts
// when its first job starts and ends when its last one does.

export interface Progress {
  skipped(stage: Stage, reason: string): void;
  started(stage: Stage): void;
  finished(stage: Stage, ms: number): void;
  failed(stage: Stage, error: unknown): void;
  /** Stopped because another stage failed or the run was interrupted. */
  stopped(stage: Stage): void;
  /** The run is over: wait for the display to settle. */
  close(): Promise<void>;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** CI logs and pipes: one line per event. */
export function plainProgress(out: NodeJS.WritableStream): Progress {
  const line = (text: string) => out.write(`${text}\n`);
  return {
    skipped: (stage, reason) => line(`↓ ${stage.title} [skipped: ${reason}]`),
    started: (stage) => line(`▶ ${stage.title}`),
    finished: (stage, ms) => line(`✔ ${stage.title} (${formatMs(ms)})`),
    failed: (stage) => line(`✖ ${stage.title} failed`),
    stopped: (stage) => line(`■ ${stage.title} stopped`),
    close: async () => undefined,
  };
}

/** Nothing at all (the dry-run listing owns stdout). */
export const silentProgress: Progress = {
  skipped: () => undefined,
  started: () => undefined,
  finished: () => undefined,
  failed: () => undefined,
  stopped: () => undefined,
  close: async () => undefined,
};

/** How a stage ended: skipped (with the reason shown), or done after `ms`. */
type Ending = { skipped: string } | { ms: number };

interface Deferred {
  started: Promise<void>;
  start(): void;
  done: Promise<Ending>;
  finish(ending: Ending): void;
  fail(error: unknown): void;
}

function deferred(): Deferred {
  let start!: () => void;
  let finish!: (ending: Ending) => void;
  let fail!: (error: unknown) => void;
  const started = new Promise<void>((r) => (start = r));
  const done = new Promise<Ending>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  done.catch(() => undefined);
  return { started, start, done, finish, fail };
}

/** An interactive terminal: listr2's live list, every stage at once, each updated as it goes. */
export async function liveProgress(stages: readonly Stage[], out: NodeJS.WriteStream): Promise<Progress> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  const state = new Map(stages.map((s) => [s, deferred()]));
  const listr = new Listr(
    stages.map((stage) => ({
      title: stage.title,
      task: async (_: unknown, task: { skip(message?: string): void; output: string; title: string }) => {
        const d = state.get(stage)!;
        task.output = 'waiting';
        await Promise.race([d.started, d.done]);
        task.output = '';
        const ending = await d.done;
        // Every task starts with the run (they overlap), so listr2's own timer would count from
        // there: show the stage's own duration instead.
        if ('skipped' in ending) task.skip(ending.skipped);
        else task.title = `${stage.title} (${formatMs(ending.ms)})`;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: {
        collapseSkips: false, // keep the stage title, show why it was skipped under it
        logger: new ListrLogger({ useIcons: true, processOutput: new ProcessOutput(out, out) }),
      },
    } as ConstructorParameters<typeof Listr>[1],
  );
  const running = listr.run().catch(() => undefined);
  return {
    skipped: (stage, reason) => state.get(stage)?.finish({ skipped: reason }),
    started: (stage) => state.get(stage)?.start(),
    finished: (stage, ms) => state.get(stage)?.finish({ ms }),
    failed: (stage, error) => state.get(stage)?.fail(error),
    stopped: (stage) => state.get(stage)?.finish({ skipped: 'stopped' }),
    async close() {
      // Stages that never got to run (the run stopped first) end as skipped.
      for (const d of state.values()) d.finish({ skipped: 'not run' });
      await running;
    },
  };
}
