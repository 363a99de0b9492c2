import { isTarget, SUPPORTED_TARGETS, type Target } from '../util/arch.js';
import { concurrencyPolicy, type Concurrency } from '../util/concurrency.js';
import { UsageError } from '../util/errors.js';
import type { CliIo } from './io.js';

/** What every pipeline command passes through from the process: where it runs, prints and stops. */
export function processOptions(io: CliIo, log: NodeJS.WriteStream) {
  return { cwd: io.cwd, signal: io.signal, log, out: io.stdout, env: io.env, interactive: Boolean(io.stdout.isTTY) && !io.env.CI };
}

/** --concurrency N: a positive whole number; absent, the policy's defaults (src/util/concurrency.ts). */
export function parseConcurrency(text: unknown): Concurrency {
  if (text === undefined) return concurrencyPolicy(undefined);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency: "${String(text)}" is not a positive whole number`);
  return concurrencyPolicy(n);
}

/** --targets a,b (repeatable): supported targets only. */
export function parseTargets(list: readonly string[] | undefined): Target[] | undefined {
  if (!list) return undefined;
  const targets = list.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const t of targets) {
    if (!isTarget(t)) throw new UsageError(`--targets: "${t}" is not a supported target (supported: ${SUPPORTED_TARGETS.join(', ')})`);
  }
  return [...new Set(targets)] as Target[];
}

/** --skip/--only take stage ids, repeated or comma-separated (--only sign,checksum). */
export function parseStageList(list: readonly string[] | undefined): string[] {
  return (list ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}
