import { describe, expect, it } from 'vitest';
import { BACKENDS, chooseBackend } from '../../../src/msi/backends.js';
import { parseWix3Banner } from '../../../src/tools/wix3.js';
import { parseWixVersion } from '../../../src/tools/wix.js';

const base = { arch: 'x64' as const, addToPath: false, license: false, ui: false, expandableRegistry: false };

describe('MSI backend selection and capabilities', () => {
  it('auto is the native writer on every OS; a named backend is used as named', () => {
    expect(chooseBackend('auto')).toBe('native');
    expect(chooseBackend('wix3')).toBe('wix3');
    expect(chooseBackend('wixl')).toBe('wixl');
  });

  it('native: every arch, PATH and expandable registry values; no WiX UI or license page', () => {
    expect(BACKENDS.native.unsupported({ ...base, arch: 'arm64', addToPath: true, expandableRegistry: true }, '1')).toEqual([]);
    expect(BACKENDS.native.unsupported({ ...base, license: true, ui: true }, '1')).toHaveLength(2);
  });

  it('wixl: arm64 is built (x64 + summary fix-up); PATH only from 0.105; never license or UI', () => {
    expect(BACKENDS.wixl.unsupported({ ...base, arch: 'arm64' }, '0.101')).toEqual([]);
    expect(BACKENDS.wixl.unsupported({ ...base, addToPath: true }, '0.101')[0]).toContain('added in wixl 0.105');
    expect(BACKENDS.wixl.unsupported({ ...base, addToPath: true }, '0.105')).toEqual([]);
    expect(BACKENDS.wixl.unsupported({ ...base, license: true, ui: true }, '0.106')).toHaveLength(2);
    expect(BACKENDS.wixl.unsupported({ ...base, expandableRegistry: true }, '0.101')[0]).toContain('plain string (REG_SZ)');
    expect(BACKENDS.wix.unsupported({ ...base, expandableRegistry: true }, '5.0.2')).toEqual([]);
  });

  it('wix3 needs 3.14 for arm64; wix (v4+) builds everything', () => {
    expect(BACKENDS.wix3.unsupported({ ...base, arch: 'arm64' }, '3.11.2.4516')[0]).toContain('arrived in 3.14');
    expect(BACKENDS.wix3.unsupported({ ...base, arch: 'arm64' }, '3.14.1.8722')).toEqual([]);
    expect(BACKENDS.wix.unsupported({ ...base, arch: 'arm64', addToPath: true, license: true, ui: true }, '5.0.2')).toEqual([]);
  });

  it('parses recorded version banners', () => {
    // candle -? on WiX 3.14.1 and 3.11.2 (first lines of the banner).
    expect(parseWix3Banner('Windows Installer XML Toolset Compiler version 3.14.1.8722\r\nCopyright (c) .NET Foundation and contributors. All rights reserved.\r\n')).toBe('3.14.1.8722');
    expect(parseWix3Banner('Windows Installer XML Toolset Compiler version 3.11.2.4516\r\n')).toBe('3.11.2.4516');
    expect(parseWix3Banner('something else')).toBeUndefined();
    // wix --version on WiX 5 and 6 prints the informational version with the commit.
    expect(parseWixVersion('5.0.2+aa65968c\r\n')).toBe('5.0.2');
    expect(parseWixVersion('6.0.0+9ea3e6c4')).toBe('6.0.0');
  });
});
