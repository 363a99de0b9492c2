import { StageError } from '../util/errors.js';
import { credentialFrom, credentialMismatch, devCredential, type SigningBackend, type SigningCredential } from './credentials.js';
import type { SignedFileRecord } from './engine.js';
import { displayServer } from './failover.js';
import { ServerLimiter } from './limiter.js';
import { selectTimestampServers } from '../tsa/probe.js';
import { timestampServers, urlSecrets } from '../tsa/servers.js';
import type { SignConfig, SigningEnv } from './settings.js';

export interface SigningPlan {
  sign: SignConfig;
  backend: SigningBackend;
  credential: SigningCredential;
  /** Healthy servers, fastest first (config order when probing is off or in a dry run). */
  servers: string[];
  minIntervalMs: Record<string, number>;
  timeoutMs: number;
  retries: number;
  verify: { caFile?: string; tsaCaFile?: string; onlineRevocation?: boolean };
  /** Shared by every file of the run: pacing per server and the memory of failing servers. */
  limiter: ServerLimiter;
  /**
   * Where the relay takes its proxy settings from (default: the process environment). --dev-cert
   * timestamps at its own server on loopback, which no proxy can reach: none.
   */
  relayEnv?: NodeJS.ProcessEnv;
}

/**
 * `auto`: osslsigncode off Windows; on Windows signtool for keys in the certificate store or
 * Azure, osslsigncode for key files (signtool would need a PFX password in its argv, and cannot
 * read PEM or PKCS#11 keys at all).
 */
export function chooseSigningBackend(configured: SignConfig['backend'], platform: NodeJS.Platform, kind?: SigningCredential['kind']): SigningBackend {
  if (configured !== 'auto') return configured;
  if (platform !== 'win32') return 'osslsigncode';
  return kind === 'pkcs12' || kind === 'pem' || kind === 'pkcs11' ? 'osslsigncode' : 'signtool';
}

export async function makeSigningPlan(env: SigningEnv, sign: SignConfig): Promise<SigningPlan> {
  if (env.options.devCert) return devSigningPlan(env, sign);
  const resolve = (p: string | undefined) => (p === undefined ? undefined : env.project(p));
  // Timestamp tokens chain to the configured TSA roots, else to the system store (where the
  // public TSAs chain), never to caFile: -TSA-CAfile replaces the store, so a private signing
  // root there would fail every public TSA.
  const credential = credentialFrom(env, sign.certificate);
  const verify: SigningPlan['verify'] = { caFile: resolve(sign.verify.caFile), tsaCaFile: resolve(sign.verify.tsaCaFile), onlineRevocation: sign.verify.onlineRevocation };
  const backend = chooseSigningBackend(sign.backend, process.platform, credential.kind);
  const mismatch = credentialMismatch(backend, credential.kind);
  if (mismatch) throw new StageError(`sign: ${mismatch}`);

  const ts = env.config.timestamp;
  const configured = timestampServers(ts);
  for (const s of configured) for (const secret of urlSecrets(s.url)) env.runner.addSecret(secret);
  const minIntervalMs = Object.fromEntries(configured.filter((s) => s.minIntervalMs > 0).map((s) => [s.url, s.minIntervalMs]));
  const timeoutMs = ts.timeoutSeconds * 1000;
  const limiter = new ServerLimiter({ minIntervalMs });
  let servers = configured.map((s) => s.url);
  if (ts.probe && !env.runner.dryRun) servers = await probeServers(env, servers, timeoutMs, limiter);
  else if (env.runner.dryRun) env.logger.info(`# probe timestamp servers (RFC 3161), fastest first: ${servers.map(displayServer).join(' ')}`);
  return { sign, backend, credential, servers, minIntervalMs, timeoutMs, retries: ts.retries, verify, limiter };
}

/**
 * --dev-cert: the throwaway certificate, and the run's own timestamp authority on loopback as the
 * one server (timestamp.servers is not asked, and nothing goes over the network). Every
 * signature and timestamp is verified against the throwaway root, as a release's against its
 * roots: the token's signature, EKU, nonce and imprint are checked by the relay and the engine.
 */
async function devSigningPlan(env: SigningEnv, sign: SignConfig): Promise<SigningPlan> {
  const dev = await devCredential(env);
  const backend = chooseSigningBackend(sign.backend, process.platform, dev.credential.kind);
  const mismatch = credentialMismatch(backend, dev.credential.kind);
  if (mismatch) throw new StageError(`sign: ${mismatch} (--dev-cert signs with a PEM key)`);
  return {
    sign,
    backend,
    credential: dev.credential,
    servers: [dev.timestampUrl],
    minIntervalMs: {},
    timeoutMs: env.config.timestamp.timeoutSeconds * 1000,
    retries: 1,
    verify: { caFile: dev.caFile, tsaCaFile: dev.caFile, onlineRevocation: false },
    limiter: new ServerLimiter({}),
    relayEnv: {},
  };
}

/** Probe every server at once; sign with the healthy ones, fastest first. */
async function probeServers(env: SigningEnv, urls: string[], timeoutMs: number, limiter: ServerLimiter): Promise<string[]> {
  const started = limiter.clock();
  const sel = await selectTimestampServers(urls, { timeoutMs, signal: env.signal });
  // The probe was a request too: a server's minimum interval counts from it.
  for (const r of sel.results) limiter.noteRequest(r.url, started, r.verdict === 'ok');
  for (const f of sel.failed) env.warn(`timestamp server ${displayServer(f.url)} failed its probe (${f.reason}: ${f.detail}); not used this run`);
  if (sel.ranked.length === 0) {
    throw new StageError(
      `no timestamp server passed its probe, so nothing can be signed with a trusted time:\n${sel.failed.map((f) => `  - ${displayServer(f.url)}: ${f.reason}: ${f.detail}`).join('\n')}\nCheck the network or proxy from this machine, or list other servers in timestamp.servers.`,
    );
  }
  const latency = new Map(sel.results.map((r) => [r.url, Math.round(r.latencyMs)]));
  env.logger.info(`timestamp servers, fastest first: ${sel.ranked.map((u) => `${displayServer(u)} (${latency.get(u)} ms)`).join(', ')}`);
  return sel.ranked;
}

/** Sign and verify `files` in place with `plan` (the stages and `release sign` both end here). */
export async function signWithPlan(
  env: SigningEnv,
  plan: SigningPlan,
  files: readonly string[],
  opts: { signal?: AbortSignal; onSigned?: (record: SignedFileRecord) => void | Promise<void> } = {},
): Promise<SignedFileRecord[]> {
  // The engine (and the verification code on pkijs) loads when the first file is signed: making
  // the plan (the probe) does not need it.
  const { signFiles } = await import('./engine.js');
  return signFiles({
    runner: env.runner,
    files,
    backend: plan.backend,
    credential: plan.credential,
    description: plan.sign.description ?? (env.config.project.description || env.config.project.name),
    url: plan.sign.url ?? env.config.project.homepage,
    servers: plan.servers,
    timeoutMs: plan.timeoutMs,
    retries: plan.retries,
    backoffMs: 1000,
    minIntervalMs: plan.minIntervalMs,
    concurrency: env.options.ioConcurrency,
    verify: plan.verify,
    signal: opts.signal ?? env.signal,
    limiter: plan.limiter,
    ...(plan.relayEnv ? { relayEnv: plan.relayEnv } : {}),
    ...(opts.onSigned ? { onSigned: opts.onSigned } : {}),
    log: (line) => env.logger.info(line),
  });
}
