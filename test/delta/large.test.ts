import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyPatch, createPatch } from '../../src/delta/patch.js';
import { buildGoApplier } from '../support/goApplier.js';

// The 50 MB case of the issue: a file that large, with edits scattered through it, through both
// appliers. (Pure code, but too slow for the unit project's seconds.)

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-delta-large-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function codeLike(n: number): Uint8Array {
  let x = 11;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // Mostly a few recurring instruction bytes, with a counter standing in for addresses.
    out[i] = x % 5 === 0 ? i & 0xff : [0x48, 0x8d, 0x05, 0xe8, 0xc3, 0x90, 0x0f, 0x1f][x & 7]!;
  }
  return out;
}

it('50 MB with 200 scattered edits: a small patch, applied exactly by Node and by Go', async () => {
  const old = codeLike(50 * 1024 * 1024);
  const neu = old.slice();
  for (let i = 0; i < 200; i++) { const at = (i * 2_654_435_761) % neu.length; neu[at] = neu[at]! ^ 0x08; }
  const patch = createPatch(old, neu);
  expect(patch.length).toBeLessThan(10_000);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  expect(sha(applyPatch(old, patch))).toBe(sha(neu));
  await writeFile(join(work, 'old'), old);
  await writeFile(join(work, 'patch'), patch);
  const go = await execa(await buildGoApplier(work), [join(work, 'old'), join(work, 'patch'), join(work, 'new')], { reject: false });
  expect(go.exitCode, go.stderr).toBe(0);
  expect(sha(await readFile(join(work, 'new')))).toBe(sha(neu));
}, 300_000);
