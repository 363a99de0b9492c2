import { createHash } from 'node:crypto';
import { decodeBody, encodeBody } from './body.js';
import { bodyOf, decodeHeader, encodeContainer, MAX_FILE_SIZE, type PatchHeader } from './format.js';
import { findOperations } from './match.js';
import { CorruptPatchError } from './rangeCoder.js';

// Making and applying patches, pure: bytes in, bytes out. Applying checks the old file against
// the header before decoding and the result against it after, so it returns the new file or
// throws; it never returns a wrong one.

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

export class WrongInputError extends Error {}

export function createPatch(old: Uint8Array, neu: Uint8Array): Uint8Array {
  for (const [which, data] of [['old', old], ['new', neu]] as const) {
    if (data.length > MAX_FILE_SIZE) throw new RangeError(`the ${which} file is ${data.length} bytes; patches are limited to ${MAX_FILE_SIZE} bytes (2 GiB)`);
  }
  const body = encodeBody(old, neu, findOperations(old, neu));
  return encodeContainer({ algorithm: 1, oldSize: old.length, newSize: neu.length, oldSha256: sha256(old), newSha256: sha256(neu) }, body);
}

export function patchInfo(patch: Uint8Array): PatchHeader {
  return decodeHeader(patch);
}

export function applyPatch(old: Uint8Array, patch: Uint8Array): Uint8Array {
  const header = decodeHeader(patch);
  if (old.length !== header.oldSize) {
    throw new WrongInputError(`this patch applies to a file of ${header.oldSize} bytes (SHA-256 ${header.oldSha256}); the file given has ${old.length}`);
  }
  const oldSha256 = sha256(old);
  if (oldSha256 !== header.oldSha256) {
    throw new WrongInputError(`this patch applies to the file with SHA-256 ${header.oldSha256}; the file given has ${oldSha256} (same size, other bytes)`);
  }
  const neu = decodeBody(old, bodyOf(patch, header), header.newSize);
  const newSha256 = sha256(neu);
  if (newSha256 !== header.newSha256) throw new CorruptPatchError(`the patch made a file with SHA-256 ${newSha256}, not the ${header.newSha256} it promises`);
  return neu;
}
