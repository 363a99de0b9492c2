// What interrupted runs left is removed by the next run, and only theirs: names carry the pid
// of the run that made them, and a live run's files stay.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepDist, sweepTempFolder } from '../../src/pipeline/leftovers.js';

/** The pid of a process that has exited: what an interrupted run's names carry. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

describe('sweeping leftovers', () => {
  it('removes temp siblings, work folders, retired releases and old dists of dead runs; keeps a live run’s', async () => {
    const root = await mkdtemp(join(tmpdir(), 'winship-sweep-'));
    const dist = join(root, 'dist');
    const dead = await deadPid();
    const live = process.pid;
    const files = {
      deadExe: join(dist, 'app_windows_amd64', `.app.exe.tmp-${dead}-0a1b2c3d.exe`),
      deadMsi: join(dist, `.app_1.0.0_x64.msi.tmp-${dead}-0a1b2c3d.msi`),
      deadState: join(dist, '.winship', `.state.json.tmp-${dead}-00112233.json`),
      deadWork: join(dist, '.work', `${dead}-0a1b2c3d`, 'msi_x64', 'product.wxs'),
      deadRetired: join(dist, `.retired-${dead}-0a1b2c3d`, '0'),
      deadOldDist: join(root, `.dist.winship-old-${dead}-0a1b2c3d`, 'x'),
      liveExe: join(dist, 'app_windows_amd64', `.app.exe.tmp-${live}-0a1b2c3d.exe`),
      liveWork: join(dist, '.work', `${live}-0a1b2c3d`, 'msi_x64', 'product.wxs'),
      release: join(dist, 'app_windows_amd64', 'app.exe'),
    };
    for (const f of Object.values(files)) {
      await mkdir(join(f, '..'), { recursive: true });
      await writeFile(f, 'x');
    }
    const removed = await sweepDist(dist);
    expect(removed.sort()).toEqual(
      [files.deadExe, files.deadMsi, files.deadState, join(dist, '.work', `${dead}-0a1b2c3d`), join(dist, `.retired-${dead}-0a1b2c3d`), join(root, `.dist.winship-old-${dead}-0a1b2c3d`)].sort(),
    );
    for (const f of [files.liveExe, files.liveWork, files.release]) expect(existsSync(f), f).toBe(true);
  });

  it('removes the temp folders of dead runs from the system temp folder', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'winship-sweep-tmp-'));
    const dead = await deadPid();
    for (const name of [`winship-${dead}-0a1b2c3d`, `.winship-secret.tmp-${dead}-0a1b2c3d`, `winship-${process.pid}-0a1b2c3d`, 'winship-e2e-xyz', `go-build${dead}`]) {
      await mkdir(join(tmp, name, 'go'), { recursive: true });
    }
    expect((await sweepTempFolder(tmp)).sort()).toEqual([join(tmp, `winship-${dead}-0a1b2c3d`), join(tmp, `.winship-secret.tmp-${dead}-0a1b2c3d`)].sort());
    for (const name of [`winship-${process.pid}-0a1b2c3d`, 'winship-e2e-xyz', `go-build${dead}`]) expect(existsSync(join(tmp, name))).toBe(true);
  });
});
