// The timestamp-token check on signatures extracted from files osslsigncode 2.9 signed with the
// test PKI and fleet (test/fixtures/sign/signature-*.p7s, recorded by capture.ts).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SignatureFormatError, checkSignatureTimestamps } from '../../../src/signing/timestampToken.js';
import { fixturesDir } from '../../fixtures/sign/support.js';

const TSA = 'CN=Winship Test TSA, O=Winship Tests';
const load = async (name: string) => new Uint8Array(await readFile(path.join(fixturesDir, name)));

describe('checkSignatureTimestamps', () => {
  it('a good RFC 3161 token: signer EKU, imprint and signature all fine', async () => {
    const [stamp, ...rest] = await checkSignatureTimestamps(await load('signature-good.p7s'));
    expect(rest).toEqual([]);
    expect(stamp).toMatchObject({ index: 0, kind: 'rfc3161', tsaSubject: TSA, problems: [] });
    expect(stamp!.genTime).toBeInstanceOf(Date);
  });

  it('a TSA certificate without the timeStamping EKU is caught (osslsigncode verify says ok)', async () => {
    const [stamp] = await checkSignatureTimestamps(await load('signature-no-eku.p7s'));
    expect(stamp).toMatchObject({ kind: 'rfc3161', tsaSubject: 'CN=Winship Test TSA Without EKU, O=Winship Tests' });
    expect(stamp!.problems).toEqual([
      "the time-stamp server's certificate is not valid for timestamping: the signer certificate has no extendedKeyUsage extension (RFC 3161 §2.3)",
    ]);
  });

  it('a token that stamps other data is caught', async () => {
    const [stamp] = await checkSignatureTimestamps(await load('signature-wrong-imprint.p7s'));
    expect(stamp!.problems).toEqual(['the timestamp imprint does not match this signature: the server stamped other data']);
  });

  it('nested signatures: both found, both checked', async () => {
    const stamps = await checkSignatureTimestamps(await load('signature-nested.p7s'));
    expect(stamps.map((s) => [s.index, s.kind, s.tsaSubject, s.problems])).toEqual([
      [0, 'rfc3161', TSA, []],
      [1, 'rfc3161', TSA, []],
    ]);
  });

  it('no timestamp', async () => {
    expect(await checkSignatureTimestamps(await load('signature-no-timestamp.p7s'))).toEqual([
      { index: 0, kind: 'none', problems: ['the signature has no timestamp'] },
    ]);
  });

  it('genTime far from our clock', async () => {
    const [good] = await checkSignatureTimestamps(await load('signature-good.p7s'));
    const later = new Date(good!.genTime!.getTime() + 60 * 60_000);
    const [stamp] = await checkSignatureTimestamps(await load('signature-good.p7s'), { now: later });
    expect(stamp!.problems).toEqual([`the timestamp says ${good!.genTime!.toISOString()}, 3600 s behind our clock`]);
    const [near] = await checkSignatureTimestamps(await load('signature-good.p7s'), { now: new Date(good!.genTime!.getTime() + 1000) });
    expect(near!.problems).toEqual([]);
  });

  it('not a signature', async () => {
    await expect(checkSignatureTimestamps(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(SignatureFormatError);
    await expect(checkSignatureTimestamps(new Uint8Array([0x1c, 0x01, 0x00]))).rejects.toThrow(
      new SignatureFormatError('not DER (byte length of Uint32Array should be a multiple of 4)'),
    );
  });
});
