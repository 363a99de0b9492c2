// What the signing stages need to decide whether to run, kept apart from the signing code
// itself (plan.ts loads pkijs and the rest, ~150 ms), so a release that signs nothing never
// loads it.

import type { Config } from '../config/schema.js';
import type { Logger } from '../util/logger.js';
import type { ToolRunner } from '../tools/runner.js';

export type SignConfig = NonNullable<Config['sign']>;

/** What signing needs from its caller: a release context, or `release sign` outside a release. */
export interface SigningEnv {
  config: Config;
  runner: ToolRunner;
  signal: AbortSignal;
  logger: Logger;
  options: { devCert: boolean; ioConcurrency: number };
  env: NodeJS.ProcessEnv;
  project(...parts: string[]): string;
  warn(message: string): void;
}

/** sign: from release.yaml, or the defaults a --dev-cert run signs with. */
export function signConfig(env: SigningEnv): SignConfig | undefined {
  if (env.config.sign) return env.config.sign;
  if (!env.options.devCert) return undefined;
  return { disabled: false, backend: 'auto', certificate: { passwordEnv: 'WINSHIP_PFX_PASSWORD' }, artifacts: ['binary', 'msi', 'msix'], verify: { onlineRevocation: false } };
}
