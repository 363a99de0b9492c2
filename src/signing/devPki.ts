// The throwaway PKI of `--dev-cert`: a root, a code-signing certificate it issued and a
// time-stamp authority certificate it issued, made in process (WebCrypto and pkijs: no openssl,
// no network) for one run. Every certificate says it is not for release, lives a week, and its
// keys never leave the run's own temp folder (mode 0700, removed when the run ends).

import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DEV_TSA_POLICY, type TsaSigner } from '../tsa/responder.js';
import { OID, pkiCrypto } from '../tsa/rfc3161.js';

export const DEV_ROOT_SUBJECT = 'winship development root - NOT FOR RELEASE';
export const DEV_SIGNER_SUBJECT = 'winship development certificate - NOT FOR RELEASE';
export const DEV_TSA_SUBJECT = 'winship development timestamp authority - NOT FOR RELEASE';

const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Valid from an hour ago (clocks differ a little) for a week. */
const BACKDATE_MS = 60 * 60 * 1000;
const LIFETIME_MS = 7 * DAY_MS;

export interface DevPki {
  /** PEM of the root: the only certificate a verifier must trust (-CAfile, -TSA-CAfile). */
  rootPem: string;
  /** PEM of the code-signing certificate, then the root: what osslsigncode puts in each signature. */
  signerChainPem: string;
  /** Unencrypted PKCS#8 PEM of the code-signing key. */
  signerKeyPem: string;
  /** What the local time-stamp authority signs with. */
  tsa: TsaSigner;
}

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A new root, code-signing certificate and TSA certificate, valid for a week from `now`. */
export async function makeDevPki(now: Date = new Date()): Promise<DevPki> {
  const subtle = webcrypto.subtle;
  const [rootKeys, signerKeys, tsaKeys] = await Promise.all([0, 1, 2].map(() => subtle.generateKey(EC_KEY, true, ['sign', 'verify']) as Promise<CryptoKeyPair>));
  const validity = { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + LIFETIME_MS) };
  const root = await issue({ subject: DEV_ROOT_SUBJECT, keys: rootKeys!, issuer: undefined, ...validity, profile: 'ca' });
  const signer = await issue({ subject: DEV_SIGNER_SUBJECT, keys: signerKeys!, issuer: { cert: root, key: rootKeys!.privateKey }, ...validity, profile: 'code-signing' });
  const tsa = await issue({ subject: DEV_TSA_SUBJECT, keys: tsaKeys!, issuer: { cert: root, key: rootKeys!.privateKey }, ...validity, profile: 'timestamping' });
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', signerKeys!.privateKey));
  return {
    rootPem: pem('CERTIFICATE', der(root)),
    signerChainPem: pem('CERTIFICATE', der(signer)) + pem('CERTIFICATE', der(root)),
    signerKeyPem: pem('PRIVATE KEY', pkcs8),
    tsa: { certificate: tsa, key: tsaKeys!.privateKey, policy: DEV_TSA_POLICY, chain: [tsa, root] },
  };
}

type Profile = 'ca' | 'code-signing' | 'timestamping';

interface IssueSpec {
  subject: string;
  keys: CryptoKeyPair;
  /** The issuing certificate and its key; undefined: self-signed. */
  issuer: { cert: pkijs.Certificate; key: CryptoKey } | undefined;
  notBefore: Date;
  notAfter: Date;
  profile: Profile;
}

async function issue(spec: IssueSpec): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  // A positive serial of 16 random bytes (RFC 5280: at most 20 octets, positive).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const name = nameOf(spec.subject);
  cert.subject = name;
  cert.issuer = spec.issuer ? spec.issuer.cert.subject : nameOf(spec.subject);
  cert.notBefore.value = spec.notBefore;
  cert.notAfter.value = spec.notAfter;
  await cert.subjectPublicKeyInfo.importKey(spec.keys.publicKey, pkiCrypto);
  const ski = keyId(cert.subjectPublicKeyInfo);
  const issuerKeyId = spec.issuer ? keyId(spec.issuer.cert.subjectPublicKeyInfo) : ski;
  const ca = spec.profile === 'ca';
  cert.extensions = [
    extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: ca }).toSchema()),
    // keyUsage: keyCertSign + cRLSign for the root (bits 5, 6), digitalSignature (bit 0) otherwise.
    extension('2.5.29.15', true, ca ? new asn1js.BitString({ valueHex: new Uint8Array([0x06]), unusedBits: 1 }) : new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    extension('2.5.29.14', false, new asn1js.OctetString({ valueHex: ski })),
    extension('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: issuerKeyId }) }).toSchema()),
    ...(spec.profile === 'code-signing' ? [extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [CODE_SIGNING] }).toSchema())] : []),
    // RFC 3161 §2.3: a TSA's certificate has one EKU, id-kp-timeStamping, and it is critical.
    ...(spec.profile === 'timestamping' ? [extension(OID.extKeyUsage, true, new pkijs.ExtKeyUsage({ keyPurposes: [OID.timeStamping] }).toSchema())] : []),
  ];
  await cert.sign(spec.issuer?.key ?? spec.keys.privateKey, 'SHA-256', pkiCrypto);
  return cert;
}

function nameOf(commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: commonName }) })],
  });
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: pkijs.PublicKeyInfo): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest());
}

function der(cert: pkijs.Certificate): Uint8Array {
  return new Uint8Array(cert.toSchema().toBER());
}

function pem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
