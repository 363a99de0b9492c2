// RFC 3161 time-stamp protocol: build requests, parse and check replies. Pure functions (no
// network, no files); the only side effect is installing pkijs's crypto engine once, below.
//
// Why we check replies ourselves: osslsigncode checks neither the nonce nor the token signature
// at sign time (see /work/shared/domain-notes.md §3), and it has no timeout, so a server that
// answers nonsense or stalls is only noticed at verify time or never. Probing each server with
// the same checks a careful client (jsign) makes lets the release fail over before signing.

import { createHash, webcrypto } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { encodeTimeStampReq, nonceToBigInt } from './request.js';

export { nonceToBigInt, type TimeStampRequestInput } from './request.js';

// ---------------------------------------------------------------------------------------------
// Crypto engine: the one place pkijs is told which WebCrypto to use.

/** pkijs engine backed by Node's WebCrypto. Pass it to pkijs calls that accept an engine. */
export const pkiCrypto = new pkijs.CryptoEngine({
  name: 'node-webcrypto',
  crypto: webcrypto as unknown as Crypto,
});
// pkijs methods without an explicit engine argument (MessageImprint.create, SignedData.sign's
// helpers) fall back to the global engine; make that the same one.
pkijs.setEngine('node-webcrypto', pkiCrypto);

// ---------------------------------------------------------------------------------------------
// Object identifiers

export const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  /** id-ct-TSTInfo, RFC 3161 §2.4.2: the eContentType of a time-stamp token. */
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  /** ESS signing-certificate (RFC 2634, SHA-1 ESSCertID). */
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  /** ESS signing-certificate v2 (RFC 5035, ESSCertIDv2, default SHA-256). */
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  /** id-kp-timeStamping, RFC 3161 §2.3. */
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** Node hash names of the digest OIDs a timestamp may use. */
export const HASH_NAME_BY_OID: Readonly<Record<string, string>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

// ---------------------------------------------------------------------------------------------
// Types

/** Why a time-stamp server was not usable. The first two and 'network' come from the transport. */
export type TsaFailure =
  | 'timeout'
  | 'connect-refused'
  | 'http-status'
  | 'content-type'
  | 'bad-der'
  | 'rejected'
  | 'nonce-mismatch'
  | 'imprint-mismatch'
  | 'bad-signature'
  | 'missing-eku'
  | 'clock-skew'
  | 'too-large'
  | 'network';

/** The failures the HTTP transport reports (it never looks inside the reply). */
export type TsaTransportFailure = Extract<TsaFailure, 'timeout' | 'connect-refused' | 'too-large' | 'network'>;

/** PKIStatus, RFC 3161 §2.4.2. */
export type PkiStatus = 0 | 1 | 2 | 3 | 4 | 5;

export const PKI_STATUS_NAMES: Record<PkiStatus, string> = {
  0: 'granted',
  1: 'grantedWithMods',
  2: 'rejection',
  3: 'waiting',
  4: 'revocationWarning',
  5: 'revocationNotification',
};

/** PKIFailureInfo bit names, RFC 3161 §2.4.2 (bit number = array index; gaps are unused). */
const FAILURE_INFO_BITS: Record<number, string> = {
  0: 'badAlg',
  2: 'badRequest',
  5: 'badDataFormat',
  14: 'timeNotAvailable',
  15: 'unacceptedPolicy',
  16: 'unacceptedExtension',
  17: 'addInfoNotAvailable',
  25: 'systemFailure',
};

/** Thrown when bytes are not the DER structure they claim to be. */
export class TsaFormatError extends Error {
  override name = 'TsaFormatError';
}

/** A parsed TimeStampReq: what a TSA (or a test server) sees. */
export interface ParsedTimeStampReq {
  imprintAlgorithm: string;
  imprint: Uint8Array;
  nonce?: bigint;
  certReq: boolean;
  policy?: string;
}

