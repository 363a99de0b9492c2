import { readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { processAlive, TEMP_DIR_PREFIX } from '../util/runId.js';

// What an interrupted run left: a run killed with SIGKILL (or by a power cut) runs none of its
// cleanup, and leaves temp siblings of the files it was writing (a 150 MB half-written MSI), its
// work folders, the folder it was retiring, and its folder in the system temp folder. Every such
// name carries the pid of the run that made it (src/util/runId.ts, tempSibling): each run first
// removes those whose process is gone, and never one of a run still working.

/** A name one of our runs gives a file or folder while it works, and the pid in it. */
const LEFTOVER_NAMES: readonly RegExp[] = [
  /^\..+\.tmp-(\d+)-[0-9a-f]{8}(?:\.[A-Za-z0-9]+)?$/, // tempSibling: .hello.exe.tmp-123-abcd0123.exe
  /^\.retired-(\d+)-[0-9a-f]{8}$/, // a previous release being deleted
  /^lock\.stale-(\d+)$/, // a stale lock being taken over
];

/** A run's work folder, in dist/.work/. */
const WORK_FOLDER = [/^(\d+)-[0-9a-f]{8}$/];

/** The pid of the run that made `name`, when it is one of our working names. */
export function leftoverOwner(name: string, patterns: readonly RegExp[] = LEFTOVER_NAMES): number | undefined {
  for (const p of patterns) {
    const m = p.exec(name);
    if (m) return Number(m[1]);
  }
  return undefined;
}

async function removeIfOrphaned(folder: string, name: string, patterns: readonly RegExp[], removed: string[]): Promise<boolean> {
  const pid = leftoverOwner(name, patterns);
  if (pid === undefined || pid === process.pid || processAlive(pid)) return false;
  await rm(join(folder, name), { recursive: true, force: true });
  removed.push(join(folder, name));
  return true;
}

/**
 * Remove what interrupted runs left in `distDir` (its folders too, a few levels down: release
 * files live in per-target folders) and, beside it, the old dist a --clean was deleting.
 * Returns the paths removed.
 */
export async function sweepDist(distDir: string): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (folder: string, depth: number) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (await removeIfOrphaned(folder, e.name, basename(folder) === '.work' ? WORK_FOLDER : LEFTOVER_NAMES, removed)) continue;
      // Never into a symlinked folder: what it leads to is not ours to clean.
      if (e.isDirectory() && depth < 4) await walk(join(folder, e.name), depth + 1);
    }
    // rmdir, not rm: it fails when a live run has just made its own folder in there.
    if (basename(folder) === '.work') await rmdir(folder).catch(() => undefined);
  };
  await walk(distDir, 0);
  const oldDist = new RegExp(`^\\.${escapeRegExp(basename(distDir))}\\.winship-old-(\\d+)-[0-9a-f]{8}$`);
  for (const name of await readdir(dirname(distDir)).catch(() => [] as string[])) await removeIfOrphaned(dirname(distDir), name, [oldDist], removed);
  return removed;
}

/** Our folders in the system temp folder, and the password folders earlier winship versions wrote there. */
const TEMP_NAMES: readonly RegExp[] = [new RegExp(`^${TEMP_DIR_PREFIX}(\\d+)-[0-9a-f]{8}$`), /^\.winship-secret\.tmp-(\d+)-[0-9a-f]{8}$/];

/** Remove what interrupted runs left in the system temp folder. Returns the paths removed. */
export async function sweepTempFolder(folder = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(folder).catch(() => [] as string[])) await removeIfOrphaned(folder, name, TEMP_NAMES, removed).catch(() => false);
  return removed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
