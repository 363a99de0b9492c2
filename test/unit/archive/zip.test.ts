import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDeterministicZip } from '../../../src/archive/zip.js';
import { formatSha256Sums } from '../../../src/archive/checksums.js';
import { CancelledError, StageError } from '../../../src/util/errors.js';

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

describe('the zip writer\'s own last check (whatever the stages let through)', () => {
  it('refuses entry names that would extract elsewhere, listing each, before the zip is created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'winship-zip-'));
    await writeFile(join(dir, 'x'), 'x');
    const names = ['ok.txt', 'pay/../../evil.txt', '/etc/evil', '..\\..\\evil.txt', 'C:/evil', 'a//b', './a'];
    const entries = names.map((name) => ({ name, sourcePath: join(dir, 'x'), mode: 0o644 }));
    const err = await writeDeterministicZip(join(dir, 'out.zip'), entries, new Date(0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect((err as Error).message.split('\n').slice(1)).toEqual([
      '  - "..\\\\..\\\\evil.txt": backslash',
      '  - "./a": dot-segment',
      '  - "/etc/evil": absolute',
      '  - "C:/evil": absolute',
      '  - "a//b": empty-segment',
      '  - "pay/../../evil.txt": dot-segment',
    ]);
    expect(await readdir(dir)).toEqual(['x']);
  });

  it('refuses a source that is not a regular file without opening it (a socket here; a FIFO would block)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'winship-zip-'));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    try {
      const err = await writeDeterministicZip(join(dir, 'out.zip'), [{ name: 's', sourcePath: join(dir, 'sock'), mode: 0o644 }], new Date(0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StageError);
      expect((err as Error).message).toContain(`${join(dir, 'sock')} (entry "s") is not a regular file`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(existsSync(join(dir, 'out.zip'))).toBe(false);
  });
});

describe('checksums format', () => {
  it('is sha256sum format, sorted by name', () => {
    expect(formatSha256Sums([{ name: 'z.zip', sha256: 'b'.repeat(64) }, { name: 'a/x.exe', sha256: 'a'.repeat(64) }])).toBe(
      `${'a'.repeat(64)}  a/x.exe\n${'b'.repeat(64)}  z.zip\n`,
    );
  });
});
