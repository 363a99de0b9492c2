import { describe, expect, it } from 'vitest';
import {
  componentGuid,
  componentGuidGenerator,
  isGuid,
  NAMESPACE_DNS,
  NAMESPACE_URL,
  normaliseGuid,
  productCode,
  syntheticComponentGuid,
  upgradeCodeFromName,
  upgradeCodeFromNameWarning,
  uuidV5,
  uuidV5Generator,
  WINSHIP_UPGRADE_NAMESPACE,
} from '../../../src/msi/wix/guid.js';
import { UPGRADE_CODE } from '../../fixtures/wix/support.js';

const GUID = /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;

describe('uuidV5 (RFC 4122 name-based, SHA-1)', () => {
  // Vectors from Python's uuid.uuid5.
  it.each([
    [NAMESPACE_DNS, 'python.org', '886313E1-3B8A-5372-9B90-0C9AEE199E5D'],
    [NAMESPACE_URL, 'https://example.com/', 'DD2C1780-811A-5296-81C5-178A0EF488BC'],
    [UPGRADE_CODE, 'x64|bin/app.exe', '80B2C6DC-5A45-5908-AAD8-A1C9485E2008'],
    [NAMESPACE_DNS, 'ünïcode ☃', '9BD2F996-8181-504A-AB51-0F2CA91E042D'],
  ])('uuid5(%s, %j) = %s', (ns, name, expected) => {
    expect(uuidV5(ns, name)).toBe(expected);
  });

  it('accepts the namespace with braces and in lower case', () => {
    expect(uuidV5(`{${NAMESPACE_DNS.toLowerCase()}}`, 'python.org')).toBe('886313E1-3B8A-5372-9B90-0C9AEE199E5D');
  });

  // The generator hashes from a reused scratch buffer that grows for long names.
  it.each([
    ['x64|' + 'x'.repeat(5000), 'C0CFB3F0-CEBF-596D-9D3F-09EC41DAE7C5'],
    ['arm64|' + '☃'.repeat(800) + '/😀.txt', '35A88EB5-A057-5E16-A998-B6D10238A7DE'],
  ])('hashes long and multi-byte names whole (Python vector %#)', (name, expected) => {
    const uuid = uuidV5Generator(UPGRADE_CODE);
    expect(uuid('short')).toBe(uuidV5(UPGRADE_CODE, 'short'));
    expect(uuid(name)).toBe(expected);
    expect(uuid('short')).toBe(uuidV5(UPGRADE_CODE, 'short')); // nothing left over from the long name
  });

  it('prefixes every name with namePrefix', () => {
    expect(uuidV5Generator(NAMESPACE_DNS, 'python')('.org')).toBe('886313E1-3B8A-5372-9B90-0C9AEE199E5D');
  });
});

describe('normaliseGuid', () => {
  it.each([
    ['6f1d3c2a-0b4e-4c6f-9a1b-2c3d4e5f6071', UPGRADE_CODE],
    ['{6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071}', UPGRADE_CODE],
    ['  {6f1d3c2a-0b4e-4c6f-9a1b-2c3d4e5f6071} ', UPGRADE_CODE],
  ])('%j → bare upper case', (input, expected) => {
    expect(normaliseGuid(input)).toBe(expected);
  });

  it.each(['', 'not-a-guid', '{6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071', '6F1D3C2A0B4E4C6F9A1B2C3D4E5F6071', '6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F607G'])(
    'refuses %j, naming the value',
    (input) => {
      expect(() => normaliseGuid(input, 'msi.upgrade_code')).toThrowError(`msi.upgrade_code "${input}" is not a GUID`);
    },
  );

  it('isGuid', () => {
    expect(isGuid(UPGRADE_CODE)).toBe(true);
    expect(isGuid(`{${UPGRADE_CODE}}`)).toBe(true);
    expect(isGuid(`{${UPGRADE_CODE}`)).toBe(false);
  });
});

describe('componentGuid', () => {
  const base = { upgradeCode: UPGRADE_CODE, arch: 'x64' as const, relativePath: 'bin/app.exe' };

  it('is uuid5(UpgradeCode, "arch|lower-cased path"), upper case, no braces', () => {
    expect(componentGuid(base)).toBe('80B2C6DC-5A45-5908-AAD8-A1C9485E2008');
    expect(componentGuid(base)).toMatch(GUID);
  });

  it('componentGuidGenerator takes the path key and gives the same GUIDs', () => {
    const guidFor = componentGuidGenerator(UPGRADE_CODE, 'x64');
    expect(guidFor('bin/app.exe')).toBe('80B2C6DC-5A45-5908-AAD8-A1C9485E2008');
    expect(componentGuidGenerator(UPGRADE_CODE, 'x86')('bin/app.exe')).toBe(componentGuid({ ...base, arch: 'x86' }));
  });

  it('does not depend on case, separators or how the UpgradeCode is written', () => {
    expect(componentGuid({ ...base, relativePath: 'BIN/App.EXE' })).toBe(componentGuid(base));
    expect(componentGuid({ ...base, relativePath: './bin//app.exe' })).toBe(componentGuid(base));
    expect(componentGuid({ ...base, upgradeCode: `{${UPGRADE_CODE.toLowerCase()}}` })).toBe(componentGuid(base));
  });

  it('changes with the path, the architecture and the product line', () => {
    const all = [
      componentGuid(base),
      componentGuid({ ...base, relativePath: 'app.exe' }),
      componentGuid({ ...base, arch: 'x86' }),
      componentGuid({ ...base, arch: 'arm64' }),
      componentGuid({ ...base, upgradeCode: '00000000-0000-0000-0000-000000000001' }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('synthetic components never collide with payload paths', () => {
    const synthetic = syntheticComponentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', key: 'registry' });
    expect(synthetic).toMatch(GUID);
    expect(synthetic).not.toBe(componentGuid({ ...base, relativePath: 'registry' }));
  });
});

describe('productCode', () => {
  it('is stable for one version and arch, and changes with either', () => {
    const a = productCode({ upgradeCode: UPGRADE_CODE, version: '1.2.3', arch: 'x64' });
    expect(a).toMatch(GUID);
    expect(productCode({ upgradeCode: UPGRADE_CODE.toLowerCase(), version: '1.2.3', arch: 'x64' })).toBe(a);
    expect(productCode({ upgradeCode: UPGRADE_CODE, version: '1.2.4', arch: 'x64' })).not.toBe(a);
    expect(productCode({ upgradeCode: UPGRADE_CODE, version: '1.2.3', arch: 'x86' })).not.toBe(a);
  });
});

describe('upgradeCodeFromName', () => {
  it('is uuid5 in the winship namespace over the trimmed, lower-cased name', () => {
    expect(WINSHIP_UPGRADE_NAMESPACE).toBe(uuidV5(NAMESPACE_URL, 'https://github.com/winship/winship#upgrade-code'));
    expect(upgradeCodeFromName('Hello')).toBe(uuidV5(WINSHIP_UPGRADE_NAMESPACE, 'hello'));
    expect(upgradeCodeFromName('  HELLO ')).toBe(upgradeCodeFromName('hello'));
    expect(upgradeCodeFromName('hello')).not.toBe(upgradeCodeFromName('hello2'));
  });

  it('refuses an empty name', () => {
    expect(() => upgradeCodeFromName('  ')).toThrowError(/empty project name/);
  });

  it('comes with a warning naming the project and the code', () => {
    const code = upgradeCodeFromName('hello');
    const warning = upgradeCodeFromNameWarning('hello', code);
    expect(warning).toContain(code);
    expect(warning).toContain('"hello"');
  });
});
