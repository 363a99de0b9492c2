import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDeterministicZip } from '../../../src/archive/zip.js';
import { formatSha256Sums } from '../../../src/archive/checksums.js';
import { CancelledError } from '../../../src/util/errors.js';

describe('deterministic zip', () => {
  it('a cancelled write rejects with CancelledError, with no unhandled rejection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'winship-zip-'));
    const big = join(dir, 'big.bin');
    await writeFile(big, Buffer.alloc(8 * 1024 * 1024, 1));
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}.bin`, sourcePath: big, mode: 0o644 }));
    const controller = new AbortController();
    const p = writeDeterministicZip(join(dir, 'c.zip'), entries, new Date(0), controller.signal);
    setTimeout(() => controller.abort(), 30);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    await new Promise((r) => setTimeout(r, 200)); // an unhandled rejection would fail the run here
  });
});

describe('checksums format', () => {
  it('is sha256sum format, sorted by name', () => {
    expect(formatSha256Sums([{ name: 'z.zip', sha256: 'b'.repeat(64) }, { name: 'a/x.exe', sha256: 'a'.repeat(64) }])).toBe(
      `${'a'.repeat(64)}  a/x.exe\n${'b'.repeat(64)}  z.zip\n`,
    );
  });
});
