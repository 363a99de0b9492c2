import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS_JSON, DIST_MARKER, METADATA_JSON } from '../artifacts/names.js';
import { UsageError } from '../util/errors.js';

/**
 * Make sure dist/ is ours before writing into it: never delete or fill a folder that holds
 * something else. --clean empties it first.
 */
export async function claimDist(distDir: string, clean: boolean): Promise<void> {
  const entries = await readdir(distDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR') throw new UsageError(`dist: ${distDir} is a file, not a folder; set "dist:" in release.yaml to a folder winship may write`);
    throw err;
  });
  if (entries && entries.length > 0 && !entries.includes(DIST_MARKER)) {
    throw new UsageError(
      `${distDir} exists, is not empty and was not made by winship (no ${DIST_MARKER} marker); refusing to ${clean ? 'clean' : 'write into'} it. Set "dist:" in release.yaml to another folder, or remove it yourself.`,
    );
  }
  if (clean && entries) await rm(distDir, { recursive: true, force: true });
  await mkdir(distDir, { recursive: true });
  if (!(await stat(join(distDir, DIST_MARKER)).catch(() => undefined))) {
    await writeFile(join(distDir, DIST_MARKER), 'This folder is written by winship (release build). --clean deletes it.\n');
  }
}

/**
 * Before a run rewrites dist/, drop the manifests of the previous one: binaries keep their
 * paths from version to version, so an old checksums file or artifacts.json would describe
 * files this run replaces, and a failed run would leave them lying.
 */
export async function retireManifests(distDir: string, projectName: string): Promise<void> {
  const names = await readdir(distDir).catch(() => [] as string[]);
  const stale = names.filter((n) => n === ARTIFACTS_JSON || n === METADATA_JSON || (n.startsWith(`${projectName}_`) && n.endsWith('_checksums.txt')));
  await Promise.all(stale.map((n) => rm(join(distDir, n), { force: true })));
}
