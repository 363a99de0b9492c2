import { availableParallelism } from 'node:os';
import { UsageError } from '../util/errors.js';

/** --concurrency N: a positive whole number; default the CPU count. */
export function parseConcurrency(text: unknown): number {
  if (text === undefined) return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency: "${String(text)}" is not a positive whole number`);
  return n;
}
