// A fleet of local RFC 3161 time-stamp servers for tests, one per behaviour we must handle.
//
//   const pki = await createTestPki(dir);
//   const fleet = await startTsaFleet(pki, [{ kind: 'healthy' }, { kind: 'hang', name: 'stuck' }]);
//   osslsigncode sign ... -ts fleet.url('healthy-0') ...
//   expect(fleet.server('stuck').requestCount).toBe(1);
//   await fleet.stop();
//
// Healthy replies come from the real `openssl ts -reply`, run once per request with a config
// written at start. Two behaviours openssl cannot produce are built with pkijs:
//   - 'no-eku': `openssl ts -reply` refuses a signer whose certificate lacks the critical
//     timeStamping EKU ("invalid signer certificate purpose", TS_RESP_CTX_set_signer_cert), so
//     the token is assembled and signed here with the EKU-less certificate, with the same
//     signed attributes openssl writes (content-type, message-digest, ESS signingCertificateV2).
//   - 'rejection': a TimeStampResp with status 2, a statusString and failInfo badRequest.
// 'wrong-nonce' and 'wrong-imprint' rewrite the query (buildTimeStampReq) before openssl answers it.
// 'oversized' and 'endless' send a correct reply followed by padding (8 MiB, or until the client
// hangs up), without a Content-Length, as a hostile server would; with `honestReplies: 1` the
// first request (the probe) gets a correct reply, so the server passes the probe.
// Servers listen on 127.0.0.1 with random ports. Every request is recorded (time, size, the
// Authorization header, and for streamed replies how much was sent) so tests can check failover
// order, pacing and credentials; `extraLatencyMs` delays every reply (benchmarks). With `tls`
// the fleet speaks https (the test PKI's tlsServer certificate) and records the SNI name asked for.

import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as asn1js from 'asn1js';
import { execa } from 'execa';
import * as pkijs from 'pkijs';
import {
  OID,
  buildTimeStampReq,
  nonceToBigInt,
  parseTimeStampReq,
  pkiCrypto,
  type ParsedTimeStampReq,
} from '../../src/tsa/rfc3161.js';
import type { TestCertificate, TestPki } from './pki.js';

export type TsaKind =
  /** A correct reply from `openssl ts -reply`. */
  | 'healthy'
  /** A correct reply after `delayMs` (default 1500 ms). */
  | 'slow'
  /** Accepts the connection, reads the request, never answers. */
  | 'hang'
  /** HTTP 500. */
  | 'http500'
  /** 200 with the right content type and random bytes. */
  | 'garbage'
  /** A correct reply labelled application/octet-stream. */
  | 'wrong-content-type'
  /** A correct reply to the same imprint with a different nonce. */
  | 'wrong-nonce'
  /** A correct reply to the same nonce with a different imprint. */
  | 'wrong-imprint'
  /** status 2 (rejection), statusString "bad request", failInfo badRequest. */
  | 'rejection'
  /** A granted, validly signed token whose signer certificate has no extendedKeyUsage. */
  | 'no-eku'
  /** Nothing listens on the port: connection refused. */
  | 'refused'
  /** A correct, validly signed reply whose genTime is six years ahead (a TSA with a wrong clock). */
  | 'clock-ahead'
  /** A correct reply followed by OVERSIZED_PADDING_BYTES of zeros, chunked (no Content-Length). */
  | 'oversized'
  /** A correct reply followed by zeros for as long as the client reads them. */
  | 'endless';

export const ALL_TSA_KINDS: readonly TsaKind[] = [
  'healthy', 'slow', 'hang', 'http500', 'garbage', 'wrong-content-type',
  'wrong-nonce', 'wrong-imprint', 'rejection', 'no-eku', 'refused', 'clock-ahead', 'oversized', 'endless',
];

/** What 'oversized' sends after the token: eight times the 1 MiB cap, enough to prove it. */
export const OVERSIZED_PADDING_BYTES = 8 * 1024 * 1024;

/** How far ahead the clock-ahead server's clock runs: past the test certificates' validity. */
export const CLOCK_AHEAD_MS = 6 * 365 * 24 * 60 * 60 * 1000;

