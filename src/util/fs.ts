import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { faultPoint } from './faults.js';

// Every temp path we hand out is tracked, so that an interrupted run can remove them
// synchronously on exit even when a stage's `finally` never gets to run.
const liveTempPaths = new Set<string>();

/** A sibling temp name: same folder (so rename is atomic), hidden, never the final name. */
export function tempSibling(finalPath: string): string {
  const ext = finalPath.match(/\.[A-Za-z0-9]+$/)?.[0] ?? '';
  // The pid says whose it is: src/pipeline/leftovers.ts removes those of runs that are gone.
  const name = `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${ext}`;
  const path = join(dirname(finalPath), name);
  liveTempPaths.add(path);
  return path;
}

/** Remove `path` on exit if the run ends before its owner does (work folders). */
export function trackTemp(path: string): void {
  liveTempPaths.add(path);
}

export function forgetTemp(path: string): void {
  liveTempPaths.delete(path);
}

export function liveTemps(): string[] {
  return [...liveTempPaths];
}

/**
 * Produce `finalPath` through a temp sibling: `produce` writes the temp path, then it is
 * renamed into place. On failure the temp is removed and `finalPath` is left as it was.
 */
export async function produceAtomic<T>(finalPath: string, produce: (tempPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(finalPath), { recursive: true });
  const temp = tempSibling(finalPath);
  try {
    const result = await produce(temp);
    await faultPoint(`rename ${finalPath}`);
    await renameOver(temp, finalPath);
    return result;
  } catch (err) {
    await rm(temp, { force: true, recursive: true }).catch(() => undefined); // keep the real error
    throw err;
  } finally {
    forgetTemp(temp);
  }
}

/**
 * rename(2), retried for a moment on Windows, where a virus scanner or the indexer opening the
 * file just written makes the replace fail with EPERM, EACCES or EBUSY for a few milliseconds.
 */
export async function renameOver(from: string, to: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (platform !== 'win32' || attempt >= 8 || !['EPERM', 'EACCES', 'EBUSY'].includes(code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
    }
  }
}

export async function writeFileAtomic(finalPath: string, data: string | Uint8Array): Promise<void> {
  await produceAtomic(finalPath, (temp) => writeFile(temp, data));
}

/**
 * writeFileAtomic that also survives a power cut: the data reaches the disk before the rename
 * makes it visible (for the release state, which later runs and other machines trust).
 */
export async function writeFileDurable(finalPath: string, data: string | Uint8Array): Promise<void> {
  await produceAtomic(finalPath, async (temp) => {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
  // The rename is durable once the folder is (POSIX; Windows cannot open a folder this way).
  if (process.platform !== 'win32') {
    const folder = await open(dirname(finalPath), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
