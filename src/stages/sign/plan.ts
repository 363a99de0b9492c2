import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageError, UsageError } from '../../errors.js';
import { BACKEND_CREDENTIALS, signFiles, type SignedFileRecord, type SigningBackend, type SigningCredential } from '../../sign/engine.js';
import { displayServer } from '../../sign/failover.js';
import { ServerLimiter } from '../../sign/rateLimit.js';
import { makeSelfSignedCodeSigningCert } from '../../tools/openssl.js';
import { selectTimestampServers } from '../../tsa/probe.js';
import { timestampServers, urlSecrets } from '../../tsa/servers.js';
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
}

export function chooseSigningBackend(configured: SignConfig['backend'], platform: NodeJS.Platform): SigningBackend {
  if (configured !== 'auto') return configured;
  return platform === 'win32' ? 'signtool' : 'osslsigncode';
}

/** The credential named by sign.certificate; secrets come from the environment and are registered for redaction. */
export function credentialFrom(env: SigningEnv, cert: SignConfig['certificate']): SigningCredential {
  // The secret reaches osslsigncode through a 0600 file; no child needs it in its environment.
  env.runner.scrubEnv(cert.passwordEnv);
  const secret = (required: boolean): string | undefined => {
    const value = env.env[cert.passwordEnv];
    // A dry run prints commands; it must not need the secret (it never reaches argv anyway).
    if (value === undefined && env.runner.dryRun) return '';
    if (value === undefined && required) {
      throw new UsageError(`sign.certificate: the password is read from the environment variable ${cert.passwordEnv}, which is not set (export it from your CI secret store)`);
    }
    if (value) env.runner.addSecret(value);
    return value;
  };
  if (cert.pfx) return { kind: 'pkcs12', pfx: env.project(cert.pfx), password: secret(true)! };
  if (cert.key) return { kind: 'pem', cert: env.project(cert.cert!), key: env.project(cert.key), ...(env.env[cert.passwordEnv] ? { password: secret(false)! } : {}) };
  if (cert.pkcs11) return { kind: 'pkcs11', module: cert.pkcs11.module, keyId: cert.pkcs11.keyId, cert: env.project(cert.cert!), ...(cert.pkcs11.engine ? { engine: cert.pkcs11.engine } : {}), ...(env.env[cert.passwordEnv] ? { pin: secret(false)! } : {}) };
  if (cert.thumbprint) return { kind: 'thumbprint', sha1: cert.thumbprint.toUpperCase() };
  if (cert.subject) return { kind: 'subject', name: cert.subject };
  if (cert.azure) return { kind: 'azure', dlib: env.project(cert.azure.dlib), metadata: env.project(cert.azure.metadata) };
  throw new StageError('sign.certificate: no certificate source given');
}

/**
 * A throwaway self-signed code-signing certificate for local packaging. Windows will not trust
 * it: say so loudly, and keep it out of anything that looks like a release.
 */
async function devCredential(env: SigningEnv): Promise<{ credential: SigningCredential; caFile: string }> {
  // A dry run only prints the openssl command: no folder, and the same listing every time.
  const dir = env.runner.dryRun ? '<dev cert dir>' : mkdtempSync(join(tmpdir(), 'winship-devcert-'));
  if (!env.runner.dryRun) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certOut = join(dir, 'dev-cert.pem');
  const keyOut = join(dir, 'dev-key.pem');
  await makeSelfSignedCodeSigningCert(env.runner, { keyOut, certOut, subject: '/CN=winship development certificate - NOT FOR RELEASE', days: 7 });
  env.warn('--dev-cert: signing with a throwaway self-signed certificate. Windows and SmartScreen will NOT trust these files: use them for local testing only, never publish them.');
  return { credential: { kind: 'pem', cert: certOut, key: keyOut }, caFile: certOut };
}

export async function makeSigningPlan(env: SigningEnv, sign: SignConfig): Promise<SigningPlan> {
  const backend = chooseSigningBackend(sign.backend, process.platform);
  const resolve = (p: string | undefined) => (p === undefined ? undefined : env.project(p));
  // Timestamp tokens chain to the configured TSA roots, else to the system store (where the
  // public TSAs chain), never to caFile: -TSA-CAfile replaces the store, so a private signing
  // root there would fail every public TSA. Also under --dev-cert, whose certificate is the
  // root of its own chain only.
  const tsaCaFile = resolve(sign.verify.tsaCaFile);
  const onlineRevocation = sign.verify.onlineRevocation;
  let credential: SigningCredential;
  let verify: SigningPlan['verify'];
  if (env.options.devCert) {
    const dev = await devCredential(env);
    credential = dev.credential;
    verify = { caFile: dev.caFile, tsaCaFile, onlineRevocation };
  } else {
    credential = credentialFrom(env, sign.certificate);
    verify = { caFile: resolve(sign.verify.caFile), tsaCaFile, onlineRevocation };
  }
  if (!BACKEND_CREDENTIALS[backend].includes(credential.kind)) {
    const able = (Object.keys(BACKEND_CREDENTIALS) as SigningBackend[]).filter((b) => BACKEND_CREDENTIALS[b].includes(credential.kind));
    throw new StageError(`sign: ${backend} cannot sign with a ${credential.kind} certificate; use sign.backend: ${able.join(' or ')}${able.includes('signtool') ? ' (on Windows)' : ''}`);
  }

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
export function signWithPlan(env: SigningEnv, plan: SigningPlan, files: readonly string[]): Promise<SignedFileRecord[]> {
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
    signal: env.signal,
    limiter: plan.limiter,
    log: (line) => env.logger.info(line),
  });
}
