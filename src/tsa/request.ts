// The DER of an RFC 3161 TimeStampReq, written directly: five fields of a fixed shape do not
// need an ASN.1 library, and not loading one (asn1js and pkijs take ~100 ms to load) lets the
// timestamp-server probe go out the moment a release starts; the reply is checked with pkijs
// (src/tsa/rfc3161.ts), which loads while the server answers.
//
//   TimeStampReq ::= SEQUENCE {
//     version         INTEGER { v1(1) },
//     messageImprint  SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING },
//     reqPolicy       TSAPolicyId OPTIONAL,          -- OBJECT IDENTIFIER
//     nonce           INTEGER OPTIONAL,
//     certReq         BOOLEAN DEFAULT FALSE,          -- DER: present only when TRUE
//     extensions      [0] IMPLICIT Extensions OPTIONAL }

export interface TimeStampRequestInput {
  /** SHA-256 digest of the data to time-stamp (32 bytes). */
  imprint: Uint8Array;
  /** Random nonce; a Uint8Array is read as an unsigned big-endian number. */
  nonce: bigint | Uint8Array;
  /** Ask the TSA to include its certificate in the token (RFC 3161 §2.4.1). */
  certReq: boolean;
  /** Requested TSA policy OID (reqPolicy). */
  policy?: string;
}

/** id-sha256 with NULL parameters, as openssl and Windows write it for SHA-2 digests. */
const SHA256_ALGORITHM = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00]);

/** A Uint8Array nonce is unsigned big-endian; a bigint must be non-negative. */
export function nonceToBigInt(nonce: bigint | Uint8Array): bigint {
  if (typeof nonce === 'bigint') {
    if (nonce < 0n) throw new RangeError('nonce must not be negative');
    return nonce;
  }
  return nonce.byteLength === 0 ? 0n : BigInt(`0x${Buffer.from(nonce).toString('hex')}`);
}

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, content: ArrayLike<number>): number[] {
  return [tag, ...length(content.length), ...Array.from(content)];
}

/** A non-negative INTEGER: big-endian, minimal, with a 0x00 first when the top bit is set. */
function integer(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = [...Buffer.from(hex, 'hex')];
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, bytes);
}

function objectIdentifier(oid: string): number[] {
  const arcs = oid.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`"${oid}" is not an object identifier`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! > 39n)) throw new RangeError(`"${oid}" is not an object identifier`);
  const body: number[] = [];
  for (const arc of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    body.push(...groups);
  }
  return tlv(0x06, body);
}

/** DER of a TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 imprint. */
export function encodeTimeStampReq(input: TimeStampRequestInput): Uint8Array {
  if (input.imprint.byteLength !== 32) throw new RangeError(`a SHA-256 imprint is 32 bytes, got ${input.imprint.byteLength}`);
  const messageImprint = tlv(0x30, [...SHA256_ALGORITHM, ...tlv(0x04, input.imprint)]);
  const fields = [
    ...integer(1n),
    ...messageImprint,
    ...(input.policy !== undefined ? objectIdentifier(input.policy) : []),
    ...integer(nonceToBigInt(input.nonce)),
    ...(input.certReq ? [0x01, 0x01, 0xff] : []),
  ];
  return Uint8Array.from(tlv(0x30, fields));
}
