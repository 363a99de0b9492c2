// RFC 3161 core: requests openssl can read, replies openssl wrote, and the classification of
// every way a reply can be wrong. Real openssl output is the reference throughout.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import { execa } from 'execa';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OID,
  TsaFormatError,
  buildTimeStampReq,
  classifyTimeStampReply,
  formatDistinguishedName,
  nonceToBigInt,
  parseTimeStampReq,
  parseTimeStampResp,
  verifyTimeStampToken,
  type TimeStampReplyInput,
} from '../../src/tsa/rfc3161.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { createOpensslTsaSigner, createPkijsTsaSigner, type TsaSigner } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let openssl: TsaSigner;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-rfc3161-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  openssl = await createOpensslTsaSigner(pki.tsa, path.join(dir, 'tsa'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

function randomImprint(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

function randomNonce(): bigint {
  return nonceToBigInt(randomBytes(8));
}

async function run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await execa(args[0]!, args.slice(1), { cwd: dir, reject: false, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

async function tempFile(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, `${counter++}-${name}`);
  await writeFile(file, bytes);
  return file;
}

/** The hex bytes of openssl's "Message data:" dump. */
function messageDataHex(text: string): string {
  const lines = text.split('\n').filter((l) => /^\s+[0-9a-f]{4} - /.test(l));
  return lines.map((l) => l.replace(/^\s+[0-9a-f]{4} - /, '').slice(0, 47).replace(/[- ]/g, '')).join('');
}

function line(text: string, label: string): string | undefined {
  return text
    .split('\n')
    .find((l) => l.startsWith(`${label}:`))
    ?.slice(label.length + 1)
    .trim();
}

function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}

/** The last byte of an openssl/pkijs reply lies inside the SignerInfo's signature value. */
function flipSignature(reply: Uint8Array): Uint8Array {
  return flipByte(reply, reply.byteLength - 1);
}

async function opensslReplyFor(imprint: Uint8Array, nonce: bigint): Promise<Uint8Array> {
  return openssl.reply(buildTimeStampReq({ imprint, nonce, certReq: true }));
}

function baseInput(imprint: Uint8Array, nonce: bigint, body: Uint8Array): TimeStampReplyInput {
  return {
    request: { imprint, nonce },
    httpStatus: 200,
    contentType: 'application/timestamp-reply',
    body,
    now: new Date(),
  };
}

// ---------------------------------------------------------------------------------------------

describe('buildTimeStampReq', () => {
  it('round-trips through parseTimeStampReq', () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const parsed = parseTimeStampReq(buildTimeStampReq({ imprint, nonce, certReq: true, policy: '1.2.3.4.9.9' }));
    expect(parsed).toEqual({ imprintAlgorithm: OID.sha256, imprint, nonce, certReq: true, policy: '1.2.3.4.9.9' });
  });

  it('writes a query that openssl ts -query reads back field by field', async () => {
    const imprint = randomImprint();
    const nonce = 0x0123456789abcdefn;
    const file = await tempFile('q.tsq', buildTimeStampReq({ imprint, nonce, certReq: true, policy: '1.2.3.4.9.9' }));
    const { exitCode, stdout } = await run(['openssl', 'ts', '-query', '-in', file, '-text']);
    expect(exitCode).toBe(0);
    expect(line(stdout, 'Version')).toBe('1');
    expect(line(stdout, 'Hash Algorithm')).toBe('sha256');
    expect(messageDataHex(stdout)).toBe(Buffer.from(imprint).toString('hex'));
    expect(line(stdout, 'Policy OID')).toBe('1.2.3.4.9.9');
    expect(line(stdout, 'Nonce')).toBe('0x0123456789ABCDEF');
    expect(line(stdout, 'Certificate required')).toBe('yes');
  });

  it('leaves certReq out when false, as DER requires for a DEFAULT value', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const withCert = buildTimeStampReq({ imprint, nonce, certReq: true });
    const without = buildTimeStampReq({ imprint, nonce, certReq: false });
    expect(withCert.byteLength - without.byteLength).toBe(3); // BOOLEAN TRUE is 01 01 ff
    const { stdout } = await run(['openssl', 'ts', '-query', '-in', await tempFile('q.tsq', without), '-text']);
    expect(line(stdout, 'Certificate required')).toBe('no');
    expect(line(stdout, 'Policy OID')).toBe('unspecified');
    expect(parseTimeStampReq(without).certReq).toBe(false);
  });

  it('encodes a nonce with the high bit set as a positive INTEGER, same for bytes and bigint', async () => {
    const imprint = randomImprint();
    const bytes = new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0x01]);
    const fromBytes = buildTimeStampReq({ imprint, nonce: bytes, certReq: true });
    const fromBigInt = buildTimeStampReq({ imprint, nonce: 0x8000000000000001n, certReq: true });
    expect(Buffer.from(fromBytes).equals(Buffer.from(fromBigInt))).toBe(true);
    expect(Buffer.from(fromBytes).includes(Buffer.from('0209008000000000000001', 'hex'))).toBe(true);
    expect(parseTimeStampReq(fromBytes).nonce).toBe(0x8000000000000001n);
    const { stdout } = await run(['openssl', 'ts', '-query', '-in', await tempFile('q.tsq', fromBytes), '-text']);
    expect(line(stdout, 'Nonce')).toBe('0x8000000000000001');
  });

  it('refuses an imprint that is not a SHA-256 digest and a negative nonce', () => {
    expect(() => buildTimeStampReq({ imprint: new Uint8Array(20), nonce: 1n, certReq: true })).toThrow(RangeError);
    expect(() => buildTimeStampReq({ imprint: randomImprint(), nonce: -1n, certReq: true })).toThrow(RangeError);
  });

  it('parses queries written by openssl ts -query', async () => {
    const digest = randomBytes(32).toString('hex');
    const file = path.join(dir, `${counter++}-openssl.tsq`);
    expect((await run(['openssl', 'ts', '-query', '-digest', digest, '-sha256', '-cert', '-out', file])).exitCode).toBe(0);
    const { stdout } = await run(['openssl', 'ts', '-query', '-in', file, '-text']);
    const parsed = parseTimeStampReq(await readFile(file));
    expect(Buffer.from(parsed.imprint).toString('hex')).toBe(digest);
    expect(parsed.imprintAlgorithm).toBe(OID.sha256);
    expect(parsed.certReq).toBe(true);
    // openssl prints whole bytes ("0x0F…"), so compare numbers, not strings.
    expect(parsed.nonce).toBe(BigInt(line(stdout, 'Nonce')!));
  });
});

