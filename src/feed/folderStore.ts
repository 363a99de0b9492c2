import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { faultPoint } from '../util/faults.js';
import { forgetTemp, renameOver, sha256File, tempSibling } from '../util/fs.js';
import { FEED_LOCK } from './model.js';
import { parseLock, serializeLock, type FeedStore, type LockRecord } from './store.js';

// A feed in a folder (a web server's document root, a share). Every file is written to a temp
// sibling, fsynced, renamed into place and its folder fsynced: a reader sees the old file or the
// whole new one, and a power cut keeps what a later step relied on. The lock is a file created
// with O_EXCL.

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FolderStore implements FeedStore {
  constructor(
    readonly root: string,
    readonly display: string = root,
  ) {}

  private at(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  async list(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) out.set(relative(this.root, full).split(sep).join('/'), (await lstat(full)).size);
      }
    };
    await walk(this.root);
    return out;
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.at(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  hash(path: string): Promise<string> {
    return sha256File(this.at(path));
  }

  async put(path: string, from: { file: string } | { bytes: Uint8Array }): Promise<void> {
    const final = this.at(path);
    await mkdir(dirname(final), { recursive: true });
    const temp = tempSibling(final);
    try {
      if ('file' in from) await copyFile(from.file, temp);
      const handle = await open(temp, 'file' in from ? 'r+' : 'w');
      try {
        if ('bytes' in from) await handle.writeFile(from.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await faultPoint(`feed rename ${path}`);
      await renameOver(temp, final);
      await syncDir(dirname(final));
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      forgetTemp(temp);
    }
  }

  async download(path: string, to: string): Promise<void> {
    await mkdir(dirname(to), { recursive: true });
    const temp = tempSibling(to);
    try {
      await copyFile(this.at(path), temp);
      await renameOver(temp, to);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      forgetTemp(temp);
    }
  }

  async remove(path: string): Promise<void> {
    const file = this.at(path);
    await rm(file, { force: true });
    // Empty folders left by a removed version go too (never the root).
    for (let dir = dirname(file); dir !== this.root && dir.startsWith(this.root); dir = dirname(dir)) {
      if (!(await rmdir(dir).then(() => true, () => false))) break;
    }
    await syncDir(dirname(file)).catch(() => syncDir(this.root));
  }

  async createLock(record: LockRecord): Promise<boolean> {
    await mkdir(this.root, { recursive: true });
    let handle;
    try {
      handle = await open(this.at(FEED_LOCK), 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await handle.writeFile(serializeLock(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDir(this.root);
    return true;
  }

  async readLock(): Promise<LockRecord | undefined> {
    const text = await this.read(FEED_LOCK);
    if (text === undefined) return undefined;
    return parseLock(text.toString('utf8')) ?? { owner: 'unknown (the lock file is damaged)', pid: 0, since: '', what: '', token: '' };
  }

  async removeLock(): Promise<void> {
    await rm(this.at(FEED_LOCK), { force: true });
  }
}

/** SHA-256 of a stream (used by the S3 store too). */
export async function sha256Stream(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

export const readStream = (file: string) => createReadStream(file);
export const lockToken = () => randomBytes(12).toString('hex');
