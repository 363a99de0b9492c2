import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDeterministicZip } from '../../src/archive/zip.js';
import { formatSha256Sums } from '../../src/archive/checksums.js';
import { CancelledError } from '../../src/util/errors.js';

describe('deterministic zip', () => {
  it('same entries in any order, in any time zone, give the same bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'winship-zip-'));
    await writeFile(join(dir, 'b.txt'), 'bee');
    await writeFile(join(dir, 'a.exe'), Buffer.alloc(100_000, 7));
    const date = new Date('2026-03-14T15:09:26Z');
    const entries = [
      { name: 'b.txt', sourcePath: join(dir, 'b.txt'), mode: 0o644 },
      { name: 'dir/a.exe', sourcePath: join(dir, 'a.exe'), mode: 0o755 },
    ];
    await writeDeterministicZip(join(dir, '1.zip'), entries, date);
    await writeDeterministicZip(join(dir, '2.zip'), [...entries].reverse(), date);
    const hash = (f: string) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
    expect(hash('2.zip')).toBe(hash('1.zip'));
    // Another time zone, another process: same bytes (DOS times are written in UTC).
    const script = `import { writeDeterministicZip } from ${JSON.stringify(join(process.cwd(), 'src/archive/zip.ts'))};
      await writeDeterministicZip(${JSON.stringify(join(dir, '3.zip'))}, ${JSON.stringify(entries)}, new Date(${date.getTime()}));`;
    await writeFile(join(dir, 'tz.mts'), script);
    await execa('npx', ['tsx', join(dir, 'tz.mts')], { env: { TZ: 'Pacific/Chatham' } });
    expect(hash('3.zip')).toBe(hash('1.zip'));
    const listing = (await execa('zipinfo', ['-T', join(dir, '1.zip')])).stdout;
    expect(listing).toMatch(/-rw-r--r--.*20260314\.150926 b\.txt/);
    expect(listing).toMatch(/-rwxr-xr-x.*20260314\.150926 dir\/a\.exe/);
  });


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
