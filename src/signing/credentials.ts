// Where a signing key is, which signing tool can use which kind, and how release.yaml names one.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSelfSignedCodeSigningCert } from '../tools/openssl.js';
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

/**
 * A throwaway self-signed code-signing certificate for local packaging. Windows will not trust
 * it: say so loudly, and keep it out of anything that looks like a release.
 */
export function devCredential(env: SigningEnv): Promise<{ credential: SigningCredential; caFile: string }> {
  // One per run (one runner): the signing plan signs with the certificate an MSIX package was
  // given the Publisher of.
  let made = devCredentials.get(env.runner);
  if (!made) {
    made = makeDevCredential(env);
    devCredentials.set(env.runner, made);
  }
  return made;
}

const devCredentials = new WeakMap<SigningEnv['runner'], Promise<{ credential: SigningCredential; caFile: string }>>();

async function makeDevCredential(env: SigningEnv): Promise<{ credential: SigningCredential; caFile: string }> {
  // A dry run only prints the openssl command: no folder, and the same listing every time.
  // Its throwaway key lives in the run's own temp folder (0700): removed when the run ends, and
  // by the next run's sweep when this one is killed.
  const dir = env.runner.dryRun ? '<dev cert dir>' : join(await runTempDir(), 'dev-cert');
  if (!env.runner.dryRun) await mkdir(dir, { mode: 0o700 });
  const certOut = join(dir, 'dev-cert.pem');
  const keyOut = join(dir, 'dev-key.pem');
  await makeSelfSignedCodeSigningCert(env.runner, { keyOut, certOut, subject: '/CN=winship development certificate - NOT FOR RELEASE', days: 7 });
  env.warn('--dev-cert: signing with a throwaway self-signed certificate. Windows and SmartScreen will NOT trust these files: use them for local testing only, never publish them.');
  return { credential: { kind: 'pem', cert: certOut, key: keyOut }, caFile: certOut };
}
