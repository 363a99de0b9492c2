import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackTemp } from './fs.js';

// Everything a run leaves on disk while it works (temp siblings of final files, work folders in
// dist/.work/, its folder in the system temp folder) carries the run's pid in its name. A later
// run can then tell what an interrupted run left (its process is gone) from what a live one is
// writing, and remove only the former (see src/pipeline/leftovers.ts).

/** `<pid>-<8 hex>`: unique to this process, and says whose it is. */
export const RUN_ID = `${process.pid}-${randomBytes(4).toString('hex')}`;

/** Names of our folders in the system temp folder: `winship-<pid>-<hex>`. */
export const TEMP_DIR_PREFIX = 'winship-';

let runTemp: Promise<string> | undefined;

/**
 * This run's own folder in the system temp folder (mode 0700), made on first use and removed on
 * exit; a run killed before that leaves it to the next run's sweep. Go's work files go here too
 * (GOTMPDIR), so a go killed mid-build leaves nothing in /tmp that no one removes.
 */
export function runTempDir(): Promise<string> {
  runTemp ??= (async () => {
    const dir = join(tmpdir(), `${TEMP_DIR_PREFIX}${RUN_ID}`);
    await mkdir(dir, { mode: 0o700 });
    trackTemp(dir);
    return dir;
  })();
  return runTemp;
}

/** Whether process `pid` exists on this machine (owned by us or someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
