import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ReleaseContext } from '../../../src/context/context.js';
import type { ReleaseStage, Stage, TargetStage } from '../../../src/context/stage.js';
import { execute, type ExecuteOptions } from '../../../src/pipeline/execute.js';
import { silentProgress } from '../../../src/pipeline/progress.js';
import { StateRecorder } from '../../../src/pipeline/recorder.js';
import type { Selection } from '../../../src/pipeline/select.js';
import { ProblemsError, StageError, UsageError } from '../../../src/util/errors.js';
import { testContext } from '../../support/context.js';

// The preflight: every stage's preparation runs to its end, their problems (and a failed
// check's) are reported together, and nothing is built before all have passed — while work a
// preparation only starts (the timestamp probe) does not hold up the build.

const base = { consumes: [], produces: [], modifies: [] } as const;

function harness(stages: Stage[]) {
  const { ctx } = testContext({ targets: ['windows/amd64'] });
  const selection: Selection = { fresh: true, run: stages, refresh: new Set(), leftOut: new Map(), changes: new Set() };
  const o: ExecuteOptions = {
    fresh: true,
    clean: false,
    lock: { wait: false },
    recorder: new StateRecorder(ctx, { configDigest: '0'.repeat(64), targets: ['windows/amd64'], partial: false, completed: [], order: stages.map((s) => s.id) }),
    progress: silentProgress,
    runScope: new AbortController(),
    timings: [],
    jobs: [],
  };
  return { ctx, run: () => execute(ctx, selection, o), o };
}

const events: string[] = [];
const at = (t0: number) => Math.round(performance.now() - t0);

function gate(fail?: Error): ReleaseStage {
  return { ...base, id: 'check', title: 'Check', scope: 'release', gate: true, run: async () => {
    await sleep(40);
    events.push('check ran');
    if (fail) throw fail;
  } };
}
function build(t0: { value: number }, started: number[]): TargetStage {
  return { ...base, id: 'build', title: 'Build', scope: 'target', startsRelease: true, produces: ['binary'], run: async () => {
    started.push(at(t0.value));
    events.push('build ran');
  } };
}
const preparing = (id: string, prepare: (ctx: ReleaseContext) => Promise<void> | void): TargetStage => ({ ...base, id, title: id, scope: 'target', prepare, run: async () => undefined });

describe('execute: preparations as a preflight', () => {
  it('runs every preparation to its end and reports all their problems, and the check\'s, together, building nothing', async () => {
    events.length = 0;
    const t0 = { value: performance.now() };
    const started: number[] = [];
    const { run, o } = harness([
      gate(new UsageError('release.yaml:3:9: builds[0].main: not a directory')),
      build(t0, started),
      preparing('resources', async () => {
        await sleep(20);
        throw new UsageError('release.yaml:8:16: builds[0].resources.description: too long');
      }),
      preparing('msi', () => {
        throw new ProblemsError([new UsageError('release.yaml:12:13: msi.shortcut.target: not installed'), new UsageError('version: over the MSI limit')]);
      }),
      preparing('archive', async () => {
        await sleep(60); // the slowest: still waited for, still reported
        throw new StageError('archives.files: LICENSE is required but missing');
      }),
    ]);
    const err = (await run().catch((e: unknown) => e)) as ProblemsError;
    expect(err).toBeInstanceOf(ProblemsError);
    expect(err.problems.map((p) => p.message)).toEqual([
      'release.yaml:3:9: builds[0].main: not a directory',
      'release.yaml:8:16: builds[0].resources.description: too long',
      'release.yaml:12:13: msi.shortcut.target: not installed',
      'version: over the MSI limit',
      'archives.files: LICENSE is required but missing',
    ]);
    expect(err.message.split('\n')[0]).toBe('5 problems found before building (nothing was built; fix them all, then run again):');
    expect(err.exitCode).toBe(1); // one of them is not a usage error
    expect(events).toEqual(['check ran']);
    expect(started).toEqual([]);
    expect(o.jobs.map((j) => j.stage)).toEqual(['check']);
  });

  it('one problem is reported as itself, with its own exit code', async () => {
    const { run } = harness([gate(), preparing('msi', () => {
      throw new UsageError('release.yaml:12:13: msi.shortcut.target: not installed');
    })]);
    const err = (await run().catch((e: unknown) => e)) as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('release.yaml:12:13: msi.shortcut.target: not installed');
  });

  it('the build waits for every check a preparation makes, but not for the work it only starts', async () => {
    const t0 = { value: performance.now() };
    const started: number[] = [];
    let probeDone = false;
    const { run } = harness([
      build(t0, started),
      preparing('resources', async () => {
        await sleep(150); // a check: the build waits for it
      }),
      preparing('sign', (ctx) => {
        // A probe: started, kept, never awaited here.
        void ctx.once('probe', async () => {
          await sleep(1500);
          probeDone = true;
        });
      }),
    ]);
    t0.value = performance.now();
    await run();
    expect(started).toHaveLength(1);
    expect(started[0]).toBeGreaterThanOrEqual(145);
    expect(started[0]).toBeLessThan(1000);
    expect(probeDone).toBe(false);
  });
});