describe('parseTimeStampResp', () => {
  it('reads a real openssl ts -reply response, agreeing with openssl ts -reply -text', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const body = await opensslReplyFor(imprint, nonce);
    const { stdout } = await run(['openssl', 'ts', '-reply', '-in', await tempFile('r.tsr', body), '-text']);

    const resp = parseTimeStampResp(body);
    expect(resp.status).toBe(0);
    expect(resp.statusText).toBeUndefined();
    expect(resp.failInfo).toBeUndefined();
    const tst = resp.token!.tstInfo;
    expect(tst.nonce).toBe(nonce);
    expect(tst.nonce).toBe(BigInt(line(stdout, 'Nonce')!));
    expect(tst.imprintAlgorithm).toBe(OID.sha256);
    expect(Buffer.from(tst.imprint).equals(Buffer.from(imprint))).toBe(true);
    expect(tst.policy).toBe('1.2.3.4.1');
    expect(tst.serial).toBe(BigInt(line(stdout, 'Serial number')!));
    expect(tst.genTime.getTime()).toBe(new Date(line(stdout, 'Time stamp')!).getTime());
    expect(Math.abs(tst.genTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(formatDistinguishedName(resp.token!.signerCertificate!.subject)).toBe('CN=Winship Test TSA, O=Winship Tests');
    expect(resp.token!.certificates.length).toBeGreaterThanOrEqual(1);
  });

  it('reads openssl rejections: status text and failure bits', async () => {
    // openssl's TSA only accepts the digests in its config (sha256/384/512): a SHA-1 query is rejected.
    const file = path.join(dir, `${counter++}-sha1.tsq`);
    await run(['openssl', 'ts', '-query', '-digest', randomBytes(20).toString('hex'), '-sha1', '-out', file]);
    const resp = parseTimeStampResp(await openssl.reply(await readFile(file)));
    expect(resp).toEqual({
      status: 2,
      statusText: ['Message digest algorithm is not supported.'],
      failInfo: ['badAlg'],
    });
  });

  it('throws TsaFormatError on anything that is not a TimeStampResp', async () => {
    const real = await opensslReplyFor(randomImprint(), randomNonce());
    const grantedWithoutToken = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    }).toSchema().toBER();
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['random bytes', new Uint8Array(randomBytes(300))],
      ['truncated reply', real.subarray(0, real.byteLength - 10)],
      ['reply plus a trailing byte', new Uint8Array([...real, 0])],
      ['a TimeStampReq', buildTimeStampReq({ imprint: randomImprint(), nonce: 1n, certReq: true })],
      ['granted without a token', new Uint8Array(grantedWithoutToken)],
      // asn1js throws (not returns an error) on these: a UniversalString and a BMPString with
      // a length that is not a multiple of their character size. A garbage server hit them.
      ['odd-length UniversalString', new Uint8Array([0x1c, 0x01, 0x00])],
      ['odd-length BMPString', new Uint8Array([0x1e, 0x01, 0x00])],
    ];
    for (const [name, der] of cases) {
      expect(() => parseTimeStampResp(der), name).toThrow(TsaFormatError);
    }
    expect(() => parseTimeStampResp(new Uint8Array(grantedWithoutToken))).toThrow(/granted.*without a timeStampToken/);
  });
});

