import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { STATE_DIR } from '../artifacts/names.js';
import { inDist } from '../artifacts/files.js';
import { CancelledError, UsageError } from '../util/errors.js';
import { forgetTemp, trackTemp } from '../util/fs.js';
import { processAlive } from '../util/runId.js';
import { sleep } from '../util/sleep.js';

// One run at a time in a dist/: two runs writing one release state would each record what the
// other replaced, and ship a mix (zips named 2.0.0 holding the 3.0.0 exe). The lock is a file
// created exclusively (O_EXCL) in dist/.winship/, naming its owner, held for the whole run. A
// second run waits for it (or refuses, with --no-wait); a lock whose process is gone (killed)
// is taken over.

const LOCK_FILE = `${STATE_DIR}/lock`;

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** What a run does when another holds the lock. */
export interface LockPolicy {
  /** Wait for the other run to end (the default), or refuse at once (--no-wait). */
  wait: boolean;
  /** Ends a wait (Ctrl-C). */
  signal?: AbortSignal;
  /** Told once that we wait, and when a stale lock is taken over. */
  notice?: (message: string) => void;
  /** Between looks at the lock (tests shorten it). */
  pollMs?: number;
}

export const REFUSE_IF_LOCKED: LockPolicy = { wait: false };

async function readOwner(path: string): Promise<LockOwner | undefined> {
  return readFile(path, 'utf8')
    .then((t) => JSON.parse(t) as LockOwner)
    .catch(() => undefined);
}

const describe = (o: LockOwner) => `pid ${o.pid} on ${o.host}, since ${o.since}`;

/** Hold the lock of `distDir` (which must exist); returns the function that lets it go. */
export async function lockDist(distDir: string, policy: LockPolicy = REFUSE_IF_LOCKED): Promise<() => Promise<void>> {
  const path = inDist(distDir, LOCK_FILE);
  await mkdir(inDist(distDir, STATE_DIR), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  let waiting = false;
  for (;;) {
    if (policy.signal?.aborted) throw new CancelledError();
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Unreadable: its owner is writing it this very moment, or was killed between creating and
    // writing it. A moment later tells which.
    const owner = (await readOwner(path)) ?? (await sleep(100, policy.signal).then(() => readOwner(path)));
    if (owner === undefined) {
      if (await takeOver(path, undefined)) policy.notice?.(`took over the empty lock ${path}, left by a run killed while taking it`);
      continue;
    }
    if (owner.host === me.host && !processAlive(owner.pid)) {
      if (await takeOver(path, owner)) policy.notice?.(`took over the lock of ${distDir} from a run that is gone (${describe(owner)})`);
      continue;
    }
    if (!policy.wait) {
      throw new UsageError(
        `another winship run (${describe(owner)}) is working on ${distDir}; run again when it has finished, or without --no-wait to wait for it. If that run is gone (another machine sharing this folder), delete ${path}`,
      );
    }
    if (!waiting) {
      waiting = true;
      policy.notice?.(`waiting for another winship run (${describe(owner)}) to finish with ${distDir}… (Ctrl-C to stop; --no-wait refuses instead)`);
    }
    await sleep(policy.pollMs ?? 250, policy.signal);
  }
  trackTemp(path); // removed on exit, however the run ends
  return async () => {
    await rm(path, { force: true });
    forgetTemp(path);
  };
}

/**
 * Remove the stale lock `seen` (undefined: an empty one). Two runs may find the same stale lock:
 * each moves it aside under its own name (only one rename can succeed) and checks that what it
 * moved is the stale lock, not one a third run has just taken, which it puts back.
 */
async function takeOver(path: string, seen: LockOwner | undefined): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return false; // another run moved it first: look again
  }
  const moved = await readOwner(aside);
  const same = seen === undefined ? moved === undefined : moved?.pid === seen.pid && moved.since === seen.since;
  if (!same) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
  return same;
}
