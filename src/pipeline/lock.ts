import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { STATE_DIR } from '../artifacts/names.js';
import { inDist } from '../artifacts/files.js';
import { UsageError } from '../util/errors.js';
import { forgetTemp, trackTemp } from '../util/fs.js';

// One run at a time in a dist/: two runs writing one release state would each record what the
// other replaced. The lock is a file created exclusively (O_EXCL) in dist/.winship/, naming its
// owner; a lock whose process is gone (killed) is taken over.

const LOCK_FILE = `${STATE_DIR}/lock`;

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Hold the lock of `distDir` (which must exist); returns the function that lets it go. */
export async function lockDist(distDir: string): Promise<() => Promise<void>> {
  const path = inDist(distDir, LOCK_FILE);
  await mkdir(inDist(distDir, STATE_DIR), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = await readFile(path, 'utf8').then((t) => JSON.parse(t) as LockOwner).catch(() => undefined);
      if (owner && (owner.host !== me.host || alive(owner.pid))) {
        throw new UsageError(
          `another winship run (pid ${owner.pid} on ${owner.host}, since ${owner.since}) is working on ${distDir}: wait for it to end. If it is gone, delete ${path}`,
        );
      }
      await rm(path, { force: true }); // its owner was killed: the lock is stale
    }
  }
  trackTemp(path); // removed on exit, however the run ends
  return async () => {
    await rm(path, { force: true });
    forgetTemp(path);
  };
}