export interface TstInfoSummary {
  genTime: Date;
  nonce?: bigint;
  /** OID of messageImprint.hashAlgorithm. */
  imprintAlgorithm: string;
  imprint: Uint8Array;
  serial: bigint;
  policy: string;
}

export interface TimeStampToken {
  tstInfo: TstInfoSummary;
  /** The certificate matching the SignerInfo's sid, if the TSA included it (certReq). */
  signerCertificate?: pkijs.Certificate;
  certificates: pkijs.Certificate[];
  /** The CMS SignedData, kept for signature verification. */
  signedData: pkijs.SignedData;
}

export interface TimeStampResponse {
  status: PkiStatus;
  statusText?: string[];
  /** Names of the PKIFailureInfo bits that are set, e.g. ['badAlg']. */
  failInfo?: string[];
  /** Present exactly when status is granted or grantedWithMods (RFC 3161 §2.4.2). */
  token?: TimeStampToken;
}

export interface TokenVerification {
  /** The CMS signature over the TSTInfo is valid for the included signer certificate. */
  signatureValid: boolean;
  /** Why signatureValid is false. */
  signatureProblem?: string;
  /**
   * RFC 3161 §2.3: the signer certificate has exactly one extendedKeyUsage extension, it is
   * critical, and id-kp-timeStamping is its only purpose.
   */
  timeStampingEku: boolean;
  /** Why timeStampingEku is false. */
  ekuProblem?: string;
}

export interface TimeStampReplyInput {
  /**
   * What was asked for. The probe always sends a nonce; a request relayed for a signing tool
   * (relay.ts) carries whatever the tool sent, and a request without a nonce has none to match.
   * The imprint algorithm defaults to SHA-256, the only one the probe uses.
   */
  request: { imprint: Uint8Array; imprintAlgorithm?: string; nonce?: bigint | Uint8Array };
  httpStatus: number;
  /** The server's reason phrase; defaults to the standard one for httpStatus. */
  httpStatusText?: string;
  /** Content-Type header as received (undefined when absent). */
  contentType: string | undefined;
  body: Uint8Array;
  /** Our clock when the reply arrived. */
  now: Date;
  /** How far genTime may be from `now`, either way. Default 5 minutes. */
  skewToleranceMs?: number;
}

export type TimeStampVerdict =
  | { verdict: 'ok'; response: TimeStampResponse; token: TimeStampToken }
  | { verdict: 'failed'; reason: TsaFailure; detail: string };

export const DEFAULT_SKEW_TOLERANCE_MS = 5 * 60_000;

// ---------------------------------------------------------------------------------------------
// Requests

/** DER of a TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 imprint: written without pkijs (request.ts). */
export const buildTimeStampReq = encodeTimeStampReq;

