import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { inDist } from '../artifacts/files.js';
import { ARTIFACTS_JSON, DIST_MARKER, METADATA_JSON, STATE_DIR } from '../artifacts/names.js';
import type { ReleaseState } from '../artifacts/state.js';
import { UsageError } from '../util/errors.js';
import { forgetTemp, trackTemp } from '../util/fs.js';
import { checkDistFolder } from './distSafety.js';
import { leftoverOwner, sweepDist } from './leftovers.js';
import { lockDist, type LockPolicy } from './lock.js';

// dist/ is winship's: it holds one release (or one part of one), its state and nothing else we
// did not make. These are the only functions that delete anything in it.

/**
 * Refuse a dist/ that is not ours before reading or writing it: never delete or fill a folder
 * that holds something else. Returns whether it exists.
 */
export async function checkDistIsOurs(distDir: string, clean: boolean): Promise<boolean> {
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
  return entries !== undefined;
}

/**
 * Make dist/ (emptied first with --clean) and mark it as ours. Returns when the old contents are
 * deleted: they are moved aside at once (a rename) and deleted while the release is built.
 */
export async function claimDist(distDir: string, clean: boolean, projectDir: string, notice?: (message: string) => void): Promise<Deletion> {
  let deletion: Deletion = { done: Promise.resolve() };
  if ((await checkDistIsOurs(distDir, clean)) && clean) {
    // The commands check this when they start (with the key's position); checked again here, at
    // the one place that deletes a whole folder, so no caller can forget it.
    const problem = await checkDistFolder(distDir, projectDir);
    if (problem) throw new UsageError(`refusing to clean ${distDir}: it ${problem}, whatever its ${DIST_MARKER} marker says`);
    deletion = await setAside(distDir, join(dirname(distDir), `.${basename(distDir)}`));
  }
  await mkdir(distDir, { recursive: true });
  // What runs killed before they could clean up left behind (temp files, work folders, a release
  // being retired): only theirs, never a live run's.
  const leftovers = await sweepDist(distDir);
  if (leftovers.length) notice?.(`removed what an interrupted run left in ${distDir}: ${leftovers.map((p) => relative(distDir, p)).join(', ')}`);
  if (!(await stat(join(distDir, DIST_MARKER)).catch(() => undefined))) {
    await writeFile(join(distDir, DIST_MARKER), 'This folder is written by winship (release build). --clean deletes it.\n');
  }
  return deletion;
}

const RETIRED_PREFIX = '.retired-'; // src/pipeline/leftovers.ts knows this name

/**
 * claimDist, holding the lock of the claimed folder: `held` is the lock taken before, when dist/
 * already existed. --clean moves the old folder aside, lock and all, so the new one is locked
 * again.
 */
export async function claimLocked(
  distDir: string,
  clean: boolean,
  held: (() => Promise<void>) | undefined,
  projectDir: string,
  policy: LockPolicy,
): Promise<{ deletion: Deletion; unlock: () => Promise<void> }> {
  const deletion = await claimDist(distDir, clean, projectDir, policy.notice);
  const unlock = held && !clean ? held : await lockDist(distDir, policy);
  return { deletion, unlock };
}

/** Files being deleted in the background; `done` settles when they are gone. */
export interface Deletion {
  done: Promise<void>;
}

/**
 * Move `path` to a hidden sibling of `near` and delete it there in the background: the name is
 * free at once, and deleting megabytes does not hold up the run. Removed on exit if the run ends
 * first. A move that fails (another file system) deletes in place instead.
 */
