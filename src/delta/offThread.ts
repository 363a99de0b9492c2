import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createPatch } from './patch.js';

// Making a patch is a second or more of CPU per file: it runs on a worker thread, so a release
// makes several at once (one per CPU slot) and the main thread keeps answering signals and
// drawing progress. Run from the TypeScript sources (tests), there is no compiled worker to
// start, and the patch is made on this thread.

const WORKER = new URL('./patchWorker.js', import.meta.url);
const compiled = !fileURLToPath(import.meta.url).endsWith('.ts');

export async function createPatchFromFiles(oldPath: string, newPath: string, signal?: AbortSignal): Promise<Uint8Array> {
  if (!compiled) return createPatch(await readFile(oldPath), await readFile(newPath));
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { oldPath, newPath } });
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => signal?.removeEventListener('abort', abort);
    worker.once('message', (patch: Uint8Array) => {
      done();
      resolve(patch);
    });
    worker.once('error', (err) => {
      done();
      reject(err);
    });
    worker.once('exit', (code) => {
      done();
      reject(signal?.aborted ? signal.reason : new Error(`the patch worker for ${newPath} exited (${code}) without a result`));
    });
  });
}
