import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { findConfig, loadConfig } from '../../config/load.js';
import { UsageError } from '../../util/errors.js';
import { checkInputs, type SignedFileRecord } from '../../signing/engine.js';
import { makeSigningPlan, signWithPlan } from '../../signing/plan.js';
import { signConfig, type SigningEnv } from '../../signing/settings.js';
import { redactError } from '../report.js';
import { ToolRunner } from '../../tools/runner.js';

export interface SignCommandOptions {
  files: string[];
  cwd: string;
  config?: string;
  devCert: boolean;
  concurrency?: number;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  log: NodeJS.WriteStream;
}

/**
 * `release sign FILE…`: sign and verify files with release.yaml's sign: and timestamp:
 * settings, for pipelines that build on one machine and sign on another.
 */
export async function signCommand(o: SignCommandOptions): Promise<{ records: SignedFileRecord[]; warnings: string[] }> {
  if (o.files.length === 0) throw new UsageError('release sign needs at least one file: release sign FILE…');
  const files = o.files.map((f) => resolve(o.cwd, f));
  await checkInputs(files); // before probing servers: fail fast on a typo
  const { config, path } = await loadConfig(await findConfig(o.config, o.cwd));
  const warnings: string[] = [];
  const runner = new ToolRunner({ dryRun: false, signal: o.signal });
  const warn = (m: string) => {
    const text = runner.redact(m);
    warnings.push(text);
    o.log.write(`warning: ${text}\n`);
  };
  const env: SigningEnv = {
    config,
    runner,
    signal: o.signal,
    logger: { info: (m) => o.log.write(`${runner.redact(m)}\n`), warn },
    options: { devCert: o.devCert, ioConcurrency: o.concurrency ?? Math.max(8, availableParallelism()) },
    env: o.env,
    project: (...parts) => resolve(dirname(path), ...parts),
    warn,
  };
  const sign = signConfig(env);
  if (!sign) throw new UsageError(`${path} has no sign: section; add one (see README "Signing") or pass --dev-cert`);
  try {
    const plan = await makeSigningPlan(env, sign);
    return { records: await signWithPlan(env, plan, files), warnings };
  } catch (err) {
    throw redactError(err, (text) => runner.redact(text));
  }
}
