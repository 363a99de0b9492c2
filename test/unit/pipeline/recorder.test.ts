import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pipeline, STAGE_IDS } from '../../../src/pipeline/pipeline.js';
import { StateRecorder } from '../../../src/pipeline/recorder.js';
import { statePath } from '../../../src/artifacts/state.js';
import { testContext } from '../../support/context.js';

const stage = (id: string) => pipeline.find((s) => s.id === id)!;
const init = { configDigest: 'd'.repeat(64), partial: false, order: STAGE_IDS };

describe('the state recorder', () => {
  it('records the release targets, not those a --targets run worked on, and a per-target stage only when it covered them all', async () => {
    const { ctx } = testContext({ targets: ['windows/amd64'] });
    const recorder = new StateRecorder(ctx, { ...init, targets: ['windows/amd64', 'windows/386'], completed: ['build', 'checksum', 'manifest'] });
    recorder.markCompleted(stage('sign')); // amd64 only: not the release's sign
    recorder.markCompleted(stage('checksum')); // the whole release
    recorder.forget('manifest');
    await recorder.flush();
    const state = JSON.parse(await readFile(statePath(ctx.distDir), 'utf8'));
    expect(state.targets).toEqual(['windows/amd64', 'windows/386']);
    expect(state.completed).toEqual(['build', 'checksum']);
  });

  it('coalesces a burst of changes, writes the latest state last, and reports a write that failed', async () => {
    const { ctx } = testContext();
    const recorder = new StateRecorder(ctx, { ...init, targets: ['windows/amd64'], completed: [] });
    await mkdir(ctx.dist('app_windows_amd64'), { recursive: true });
    for (const n of [1, 2, 3]) {
      await writeFile(ctx.dist('app_windows_amd64', `app${n}.exe`), `exe ${n}`);
      await ctx.record({ kind: 'binary', name: `app${n}.exe`, path: `app_windows_amd64/app${n}.exe`, goos: 'windows', goarch: 'amd64', build: 'app' });
      recorder.save();
    }
    await recorder.flush();
    expect(JSON.parse(await readFile(statePath(ctx.distDir), 'utf8')).artifacts).toHaveLength(3);
    // A dist/ that cannot be written: the failure comes out of flush, not as an unhandled rejection.
    await writeFile(ctx.dist('.winship', 'state.json.blocker'), '');
    const blocked = testContext({ distDir: ctx.dist('.winship', 'state.json.blocker') });
    const failing = new StateRecorder(blocked.ctx, { ...init, targets: ['windows/amd64'], completed: [] });
    failing.save();
    await expect(failing.flush()).rejects.toThrow();
  });
});