async function setAside(path: string, near: string): Promise<Deletion> {
  const aside = `${near}.winship-old-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch {
    await rm(path, { recursive: true, force: true });
    return { done: Promise.resolve() };
  }
  return deleteInBackground(aside);
}

/** Track `path` for removal on exit now; delete it in the background when asked. */
function deleteLater(path: string): () => Deletion {
  trackTemp(path);
  return () => deleteInBackground(path);
}

function deleteInBackground(path: string): Deletion {
  trackTemp(path);
  const done = rm(path, { recursive: true, force: true }).finally(() => forgetTemp(path));
  done.catch(() => undefined);
  return { done };
}

/**
 * A new release starts: remove what the previous one in dist/ was made of (the files its state
 * recorded, its manifests and its state), so dist/ never holds a file no state describes. Binaries
 * keep their paths from one version to the next: an old checksums file or artifacts.json would
 * describe files this run replaces, and a failed run would leave them lying.
 */
export async function retirePreviousRelease(distDir: string, previous: ReleaseState | undefined, projectName: string, notice?: (m: string) => void): Promise<Deletion> {
  const recorded = (previous?.artifacts ?? []).map((a) => a.path);
  const strays = await unrecordedFiles(distDir, new Set(recorded));
  if (strays.length) notice?.(`removing files in ${distDir} that no release state lists (left by an interrupted run): ${strays.join(', ')}`);
  const deletion = await moveAside(distDir, [...recorded, ...strays]);
  await retireManifests(distDir, projectName);
  return deletion;
}

/**
 * A continued run: remove release files the state does not list. A run killed after it renamed
 * a finished file into place and before the state recorded it leaves one; nothing may pack or
 * list it, and dist/ holds only what a state describes.
 */
export async function retireUnrecorded(distDir: string, state: Pick<ReleaseState, 'artifacts'>, notice?: (m: string) => void): Promise<Deletion> {
  const strays = await unrecordedFiles(distDir, new Set(state.artifacts.map((a) => a.path)));
  if (strays.length === 0) return { done: Promise.resolve() };
  notice?.(`removing files in ${distDir} that the release state does not list (left by an interrupted run): ${strays.join(', ')}`);
  return moveAside(distDir, strays);
}

/** Move these dist paths into one hidden folder at once (renames), deleted from there in the background. */
async function moveAside(distDir: string, paths: readonly string[]): Promise<Deletion> {
  const files = paths.map((p) => inDist(distDir, p));
  const aside = join(distDir, `${RETIRED_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(aside);
  const deletion = deleteLater(aside);
  await Promise.all(files.map((f, i) => rename(f, join(aside, String(i))).catch(() => rm(f, { force: true }))));
  // Folders of release files (hello_windows_amd64/, winget/manifests/a/Acme/Hello/1.0.0/) go
  // when they are left empty, up to dist/, deepest first.
  const folders = new Set<string>();
  for (const file of files) for (let f = dirname(file); f !== distDir && f.startsWith(distDir); f = dirname(f)) folders.add(f);
  for (const folder of [...folders].sort((a, b) => b.length - a.length)) await rmdir(folder).catch(() => undefined);
  return deletion();
}

/** dist/ paths of files that are neither recorded, nor ours to keep (state, marker, manifests, temps). */
async function unrecordedFiles(distDir: string, recorded: ReadonlySet<string>): Promise<string[]> {
  const keep = new Set([STATE_DIR, DIST_MARKER, ARTIFACTS_JSON, METADATA_JSON, '.work']);
  const found: string[] = [];
  const walk = async (folder: string, rel: string) => {
    for (const e of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if ((!rel && keep.has(e.name)) || e.name.startsWith(RETIRED_PREFIX) || leftoverOwner(e.name) !== undefined) continue;
      if (e.isDirectory()) await walk(join(folder, e.name), path);
      else if (!recorded.has(path)) found.push(path);
    }
  };
  await walk(distDir, '');
  return found.sort();
}

/**
 * Drop the manifests (artifacts.json, metadata.json) and, unless told otherwise, the checksums
 * file: a run that changes files writes them again last, and until then none may describe what
 * is being replaced. Checksums files of any version of the project go: one in dist/ would be
 * from an earlier release that wrote the same binaries' paths.
 */
export async function retireManifests(distDir: string, projectName: string, what: { checksums: boolean } = { checksums: true }): Promise<void> {
  const names = await readdir(distDir).catch(() => [] as string[]);
  const isChecksums = (n: string) => n.startsWith(`${projectName}_`) && n.endsWith('_checksums.txt');
  const stale = names.filter((n) => n === ARTIFACTS_JSON || n === METADATA_JSON || (what.checksums && isChecksums(n)));
  await Promise.all(stale.map((n) => rm(join(distDir, n), { force: true })));
}
