// Read the RFC 3161 timestamp tokens out of an Authenticode signature and check them the way
// osslsigncode does not: the token signer must have the timeStamping EKU (RFC 3161 §2.3), the
// token must stamp this signature (imprint = hash of the SignerInfo's signature value), and its
// genTime must be sane. Pure: takes the DER that `osslsigncode extract-signature` writes.
//
// Evidence for the need: with a TSA certificate without the timeStamping EKU, osslsigncode 2.9
// signs, then `verify` prints "Timestamp Server Signature verification: ok" and "Succeeded"
// (test/fixtures/sign/osslsigncode-verify-no-eku.txt); Windows rejects such a timestamp.

import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  DEFAULT_SKEW_TOLERANCE_MS,
  HASH_NAME_BY_OID,
  OID,
  TsaFormatError,
  decodeBer,
  formatDistinguishedName,
  parseTimeStampResp,
  verifyTimeStampToken,
  type TimeStampToken,
} from '../tsa/rfc3161.js';

/** Object identifiers of Authenticode's unsigned attributes. */
export const AUTHENTICODE_OID = {
  /** SPC_RFC3161_OBJID: an RFC 3161 TimeStampToken countersigning the SignerInfo. */
  rfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
  /** SPC_NESTED_SIGNATURE_OBJID: further signatures (signtool /as, osslsigncode -nest). */
  nestedSignature: '1.3.6.1.4.1.311.2.4.1',
  /** PKCS #9 countersignature: the legacy Authenticode timestamp (-t, /t). */
  legacyCountersignature: '1.2.840.113549.1.9.6',
} as const;

export interface SignatureTimestamp {
  /** 0 = primary signature, then nested signatures in file order. */
  index: number;
  kind: 'rfc3161' | 'legacy' | 'none';
  genTime?: Date;
  /** The TSA's signing certificate subject, "CN=…, O=…". */
  tsaSubject?: string;
  /** Empty when the timestamp is good. */
  problems: string[];
  /** genTime minus our clock, when that is beyond the tolerance (the TSA's clock is wrong). */
  clockSkewMs?: number;
}

export interface TimestampCheckOptions {
  /** Compare genTime with this clock (right after signing); omit to skip the check. */
  now?: Date;
  skewToleranceMs?: number;
}

/** Thrown when the bytes are not an Authenticode PKCS #7 SignedData. */
export class SignatureFormatError extends Error {
  override name = 'SignatureFormatError';
}

/** One entry per signature (primary first, then nested), each with its timestamp verdict. */
export async function checkSignatureTimestamps(pkcs7Der: Uint8Array, options: TimestampCheckOptions = {}): Promise<SignatureTimestamp[]> {
  const decoded = decodeBer(pkcs7Der);
  if ('error' in decoded) throw new SignatureFormatError(`not DER (${decoded.error})`);
  const signers = collectSigners(decoded.value);
  const results: SignatureTimestamp[] = [];
  for (const [index, signer] of signers.entries()) results.push(await checkSigner(index, signer, options));
  return results;
}

// The outer structure is walked with asn1js alone: pkijs's schema matching of a whole
// Authenticode SignedData costs ~10 ms of CPU per file, and only the tokens need pkijs.

/** What we need of a SignerInfo (RFC 5652 §5.3). */
interface RawSigner {
  /** The signature value: what an Authenticode RFC 3161 token stamps. */
  signature: Uint8Array;
  /** Unsigned attributes by OID. */
  unsigned: Map<string, asn1js.AsnType[]>;
}

/** The primary SignerInfo, then those of nested signatures (which hang off the primary one). */
function collectSigners(contentInfo: asn1js.AsnType): RawSigner[] {
  const primary = firstSigner(contentInfo);
  const nested = (primary.unsigned.get(AUTHENTICODE_OID.nestedSignature) ?? []).flatMap(collectSigners);
  return [primary, ...nested];
}