describe('verifyTimeStampToken', () => {
  it('accepts an openssl token, which openssl ts -verify accepts too', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const query = buildTimeStampReq({ imprint, nonce, certReq: true });
    const body = await openssl.reply(query);
    const result = await verifyTimeStampToken(parseTimeStampResp(body).token!);
    expect(result).toEqual({ signatureValid: true, timeStampingEku: true });

    const check = await run([
      'openssl', 'ts', '-verify', '-in', await tempFile('r.tsr', body),
      '-queryfile', await tempFile('q.tsq', query), '-CAfile', pki.rootBundlePath,
    ]);
    expect(check.stdout).toContain('Verification: OK');
  });

  it('rejects a token whose signature bytes were changed', async () => {
    const body = flipSignature(await opensslReplyFor(randomImprint(), randomNonce()));
    const result = await verifyTimeStampToken(parseTimeStampResp(body).token!);
    expect(result.signatureValid).toBe(false);
    expect(result.timeStampingEku).toBe(true);
  });

  it('rejects a token whose TSTInfo was changed after signing', async () => {
    const imprint = randomImprint();
    const body = await opensslReplyFor(imprint, randomNonce());
    const at = Buffer.from(body).indexOf(Buffer.from(imprint));
    expect(at).toBeGreaterThan(0);
    const result = await verifyTimeStampToken(parseTimeStampResp(flipByte(body, at)).token!);
    expect(result.signatureValid).toBe(false);
    expect(result.signatureProblem).toMatch(/digest/i);
  });

  it('needs the signer certificate (certReq)', async () => {
    const body = await openssl.reply(buildTimeStampReq({ imprint: randomImprint(), nonce: 5n, certReq: false }));
    const token = parseTimeStampResp(body).token!;
    expect(token.signerCertificate).toBeUndefined();
    expect(await verifyTimeStampToken(token)).toEqual({
      signatureValid: false,
      signatureProblem: "the token does not include the signer's certificate",
      timeStampingEku: false,
      ekuProblem: "the token does not include the signer's certificate",
    });
  });

  it('agrees with openssl on pkijs-made tokens: good TSA cert ok, EKU-less cert flagged', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const query = buildTimeStampReq({ imprint, nonce, certReq: true });

    const good = await (await createPkijsTsaSigner(pki.tsa)).reply(query);
    expect(await verifyTimeStampToken(parseTimeStampResp(good).token!)).toEqual({
      signatureValid: true,
      timeStampingEku: true,
    });
    const goodCheck = await run([
      'openssl', 'ts', '-verify', '-in', await tempFile('good.tsr', good),
      '-queryfile', await tempFile('q.tsq', query), '-CAfile', pki.rootBundlePath,
    ]);
    expect(goodCheck.stdout).toContain('Verification: OK');

    const noEku = await (await createPkijsTsaSigner(pki.tsaWithoutEku)).reply(query);
    expect(await verifyTimeStampToken(parseTimeStampResp(noEku).token!)).toEqual({
      signatureValid: true,
      timeStampingEku: false,
      ekuProblem: 'the signer certificate has no extendedKeyUsage extension',
    });
    // openssl: the CMS signature is fine, the signer's purpose is not.
    const noEkuFile = await tempFile('no-eku.tsr', noEku);
    const tokenFile = path.join(dir, `${counter++}-token.der`);
    await run(['openssl', 'ts', '-reply', '-in', noEkuFile, '-token_out', '-out', tokenFile]);
    const cms = await run(['openssl', 'cms', '-verify', '-noverify', '-binary', '-inform', 'DER', '-in', tokenFile, '-out', '/dev/null']);
    expect(cms.stderr).toContain('Verification successful');
    const ts = await run(['openssl', 'ts', '-verify', '-in', noEkuFile, '-queryfile', await tempFile('q.tsq', query), '-CAfile', pki.rootBundlePath]);
    expect(ts.exitCode).not.toBe(0);
    expect(ts.stdout + ts.stderr).toMatch(/purpose/i);
  });

  it('flags a signer whose EKU is not timeStamping', async () => {
    const query = buildTimeStampReq({ imprint: randomImprint(), nonce: randomNonce(), certReq: true });
    const body = await (await createPkijsTsaSigner(pki.codeSigning)).reply(query);
    expect(await verifyTimeStampToken(parseTimeStampResp(body).token!)).toEqual({
      signatureValid: true,
      timeStampingEku: false,
      ekuProblem: 'the extendedKeyUsage extension of the signer certificate is not critical',
    });
  });
});

