// Rebuilds go/update's test files with winship's encoder, deterministically. From the
// repository root:  npx tsx go/update/testdata/generate.ts
//   v1.bin v2.bin v3.bin   three "exes" (seeded bytes, each version a few edits from the last)
//   v1-v2.wsp v2-v3.wsp v1-v3.wsp   patches between them
//   tiny1.bin tiny2.bin tiny1-tiny2.wsp   files so small their patch is larger than the file
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyPatch, createPatch } from '../../../src/delta/patch.js';
import { seededBytes, seededRandom } from '../../../test/support/seeded.js';

const here = dirname(fileURLToPath(import.meta.url));

/** `base` with `count` bytes changed at seeded places and a version string appended. */
function edited(base: Uint8Array, seed: number, count: number, version: string): Uint8Array {
  const r = seededRandom(seed);
  const out = Uint8Array.from(base);
  for (let i = 0; i < count; i++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return Uint8Array.from([...out, ...new TextEncoder().encode(`version ${version}\n`)]);
}

const v1 = edited(seededBytes(1, 40_000), 11, 0, '1.0.0');
const v2 = edited(v1.subarray(0, 40_000), 12, 20, '1.1.0');
const v3 = edited(v2.subarray(0, 40_000), 13, 20, '1.2.0');
const tiny1 = seededBytes(21, 40);
const tiny2 = seededBytes(22, 40);

const write = (name: string, data: Uint8Array) => writeFileSync(join(here, name), data);
const patch = (name: string, old: Uint8Array, neu: Uint8Array) => {
  const p = createPatch(old, neu);
  if (Buffer.compare(applyPatch(old, p), neu) !== 0) throw new Error(`${name} does not apply`);
  write(name, p);
};
write('v1.bin', v1);
write('v2.bin', v2);
write('v3.bin', v3);
write('tiny1.bin', tiny1);
write('tiny2.bin', tiny2);
patch('v1-v2.wsp', v1, v2);
patch('v2-v3.wsp', v2, v3);
patch('v1-v3.wsp', v1, v3);
patch('tiny1-tiny2.wsp', tiny1, tiny2);
