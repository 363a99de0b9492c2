import { mkdir, symlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StageError } from '../../../src/util/errors.js';
import { isRepresentable, unrepresentableChars } from '../../../src/msi/wix/codepage.js';
import {
  checkPayloadNames,
  collectPayload,
  findNameProblems,
  MAX_CABINET_FILES,
  type PayloadEntry,
} from '../../../src/msi/wix/payload.js';
import { tempDir, writeTree } from '../../fixtures/wix/support.js';

const files = (...paths: string[]): PayloadEntry[] =>
  paths.map((p) => ({ relativePath: p, sourcePath: `/src/${p}`, kind: p.endsWith('/') ? 'dir' : 'file' }));

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StageError);
    return (err as Error).message;
  }
  throw new Error('expected a StageError');
}

describe('checkPayloadNames', () => {
  it('accepts ordinary, Latin-1 and cp1252 names', () => {
    expect(() =>
      checkPayloadNames(files('hello.exe', 'docs/README.md', 'naïve café.txt', '€ ‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ.txt', 'a$b.txt', '.config/x', 'console.txt', 'COM10', 'icon.png', 'con-fig.txt')),
    ).not.toThrow();
  });

  it('reports case-insensitive duplicates, the shallowest clash once, with every spelling', () => {
    const msg = messageOf(() => checkPayloadNames(files('Docs/a.txt', 'docs/b.txt', 'docs/A.TXT', 'App.exe', 'app.EXE', 'fine.txt')));
    expect(msg).toContain('paths that differ only in letter case');
    expect(msg).toContain('    - App.exe <-> app.EXE\n');
    expect(msg).toContain('Docs <-> docs');
    expect(msg).not.toContain('Docs/a.txt <->');
    expect(msg).not.toContain('fine.txt');
  });

  it('reports reserved device names with and without extension, in any folder', () => {
    const msg = messageOf(() => checkPayloadNames(files('CON', 'docs/con.txt', 'Lpt9.tar.gz', 'aux/x.txt', 'nul .txt', 'COM¹', 'prn', 'ok.txt')));
    expect(msg).toContain('reserved Windows device names');
    for (const p of ['CON', 'docs/con.txt', 'Lpt9.tar.gz', 'aux', 'nul .txt', 'COM¹', 'prn']) expect(msg).toContain(`- ${p}`);
    expect(msg).not.toContain('ok.txt');
  });

  it('tells reserved names from names that only start like one', () => {
    const problems = findNameProblems(files('Con', 'aUx.tar.gz', 'LPT1 .log', 'COM² ', 'conin$', 'prnt.txt', 'lpt.txt', 'com0', 'console', 'Nully', 'auxiliary.txt'));
    expect(problems.filter((p) => p.rule === 'reserved-name').map((p) => p.path)).toEqual(['COM² ', 'Con', 'LPT1 .log', 'aUx.tar.gz', 'conin$']);
  });

  it('reports names ending in a dot or a space', () => {
    const msg = messageOf(() => checkPayloadNames(files('trailing./x.txt', 'space .txt ', 'ok.txt')));
    expect(msg).toContain('names ending in a dot or a space');
    expect(msg).toContain('- trailing.\n');
    expect(msg).toContain('- space .txt \n');
  });

  it('reports forbidden characters and control characters', () => {
    const msg = messageOf(() => checkPayloadNames(files('a<b.txt', 'q"uote.txt', 'pipe|.txt', 'what?.txt', 'star*.txt', 'colon:.txt', 'back\\slash.txt', 'tab\there.txt', 'gt>.txt')));
    expect(msg).toContain('characters Windows forbids');
    for (const p of ['a<b.txt', 'q"uote.txt', 'pipe|.txt', 'what?.txt', 'star*.txt', 'colon:.txt', 'tab\there.txt', 'gt>.txt']) {
      expect(msg).toContain(`- ${p}`);
    }
    expect(msg).toContain('U+0009');
    // A backslash is a rule of its own: Windows and unzip tools read it as a separator.
    expect(msg).toContain('names holding a backslash, which Windows and unzip tools read as a folder separator:\n    - back\\slash.txt\n');
  });

  it('reports names the package codepage cannot hold (wixl would write them empty or crash)', () => {
    const msg = messageOf(() => checkPayloadNames(files('ελληνικά.md', 'docs/日本語.txt', 'Œελ.txt', 'ok é.txt', 'ctrl\u0081.txt')));
    expect(msg).toContain('names with characters the package codepage cannot hold');
    expect(msg).toContain("ελληνικά.md  (codepage 1252 lacks 'ε' (U+03B5)");
    expect(msg).toContain('docs/日本語.txt');
    expect(msg).toContain('Œελ.txt');
    expect(msg).toContain('ctrl\u0081.txt');
    expect(msg).not.toContain('ok é.txt');
  });

  it('checks the NFC form, so a decomposed é (macOS) is fine in cp1252', () => {
    expect(() => checkPayloadNames(files('cafe\u0301.txt'))).not.toThrow();
  });

  it('honours another codepage', () => {
    expect(() => checkPayloadNames(files('привет.txt'), { codepage: 1251 })).not.toThrow();
    expect(() => checkPayloadNames(files('日本語.txt'), { codepage: 932 })).not.toThrow();
    expect(messageOf(() => checkPayloadNames(files('ελληνικά.md'), { codepage: 1251 }))).toContain('codepage 1251 lacks');
    expect(() => checkPayloadNames(files('a.txt'), { codepage: 65001 })).toThrowError(/Codepage 65001 is not supported/);
  });

  it('reports names longer than 255 characters', () => {
    const long = 'x'.repeat(256);
    expect(messageOf(() => checkPayloadNames(files(`dir/${long}`, 'x'.repeat(255))))).toContain(`- dir/${long}  (256 characters)`);
  });

  it('reports WiX variable syntax; "$(" only for wixl', () => {
    expect(messageOf(() => checkPayloadNames(files('!(loc.Title).txt')))).toContain('!(loc.Title).txt');
    expect(() => checkPayloadNames(files('a$(x).txt'))).not.toThrow();
    expect(messageOf(() => checkPayloadNames(files('a$(x).txt', 'b$y.txt'), { wixl: true }))).toMatch(/- a\$\(x\)\.txt {2}\("\$\(" cannot be escaped for wixl 0\.101\)\n(?!.*b\$y)/s);
  });

  it('reports more files than one cabinet holds', () => {
    const many = Array.from({ length: MAX_CABINET_FILES + 1 }, (_, i) => `f/${i}.bin`);
    expect(messageOf(() => checkPayloadNames(files(...many)))).toMatch(/more files than one cabinet can hold \(65535\):\n {4}- 65536 files/);
    expect(() => checkPayloadNames(files(...many.slice(1)))).not.toThrow();
  });

  it('groups every problem by rule in one error', () => {
    const msg = messageOf(() => checkPayloadNames(files('CON', 'ελ.txt', 'a|b', 'X.txt', 'x.txt')));
    expect(msg).toMatch(/^The payload has 4 name problems/);
    const order = ['letter case', 'device names', 'Windows forbids', 'codepage cannot hold'].map((t) => msg.indexOf(t));
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(msg).toMatch(/Rename these files or exclude them/);
  });

  it('findNameProblems returns structured problems', () => {
    expect(findNameProblems(files('CON', 'ok.txt'))).toEqual([{ rule: 'reserved-name', path: 'CON' }]);
  });
});

