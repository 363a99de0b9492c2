// A password handed to a child through a named pipe (FIFO) in the run's private temp folder:
// how osslsigncode before 2.9, which has no `-readpass -`, gets the key's password on Linux and
// macOS without it ever touching a disk, argv or an environment.
//
// How: mkfifo (mode 0600) in runTempDir() (mode 0700), open both ends from Node without
// blocking, write `password\n` into the kernel's pipe buffer, run the child with the FIFO's
// path, then close both ends and remove the FIFO. The bytes live only in the pipe buffer: the
// FIFO file itself never holds data (stat size 0), and when the last descriptor closes (ours at
// the end, or the kernel's at a `kill -9`) the buffer is gone. A run killed before its finally
// leaves an empty FIFO in its temp folder, which the next run's sweep removes with the folder
// (src/pipeline/leftovers.ts).
//
// Never a blocking open (issue 8: a FIFO opened on a libuv thread kept the process alive past
// SIGINT). POSIX leaves open(O_RDWR) on a FIFO undefined; Linux documents that it succeeds
// (fifo(7)), macOS documents nothing (its fifo_open happens not to wait for O_RDWR). So both
// ends are opened in the order POSIX defines for every system: the read end with O_NONBLOCK
// first ("shall return without delay"), then the write end with O_NONBLOCK, which succeeds
// because a reader exists (it would fail with ENXIO, never block, without one). The opens are
// synchronous on purpose: they cannot wait, and no libuv thread is involved at all.
//
// Why the password fits: osslsigncode takes one read() of at most 4095 bytes, and the pipe
// buffer is 64 KiB on Linux, 8 KiB on macOS (PIPSIZ of its AF_LOCAL socket pair); the caller
// refuses longer passwords (pipedPasswordProblem).

import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { StageError } from '../util/errors.js';
import { runTempDir } from '../util/runId.js';
import { makeFifo } from './mkfifo.js';
import type { ToolRunner } from './runner.js';

/** The most bytes written into the FIFO: the password and its newline, as osslsigncode reads them. */
export const MAX_FIFO_PASSWORD_BYTES = 4095;

/** What a dry run shows for the FIFO's path: nothing is made, and the listing is the same on every run. */
export const DRY_RUN_FIFO = '<password fifo>';

export interface PasswordFifoOptions {
  signal?: AbortSignal;
  /** What the run is about, for messages (a file name). */
  subject?: string;
}

/**
 * Run `use` with the path of a FIFO from which `password` and a newline can be read once.
 * The FIFO is closed and removed when `use` settles, whatever happened.
 */
export async function withPasswordInFifo<T>(
  runner: ToolRunner,
  password: string,
  options: PasswordFifoOptions,
  use: (fifoPath: string) => Promise<T>,
): Promise<T> {
  if (process.platform === 'win32') throw new StageError('internal error: a password FIFO was asked for on Windows, which has none');
  if (runner.dryRun) return use(DRY_RUN_FIFO);
  const data = Buffer.from(`${password}\n`, 'utf8');
  if (data.byteLength > MAX_FIFO_PASSWORD_BYTES) {
    throw new StageError(`internal error: a password of ${data.byteLength - 1} bytes does not fit osslsigncode's password read`);
  }
  const fifo = path.join(await runTempDir(), `password-${randomBytes(8).toString('hex')}.fifo`);
  const descriptors: number[] = [];
  try {
    await makeFifo(runner, fifo, options);
    // Ours since mkfifo made it in our 0700 folder; checked anyway before anything is written.
    if (!lstatSync(fifo).isFIFO()) throw new StageError(`mkfifo did not make a FIFO at ${fifo}`);
    // O_NOFOLLOW: the FIFO itself, never what a link put in its place would lead to.
    descriptors.push(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW));
    const writeEnd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    descriptors.push(writeEnd);
    // One write into an empty pipe with room for it: all of it or an error, never a wait.
    const written = writeSync(writeEnd, data);
    if (written !== data.byteLength) throw new StageError(`only ${written} of ${data.byteLength} bytes of the password went into ${fifo}`);
    return await use(fifo);
  } finally {
    data.fill(0);
    // Closing our ends frees what the child did not read; then the empty FIFO goes.
    for (const fd of descriptors) {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing is left to free
      }
    }
    await rm(fifo, { force: true });
  }
}
