import { crc32 } from 'node:zlib';
import { CorruptPatchError } from './rangeCoder.js';

// The patch container (docs/patch-format.md, "Container"): a fixed header that says which file
// the patch applies to and what it makes, the coded body, and a CRC-32 of everything before it,
// so a truncated or damaged patch is refused before any work and a patch for another file is
// refused by name. (The CRC only tells damage from a wrong input early: what guarantees the
// result is the new file's SHA-256, checked after decoding.)

export const MAGIC = Uint8Array.of(0x89, 0x57, 0x53, 0x50, 0x0d, 0x0a, 0x1a, 0x0a); // "\x89WSP\r\n\x1a\n"
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 104;
export const TRAILER_SIZE = 4;
/** Both files must be under 2 GiB: the operations' lengths and the matcher's tables are 31-bit. */
export const MAX_FILE_SIZE = 2 ** 31 - 1;

export const ALGORITHMS = {
  1: 'match-mix', // bsdiff-style operations over hash-chain matches, one mixed-context range-coded body
} as const;
export type AlgorithmId = keyof typeof ALGORITHMS;

export interface PatchHeader {
  formatVersion: number;
  algorithm: AlgorithmId;
  oldSize: number;
  newSize: number;
  oldSha256: string;
  newSha256: string;
  bodySize: number;
}

export function encodeContainer(header: Omit<PatchHeader, 'bodySize' | 'formatVersion'>, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + body.length + TRAILER_SIZE);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(8, FORMAT_VERSION, true);
  view.setUint16(10, header.algorithm, true);
  view.setUint32(12, 0, true); // flags: none defined, must be 0
  view.setBigUint64(16, BigInt(header.oldSize), true);
  view.setBigUint64(24, BigInt(header.newSize), true);
  out.set(Buffer.from(header.oldSha256, 'hex'), 32);
  out.set(Buffer.from(header.newSha256, 'hex'), 64);
  view.setBigUint64(96, BigInt(body.length), true);
  out.set(body, HEADER_SIZE);
  view.setUint32(HEADER_SIZE + body.length, crc32(out.subarray(0, HEADER_SIZE + body.length)), true);
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** The header of `patch`, after checking it is one whole patch of a version and algorithm we know. */
export function decodeHeader(patch: Uint8Array): PatchHeader {
  if (patch.length < MAGIC.length || !MAGIC.every((b, i) => patch[i] === b)) {
    throw new CorruptPatchError('not a winship patch (its first bytes are not the patch magic "\\x89WSP\\r\\n\\x1a\\n")');
  }
  if (patch.length < HEADER_SIZE + TRAILER_SIZE) throw new CorruptPatchError(`the patch is truncated: ${patch.length} bytes, less than a header and trailer`);
  const view = new DataView(patch.buffer, patch.byteOffset, patch.byteLength);
  const formatVersion = view.getUint16(8, true);
  if (formatVersion !== FORMAT_VERSION) throw new CorruptPatchError(`patch format version ${formatVersion}; this winship reads version ${FORMAT_VERSION}`);
  const algorithm = view.getUint16(10, true);
  if (!(algorithm in ALGORITHMS)) throw new CorruptPatchError(`patch algorithm ${algorithm} is unknown to this winship (known: ${Object.keys(ALGORITHMS).join(', ')})`);
  const flags = view.getUint32(12, true);
  if (flags !== 0) throw new CorruptPatchError(`patch flags 0x${flags.toString(16)}: none are defined in format version ${FORMAT_VERSION}`);
  const oldSize = Number(view.getBigUint64(16, true));
  const newSize = Number(view.getBigUint64(24, true));
  const bodySize = Number(view.getBigUint64(96, true));
  if (oldSize > MAX_FILE_SIZE || newSize > MAX_FILE_SIZE) throw new CorruptPatchError(`the patch names a file of ${Math.max(oldSize, newSize)} bytes; the limit is ${MAX_FILE_SIZE}`);
  if (HEADER_SIZE + bodySize + TRAILER_SIZE !== patch.length) {
    throw new CorruptPatchError(
      HEADER_SIZE + bodySize + TRAILER_SIZE > patch.length
        ? `the patch is truncated: ${patch.length} bytes of ${HEADER_SIZE + bodySize + TRAILER_SIZE}`
        : `the patch has ${patch.length - (HEADER_SIZE + bodySize + TRAILER_SIZE)} bytes after its end`,
    );
  }
  if (crc32(patch.subarray(0, HEADER_SIZE + bodySize)) !== view.getUint32(HEADER_SIZE + bodySize, true)) {
    throw new CorruptPatchError('the patch is damaged: its CRC-32 trailer does not match its contents');
  }
  return {
    formatVersion,
    algorithm: algorithm as AlgorithmId,
    oldSize,
    newSize,
    oldSha256: hex(patch.subarray(32, 64)),
    newSha256: hex(patch.subarray(64, 96)),
    bodySize,
  };
}

export function bodyOf(patch: Uint8Array, header: PatchHeader): Uint8Array {
  return patch.subarray(HEADER_SIZE, HEADER_SIZE + header.bodySize);
}