function firstSigner(contentInfo: asn1js.AsnType): RawSigner {
  // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
  const [type, explicit] = children(contentInfo, 'ContentInfo');
  if (!(type instanceof asn1js.ObjectIdentifier) || type.getValue() !== OID.signedData) {
    throw new SignatureFormatError(`content type ${type instanceof asn1js.ObjectIdentifier ? type.getValue() : '?'} is not signedData`);
  }
  const signedData = children(explicit, 'content')[0];
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, [0] certs, [1] crls, signerInfos SET }
  const signerInfos = children(signedData, 'SignedData').at(-1);
  if (!(signerInfos instanceof asn1js.Set)) throw new SignatureFormatError('SignedData has no signerInfos');
  const signerInfo = signerInfos.valueBlock.value[0];
  if (!signerInfo) throw new SignatureFormatError('the signature has no SignerInfo');
  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm,
  //                           signature OCTET STRING, [1] unsignedAttrs }
  const fields = children(signerInfo, 'SignerInfo');
  const signature = fields.find((f): f is asn1js.OctetString => f instanceof asn1js.OctetString);
  if (!signature) throw new SignatureFormatError('SignerInfo has no signature value');
  const unsigned = new Map<string, asn1js.AsnType[]>();
  const attrs = fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 1);
  for (const attr of attrs ? children(attrs, 'unsignedAttrs') : []) {
    // Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }
    const [oid, values] = children(attr, 'Attribute');
    if (oid instanceof asn1js.ObjectIdentifier && values instanceof asn1js.Set) {
      unsigned.set(oid.getValue(), [...(unsigned.get(oid.getValue()) ?? []), ...values.valueBlock.value]);
    }
  }
  return { signature: signature.valueBlock.valueHexView, unsigned };
}

function children(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  const value = (node as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value;
  if (!Array.isArray(value)) throw new SignatureFormatError(`malformed ${what}`);
  return value as asn1js.AsnType[];
}

async function checkSigner(index: number, signer: RawSigner, options: TimestampCheckOptions): Promise<SignatureTimestamp> {
  const tokenValue = signer.unsigned.get(AUTHENTICODE_OID.rfc3161Timestamp)?.[0];
  if (tokenValue === undefined) {
    const legacy = signer.unsigned.has(AUTHENTICODE_OID.legacyCountersignature);
    return legacy
      ? { index, kind: 'legacy', problems: ['the timestamp is a legacy Authenticode countersignature, not RFC 3161'] }
      : { index, kind: 'none', problems: ['the signature has no timestamp'] };
  }

  let token: TimeStampToken;
  try {
    token = parseToken(tokenValue);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { index, kind: 'rfc3161', problems: [`the timestamp token cannot be read: ${why}`] };
  }

  const result: SignatureTimestamp = { index, kind: 'rfc3161', genTime: token.tstInfo.genTime, problems: [] };
  if (token.signerCertificate) result.tsaSubject = formatDistinguishedName(token.signerCertificate.subject);

  // RFC 3161 in Authenticode stamps the signature value: imprint = H(SignerInfo.signature).
  const hash = HASH_NAME_BY_OID[token.tstInfo.imprintAlgorithm];
  if (!hash) {
    result.problems.push(`the timestamp imprint uses an unsupported hash (${token.tstInfo.imprintAlgorithm})`);
  } else {
    const expected = createHash(hash).update(signer.signature).digest();
    if (!expected.equals(token.tstInfo.imprint)) {
      result.problems.push('the timestamp imprint does not match this signature: the server stamped other data');
    }
  }

  const check = await verifyTimeStampToken(token);
  if (!check.signatureValid) result.problems.push(`the timestamp token's signature is invalid: ${check.signatureProblem}`);
  if (!check.timeStampingEku) result.problems.push(`the time-stamp server's certificate is not valid for timestamping: ${check.ekuProblem} (RFC 3161 §2.3)`);

  if (options.now) {
    const tolerance = options.skewToleranceMs ?? DEFAULT_SKEW_TOLERANCE_MS;
    const skew = token.tstInfo.genTime.getTime() - options.now.getTime();
    if (!Number.isFinite(skew) || Math.abs(skew) > tolerance) {
      result.clockSkewMs = skew;
      result.problems.push(
        `the timestamp says ${token.tstInfo.genTime.toISOString()}, ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} our clock`,
      );
    }
  }
  return result;
}

/**
 * src/tsa/rfc3161.ts parses tokens only inside a TimeStampResp (its token parser is private), so
 * the token is wrapped in a granted reply and parsed with all of that module's structure checks.
 */
function parseToken(value: asn1js.AsnType): TimeStampToken {
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ schema: value }),
  });
  const parsed = parseTimeStampResp(new Uint8Array(resp.toSchema().toBER()));
  if (!parsed.token) throw new TsaFormatError('the timestamp attribute holds no token');
  return parsed.token;
}
