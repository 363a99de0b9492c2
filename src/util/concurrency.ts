import { availableParallelism } from 'node:os';

export interface Concurrency {
  /** Jobs that use the CPU (go build, wixl, zips): --concurrency, else the CPU count. */
  cpu: number;
  /**
   * Jobs that mostly wait on servers (timestamps): --concurrency when given, else at least 8. On a
   * 2-CPU machine 8 signed 50 files 2.7× faster than 2 (scripts/bench/sign); the per-server limits
   * of src/signing/limiter.ts keep that from flooding one server.
   */
  io: number;
}

/** The one concurrency policy of every command: `flag` is --concurrency, when given. */
export function concurrencyPolicy(flag: number | undefined, cpus: number = availableParallelism()): Concurrency {
  if (flag !== undefined) return { cpu: flag, io: flag };
  return { cpu: cpus, io: Math.max(8, cpus) };
}