export interface TsaServerSpec {
  kind: TsaKind;
  /** Unique name to look the server up by; default `${kind}-${index}`. */
  name?: string;
  /** For 'slow': extra delay before answering. Default 1500 ms. */
  delayMs?: number;
  /** Latency added to every reply of this server; overrides the fleet option. */
  extraLatencyMs?: number;
  /**
   * For 'oversized' and 'endless': how many requests first get a plain correct reply (1: the
   * probe passes, the signing request gets the padding). Default 0.
   */
  honestReplies?: number;
}

export interface TsaFleetOptions {
  /** Latency added to every reply (not to 'hang' or 'refused'). Default 0. */
  extraLatencyMs?: number;
  /** Where per-server files go; default a new folder under pki.dir, removed by stop(). */
  workDir?: string;
  /**
   * Sign concurrent requests at the same time, as public TSAs do (each reply gets its own serial
   * file), instead of one after another (the default, which tests of pacing rely on).
   */
  concurrentReplies?: boolean;
  /**
   * Serve https with this certificate (e.g. pki.tlsServer); URLs then name `hostname` (default
   * 127.0.0.1: a name other than that needs a proxy that resolves it, test/support/connect-proxy.ts).
   */
  tls?: { cert: TestCertificate; hostname?: string };
}

export interface TsaRequestRecord {
  /** Date.now() when the request arrived. */
  at: number;
  /** Size of the posted query. */
  bytes: number;
  /** The Authorization header as received (credentials of a user:password@ URL). */
  authorization?: string;
  /** With `tls`: the server name the client asked for (SNI), false when it sent none. */
  tlsServername?: string | false;
  /** Bytes of the reply body written to the socket (streamed replies; counts while it runs). */
  sentBytes: number;
  /** Resolves when the reply is over: 'complete', or 'client-closed' when the client hung up first. */
  replyEnded: Promise<'complete' | 'client-closed'>;
}

export interface TsaServer {
  name: string;
  kind: TsaKind;
  url: string;
  /** Every request received, in order ('refused' never receives any). */
  readonly requests: readonly TsaRequestRecord[];
  readonly requestCount: number;
  /** Forget recorded requests (between test cases). */
  resetRequests(): void;
}

export interface TsaFleet {
  servers: readonly TsaServer[];
  /** Server by name; throws if there is none. */
  server(name: string): TsaServer;
  /** URL of the named server. */
  url(name: string): string;
  /** Close every server and destroy open (e.g. hanging) connections. */
  stop(): Promise<void>;
}

/** TSA policy OID written into tokens (the example arc from openssl's sample config). */
export const TEST_TSA_POLICY = '1.2.3.4.1';