describe('codepage', () => {
  it.each([
    ['plain ASCII ~', 1252, true],
    ['äöüß ÿ', 1252, true],
    ['€Œ™', 1252, true],
    ['Ā', 1252, false],
    ['ε', 1253, true],
    ['ε', 1252, false],
    ['Ł', 1250, true],
  ])('%j in %d → %s', (text, cp, ok) => {
    expect(isRepresentable(text, cp)).toBe(ok);
  });

  it('lists each missing character once', () => {
    expect(unrepresentableChars('εεζa', 1252)).toEqual(['ε', 'ζ']);
  });
});

describe('collectPayload', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => cleanup());

  it('lists files and empty folders, sorted, with absolute sources', async () => {
    const root = path.join(dir, 'root');
    await writeTree(root, {
      'hello.exe': 'MZ',
      'docs/README.md': '# hi',
      'docs/empty/': '',
      '.hidden': 'x',
      'a/b/c.txt': 'c',
      'R&D it\'s.txt': 'r',
    });
    const entries = await collectPayload(root);
    expect(entries.map((e) => [e.relativePath, e.kind])).toEqual([
      ['.hidden', 'file'],
      ["R&D it's.txt", 'file'],
      ['a/b/c.txt', 'file'],
      ['docs/README.md', 'file'],
      ['docs/empty', 'dir'],
      ['hello.exe', 'file'],
    ]);
    expect(entries[0]!.sourcePath).toBe(path.join(root, '.hidden'));
  });

  it('sorts by the whole path, not folder by folder ("a-b" < "a.txt" < "a/c" < "a0")', async () => {
    await writeTree(dir, { 'a/c.txt': '', 'a-b.txt': '', 'a.txt': '', 'a0.txt': '', 'a b.txt': '', 'a/B/d': '', 'A.txt': '' });
    expect((await collectPayload(dir)).map((e) => e.relativePath)).toEqual(['A.txt', 'a b.txt', 'a-b.txt', 'a.txt', 'a/B/d', 'a/c.txt', 'a0.txt']);
  });

  it('applies include and exclude globs (a folder pattern drops its tree)', async () => {
    await writeTree(dir, { 'app.exe': '', 'app.pdb': '', 'docs/a.md': '', 'docs/b.md': '', 'keep/x.txt': '' });
    expect((await collectPayload(dir, { exclude: ['**/*.pdb', 'docs'] })).map((e) => e.relativePath)).toEqual(['app.exe', 'keep/x.txt']);
    expect((await collectPayload(dir, { include: ['*.exe', 'docs/**'] })).map((e) => e.relativePath)).toEqual(['app.exe', 'docs/a.md', 'docs/b.md']);
  });

  it('follows symbolic links that stay inside the root', async () => {
    await writeTree(dir, { 'real/a.txt': 'a', 'bin/app.exe': 'MZ' });
    await symlink('bin/app.exe', path.join(dir, 'app-link.exe'));
    await symlink('real', path.join(dir, 'linked-dir'));
    const entries = await collectPayload(dir);
    expect(entries.map((e) => `${e.relativePath}:${e.kind}`)).toEqual([
      'app-link.exe:file',
      'bin/app.exe:file',
      'linked-dir/a.txt:file',
      'real/a.txt:file',
    ]);
  });

  it('refuses links that leave the root, dangle or loop, listing every one', async () => {
    const root = path.join(dir, 'root');
    await writeTree(dir, { 'outside/secret.txt': 's', 'root/ok.txt': 'ok', 'root/a/x.txt': '', 'root/b/y.txt': '' });
    await symlink('../outside', path.join(root, 'out-dir'));
    await symlink('../outside/secret.txt', path.join(root, 'out-file.txt'));
    await symlink('/etc/hostname', path.join(root, 'abs-out'));
    await symlink('missing.txt', path.join(root, 'dangling.txt'));
    await symlink('..', path.join(root, 'a', 'up'));
    await symlink('../b', path.join(root, 'a', 'to-b'));
    await symlink('../a', path.join(root, 'b', 'to-a'));
    let msg = '';
    await collectPayload(root).catch((err: Error) => {
      expect(err).toBeInstanceOf(StageError);
      msg = err.message;
    });
    expect(msg).toContain('symbolic links that leave the payload folder');
    expect(msg).toContain(`- out-dir -> ${path.join(dir, 'outside')}`);
    expect(msg).toContain('- out-file.txt ->');
    expect(msg).toContain('- abs-out -> /etc/hostname');
    expect(msg).toContain('symbolic links whose target does not exist:\n    - dangling.txt');
    expect(msg).toContain('directory links that loop back into themselves');
    for (const p of ['a/up', 'a/to-b', 'b/to-a']) expect(msg).toContain(`- ${p}`);
  });

  it('refuses special files', async () => {
    // A Unix socket, made without starting a process (a FIFO needs mkfifo: test/wix/payload-fifo.test.ts).
    await writeTree(dir, { 'ok.txt': '' });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock'), resolve));
    try {
      await expect(collectPayload(dir)).rejects.toThrowError(/not regular files \(FIFOs, sockets, devices\):\n {4}- sock/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a root that is not a folder', async () => {
    await expect(collectPayload(path.join(dir, 'nope'))).rejects.toThrowError(/does not exist or is not a directory/);
    await mkdir(path.join(dir, 'empty'));
    await expect(collectPayload(path.join(dir, 'empty'))).resolves.toEqual([]);
  });
});
