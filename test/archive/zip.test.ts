// The zip writer against a second process in another time zone and against zipinfo.
// (Cancellation and the checksums format: test/unit/archive/.)

import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDeterministicZip } from '../../src/archive/zip.js';

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
});