export async function startTsaFleet(
  pki: TestPki,
  specs: readonly TsaServerSpec[],
  options: TsaFleetOptions = {},
): Promise<TsaFleet> {
  const workDir = options.workDir ?? (await mkdtemp(path.join(pki.dir, 'tsa-fleet-')));
  const ownsWorkDir = options.workDir === undefined;
  const running: RunningServer[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const name = spec.name ?? `${spec.kind}-${index}`;
      if (running.some((s) => s.name === name)) throw new Error(`duplicate TSA server name ${name}`);
      running.push(await startServer(pki, spec, name, path.join(workDir, `${index}-${spec.kind}`), options));
    }
  } catch (err) {
    await Promise.all(running.map((s) => s.close()));
    throw err;
  }

  let stopped = false;
  const server = (name: string): TsaServer => {
    const found = running.find((s) => s.name === name);
    if (!found) throw new Error(`no TSA server named ${name} (have ${running.map((s) => s.name).join(', ')})`);
    return found;
  };
  return {
    servers: running,
    server,
    url: (name) => server(name).url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(running.map((s) => s.close()));
      if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** A server with its request log; a class so requestCount stays live (no getter copies). */
class RunningServer implements TsaServer {
  readonly requests: TsaRequestRecord[] = [];
  constructor(
    readonly name: string,
    readonly kind: TsaKind,
    readonly url: string,
    readonly close: () => Promise<void>,
  ) {}
  get requestCount(): number {
    return this.requests.length;
  }
  resetRequests(): void {
    this.requests.length = 0;
  }
}

async function startServer(
  pki: TestPki,
  spec: TsaServerSpec,
  name: string,
  dir: string,
  options: TsaFleetOptions,
): Promise<RunningServer> {
  if (spec.kind === 'refused') {
    // Bind, note the port, close: nothing listens there afterwards.
    const probe = http.createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new RunningServer(name, spec.kind, urlOf(port, options), async () => {});
  }

  const signer = await makeSigner(pki, spec.kind, dir, options.concurrentReplies ?? false);
  const latencyMs = (spec.extraLatencyMs ?? options.extraLatencyMs ?? 0) + (spec.kind === 'slow' ? (spec.delayMs ?? 1500) : 0);
  const sockets = new Set<Socket>();

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`test TSA failed: ${String(err)}`);
      }
    });
  };
  const server = options.tls
    ? https.createServer({ cert: await readFile(options.tls.cert.certPath), key: await readFile(options.tls.cert.keyPath) }, onRequest)
    : http.createServer(onRequest);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const query = await readBody(req);
    let ended!: (how: 'complete' | 'client-closed') => void;
    const record: TsaRequestRecord = {
      at: Date.now(),
      bytes: query.byteLength,
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
      ...(req.socket instanceof TLSSocket ? { tlsServername: req.socket.servername ?? false } : {}),
      sentBytes: 0,
      replyEnded: new Promise((resolve) => (ended = resolve)),
    };
    running.requests.push(record);
    res.on('close', () => ended(res.writableFinished ? 'complete' : 'client-closed'));
    if (spec.kind === 'hang') return; // keep the socket open until stop()
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    if (latencyMs > 0) await sleep(latencyMs);
    const padded = (spec.kind === 'oversized' || spec.kind === 'endless') && running.requestCount > (spec.honestReplies ?? 0);
    if (padded) {
      await streamPadded(res, await signer.reply(query), spec.kind === 'endless' ? Infinity : OVERSIZED_PADDING_BYTES, record);
      return;
    }
    const reply = await replyFor(spec.kind, query, signer);
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': reply.body.byteLength });
    res.end(reply.body);
  }

  const port = await listen(server);
  const running = new RunningServer(name, spec.kind, urlOf(port, options), () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  );
  return running;
}

function urlOf(port: number, options: TsaFleetOptions): string {
  return options.tls ? `https://${options.tls.hostname ?? '127.0.0.1'}:${port}/` : `http://127.0.0.1:${port}/`;
}

interface HttpReply {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const TIMESTAMP_REPLY = 'application/timestamp-reply';

async function replyFor(kind: TsaKind, query: Uint8Array, signer: TsaSigner): Promise<HttpReply> {
  const ok = (body: Uint8Array, contentType = TIMESTAMP_REPLY): HttpReply => ({ status: 200, contentType, body });
  switch (kind) {
    case 'healthy':
    case 'slow':
      return ok(await signer.reply(query));
    case 'wrong-content-type':
      return ok(await signer.reply(query), 'application/octet-stream');
    case 'http500':
      return { status: 500, contentType: 'text/plain', body: Buffer.from('Internal Server Error\n') };
    case 'garbage':
      return ok(new Uint8Array(randomBytes(256)));
    case 'wrong-nonce': {
      const q = parseTimeStampReq(query);
      // Same imprint, a nonce the client never sent.
      return ok(await signer.reply(rewriteQuery(q, { nonce: (q.nonce ?? 0n) + 1n })));
    }
    case 'wrong-imprint': {
      const q = parseTimeStampReq(query);
      // Same nonce, the imprint with every bit flipped.
      return ok(await signer.reply(rewriteQuery(q, { imprint: q.imprint.map((b) => b ^ 0xff) })));
    }
    case 'rejection':
      return ok(rejectionReply('bad request'));
    case 'no-eku':
    case 'clock-ahead':
    case 'oversized':
    case 'endless':
      return ok(await signer.reply(query));
    case 'hang':
    case 'refused':
      throw new Error(`${kind} servers do not reply`);
  }
}

/** A correct reply, then `padding` zero bytes (Infinity: until the client hangs up), chunked, minding backpressure. */
async function streamPadded(res: http.ServerResponse, reply: Uint8Array, padding: number, record: TsaRequestRecord): Promise<void> {
  res.writeHead(200, { 'Content-Type': TIMESTAMP_REPLY });
  const chunk = Buffer.alloc(64 * 1024);
  const write = (data: Uint8Array) =>
    new Promise<boolean>((resolve) => {
      if (res.destroyed) return resolve(false);
      record.sentBytes += data.byteLength;
      if (res.write(data)) return resolve(true);
      const onDrain = () => { res.off('close', onClose); resolve(true); };
      const onClose = () => { res.off('drain', onDrain); resolve(false); };
      res.once('drain', onDrain);
      res.once('close', onClose);
    });
  if (!(await write(reply))) return;
  for (let left = padding; left > 0; left -= chunk.byteLength) {
    if (!(await write(left >= chunk.byteLength ? chunk : chunk.subarray(0, left)))) return;
  }
  res.end();
}

function rewriteQuery(q: ParsedTimeStampReq, change: { nonce?: bigint; imprint?: Uint8Array }): Uint8Array {
  return buildTimeStampReq({
    imprint: change.imprint ?? q.imprint,
    nonce: change.nonce ?? q.nonce ?? nonceToBigInt(randomBytes(8)),
    certReq: q.certReq,
    ...(q.policy !== undefined ? { policy: q.policy } : {}),
  });
}

/** TimeStampResp { status { rejection, "text", failInfo badRequest } }, no token (RFC 3161 §2.4.2). */
function rejectionReply(text: string): Uint8Array {
  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: text })],
      // PKIFailureInfo badRequest is bit 2: 0b0010_0000 with 5 unused bits (DER named bit string).
      failInfo: new asn1js.BitString({ valueHex: new Uint8Array([0x20]), unusedBits: 5 }),
    }),
  });
  return new Uint8Array(resp.toSchema().toBER());
}