/** Parse a TimeStampReq (used by test servers and diagnostics). */
export function parseTimeStampReq(der: Uint8Array): ParsedTimeStampReq {
  const req = decode(der, 'TimeStampReq', (schema) => new pkijs.TimeStampReq({ schema }));
  const parsed: ParsedTimeStampReq = {
    imprintAlgorithm: req.messageImprint.hashAlgorithm.algorithmId,
    imprint: copyBytes(req.messageImprint.hashedMessage.valueBlock.valueHexView),
    certReq: req.certReq ?? false,
  };
  if (req.nonce) parsed.nonce = req.nonce.toBigInt();
  if (req.reqPolicy !== undefined) parsed.policy = req.reqPolicy;
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Replies

/** Parse a DER TimeStampResp (RFC 3161 §2.4.2). Throws TsaFormatError on anything malformed. */
export function parseTimeStampResp(der: Uint8Array): TimeStampResponse {
  const resp = decode(der, 'TimeStampResp', (schema) => new pkijs.TimeStampResp({ schema }));
  const status = resp.status.status as number;
  if (!Number.isInteger(status) || status < 0 || status > 5) {
    throw new TsaFormatError(`PKIStatus ${status} is not defined by RFC 3161`);
  }
  const result: TimeStampResponse = { status: status as PkiStatus };
  if (resp.status.statusStrings?.length) {
    result.statusText = resp.status.statusStrings.map((s) => s.valueBlock.value);
  }
  if (resp.status.failInfo) result.failInfo = failureInfoNames(resp.status.failInfo);

  const granted = status === 0 || status === 1;
  if (granted && !resp.timeStampToken) {
    throw new TsaFormatError(`status ${status} (${PKI_STATUS_NAMES[status as PkiStatus]}) without a timeStampToken`);
  }
  if (resp.timeStampToken) result.token = parseToken(resp.timeStampToken);
  return result;
}

function parseToken(contentInfo: pkijs.ContentInfo): TimeStampToken {
  if (contentInfo.contentType !== OID.signedData) {
    throw new TsaFormatError(`timeStampToken content type is ${contentInfo.contentType}, not signedData`);
  }
  const signedData = guard('SignedData', () => new pkijs.SignedData({ schema: contentInfo.content }));
  const encap = signedData.encapContentInfo;
  if (encap.eContentType !== OID.tstInfo) {
    throw new TsaFormatError(`token encapsulates ${encap.eContentType}, not id-ct-TSTInfo`);
  }
  if (!encap.eContent) throw new TsaFormatError('token has no TSTInfo content');
  const tstDer = encap.eContent.getValue();
  const tst = decode(new Uint8Array(tstDer), 'TSTInfo', (schema) => new pkijs.TSTInfo({ schema }));

  const tstInfo: TstInfoSummary = {
    genTime: tst.genTime,
    imprintAlgorithm: tst.messageImprint.hashAlgorithm.algorithmId,
    imprint: copyBytes(tst.messageImprint.hashedMessage.valueBlock.valueHexView),
    serial: tst.serialNumber.toBigInt(),
    policy: tst.policy,
  };
  if (tst.nonce) tstInfo.nonce = tst.nonce.toBigInt();

  const certificates = (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) throw new TsaFormatError('token has no SignerInfo');
  const token: TimeStampToken = { tstInfo, certificates, signedData };
  const signer = certificates.find((c) => matchesSignerId(c, signerInfo.sid));
  if (signer) token.signerCertificate = signer;
  return token;
}

/**
 * Check the token's CMS signature (RFC 5652 §5.6) and the signer's EKU (RFC 3161 §2.3). The
 * certificate chain is not checked here: trust anchors are checked at Authenticode verify time.
 */
export async function verifyTimeStampToken(token: TimeStampToken): Promise<TokenVerification> {
  const eku = checkTimeStampingEku(token.signerCertificate);
  const signature = await checkSignature(token);
  const result: TokenVerification = { signatureValid: signature === undefined, timeStampingEku: eku === undefined };
  if (signature !== undefined) result.signatureProblem = signature;
  if (eku !== undefined) result.ekuProblem = eku;
  return result;
}

/** Returns undefined when the signature is good, else why not. */
async function checkSignature(token: TimeStampToken): Promise<string | undefined> {
  const cert = token.signerCertificate;
  if (!cert) return "the token does not include the signer's certificate";
  const signerInfo = token.signedData.signerInfos[0];
  const attrs = signerInfo?.signedAttrs?.attributes;
  if (!signerInfo || !attrs) return 'the token has no signed attributes';

  // RFC 5652 §11.1: the content-type attribute must name the encapsulated content type.
  const contentType = attrs.find((a) => a.type === OID.contentTypeAttr)?.values[0];
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.getValue() !== OID.tstInfo) {
    return 'the content-type attribute is not id-ct-TSTInfo';
  }
  // RFC 3161 §2.4.1: the ESS signing-certificate attribute binds the signer certificate, so a
  // different certificate with the same key cannot be substituted.
  const essProblem = checkEssCertId(attrs, cert);
  if (essProblem) return essProblem;

  // pkijs's SignedData.verify, for TSTInfo content, re-hashes the original data to compare with
  // the imprint; a probe only has the imprint (we compare it ourselves in classify). Verify a
  // copy that labels the same eContent bytes as id-data: the signature still covers the signed
  // attributes and the messageDigest of exactly those bytes.
  const copy = new pkijs.SignedData({
    version: token.signedData.version,
    digestAlgorithms: token.signedData.digestAlgorithms,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID.data,
      ...(token.signedData.encapContentInfo.eContent ? { eContent: token.signedData.encapContentInfo.eContent } : {}),
    }),
    certificates: [cert],
    signerInfos: [signerInfo],
  });
  try {
    const ok = await copy.verify({ signer: 0, checkChain: false }, pkiCrypto);
    return ok ? undefined : 'the signature does not match the signer certificate';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function checkEssCertId(attrs: pkijs.Attribute[], cert: pkijs.Certificate): string | undefined {
  const v2 = attrs.find((a) => a.type === OID.signingCertificateV2);
  const v1 = attrs.find((a) => a.type === OID.signingCertificate);
  const attr = v2 ?? v1;
  if (!attr) return 'the token has no ESS signing-certificate attribute (RFC 3161 §2.4.1)';
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
  // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash, issuerSerial OPTIONAL }
  // ESSCertID   ::= SEQUENCE { certHash (SHA-1), issuerSerial OPTIONAL }
  const first = asSequence(asSequence(asSequence(attr.values[0])?.[0])?.[0]);
  if (!first) return 'the ESS signing-certificate attribute is malformed';
  let hashOid: string = v2 ? OID.sha256 : OID.sha1;
  let certHashNode = first[0];
  if (v2 && first[0] instanceof asn1js.Sequence) {
    const algorithm = first[0].valueBlock.value[0];
    if (algorithm instanceof asn1js.ObjectIdentifier) hashOid = algorithm.getValue();
    certHashNode = first[1];
  }
  if (!(certHashNode instanceof asn1js.OctetString)) return 'the ESS signing-certificate attribute is malformed';
  const hashName = HASH_NAME_BY_OID[hashOid];
  if (!hashName) return `the ESS signing-certificate hash algorithm ${hashOid} is not supported`;
  const actual = createHash(hashName).update(certificateDer(cert)).digest();
  if (!actual.equals(certHashNode.valueBlock.valueHexView)) {
    return 'the ESS signing-certificate hash does not match the included signer certificate';
  }
  return undefined;
}

/** Returns undefined when the EKU satisfies RFC 3161 §2.3, else why not. */
function checkTimeStampingEku(cert: pkijs.Certificate | undefined): string | undefined {
  if (!cert) return "the token does not include the signer's certificate";
  const ekus = (cert.extensions ?? []).filter((e) => e.extnID === OID.extKeyUsage);
  const eku = ekus[0];
  if (!eku) return 'the signer certificate has no extendedKeyUsage extension';
  if (ekus.length > 1) return 'the signer certificate has more than one extendedKeyUsage extension';
  if (!eku.critical) return 'the extendedKeyUsage extension of the signer certificate is not critical';
  const purposes = eku.parsedValue instanceof pkijs.ExtKeyUsage ? eku.parsedValue.keyPurposes : [];
  if (!purposes.includes(OID.timeStamping)) {
    return 'the extendedKeyUsage of the signer certificate does not include id-kp-timeStamping';
  }
  if (purposes.length !== 1) {
    return `the extendedKeyUsage of the signer certificate lists other purposes too (${purposes.join(', ')})`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Classification

/**
 * Decide whether one HTTP reply is a usable time stamp for our request. Checks run in the order
 * a human would debug them, and the first failure wins: HTTP status, content type, DER, PKIStatus,
 * nonce, imprint, token signature, EKU, genTime.
 */
export async function classifyTimeStampReply(input: TimeStampReplyInput): Promise<TimeStampVerdict> {
  const fail = (reason: TsaFailure, detail: string): TimeStampVerdict => ({ verdict: 'failed', reason, detail });

  if (input.httpStatus !== 200) {
    const text = input.httpStatusText || STATUS_CODES[input.httpStatus] || '';
    return fail('http-status', `HTTP ${input.httpStatus}${text ? ` ${text}` : ''}`);
  }
  // RFC 3161 §3.4: the reply's MIME type is application/timestamp-reply.
  const mediaType = input.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/timestamp-reply') {
    return fail(
      'content-type',
      input.contentType === undefined
        ? 'the reply has no Content-Type (expected application/timestamp-reply)'
        : `Content-Type is ${JSON.stringify(input.contentType)}, not application/timestamp-reply`,
    );
  }

  let response: TimeStampResponse;
  try {
    response = parseTimeStampResp(input.body);
  } catch (err) {
    if (!(err instanceof TsaFormatError)) throw err;
    return fail('bad-der', `the reply (${input.body.byteLength} bytes) is not a TimeStampResp: ${err.message}`);
  }

  // grantedWithMods counts as failure, as osslsigncode does: we cannot know what was modified.
  const token = response.token;
  if (response.status !== 0 || !token) {
    return fail('rejected', describeStatus(response));
  }

  const tst = token.tstInfo;
  if (input.request.nonce !== undefined) {
    const wantedNonce = nonceToBigInt(input.request.nonce);
    if (tst.nonce === undefined) {
      return fail('nonce-mismatch', `the token has no nonce; we sent ${hexBigInt(wantedNonce)}`);
    }
    if (tst.nonce !== wantedNonce) {
      return fail('nonce-mismatch', `nonce ${hexBigInt(tst.nonce)} does not match ${hexBigInt(wantedNonce)}`);
    }
  }

  const wantedAlgorithm = input.request.imprintAlgorithm ?? OID.sha256;
  if (tst.imprintAlgorithm !== wantedAlgorithm) {
    return fail('imprint-mismatch', `imprint algorithm ${tst.imprintAlgorithm} is not the one asked for (${wantedAlgorithm})`);
  }
  if (!bytesEqual(tst.imprint, input.request.imprint)) {
    return fail(
      'imprint-mismatch',
      `imprint ${hexBytes(tst.imprint)} does not match ${hexBytes(input.request.imprint)}`,
    );
  }

  const check = await verifyTimeStampToken(token);
  if (!check.signatureValid) return fail('bad-signature', `token signature invalid: ${check.signatureProblem}`);
  if (!check.timeStampingEku) return fail('missing-eku', `${check.ekuProblem} (RFC 3161 §2.3)`);

  const tolerance = input.skewToleranceMs ?? DEFAULT_SKEW_TOLERANCE_MS;
  const skew = tst.genTime.getTime() - input.now.getTime();
  if (!Number.isFinite(skew) || Math.abs(skew) > tolerance) {
    return fail(
      'clock-skew',
      `genTime ${tst.genTime.toISOString()} is ${formatDuration(Math.abs(skew))} ${skew > 0 ? 'ahead of' : 'behind'} ` +
        `our clock ${input.now.toISOString()} (tolerance ${formatDuration(tolerance)})`,
    );
  }
  return { verdict: 'ok', response, token };
}

/** "status 2 (rejection): "bad request" [badRequest]" */
export function describeStatus(response: TimeStampResponse): string {
  let text = `status ${response.status} (${PKI_STATUS_NAMES[response.status]})`;
  if (response.statusText?.length) text += `: ${response.statusText.map((s) => JSON.stringify(s)).join('; ')}`;
  if (response.failInfo?.length) text += ` [${response.failInfo.join(', ')}]`;
  if (response.status === 1) text += '; grantedWithMods is treated as a failure, as osslsigncode does';
  return text;
}

// ---------------------------------------------------------------------------------------------
// Names

const ATTRIBUTE_SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/**
 * RFC 4514-style string of a Name: most specific attribute first ("CN=TSA, O=Org, C=US"),
 * with ", " between attributes for readability (RFC 4514 itself uses ",").
 */
export function formatDistinguishedName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const key = ATTRIBUTE_SHORT_NAMES[tv.type] ?? tv.type;
      const raw = tv.value.valueBlock as { value?: unknown };
      // RFC 4514 §2.4: values that are not strings are written as # and the hex of their BER.
      if (typeof raw.value !== 'string') return `${key}=#${Buffer.from(tv.value.toBER()).toString('hex')}`;
      return `${key}=${escapeDnValue(raw.value)}`;
    })
    .reverse()
    .join(', ');
}

