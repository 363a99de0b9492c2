// The Publisher of an MSIX package is the subject of the certificate that signs it, as Windows
// writes a distinguished name; Windows refuses to install a package whose Publisher differs
// from its signer's subject, and signtool refuses to sign one. So it is read from the
// certificate itself, never typed twice: a PFX through openssl (password on its stdin, only the
// certificate comes out), a PEM certificate (key files, PKCS#11, --dev-cert) in process.
// Certificates in the Windows certificate store or in Azure cannot be read here.

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as asn1js from 'asn1js';
import { windowsDistinguishedName, type DnAttribute } from '../msix/identity.js';
import { openPkcs12Certificate } from '../tools/openssl.js';
import type { ToolRunner } from '../tools/runner.js';
import type { SigningCredential } from './credentials.js';

export type CertificatePublisher =
  /** The subject, and the file it was read from. */
  | { publisher: string; from: string }
  /** Why it cannot be read here (a store certificate, a PFX that does not open). */
  | { unreadable: string };

/** The subject RDNs of a DER certificate, in encoded order. */
export function subjectAttributes(der: Uint8Array): DnAttribute[][] {
  const parsed = asn1js.fromBER(Uint8Array.from(der));
  if (parsed.offset === -1) throw new Error('not a DER certificate');
  const tbs = (parsed.result as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, …
  const fields = tbs.valueBlock.value;
  const start = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
  const subject = fields[start + 4] as asn1js.Sequence;
  return subject.valueBlock.value.map((rdn) =>
    (rdn as asn1js.Set).valueBlock.value.map((atv) => {
      const [type, value] = (atv as asn1js.Sequence).valueBlock.value as [asn1js.ObjectIdentifier, asn1js.BaseStringBlock];
      const text = (value.valueBlock as { value?: unknown }).value;
      if (typeof text !== 'string') throw new Error(`the subject attribute ${type.valueBlock.toString()} is not a string`);
      return { type: type.valueBlock.toString(), value: text };
    }),
  );
}

/** The package Publisher for a certificate (PEM or DER). */
export function publisherOfCertificate(cert: string | Uint8Array): string {
  return windowsDistinguishedName(subjectAttributes(new X509Certificate(cert).raw));
}

/** The Publisher the certificate of `credential` gives a package, or why it cannot be read here. */
export async function certificatePublisher(runner: ToolRunner, credential: SigningCredential): Promise<CertificatePublisher> {
  const fromText = (text: string | Buffer, from: string): CertificatePublisher => {
    try {
      return { publisher: publisherOfCertificate(text), from };
    } catch (err) {
      return { unreadable: `${from}: ${(err as Error).message}` };
    }
  };
  switch (credential.kind) {
    case 'pkcs12': {
      const opened = await openPkcs12Certificate(runner, credential.pfx, credential.password);
      if ('problem' in opened) return { unreadable: `${credential.pfx}: ${opened.problem}` };
      return fromText(opened.pem, credential.pfx);
    }
    case 'pem':
    case 'pkcs11': {
      if (credential.kind === 'pkcs11' && credential.cert.startsWith('pkcs11:')) return { unreadable: `the certificate is on the PKCS#11 token (${credential.cert})` };
      const text = await readFile(credential.cert).catch((err: NodeJS.ErrnoException) => `${credential.cert}: cannot be read (${err.code ?? String(err)})`);
      return typeof text === 'string' ? { unreadable: text } : fromText(text, credential.cert);
    }
    case 'thumbprint':
    case 'subject':
      return { unreadable: 'the certificate is in the Windows certificate store, which winship does not read' };
    case 'azure':
      return { unreadable: 'the certificate is issued by Azure Trusted Signing when signing' };
  }
}

/**
 * Two distinguished names as Windows compares them: the same attributes in the same order, each
 * value equal, however it was quoted or spaced ("O=\"A, B\"" and O="A, B" are one name).
 */
export function sameDistinguishedName(a: string, b: string): boolean {
  const norm = (dn: string) => splitDn(dn).map(([k, v]) => `${k.toUpperCase()}=${v}`);
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((part, i) => part === y[i]);
}

/** "CN=A, O=\"B, C\"" → [["CN","A"],["O","B, C"]]. */
function splitDn(dn: string): [string, string][] {
  const parts: [string, string][] = [];
  let i = 0;
  while (i < dn.length) {
    const eq = dn.indexOf('=', i);
    if (eq < 0) break;
    const key = dn.slice(i, eq).trim();
    let j = eq + 1;
    let value = '';
    if (dn[j] === '"') {
      j++;
      while (j < dn.length && !(dn[j] === '"' && dn[j + 1] !== '"')) {
        value += dn[j];
        j += dn[j] === '"' ? 2 : 1;
      }
      j++;
    } else {
      while (j < dn.length && dn[j] !== ',') value += dn[j++];
      value = value.trim();
    }
    parts.push([key, value]);
    while (j < dn.length && (dn[j] === ',' || dn[j] === ' ')) j++;
    i = j;
  }
  return parts;
}