// ---------------------------------------------------------------------------------------------
// Signers

/** Something that answers time-stamp queries without HTTP; usable directly in unit tests. */
export interface TsaSigner {
  /** Answer a DER TimeStampReq with a DER TimeStampResp. */
  reply(query: Uint8Array): Promise<Uint8Array>;
}

/** The signer a kind needs: none for kinds that never sign. */
async function makeSigner(pki: TestPki, kind: TsaKind, dir: string, concurrent: boolean): Promise<TsaSigner> {
  switch (kind) {
    case 'no-eku':
      return createPkijsTsaSigner(pki.tsaWithoutEku);
    case 'clock-ahead':
      return createPkijsTsaSigner(pki.tsa, CLOCK_AHEAD_MS);
    case 'healthy':
    case 'slow':
    case 'wrong-content-type':
    case 'wrong-nonce':
    case 'wrong-imprint':
    case 'oversized':
    case 'endless':
      return createOpensslTsaSigner(pki.tsa, dir, concurrent);
    default:
      return { reply: () => Promise.reject(new Error(`${kind} servers do not sign`)) };
  }
}

/**
 * `openssl ts -reply` signing with `tsa` (which must have the critical timeStamping EKU, or
 * openssl refuses). Writes tsa.cnf and the serial file into `dir` (created if missing).
 */