/** RFC 4514 §2.4 escaping of a string value. */
function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

// ---------------------------------------------------------------------------------------------
// Helpers

export function hexBigInt(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16).toUpperCase()}` : `0x${value.toString(16).toUpperCase()}`;
}

function hexBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));
}

function copyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unknown time';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  // A TSA with a wrong clock can be years off: "3153600 min" says less than "36500 days".
  if (m >= 48 * 60) return `${Math.round(m / (24 * 60))} days`;
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

function failureInfoNames(bits: asn1js.BitString): string[] {
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < bytes.byteLength * 8 - bits.valueBlock.unusedBits; bit++) {
    const byte = bytes[bit >> 3] ?? 0;
    if (byte & (0x80 >> (bit & 7))) names.push(FAILURE_INFO_BITS[bit] ?? `bit${bit}`);
  }
  return names;
}

function matchesSignerId(cert: pkijs.Certificate, sid: pkijs.SignerInfo['sid']): boolean {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber);
  }
  // [0] SubjectKeyIdentifier (RFC 5652 §5.3): compare with the certificate's SKI extension,
  // or with the SHA-1 of the public key (RFC 5280 §4.2.1.2 method 1) when it has none.
  const node = sid as asn1js.BaseBlock & { valueBlock: { value?: asn1js.BaseBlock[]; valueHexView?: Uint8Array } };
  const inner = node.valueBlock.value?.[0] as { valueBlock?: { valueHexView?: Uint8Array } } | undefined;
  const keyId = inner?.valueBlock?.valueHexView ?? node.valueBlock.valueHexView;
  if (!keyId) return false;
  const ski = cert.extensions?.find((e) => e.extnID === '2.5.29.14')?.parsedValue;
  const expected =
    ski instanceof asn1js.OctetString
      ? ski.valueBlock.valueHexView
      : createHash('sha1').update(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
  return bytesEqual(keyId, expected);
}

function certificateDer(cert: pkijs.Certificate): Buffer {
  return Buffer.from(cert.toSchema().toBER());
}

function asSequence(node: unknown): asn1js.AsnType[] | undefined {
  return node instanceof asn1js.Sequence ? node.valueBlock.value : undefined;
}

/** Decode DER into a pkijs object, turning every failure into TsaFormatError. */
/**
 * asn1js.fromBER, with every failure reported the same way: besides its `offset: -1` result it
 * throws (e.g. RangeError from a BMPString/UniversalString of odd length) on some random bytes,
 * which a broken server can send us. Returns the top value and how many bytes it used.
 */
export function decodeBer(der: Uint8Array): { value: asn1js.AsnType; length: number } | { error: string } {
  try {
    const asn1 = asn1js.fromBER(copyBytes(der));
    if (asn1.offset === -1) return { error: asn1.result.error || 'cannot decode' };
    return { value: asn1.result, length: asn1.offset };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function decode<T>(der: Uint8Array, what: string, build: (schema: asn1js.AsnType) => T): T {
  const asn1 = decodeBer(der);
  if ('error' in asn1) throw new TsaFormatError(`not DER (${asn1.error})`);
  if (asn1.length !== der.byteLength) {
    throw new TsaFormatError(`${der.byteLength - asn1.length} unexpected bytes after the ${what}`);
  }
  return guard(what, () => build(asn1.value));
}

function guard<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new TsaFormatError(`not a valid ${what} (${message})`);
  }
}
