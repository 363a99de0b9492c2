import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { CONFIG_SIZE_LIMIT, decodeConfig, readConfigText } from '../../../src/config/read.js';
import { ProblemsError, UsageError } from '../../../src/util/errors.js';

// release.yaml is untrusted input: bounded in size, in what YAML may expand to and in how deep
// it nests; never a stack trace; values Windows would cut or refuse are refused with the limit.

const dir = mkdtempSync(join(tmpdir(), 'winship-bounds-'));
const BASE = 'project:\n  name: x\n  vendor: V\nbuilds: [{}]\n';

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
};
const messageOf = (text: string) => errorOf(() => parseConfig(text)).message;
const rejection = async (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a rejection'), (err: Error) => err);

describe('reading release.yaml', () => {
  it('refuses a file over the size limit before reading it, naming its size and the limit', async () => {
    const path = join(dir, 'big.yaml');
    writeFileSync(path, `${BASE}# ${'x'.repeat(CONFIG_SIZE_LIMIT)}\n`);
    const err = await rejection(loadConfig(path));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/big\.yaml: is 1\.0 MiB \(\d{7} bytes\); a release\.yaml may be at most 1\.0 MiB/);
  });

  it('refuses a folder and a socket without opening them', async () => {
    const folder = join(dir, 'folder.yaml');
    await mkdir(folder);
    expect((await rejection(readConfigText(folder))).message).toContain('folder.yaml: is a folder, not a file');
    const socketPath = join(dir, 'sock.yaml');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expect((await rejection(readConfigText(socketPath))).message).toContain('sock.yaml: is a socket, not a file');
    } finally {
      server.close();
    }
  });

  it('reads a regular file, and says why a missing one cannot be read', async () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, BASE);
    expect((await loadConfig(path)).config.project.name).toBe('x');
    expect((await rejection(loadConfig(join(dir, 'none.yaml')))).message).toContain('none.yaml: cannot read it (ENOENT)');
  });

  it('refuses bytes that are not UTF-8 at their line and column, and UTF-16', () => {
    const latin1 = Buffer.concat([Buffer.from(BASE), Buffer.from('msi:\n  productName: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(errorOf(() => decodeConfig(latin1)).message).toBe(
      'release.yaml:6:19: byte 0xE9 is not UTF-8 text (a binary file, or text saved in another encoding such as Latin-1?); save release.yaml as UTF-8',
    );
    expect(errorOf(() => decodeConfig(Buffer.from([0xff, 0xfe, 0x70, 0]))).message).toBe('release.yaml:1:1: the file is UTF-16 text; save it as UTF-8');
    expect(errorOf(() => decodeConfig(Buffer.from([0x00, 0x01, 0x80, 0xff]))).message).toContain('release.yaml:1:3: byte 0x80');
  });

  it('drops a BOM and reads CRLF line ends, with the right positions', () => {
    expect(parseConfig(decodeConfig(Buffer.from(`\uFEFF${BASE}`))).project.name).toBe('x');
    expect(messageOf(`${BASE}msi:\n  language: big\n`.replace(/\n/g, '\r\n'))).toBe('release.yaml:6:13: msi.language: expected number, got string "big"');
  });
});

describe('YAML a config must not use', () => {
  it('reports an alias bomb (billion laughs) at the alias that crosses the limit, without expanding it', () => {
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode('a'.charCodeAt(0) + i);
      lol.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const started = performance.now();
    const err = errorOf(() => parseConfig(`${lol.join('\n')}\n${BASE}`));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/^release\.yaml:4:\d+: alias \*c: with it, aliases expand release\.yaml by more than 10,000 values \(an alias "bomb"/);
    expect(err.stack).not.toContain('ReferenceError');
  });

  it('keeps honest aliases', () => {
    const c = parseConfig('project:\n  name: x\nbuilds:\n  - id: a\n    targets: &t [windows/amd64]\n  - id: b\n    targets: *t\n');
    expect(c.builds.map((b) => b.targets)).toEqual([['windows/amd64'], ['windows/amd64']]);
  });

  it.each([
    ['a tag nothing resolves', 'project:\n  name: !!js/function "function () {}"\nbuilds: [{}]\n', 'release.yaml:2:9: Unresolved tag: !!js/function; release.yaml takes plain values (remove the tag)'],
    ['a local tag', 'project:\n  name: !shell x\nbuilds: [{}]\n', 'release.yaml:2:9: Unresolved tag: !shell;'],
    ['binary data', 'project:\n  name: x\n  description: !!binary aGVsbG8=\nbuilds: [{}]\n', 'release.yaml:3:16: the tag !!binary is not allowed'],
    ['a set', 'project:\n  name: x\nbuilds: !!set {a}\n', 'release.yaml:3:9: the tag !!set is not allowed'],
    ['a NUL', 'project:\n  name: x\n  description: "a\\0b"\nbuilds: [{}]\n', 'release.yaml:3:16: holds the control character U+0000, where Windows would end the text'],
    ['a list as a key', 'project:\n  name: x\n? [a, b]\n: 1\nbuilds: [{}]\n', 'release.yaml:3:3: a key must be a name, not a list or a mapping'],
    ['an empty key', 'project:\n  name: x\n~: 1\nbuilds: [{}]\n', 'release.yaml:3:1: a key is empty (null)'],
    ['deep nesting', `${BASE}x: ${'['.repeat(40)}${']'.repeat(40)}\n`, 'nested more than 32 levels deep'],
    ['nesting deep enough to exhaust the parser', `${BASE}x: ${'['.repeat(20000)}${']'.repeat(20000)}\n`, 'nested too deeply'],
    ['a number too large', `${BASE}msi:\n  language: 1e999\n`, 'release.yaml:6:13: msi.language: expected number, got a number too large to hold (Infinity)'],
    ['two documents', `${BASE}---\n${BASE}`, 'release.yaml:5:1: Source contains multiple documents'],
  ])('%s: refused with a position, no stack trace', (_what, text, expected) => {
    const err = errorOf(() => parseConfig(text));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(expected);
    expect(err.message).not.toMatch(/\n\s+at /);
  });
});

