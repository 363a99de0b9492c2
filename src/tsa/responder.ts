// An RFC 3161 time-stamp authority of our own, in process: the replies it signs, and the
// loopback HTTP server that serves them. `release build --dev-cert` timestamps with it, so
// local packaging needs no network: the signing tools reach it through the relay like any
// other server, and its tokens pass the same checks a public TSA's must (signature, ESS
// signing-certificate binding, the critical timeStamping EKU, nonce, imprint, genTime).

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { HASH_NAME_BY_OID, nonceToBigInt, OID, parseTimeStampReq, pkiCrypto, TsaFormatError, type ParsedTimeStampReq } from './rfc3161.js';

/** What signs the tokens: the TSA's certificate (critical timeStamping EKU) and its private key. */
export interface TsaSigner {
  certificate: pkijs.Certificate;
  key: CryptoKey;
  /** The policy OID written into each token when the request names none. */
  policy: string;
  /** Certificates added to a token that asks for them (certReq): the TSA's, then its issuers. */
  chain: readonly pkijs.Certificate[];
}

/** A private arc (2.25 + a UUID as an integer) for the development TSA's policy. */
export const DEV_TSA_POLICY = '2.25.149385276108529337640911640396398817522';

/** PKIFailureInfo bits (RFC 3161 §2.4.2) this responder can report. */
const FAIL_INFO = { badAlg: 0, badRequest: 2, badDataFormat: 5 } as const;

/**
 * The DER TimeStampResp for a DER TimeStampReq: granted with a token signed by `signer` at `now`
 * (whole seconds), or rejected with the PKIFailureInfo that says why.
 */
export async function timeStampReply(queryDer: Uint8Array, signer: TsaSigner, now: Date): Promise<Uint8Array> {
  let query: ParsedTimeStampReq;
  try {
    query = parseTimeStampReq(queryDer);
  } catch (err) {
    if (err instanceof TsaFormatError) return rejection('badDataFormat', 'not a TimeStampReq');
    throw err;
  }
  const hashName = HASH_NAME_BY_OID[query.imprintAlgorithm];
  if (!hashName || hashName === 'sha1') return rejection('badAlg', `imprint algorithm ${query.imprintAlgorithm} is not accepted (SHA-256, SHA-384 or SHA-512)`);
  if (createHash(hashName).digest().byteLength !== query.imprint.byteLength) return rejection('badDataFormat', 'the imprint is not as long as its algorithm\'s digests');

  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: query.policy ?? signer.policy,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: query.imprintAlgorithm, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(query.imprint) }),
    }),
    serialNumber: asn1js.Integer.fromBigInt(nonceToBigInt(randomBytes(8))),
    genTime: new Date(Math.floor(now.getTime() / 1000) * 1000),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(query.nonce !== undefined ? { nonce: asn1js.Integer.fromBigInt(query.nonce) } : {}),
  });
  const tstDer = new Uint8Array(tstInfo.toSchema().toBER());
  const certDer = new Uint8Array(signer.certificate.toSchema().toBER());
  // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } } (RFC 5035): binds the
  // signer certificate to the signature. hashAlgorithm is left out: SHA-256 is its DEFAULT.
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: sha256(certDer) })] })] })],
  });
  const { certificate } = signer;
  const signedData = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo, eContent: new asn1js.OctetString({ valueHex: tstDer }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: OID.contentTypeAttr, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
            new pkijs.Attribute({ type: OID.messageDigestAttr, values: [new asn1js.OctetString({ valueHex: sha256(tstDer) })] }),
            new pkijs.Attribute({ type: OID.signingCertificateV2, values: [essCertIdV2] }),
          ],
        }),
      }),
    ],
    // RFC 3161 §2.4.1: certificates only when the request asked for them.
    ...(query.certReq ? { certificates: [...signer.chain] } : {}),
  });
  await signedData.sign(signer.key, 0, 'SHA-256', undefined, pkiCrypto);
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
  });
  return new Uint8Array(resp.toSchema().toBER());
}

function rejection(failure: keyof typeof FAIL_INFO, text: string): Uint8Array {
  const bit = FAIL_INFO[failure];
  // A BIT STRING of the failure bits: bit 0 is the top bit of the first byte.
  const bytes = new Uint8Array(Math.floor(bit / 8) + 1);
  bytes[Math.floor(bit / 8)] = 0x80 >> bit % 8;
  const status = new pkijs.PKIStatusInfo({
    status: pkijs.PKIStatus.rejection,
    statusStrings: [new asn1js.Utf8String({ value: text })],
    failInfo: new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (bit % 8) }),
  });
  return new Uint8Array(new pkijs.TimeStampResp({ status }).toSchema().toBER());
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** A TimeStampReq is about 100 bytes; more is not one. */
const MAX_QUERY_BYTES = 64 * 1024;

export interface LocalTimestampAuthority {
  /** http://127.0.0.1:PORT/tsa */
  readonly url: string;
  /** Requests answered so far (granted or rejected). */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * Serve `signer` on 127.0.0.1 (a free port) as an RFC 3161 server: POST application/timestamp-query
 * in, application/timestamp-reply out. Nothing else is answered. It does not keep the process
 * alive; close() it, or let `signal` do so.
 */
export async function startLocalTimestampAuthority(signer: TsaSigner, options: { signal?: AbortSignal; now?: () => Date } = {}): Promise<LocalTimestampAuthority> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    res.setHeader('Connection', 'close');
    if (req.method !== 'POST' || req.url !== '/tsa') {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_QUERY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      requests++;
      timeStampReply(new Uint8Array(Buffer.concat(chunks)), signer, (options.now ?? (() => new Date()))())
        .then((reply) => res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': reply.byteLength }).end(reply))
        .catch(() => res.writeHead(500).end());
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    get requests() {
      return requests;
    },
    close,
  };
}
