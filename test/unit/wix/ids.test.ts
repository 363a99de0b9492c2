import { describe, expect, it } from 'vitest';
import {
  assertWixId,
  componentId,
  directoryId,
  fileId,
  hashedId,
  idHash,
  isValidWixId,
  normaliseRelativePath,
  pathKey,
  WIX_ID_MAX_LENGTH,
} from '../../../src/msi/wix/ids.js';

describe('normaliseRelativePath', () => {
  it.each([
    ['bin/app.exe', 'bin/app.exe'],
    ['./bin//app.exe', 'bin/app.exe'],
    ['docs/', 'docs'],
    ['a/./b', 'a/b'],
    ['Naïve Café.txt', 'Naïve Café.txt'],
  ])('%j → %j', (input, expected) => {
    expect(normaliseRelativePath(input)).toBe(expected);
  });

  it.each([
    ['/etc/passwd', /absolute/],
    ['C:/Windows', /absolute/],
    ['../outside', /"\.\."/],
    ['a/../../b', /"\.\."/],
    ['', /empty/],
    ['./', /empty/],
  ])('refuses %j', (input, message) => {
    expect(() => normaliseRelativePath(input)).toThrowError(message);
  });
});

describe('pathKey', () => {
  it('folds case, because Windows paths are case-insensitive', () => {
    expect(pathKey('Bin/App.EXE')).toBe('bin/app.exe');
  });
  it('normalises to NFC, so a macOS (NFD) name matches', () => {
    expect(pathKey('cafe\u0301.txt')).toBe(pathKey('caf\u00e9.txt'));
  });
});

describe('derived Ids', () => {
  it('are prefix + first 32 hex of SHA-256 over the lower-cased path (golden)', () => {
    // python3 -c "import hashlib; print(hashlib.sha256(b'bin/app.exe').hexdigest()[:32].upper())"
    expect(fileId('bin/app.exe')).toBe('filF1F20946BD47D8601CD4B8F9A978220F');
    expect(componentId('bin/app.exe')).toBe('cmpF1F20946BD47D8601CD4B8F9A978220F');
    expect(directoryId('bin/app.exe')).toBe('dirF1F20946BD47D8601CD4B8F9A978220F');
  });

  it('hash the path as UTF-8 (golden, Python hashlib)', () => {
    expect(idHash('ünïcode/☃.txt')).toBe('081EA55E23AEB3332FFC6E847F76BE97');
    expect(idHash('😀/x')).toBe('B4918C7B4C709C31CBCF612F7E9788F7');
  });

  it('ignore case and separators noise', () => {
    expect(fileId('BIN/App.exe')).toBe(fileId('bin/app.exe'));
    expect(fileId('./bin//app.exe')).toBe(fileId('bin/app.exe'));
  });

  it('differ for different paths', () => {
    expect(fileId('bin/app.exe')).not.toBe(fileId('bin/app2.exe'));
    expect(directoryId('a/b')).not.toBe(directoryId('a'));
  });

  it.each(['a', 'deep/er/path/with spaces & ampersands/日本語.txt', 'x'.repeat(500)])('are legal WiX Ids for %j', (p) => {
    for (const id of [fileId(p), componentId(p), directoryId(p)]) {
      expect(isValidWixId(id)).toBe(true);
      expect(id).toHaveLength(35);
    }
  });

  it('refuse a prefix that would make an illegal Id', () => {
    expect(() => hashedId('1x', 'a')).toThrowError(/prefix "1x"/);
    expect(() => hashedId('a-b', 'a')).toThrowError(/prefix "a-b"/);
  });
});

describe('isValidWixId', () => {
  it.each([
    ['INSTALLFOLDER', true],
    ['_private', true],
    ['a.b_c9', true],
    ['A'.repeat(WIX_ID_MAX_LENGTH), true],
    ['A'.repeat(WIX_ID_MAX_LENGTH + 1), false],
    ['9lives', false],
    ['with-dash', false],
    ['with space', false],
    ['', false],
    ['.dot', false],
  ])('%j → %s', (id, ok) => {
    expect(isValidWixId(id)).toBe(ok);
  });

  it('assertWixId names the value and the rule', () => {
    expect(() => assertWixId('bad-id', 'DirectoryRef Id')).toThrowError(/DirectoryRef Id "bad-id".*72/);
  });
});