describe('classifyTimeStampReply', () => {
  it('accepts a good reply and returns the token', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const verdict = await classifyTimeStampReply(baseInput(imprint, nonce, await opensslReplyFor(imprint, nonce)));
    expect(verdict.verdict).toBe('ok');
    if (verdict.verdict !== 'ok') return;
    expect(verdict.token.tstInfo.nonce).toBe(nonce);
    expect(verdict.response.status).toBe(0);
  });

  it('reports each failure with its reason and a sentence', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const good = await opensslReplyFor(imprint, nonce);
    const base = baseInput(imprint, nonce, good);
    const genTime = parseTimeStampResp(good).token!.tstInfo.genTime;

    const withMods = pkijs.TimeStampResp.fromBER(new Uint8Array(good));
    withMods.status.status = pkijs.PKIStatus.grantedWithMods;
    const sha1Query = path.join(dir, `${counter++}-sha1.tsq`);
    await run(['openssl', 'ts', '-query', '-digest', randomBytes(20).toString('hex'), '-sha1', '-out', sha1Query]);
    const rejection = await openssl.reply(await readFile(sha1Query));
    const otherNonce = nonce ^ 0xffn;
    const otherImprint = randomImprint();

    const cases: Array<[string, Partial<TimeStampReplyInput>, string, string | RegExp]> = [
      ['HTTP 500', { httpStatus: 500 }, 'http-status', 'HTTP 500 Internal Server Error'],
      ['HTTP 503 with its own reason', { httpStatus: 503, httpStatusText: 'Busy' }, 'http-status', 'HTTP 503 Busy'],
      ['wrong content type', { contentType: 'text/html; charset=utf-8' }, 'content-type',
        'Content-Type is "text/html; charset=utf-8", not application/timestamp-reply'],
      ['no content type', { contentType: undefined }, 'content-type',
        'the reply has no Content-Type (expected application/timestamp-reply)'],
      ['random bytes', { body: new Uint8Array(randomBytes(64)) }, 'bad-der', /^the reply \(64 bytes\) is not a TimeStampResp: /],
      ['rejection', { body: rejection }, 'rejected', 'status 2 (rejection): "Message digest algorithm is not supported." [badAlg]'],
      ['grantedWithMods', { body: new Uint8Array(withMods.toSchema().toBER()) }, 'rejected',
        'status 1 (grantedWithMods); grantedWithMods is treated as a failure, as osslsigncode does'],
      ['other nonce', { request: { imprint, nonce: otherNonce } }, 'nonce-mismatch',
        `nonce 0x${nonce.toString(16).toUpperCase()} does not match 0x${otherNonce.toString(16).toUpperCase()}`],
      ['other imprint', { request: { imprint: otherImprint, nonce } }, 'imprint-mismatch',
        `imprint ${Buffer.from(imprint).toString('hex')} does not match ${Buffer.from(otherImprint).toString('hex')}`],
      ['changed signature', { body: flipSignature(good) }, 'bad-signature', /^token signature invalid: /],
      ['genTime too far behind', { now: new Date(genTime.getTime() + 6 * 60_000) }, 'clock-skew',
        `genTime ${genTime.toISOString()} is 6 min behind our clock ${new Date(genTime.getTime() + 6 * 60_000).toISOString()} (tolerance 5 min)`],
      ['genTime too far ahead', { now: new Date(genTime.getTime() - 90_000), skewToleranceMs: 60_000 }, 'clock-skew',
        /^genTime .* is 1 min 30 s ahead of our clock .* \(tolerance 1 min\)$/],
    ];
    for (const [name, change, reason, detail] of cases) {
      const verdict = await classifyTimeStampReply({ ...base, ...change });
      expect(verdict, name).toMatchObject({ verdict: 'failed', reason });
      if (verdict.verdict === 'failed') {
        if (typeof detail === 'string') expect(verdict.detail, name).toBe(detail);
        else expect(verdict.detail, name).toMatch(detail);
      }
    }
  });

  it('accepts content-type parameters and case, and genTime exactly at the tolerance', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const body = await opensslReplyFor(imprint, nonce);
    const genTime = parseTimeStampResp(body).token!.tstInfo.genTime;
    const verdict = await classifyTimeStampReply({
      ...baseInput(imprint, nonce, body),
      contentType: 'Application/TimeStamp-Reply; charset=binary',
      now: new Date(genTime.getTime() + 5 * 60_000),
    });
    expect(verdict.verdict).toBe('ok');
  });

  it('reports a missing nonce and a non-SHA-256 imprint', async () => {
    // openssl -no_nonce: the token has no nonce although we (claim to have) sent one.
    const digest = randomBytes(32);
    const noNonceQuery = path.join(dir, `${counter++}-no-nonce.tsq`);
    await run(['openssl', 'ts', '-query', '-digest', digest.toString('hex'), '-sha256', '-no_nonce', '-cert', '-out', noNonceQuery]);
    const noNonce = await classifyTimeStampReply(
      baseInput(new Uint8Array(digest), 0x1234n, await openssl.reply(await readFile(noNonceQuery))),
    );
    expect(noNonce).toEqual({ verdict: 'failed', reason: 'nonce-mismatch', detail: 'the token has no nonce; we sent 0x1234' });
    // A request without a nonce (one relayed for a signing tool) has none to match.
    const withoutNonce = baseInput(new Uint8Array(digest), 0n, await openssl.reply(await readFile(noNonceQuery)));
    delete withoutNonce.request.nonce;
    expect((await classifyTimeStampReply(withoutNonce)).verdict).toBe('ok');

    const sha384Query = path.join(dir, `${counter++}-sha384.tsq`);
    await run(['openssl', 'ts', '-query', '-digest', randomBytes(48).toString('hex'), '-sha384', '-cert', '-out', sha384Query]);
    const query = parseTimeStampReq(await readFile(sha384Query));
    const sha384 = await classifyTimeStampReply(
      baseInput(randomImprint(), query.nonce!, await openssl.reply(await readFile(sha384Query))),
    );
    expect(sha384).toEqual({
      verdict: 'failed',
      reason: 'imprint-mismatch',
      detail: `imprint algorithm ${OID.sha384} is not the one asked for (${OID.sha256})`,
    });
    // Asked for SHA-384 (a relayed request says which), the same kind of reply is fine.
    const asked = await classifyTimeStampReply({
      ...baseInput(query.imprint, query.nonce!, await openssl.reply(await readFile(sha384Query))),
      request: { imprint: query.imprint, imprintAlgorithm: OID.sha384, nonce: query.nonce! },
    });
    expect(asked.verdict).toBe('ok');
  });

  it('reports a signer without the timeStamping EKU as missing-eku', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const body = await (await createPkijsTsaSigner(pki.tsaWithoutEku)).reply(buildTimeStampReq({ imprint, nonce, certReq: true }));
    expect(await classifyTimeStampReply(baseInput(imprint, nonce, body))).toEqual({
      verdict: 'failed',
      reason: 'missing-eku',
      detail: 'the signer certificate has no extendedKeyUsage extension (RFC 3161 §2.3)',
    });
  });

  it('checks in order: status, type, DER, status, nonce, imprint, signature, EKU, time', async () => {
    const imprint = randomImprint();
    const nonce = randomNonce();
    const good = await opensslReplyFor(imprint, nonce);
    const noEku = await (await createPkijsTsaSigner(pki.tsaWithoutEku)).reply(buildTimeStampReq({ imprint, nonce, certReq: true }));
    const base = baseInput(imprint, nonce, good);
    const later = new Date(Date.now() + 3_600_000);
    const reasonOf = async (change: Partial<TimeStampReplyInput>) => {
      const verdict = await classifyTimeStampReply({ ...base, ...change });
      return verdict.verdict === 'failed' ? verdict.reason : 'ok';
    };
    const garbage = new Uint8Array(randomBytes(40));
    expect(await reasonOf({ httpStatus: 502, contentType: 'text/html', body: garbage })).toBe('http-status');
    expect(await reasonOf({ contentType: 'text/html', body: garbage })).toBe('content-type');
    expect(await reasonOf({ body: flipSignature(good), request: { imprint, nonce: nonce + 1n } })).toBe('nonce-mismatch');
    expect(await reasonOf({ body: noEku, request: { imprint: randomImprint(), nonce } })).toBe('imprint-mismatch');
    expect(await reasonOf({ body: flipSignature(noEku) })).toBe('bad-signature');
    expect(await reasonOf({ body: noEku, now: later })).toBe('missing-eku');
    expect(await reasonOf({ now: later })).toBe('clock-skew');
  });
});

describe('formatDistinguishedName', () => {
  it('puts the most specific attribute first and escapes RFC 4514 specials', () => {
    const name = new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({ type: '2.5.4.6', value: new asn1js.PrintableString({ value: 'DE' }) }),
        new pkijs.AttributeTypeAndValue({ type: '2.5.4.10', value: new asn1js.Utf8String({ value: ' Acme, Inc.' }) }),
        new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: 'TSA+1 "x"' }) }),
      ],
    });
    expect(formatDistinguishedName(name)).toBe('CN=TSA\\+1 \\"x\\", O=\\ Acme\\, Inc., C=DE');
  });

  it('escapes a leading # and a trailing space, and writes non-string values as #hex', () => {
    const name = new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: '#1 ' }) }),
        // pkijs's types only admit strings, but a parsed certificate can hold any ASN.1 value.
        new pkijs.AttributeTypeAndValue({ type: '1.2.3.4', value: new asn1js.Integer({ value: 5 }) as never }),
      ],
    });
    expect(formatDistinguishedName(name)).toBe('1.2.3.4=#020105, CN=\\#1\\ ');
  });
});
