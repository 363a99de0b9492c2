import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTimeStampReq } from '../../../src/tsa/rfc3161.js';
import { encodeTimeStampReq, nonceToBigInt } from '../../../src/tsa/request.js';

// The TimeStampReq we send is written by hand (src/tsa/request.ts, so the probe needs no ASN.1
// library to go out). pkijs, which wrote it before, is the oracle: the same bytes, every time.

function pkijsEncoding(imprint: Uint8Array, nonce: bigint, certReq: boolean, policy?: string): Uint8Array {
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: '2.16.840.1.101.3.4.2.1', algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(imprint).buffer }),
    }),
    nonce: asn1js.Integer.fromBigInt(nonce),
  });
  if (policy !== undefined) req.reqPolicy = policy;
  if (certReq) req.certReq = true;
  return new Uint8Array(req.toSchema().toBER());
}

describe('the TimeStampReq encoder', () => {
  it('writes the bytes pkijs writes, for random imprints and nonces (high bit set, leading zeros)', () => {
    const nonces = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x00ffn, 2n ** 63n, 2n ** 64n - 1n, nonceToBigInt(Uint8Array.from([0, 0, 1, 2]))];
    for (let i = 0; i < 200; i++) nonces.push(nonceToBigInt(randomBytes(1 + (i % 9))));
    for (const [i, nonce] of nonces.entries()) {
      const imprint = new Uint8Array(randomBytes(32));
      const certReq = i % 2 === 0;
      const policy = i % 3 === 0 ? '1.2.3.4.1' : i % 5 === 0 ? '2.16.840.1.114412.7.1' : undefined;
      expect(Buffer.from(encodeTimeStampReq({ imprint, nonce, certReq, ...(policy ? { policy } : {}) })).toString('hex'), `nonce ${nonce}`).toBe(
        Buffer.from(pkijsEncoding(imprint, nonce, certReq, policy)).toString('hex'),
      );
    }
  });

  it('is read back by the parser as what was asked for', () => {
    const imprint = new Uint8Array(randomBytes(32));
    const parsed = parseTimeStampReq(encodeTimeStampReq({ imprint, nonce: Uint8Array.from([0x9a, 0x01]), certReq: true, policy: '1.3.6.1.4.1.601.10.3.1' }));
    expect(parsed).toEqual({ imprintAlgorithm: '2.16.840.1.101.3.4.2.1', imprint, nonce: 0x9a01n, certReq: true, policy: '1.3.6.1.4.1.601.10.3.1' });
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeTimeStampReq({ imprint: new Uint8Array(20), nonce: 1n, certReq: false })).toThrow('a SHA-256 imprint is 32 bytes, got 20');
    expect(() => encodeTimeStampReq({ imprint: new Uint8Array(32), nonce: -1n, certReq: false })).toThrow('nonce must not be negative');
    expect(() => encodeTimeStampReq({ imprint: new Uint8Array(32), nonce: 1n, certReq: false, policy: '3.1' })).toThrow('is not an object identifier');
  });
});
