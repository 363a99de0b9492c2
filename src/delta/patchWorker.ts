import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { createPatch } from './patch.js';

// The worker thread of offThread.ts: reads both files, makes the patch, hands its bytes back.

const { oldPath, newPath } = workerData as { oldPath: string; newPath: string };
const patch = createPatch(await readFile(oldPath), await readFile(newPath));
parentPort!.postMessage(patch, [patch.buffer as ArrayBuffer]);
