import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyPatch, createPatch, patchInfo, WrongInputError } from '../../../src/delta/patch.js';
import { encodeBody } from '../../../src/delta/body.js';
import { encodeContainer, HEADER_SIZE, MAGIC, TRAILER_SIZE } from '../../../src/delta/format.js';
import { CorruptPatchError } from '../../../src/delta/rangeCoder.js';

// The patch format in process: round trips over inputs chosen to break it, a property test over
// random edits, and every way an applier must refuse (docs/patch-format.md, "Applying").

/** xorshift32: the same "random" bytes on every run. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
function randomBytes(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}
/** Bytes that look like a program: repeated instruction-like runs with addresses in them. */
function codeLike(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    const op = [0x48, 0x8d, 0x05, 0xe8, 0xc3, 0x90, 0x0f, 0x1f][next() & 7]!;
    out[i++] = op;
    if (op === 0x05 || op === 0xe8) for (let k = 0; k < 4 && i < n; k++) out[i++] = (i * 7 + k) & 0xff;
  }
  return out;
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function roundTrip(old: Uint8Array, neu: Uint8Array): Uint8Array {
  const patch = createPatch(old, neu);
  const made = applyPatch(old, patch);
  expect(made.length).toBe(neu.length);
  expect(sha(made)).toBe(sha(neu));
  const info = patchInfo(patch);
  expect(info).toMatchObject({ formatVersion: 1, algorithm: 1, oldSize: old.length, newSize: neu.length, oldSha256: sha(old), newSha256: sha(neu) });
  expect(patch.length).toBe(HEADER_SIZE + info.bodySize + TRAILER_SIZE);
  return patch;
}

describe('round trips', () => {
  const base = codeLike(200_000, 7);
  const cases: [string, Uint8Array, Uint8Array][] = [
    ['both empty', new Uint8Array(0), new Uint8Array(0)],
    ['empty old', new Uint8Array(0), base],
    ['empty new', base, new Uint8Array(0)],
    ['identical', base, base.slice()],
    ['completely different', randomBytes(50_000, 1), randomBytes(60_000, 2)],
    ['1-byte files', Uint8Array.of(1), Uint8Array.of(2)],
    ['1 byte to many', Uint8Array.of(0x48), base],
    ['change at the first byte', base, Uint8Array.from(base, (b, i) => (i === 0 ? b ^ 0xff : b))],
    ['change at the last byte', base, Uint8Array.from(base, (b, i) => (i === base.length - 1 ? b ^ 0x01 : b))],
    ['bytes inserted in the middle', base, Uint8Array.from([...base.subarray(0, 1000), 1, 2, 3, ...base.subarray(1000)])],
    ['bytes removed from the middle', base, Uint8Array.from([...base.subarray(0, 5000), ...base.subarray(5100)])],
    ['halves swapped', base, Uint8Array.from([...base.subarray(100_000), ...base.subarray(0, 100_000)])],
    ['all zeros to all 0xff', new Uint8Array(70_000), new Uint8Array(70_000).fill(0xff)],
  ];
  for (const [name, old, neu] of cases) it(name, () => void roundTrip(old, neu));

  it('identical files make a patch of a few bytes of body', () => {
    const patch = roundTrip(base, base.slice());
    expect(patchInfo(patch).bodySize).toBeLessThan(40);
  });

  it('a one-byte change in 200 KB of code costs a few dozen bytes, not kilobytes', () => {
    const neu = base.slice();
    neu[123_456] = neu[123_456]! ^ 0x40;
    expect(patchInfo(roundTrip(base, neu)).bodySize).toBeLessThan(80);
  });

  it('is deterministic: the same pair gives the same bytes', () => {
    const neu = Uint8Array.from(base, (b, i) => (i % 4099 === 0 ? b + 1 : b));
    expect(sha(createPatch(base, neu))).toBe(sha(createPatch(base, neu)));
  });
});