export async function createOpensslTsaSigner(tsa: TestCertificate, dir: string, concurrent = false): Promise<TsaSigner> {
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'tsa.cnf');
  await writeFile(path.join(dir, 'serial'), '01\n');
  const lines = (serial: string) => [
      '[tsa]',
      'default_tsa = test_tsa',
      '[test_tsa]',
      `serial = ${serial}`,
      'crypto_device = builtin',
      `signer_cert = ${tsa.certPath}`,
      `signer_key = ${tsa.keyPath}`,
      // Certificates added to the token besides the signer's (certReq): the signer again is harmless.
      `certs = ${tsa.certPath}`,
      `default_policy = ${TEST_TSA_POLICY}`,
      'digests = sha256, sha384, sha512',
      'signer_digest = sha256',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      // signingCertificateV2 with SHA-256, as current commercial TSAs send.
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n');
  await writeFile(config, lines(path.join(dir, 'serial')));

  // openssl reads, increments and rewrites the serial file: one reply at a time per server,
  // unless each reply gets a serial file (and a config naming it) of its own.
  let queue: Promise<unknown> = Promise.resolve();
  let counter = 0;
  const replyNow = async (query: Uint8Array): Promise<Uint8Array> => {
    const id = counter++;
    const queryFile = path.join(dir, `query-${id}.tsq`);
    const replyFile = path.join(dir, `reply-${id}.tsr`);
    const ownConfig = path.join(dir, `tsa-${id}.cnf`);
    const ownSerial = path.join(dir, `serial-${id}`);
    if (concurrent) {
      await writeFile(ownSerial, `${(id + 1).toString(16).padStart(2, '0')}\n`);
      await writeFile(ownConfig, lines(ownSerial));
    }
    await writeFile(queryFile, query);
    try {
      const result = await execa(
        'openssl',
        ['ts', '-reply', '-config', concurrent ? ownConfig : config, '-queryfile', queryFile, '-out', replyFile],
        { reject: false, stdin: 'ignore' },
      );
      if (result.exitCode !== 0) throw new Error(`openssl ts -reply failed: ${result.stderr}`);
      return new Uint8Array(await readFile(replyFile));
    } finally {
      for (const f of [queryFile, replyFile, ownConfig, ownSerial]) await rm(f, { force: true });
    }
  };
  return {
    reply(query) {
      if (concurrent) return replyNow(query);
      const next = queue.then(() => replyNow(query));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

/**
 * A TSA in pkijs, for signers openssl refuses (any certificate with a P-256/P-384 EC or RSA key). Writes what `openssl ts -reply` writes: TSTInfo
 * v1 with policy, imprint, serial, genTime, accuracy 1 s and the request's nonce; SignedData v3
 * signed over content-type, message-digest and ESS signingCertificateV2 (SHA-256) attributes.
 */
export async function createPkijsTsaSigner(signerCert: TestCertificate, clockOffsetMs = 0): Promise<TsaSigner> {
  const certDer = pemToDer(await readFile(signerCert.certPath, 'utf8'));
  const cert = pkijs.Certificate.fromBER(certDer);
  const key = await importSigningKey(await readFile(signerCert.keyPath, 'utf8'));

  return {
    async reply(queryDer) {
      const query = parseTimeStampReq(queryDer);
      const tstInfo = new pkijs.TSTInfo({
        version: 1,
        policy: query.policy ?? TEST_TSA_POLICY,
        messageImprint: new pkijs.MessageImprint({
          hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: query.imprintAlgorithm, algorithmParams: new asn1js.Null() }),
          hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(query.imprint) }),
        }),
        serialNumber: asn1js.Integer.fromBigInt(nonceToBigInt(randomBytes(8))),
        genTime: new Date(Math.floor((Date.now() + clockOffsetMs) / 1000) * 1000),
        accuracy: new pkijs.Accuracy({ seconds: 1 }),
        ...(query.nonce !== undefined ? { nonce: asn1js.Integer.fromBigInt(query.nonce) } : {}),
      });
      const tstDer = new Uint8Array(tstInfo.toSchema().toBER());
      const essCertIdV2 = new asn1js.Sequence({
        // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } }; hashAlgorithm
        // is left out because SHA-256 is its DEFAULT.
        value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: sha256(certDer) })] })] })],
      });
      const signedData = new pkijs.SignedData({
        version: 3,
        encapContentInfo: new pkijs.EncapsulatedContentInfo({
          eContentType: OID.tstInfo,
          eContent: new asn1js.OctetString({ valueHex: tstDer }),
        }),
        signerInfos: [
          new pkijs.SignerInfo({
            version: 1,
            sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
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
        ...(query.certReq ? { certificates: [cert] } : {}),
      });
      await signedData.sign(key, 0, 'SHA-256', undefined, pkiCrypto);
      const resp = new pkijs.TimeStampResp({
        status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
        timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
      });
      return new Uint8Array(resp.toSchema().toBER());
    },
  };
}

async function importSigningKey(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const namedCurve = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (!namedCurve) throw new Error(`unsupported EC curve ${curve}`);
    return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']) as Promise<CryptoKey>;
  }
  if (key.asymmetricKeyType === 'rsa') {
    return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, [
      'sign',
    ]) as Promise<CryptoKey>;
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function sha256(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END)[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
