// The signing certificate, checked when the run starts (the signing stages' preflight): it opens
// with its password, it is valid now and for a while yet, and it may sign code. Found after the
// build, each of these costs minutes of compiling first; osslsigncode itself signs with an
// expired certificate without a word (Windows then rejects the file).

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { openPkcs12Certificate } from '../tools/openssl.js';
import type { ToolRunner } from '../tools/runner.js';
import { MissingToolError } from '../util/errors.js';
import type { SigningCredential } from './credentials.js';

/** id-kp-codeSigning (RFC 5280 §4.2.1.12). */
export const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
/** anyExtendedKeyUsage. */
const ANY_EKU = '2.5.29.37.0';
/** A certificate that ends sooner than this is worth a warning: renewing one takes days. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** What the checks need of a certificate. */
export interface CertificateFacts {
  subject: string;
  validFrom: Date;
  validTo: Date;
  /** Its extendedKeyUsage OIDs; undefined when it has no such extension. */
  extendedKeyUsages: readonly string[] | undefined;
}

export interface CertificateVerdict {
  /** Signing with it would fail or give files Windows rejects. */
  errors: string[];
  warnings: string[];
}

/** The rules, over data: validity at `now`, and the code-signing purpose. */
export function judgeCertificate(c: CertificateFacts, now: Date): CertificateVerdict {
  const errors: string[] = [];
  const warnings: string[] = [];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (now < c.validFrom) errors.push(`is not valid yet: valid from ${c.validFrom.toISOString()}`);
  else if (now > c.validTo) errors.push(`expired on ${day(c.validTo)}: renew it (a timestamp keeps old signatures valid, but nothing new can be signed with it)`);
  else if (c.validTo.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS) {
    warnings.push(`expires on ${day(c.validTo)}, in ${Math.ceil((c.validTo.getTime() - now.getTime()) / DAY_MS)} days: renew it soon`);
  }
  const ekus = c.extendedKeyUsages;
  if (ekus === undefined) warnings.push('has no extendedKeyUsage: Windows accepts it for code signing, but a code-signing certificate normally names codeSigning');
  else if (!ekus.includes(CODE_SIGNING_EKU) && !ekus.includes(ANY_EKU)) {
    errors.push(`may not sign code: its extendedKeyUsage is ${ekus.join(', ')}, without codeSigning (${CODE_SIGNING_EKU}); Windows rejects what it signs`);
  }
  return { errors, warnings };
}

export function factsOf(cert: X509Certificate): CertificateFacts {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    extendedKeyUsages: cert.keyUsage,
  };
}

/** Why a credential cannot be used, one line each (its file and what is wrong), and warnings. */
export async function checkCredential(runner: ToolRunner, credential: SigningCredential, now: Date): Promise<CertificateVerdict> {
  switch (credential.kind) {
    case 'pkcs12': {
      const opened = await openPkcs12Certificate(runner, credential.pfx, credential.password).catch((err: unknown) => {
        // No openssl (Windows, where osslsigncode came alone): osslsigncode checks it when it signs.
        if (err instanceof MissingToolError) return { skipped: `openssl is not installed, so ${credential.pfx} is checked only when signing (${err.message})` };
        throw err;
      });
      if ('skipped' in opened) return { errors: [], warnings: [opened.skipped] };
      if ('problem' in opened) return { errors: [`${credential.pfx}: ${opened.problem}`], warnings: [] };
      return prefixed(credential.pfx, judgeCertificate(factsOf(new X509Certificate(opened.pem)), now));
    }
    case 'pem': {
      const cert = await readCertificate(credential.cert);
      if (typeof cert === 'string') return { errors: [cert], warnings: [] };
      const keyProblem = await keyMismatch(credential.key, credential.password, cert);
      const verdict = prefixed(credential.cert, judgeCertificate(factsOf(cert), now));
      return keyProblem ? { ...verdict, errors: [keyProblem, ...verdict.errors] } : verdict;
    }
    case 'pkcs11': {
      const cert = await readCertificate(credential.cert);
      if (typeof cert === 'string') return { errors: [cert], warnings: [] };
      return prefixed(credential.cert, judgeCertificate(factsOf(cert), now));
    }
    default:
      // The Windows certificate store and Azure: only signtool can look there.
      return { errors: [], warnings: [] };
  }
}

function prefixed(file: string, v: CertificateVerdict): CertificateVerdict {
  return { errors: v.errors.map((e) => `${file}: the certificate ${e}`), warnings: v.warnings.map((w) => `${file}: the certificate ${w}`) };
}

async function readCertificate(path: string): Promise<X509Certificate | string> {
  const text = await readFile(path).catch((err: NodeJS.ErrnoException) => `${path}: cannot read the certificate (${err.code ?? String(err)})`);
  if (typeof text === 'string') return text;
  try {
    return new X509Certificate(text);
  } catch {
    return `${path}: not a PEM or DER certificate`;
  }
}

/** The PEM key opens with its password (in our process: no child, no file) and belongs to the certificate. */
async function keyMismatch(keyPath: string, password: string | undefined, cert: X509Certificate): Promise<string | undefined> {
  const pem = await readFile(keyPath).catch(() => undefined);
  if (pem === undefined) return `${keyPath}: cannot read the key`;
  let key;
  try {
    key = createPrivateKey({ key: pem, ...(password !== undefined ? { passphrase: password } : {}) });
  } catch {
    return `${keyPath}: the key does not open${password === undefined ? ' (it is encrypted, and no password is set)' : ' with the password given'}`;
  }
  return cert.checkPrivateKey(key) ? undefined : `${keyPath}: the key does not belong to the certificate ${cert.subject.replace(/\n/g, ', ')}`;
}
