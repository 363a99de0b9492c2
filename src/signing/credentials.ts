// Where a signing key is, which signing tool can use which kind, and how release.yaml names one.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageError, UsageError } from '../util/errors.js';
import { runTempDir } from '../util/runId.js';
import type { SignConfig, SigningEnv } from './settings.js';

export type SigningCredential =
  | { kind: 'pkcs12'; pfx: string; password: string }
  | { kind: 'pem'; cert: string; key: string; password?: string }
  | { kind: 'pkcs11'; module: string; keyId: string; cert: string; engine?: string; pin?: string }
  | { kind: 'thumbprint'; sha1: string }
  | { kind: 'subject'; name: string }
  | { kind: 'azure'; dlib: string; metadata: string };

export type SigningBackend = 'osslsigncode' | 'signtool';

/** signtool gets no PFX: it would need the password in its argv (src/tools/signtool.ts). */
export const BACKEND_CREDENTIALS: Readonly<Record<SigningBackend, readonly SigningCredential['kind'][]>> = {
  osslsigncode: ['pkcs12', 'pem', 'pkcs11'],
  signtool: ['thumbprint', 'subject', 'azure'],
};

/**
 * Why signtool is not given a PFX, and what to do instead: signtool takes a PFX password only in
 * argv (`/p`), where any process on the machine can read it.
 */
export const SIGNTOOL_PFX_REFUSED =
  'signtool takes a PFX password only on its command line (/p), where every process on this machine can read it, so winship does not sign with a PFX through signtool. ' +
  'Either import the PFX into the certificate store once (PowerShell: Import-PfxCertificate -FilePath codesign.pfx -CertStoreLocation Cert:\\CurrentUser\\My -Password (Read-Host -AsSecureString)) ' +
  'and set sign.certificate.thumbprint to its SHA-1 thumbprint instead of pfx, or use sign.backend: osslsigncode (2.9 or newer reads the password from a pipe, on Windows too).';

/** Why `backend` cannot sign with `kind`, or undefined. */
export function credentialMismatch(backend: SigningBackend, kind: SigningCredential['kind']): string | undefined {
  if (BACKEND_CREDENTIALS[backend].includes(kind)) return undefined;
  if (backend === 'signtool' && kind === 'pkcs12') return SIGNTOOL_PFX_REFUSED;
  const able = (Object.keys(BACKEND_CREDENTIALS) as SigningBackend[]).filter((b) => BACKEND_CREDENTIALS[b].includes(kind));
  return `${backend} cannot sign with a ${kind} certificate; use sign.backend: ${able.join(' or ')}${able.includes('signtool') ? ' (on Windows)' : ''}`;
}

/** The secrets a credential carries, for redaction. */
export function credentialSecrets(credential: SigningCredential): string[] {
  const secret = credential.kind === 'pkcs12' || credential.kind === 'pem' ? credential.password : credential.kind === 'pkcs11' ? credential.pin : undefined;
  return secret ? [secret] : [];
}

/** The credential named by sign.certificate; secrets come from the environment and are registered for redaction. */
export function credentialFrom(env: SigningEnv, cert: SignConfig['certificate']): SigningCredential {
  // The secret reaches osslsigncode on its stdin; no child needs it in its environment. (The
  // runner is told so when it is made, before the first child; this repeats it for callers
  // that made their own.)
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

/** What a --dev-cert run signs and timestamps with, and what verifies it. */
export interface DevSigning {
  credential: SigningCredential;
  /** The throwaway root (PEM file): the only trust anchor of the signatures and of the timestamps. */
  caFile: string;
  /** The root as PEM text, for a copy beside the release (release verify trusts it there). */
  rootPem: string;
  /** The run's own RFC 3161 server on 127.0.0.1: timestamps need no network. */
  timestampUrl: string;
}

/** The stand-in URL of the local timestamp authority in a dry run's listing (the same every run). */
export const DRY_RUN_DEV_TSA = 'http://127.0.0.1/winship-dev-tsa';

/**
 * A throwaway root, a code-signing certificate and a timestamp authority it issued, for local
 * packaging without a certificate or a network. Windows will not trust them: say so loudly, and
 * keep them out of anything that looks like a release (signatures are marked devCert).
 */
export function devCredential(env: SigningEnv): Promise<DevSigning> {
  // One per run (one runner): the signing plan signs with the certificate an MSIX package was
  // given the Publisher of.
  let made = devCredentials.get(env.runner);
  if (!made) {
    made = makeDevCredential(env);
    devCredentials.set(env.runner, made);
  }
  return made;
}

const devCredentials = new WeakMap<SigningEnv['runner'], Promise<DevSigning>>();

async function makeDevCredential(env: SigningEnv): Promise<DevSigning> {
  if (env.runner.dryRun) {
    // A dry run makes nothing and lists the same lines every time.
    env.logger.info('# make a throwaway root, code-signing certificate and timestamp authority for --dev-cert (in process, no network)');
    const dir = '<dev cert dir>';
    return { credential: { kind: 'pem', cert: join(dir, 'dev-cert.pem'), key: join(dir, 'dev-key.pem') }, caFile: join(dir, 'dev-root.pem'), rootPem: '', timestampUrl: DRY_RUN_DEV_TSA };
  }
  const [{ makeDevPki }, { startLocalTimestampAuthority }] = await Promise.all([import('./devPki.js'), import('../tsa/responder.js')]);
  const pki = await makeDevPki();
  // The throwaway key lives in the run's own temp folder (0700): removed when the run ends, and
  // by the next run's sweep when this one is killed.
  const dir = join(await runTempDir(), 'dev-cert');
  await mkdir(dir, { mode: 0o700 });
  const cert = join(dir, 'dev-cert.pem');
  const key = join(dir, 'dev-key.pem');
  const caFile = join(dir, 'dev-root.pem');
  await Promise.all([writeFile(cert, pki.signerChainPem), writeFile(key, pki.signerKeyPem, { mode: 0o600 }), writeFile(caFile, pki.rootPem)]);
  // Stopped with the run (its signal), and never holding the process open.
  const tsa = await startLocalTimestampAuthority(pki.tsa, { signal: env.signal });
  env.warn(
    '--dev-cert: signing with a throwaway self-signed certificate. Windows and SmartScreen will NOT trust these files: use them for local testing only, never publish them. ' +
      `Timestamps come from a local timestamp authority (${tsa.url}), not from the network.`,
  );
  return { credential: { kind: 'pem', cert, key }, caFile, rootPem: pki.rootPem, timestampUrl: tsa.url };
}