describe('property: random edits', () => {
  it('every patch of 300 random edit scripts applies to exactly the new file', () => {
    const next = prng(2026);
    for (let round = 0; round < 300; round++) {
      const size = next() % 3000;
      const old = next() % 2 ? codeLike(size, next()) : randomBytes(size, next());
      const parts: number[] = [...old];
      const edits = next() % 12;
      for (let e = 0; e < edits; e++) {
        const at = parts.length ? next() % parts.length : 0;
        const kind = next() % 4;
        if (kind === 0) parts.splice(at, next() % 40); // delete
        else if (kind === 1) parts.splice(at, 0, ...randomBytes(next() % 40, next())); // insert
        else if (kind === 2 && parts.length) parts[at] = next() & 0xff; // replace
        else if (parts.length) parts.splice(next() % (parts.length + 1), 0, ...parts.slice(at, at + (next() % 200))); // copy
      }
      roundTrip(old, Uint8Array.from(parts));
    }
  });
});

describe('refusals: never a wrong file', () => {
  const old = codeLike(20_000, 3);
  const neu = Uint8Array.from(old, (b, i) => (i % 97 === 0 ? b + 3 : b));
  const patch = createPatch(old, neu);

  it('refuses an old file of another size, naming the file it is for', () => {
    expect(() => applyPatch(old.subarray(1), patch)).toThrow(WrongInputError);
    expect(() => applyPatch(old.subarray(1), patch)).toThrow(/applies to a file of 20000 bytes \(SHA-256 [0-9a-f]{64}\); the file given has 19999/);
  });

  it('refuses an old file of the same size with other bytes', () => {
    const other = old.slice();
    other[10_000] = other[10_000]! ^ 1;
    expect(() => applyPatch(other, patch)).toThrow(/same size, other bytes/);
  });

  it('refuses the new file (a patch applied twice)', () => {
    expect(() => applyPatch(neu, patch)).toThrow(WrongInputError);
  });

  it('refuses every truncation', () => {
    for (let length = 0; length < patch.length; length += Math.max(1, Math.floor(patch.length / 200))) {
      expect(() => applyPatch(old, patch.subarray(0, length)), `truncated to ${length}`).toThrow(CorruptPatchError);
    }
  });

  it('refuses a flipped bit anywhere, by the trailer or by the result', () => {
    for (let at = 0; at < patch.length; at += 7) {
      const damaged = patch.slice();
      damaged[at] = damaged[at]! ^ 0x10;
      expect(() => applyPatch(old, damaged), `bit flipped at ${at}`).toThrow(/damaged|truncated|after its end|not a winship patch|version|algorithm|flags|applies to|other bytes|names a file/);
    }
  });

  it('refuses a body that decodes wrong even with a good trailer (the result is checked)', async () => {
    const { crc32 } = await import('node:zlib');
    let refused = 0;
    for (let at = HEADER_SIZE; at < patch.length - TRAILER_SIZE; at += 3) {
      const damaged = patch.slice();
      damaged[at] = damaged[at]! ^ 0x01;
      new DataView(damaged.buffer).setUint32(damaged.length - TRAILER_SIZE, crc32(damaged.subarray(0, damaged.length - TRAILER_SIZE)), true);
      expect(() => applyPatch(old, damaged)).toThrow(CorruptPatchError);
      refused++;
    }
    expect(refused).toBeGreaterThan(10);
  });

  it('refuses what is not a patch, and a newer format version', () => {
    expect(() => patchInfo(new TextEncoder().encode('BSDIFF40 not ours'))).toThrow(/not a winship patch/);
    const newer = patch.slice();
    newer[8] = 2;
    expect(() => patchInfo(newer)).toThrow(/format version 2; this winship reads version 1/);
    expect(MAGIC[0]).toBe(0x89);
  });

  it('refuses a seek outside the old file, even one no difference byte reads from', () => {
    // A body no encoder of ours writes: an operation that only seeks, far past the old file.
    const body = encodeBody(old, neu, [{ seek: 1_000_000, diff: 0, extra: neu.length }]);
    const crafted = encodeContainer({ algorithm: 1, oldSize: old.length, newSize: neu.length, oldSha256: sha(old), newSha256: sha(neu) }, body);
    expect(() => applyPatch(old, crafted)).toThrow('a seek to old position 1000000, outside the old file (20000 bytes)');
  });

  it('refuses files over the size limit when making a patch', () => {
    const huge = { length: 2 ** 31 } as Uint8Array;
    expect(() => createPatch(huge, new Uint8Array(1))).toThrow(/limited to/);
  });
});
