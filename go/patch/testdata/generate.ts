// Rebuilds the Go applier's test vectors (go/patch/testdata/NAME.old, NAME.new, NAME.wsp) with
// the TypeScript encoder, deterministically. From the repository root:
//   npx tsx go/patch/testdata/generate.ts
// The inputs are made here from a seeded generator, except program.old and program.new, a real
// program pair (program/build.sh), which are read; large.wsp is kept without its inputs, which
// the Go test makes by the same rule. Each patch is checked with the Node applier.
// tables.sha256 holds the SHA-256 of the mixer's tables, which the Go tests compare with theirs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { squashFine, STRETCH, STRETCH_FINE } from '../../../src/delta/mixer.js';
import { applyPatch, createPatch } from '../../../src/delta/patch.js';
import { seededBytes, seededRandom } from '../../../test/support/seeded.js';

const here = dirname(fileURLToPath(import.meta.url));

const WORDS = 'the patch applies to a file of bytes with SHA-256 old new size hash range coder model context mixer weight match table release update program version build sign'.split(' ');

function text(seed: number, n: number): Uint8Array {
  const r = seededRandom(seed);
  let s = '';
  while (s.length < n) {
    s += WORDS[Math.floor(r() * WORDS.length)]!;
    s += r() < 0.1 ? '.\n' : ' ';
  }
  return Buffer.from(s.slice(0, n));
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Machine-code-like bytes: calls and RIP-relative LEAs (rel32 operands) among other bytes. */
function code(seed: number, instructions: number): { bytes: Uint8Array; rel: number[] } {
  const r = seededRandom(seed);
  const out: number[] = [];
  const rel: number[] = []; // offsets of rel32 operands
  for (let i = 0; i < instructions; i++) {
    const kind = r();
    if (kind < 0.2) {
      out.push(0xe8);
      rel.push(out.length);
      out.push(0, 0, 0, 0);
    } else if (kind < 0.35) {
      out.push(0x48, 0x8d, 0x05);
      rel.push(out.length);
      out.push(0, 0, 0, 0);
    } else {
      const n = 1 + Math.floor(r() * 5);
      for (let k = 0; k < n; k++) out.push(Math.floor(r() * 256));
    }
  }
  const bytes = Uint8Array.from(out);
  // Targets: spread over the whole code, as a linker lays out calls.
  for (const at of rel) new DataView(bytes.buffer).setInt32(at, Math.floor(r() * bytes.length) - (at + 4), true);
  return { bytes, rel };
}

/** The same code with `insert` bytes put in at `where`: every rel32 across it moves. */
function codeWithInsert(c: { bytes: Uint8Array; rel: number[] }, where: number, insert: Uint8Array): Uint8Array {
  const old = new DataView(c.bytes.buffer);
  const out = new Uint8Array(c.bytes.length + insert.length);
  out.set(c.bytes.subarray(0, where), 0);
  out.set(insert, where);
  out.set(c.bytes.subarray(where), where + insert.length);
  const view = new DataView(out.buffer);
  const moved = (p: number) => (p >= where ? p + insert.length : p);
  for (const at of c.rel) {
    if (at < where && at + 4 > where) continue; // an operand cut by the insert stays as it is
    const target = at + 4 + old.getInt32(at, true);
    view.setInt32(moved(at), moved(target) - (moved(at) + 4), true);
  }
  return out;
}

function edited(seed: number): [Uint8Array, Uint8Array] {
  const r = seededRandom(seed);
  const old = seededBytes(seed, 24_000);
  let neu = Uint8Array.from(old);
  for (let i = 0; i < 30; i++) neu[Math.floor(r() * neu.length)] ^= 1 + Math.floor(r() * 255); // substitutions
  for (let i = 0; i < 64; i++) neu[6000 + i] = (neu[6000 + i]! + 3) & 0xff; // one difference, repeated
  neu = concat(neu.subarray(0, 9000), seededBytes(seed + 1, 300), neu.subarray(9000)); // an insert
  neu = concat(neu.subarray(0, 15000), neu.subarray(15500)); // a deletion
  neu = concat(neu.subarray(0, 3000), old.subarray(20000, 22000), neu.subarray(3000)); // a block moved
  return [old, neu];
}

function textEdits(seed: number): [Uint8Array, Uint8Array] {
  const old = text(seed, 16_000);
  const s = Buffer.from(old).toString('latin1');
  const neu = s
    .replace(/range coder/g, 'range decoder')
    .replace('model', 'a new paragraph of words that were not there before, then model')
    .slice(0, 12_000)
    .concat(s.slice(2_000, 5_000)); // a part repeated: the match model finds it in new
  return [old, Buffer.from(neu, 'latin1')];
}

function pointers(seed: number): [Uint8Array, Uint8Array] {
  const c = code(seed, 4_000);
  return [c.bytes, codeWithInsert(c, Math.floor(c.bytes.length / 3), seededBytes(seed + 2, 40))];
}

/**
 * A pair over 1 MB (where the Go applier hashes the old file while it sets up), made by a rule
 * simple enough to repeat in Go (largePair in patch_test.go), so that only the patch is kept.
 */
function largePair(): [Uint8Array, Uint8Array] {
  const old = new Uint8Array(1_200_000);
  for (let i = 0; i < old.length; i++) old[i] = Math.imul(i >>> 3, 0x9e3779b1) >>> 24;
  const edited = Uint8Array.from(old);
  for (let i = 5; i < edited.length; i += 100_000) edited[i] = edited[i]! ^ 0x20;
  const insert = Uint8Array.from({ length: 100 }, (_, k) => (k * 7) & 0xff);
  return [old, concat(edited.subarray(0, 600_000), insert, edited.subarray(600_000))];
}

const vectors: Record<string, () => [Uint8Array, Uint8Array]> = {
  empty: () => [new Uint8Array(0), new Uint8Array(0)],
  'empty-old': () => [new Uint8Array(0), text(11, 3_000)],
  'empty-new': () => [seededBytes(12, 3_000), new Uint8Array(0)],
  'one-byte': () => [Uint8Array.of(0x41), Uint8Array.of(0x42)],
  'one-byte-same': () => [Uint8Array.of(0x41), Uint8Array.of(0x41)],
  identical: () => {
    const b = code(13, 1_600).bytes;
    return [b, b];
  },
  different: () => [seededBytes(14, 6_000), seededBytes(15, 5_000)],
  'random-edits': () => edited(16),
  'text-edits': () => textEdits(17),
  pointers: () => pointers(18),
  program: () => [readFileSync(join(here, 'program.old')), readFileSync(join(here, 'program.new'))],
  large: largePair,
};
const patchOnly = new Set(['program', 'large']); // their inputs are not written here

for (const f of readdirSync(here)) {
  if (f.endsWith('.wsp') || ((f.endsWith('.old') || f.endsWith('.new')) && !f.startsWith('program.'))) unlinkSync(join(here, f));
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
for (const [name, make] of Object.entries(vectors)) {
  const [old, neu] = make();
  const patch = createPatch(old, neu);
  if (sha(applyPatch(old, patch)) !== sha(neu)) throw new Error(`${name}: the Node applier does not give the new file back`);
  if (!patchOnly.has(name)) {
    writeFileSync(join(here, `${name}.old`), old);
    writeFileSync(join(here, `${name}.new`), neu);
  }
  writeFileSync(join(here, `${name}.wsp`), patch);
  console.log(`${name.padEnd(14)} old ${String(old.length).padStart(6)}  new ${String(neu.length).padStart(6)}  patch ${String(patch.length).padStart(6)}`);
}

// The mixer's tables as little-endian 16-bit values: STRETCH, STRETCH_FINE, squashFine(x) for x
// in [-4098, 4097] (past both ends of its interpolated range).
const le16 = (values: ArrayLike<number>) => {
  const b = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) b.writeUInt16LE(values[i]! & 0xffff, i * 2);
  return b;
};
const squashed = Array.from({ length: 4097 + 4098 + 1 }, (_, i) => squashFine(i - 4098));
writeFileSync(
  join(here, 'tables.sha256'),
  `stretch ${sha(le16(STRETCH))}\nstretchFine ${sha(le16(STRETCH_FINE))}\nsquashFine ${sha(le16(squashed))}\n`,
);