describe('a screenful of problems', () => {
  it('lists the first 20 lines, then how many more; every problem stays in the error', () => {
    const text = `project:\n  name: x\nbuilds:\n${Array.from({ length: 50 }, (_, i) => `  - gui: ${i}\n`).join('')}`;
    const err = errorOf(() => parseConfig(text)) as ProblemsError;
    expect(err).toBeInstanceOf(ProblemsError);
    expect(err.exitCode).toBe(2);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('release.yaml:4:10: builds[0].gui: expected boolean, got number 0');
    expect(lines[19]).toBe('release.yaml:23:10: builds[19].gui: expected boolean, got number 19');
    expect(lines[20]).toBe('… and 30 more problems (--json lists every problem)');
    expect(err.problems).toHaveLength(50);
  });
});

describe('values Windows would cut or refuse', () => {
  const msi = (body: string) => `${BASE}msi:\n  upgradeCode: 8B0C2D4E-1A2B-4C3D-9E8F-0123456789AB\n${body}`;
  it.each([
    ['the MSI ProductName', msi(`  productName: ${'P'.repeat(64)}\n`), 'release.yaml:7:16: msi.productName: 64 characters: at most 63 (Windows Installer\'s ProductName property); shorten it'],
    [
      'project.name as the default ProductName',
      `project:\n  name: ${'n'.repeat(70)}\n  vendor: V\nbuilds: [{}]\nmsi: {}\n`,
      'release.yaml:2:9: project.name: 70 characters: the MSI\'s ProductName is project.name (msi.productName is not set), and Windows Installer\'s ProductName holds at most 63; set a shorter msi.productName',
    ],
    ['a shortcut name', msi(`  shortcut:\n    target: x.exe\n    name: ${'s'.repeat(116)}\n`), 'release.yaml:9:11: msi.shortcut.name: 116 characters: at most 115 (the MSI Shortcut.Name column holds 128, with the 8.3 short name WiX writes before a long one)'],
    ['a shortcut description', msi(`  shortcut:\n    target: x.exe\n    description: ${'d'.repeat(256)}\n`), 'msi.shortcut.description: 256 characters: at most 255 (the MSI Shortcut.Description column holds 255)'],
    ['an install folder', msi(`  installDir: ${'i'.repeat(243)}\n`), 'msi.installDir: 243 characters: at most 242 (the MSI Directory.DefaultDir column holds 255'],
    ['a service display name', msi(`  service:\n    binary: x.exe\n    name: svc\n    displayName: ${'v'.repeat(256)}\n`), 'msi.service.displayName: 256 characters: at most 255'],
    ['a registry key', msi(`  registry:\n    - key: ${'k'.repeat(256)}\n      value: v\n`), 'release.yaml:8:12: msi.registry[0].key: 256 characters: at most 255 (the MSI Registry.Key column holds 255)'],
    [
      'the registry key the shortcut writes',
      `project:\n  name: x\n  vendor: ${'v'.repeat(250)}\nbuilds: [{}]\nmsi:\n  shortcut:\n    target: x.exe\n`,
      'release.yaml:3:11: project.vendor: the installer records its shortcut or PATH entry under the registry key Software\\<manufacturer>\\<product name>, 261 characters here; the MSI Registry.Key column holds 255',
    ],
    ['a language that is no LCID', msi('  language: 70000\n'), 'release.yaml:7:13: msi.language: must be a Windows LCID (a 16-bit number, at most 65535), e.g. 1033'],
    ['a version Windows cannot hold', `${BASE}version: 1.70000.0\n`, 'release.yaml:5:10: version: minor 70000 is above 65535: Windows keeps each part of a file version (VERSIONINFO FILEVERSION) in 16 bits'],
    ['a binary name longer than a file name', `${BASE.replace('[{}]', `[{binary: ${'b'.repeat(252)}}]`)}`, 'builds[0].binary: 252 characters: at most 251 (with ".exe" it is a file name, and those hold 255 characters)'],
  ])('%s', (_what, text, expected) => {
    expect(messageOf(text)).toContain(expected);
  });

  it('accepts values at the limits', () => {
    const c = parseConfig(msi(`  productName: ${'P'.repeat(63)}\n  shortcut:\n    target: x.exe\n    name: ${'s'.repeat(115)}\n`));
    expect(c.msi?.productName).toHaveLength(63);
  });
});
