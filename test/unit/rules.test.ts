import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { releaseJsonSchema } from '../../src/config/schema.js';
import { wix3Backend, wixlBackend } from '../../src/msi/backends.js';
import { GUID_PATTERN, isGuid, normaliseGuid } from '../../src/msi/wix/guid.js';
import { findNameProblems, type NameRule } from '../../src/msi/wix/payload.js';
import { buildWixSources, type BuildWixSourcesOptions } from '../../src/msi/wix/sources.js';
import { checkGoVersion } from '../../src/tools/go.js';
import { parseOpensslTime } from '../../src/tools/osslsigncode.js';
import { parseSigntoolTime } from '../../src/tools/signtool.js';
import { digestName } from '../../src/tools/verifyReport.js';
import { dateFromAsctimeFields, MONTH_ABBREVIATIONS, monthIndex } from '../../src/util/dates.js';
import { versionAtLeast } from '../../src/util/versions.js';

// Rules that more than one module applies, each defined once: these tests pin that the users of
// one definition agree with each other.

const configWithUpgradeCode = (code: string) =>
  `project:\n  name: x\n  vendor: Acme\nbuilds: [{}]\nmsi:\n  upgradeCode: ${JSON.stringify(code)}\n`;

const configError = (text: string): string | undefined => {
  try {
    parseConfig(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('the GUID rule (msi/wix/guid.ts GUID_PATTERN)', () => {
  const code = '6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071';
  it.each([
    [code, true],
    [code.toLowerCase(), true],
    [`{${code}}`, true],
    [`{${code.toLowerCase()}}`, true],
    [`{${code}`, false],
    [`${code}}`, false],
    ['{}', false],
    ['', false],
    [code.replaceAll('-', ''), false],
    [`${code.slice(0, -1)}G`, false],
    [`${code}0`, false],
    [`(${code})`, false],
  ])('%j: release.yaml, isGuid and normaliseGuid all say %s', (value, ok) => {
    expect(isGuid(value)).toBe(ok);
    expect(GUID_PATTERN.test(value)).toBe(ok);
    let normalised: string | undefined;
    try {
      normalised = normaliseGuid(value);
    } catch {
      normalised = undefined;
    }
    expect(normalised !== undefined).toBe(ok);
    if (ok) expect(normalised).toBe(code);
    const error = configError(configWithUpgradeCode(value));
    if (ok) expect(error).toBeUndefined();
    else expect(error).toContain('msi.upgradeCode: must be a GUID like 8B0C2D4E-1A2B-4C3D-9E8F-0123456789AB');
  });

  it('is the pattern of the published JSON Schema', () => {
    const schema = releaseJsonSchema() as { properties: { msi: { properties: { upgradeCode: { pattern: string } } } } };
    expect(schema.properties.msi.properties.upgradeCode.pattern).toBe(GUID_PATTERN.source);
  });

  it('normaliseGuid alone also drops surrounding white space (flag values); release.yaml does not', () => {
    expect(normaliseGuid(` {${code}} `)).toBe(code);
    expect(configError(configWithUpgradeCode(` ${code}`))).toContain('must be a GUID');
  });
});

describe('month names in tool output (util/dates.ts)', () => {
  it('are read the same by the osslsigncode and signtool parsers, every month', () => {
    MONTH_ABBREVIATIONS.forEach((name, month) => {
      expect(monthIndex(name)).toBe(month);
      expect(parseOpensslTime(`${name}  3 08:39:50 2026 GMT`)).toEqual(new Date(Date.UTC(2026, month, 3, 8, 39, 50)));
      expect(parseSigntoolTime(`Sat ${name} 3 08:39:50 2026`)).toEqual(new Date(2026, month, 3, 8, 39, 50));
    });
  });

  it.each(['Foo', 'jan', 'JAN', 'June', ''])('%j is no month for either parser', (name) => {
    expect(monthIndex(name)).toBeUndefined();
    expect(parseOpensslTime(`${name}  3 08:39:50 2026 GMT`)).toBeUndefined();
    expect(parseSigntoolTime(`Sat ${name} 3 08:39:50 2026`)).toBeUndefined();
  });

  it('dateFromAsctimeFields reads month, day, time, year as UTC or local time', () => {
    expect(dateFromAsctimeFields(['Feb', '13', '14', '41', '49', '2021'], 'utc')?.toISOString()).toBe('2021-02-13T14:41:49.000Z');
    expect(dateFromAsctimeFields(['Feb', '13', '14', '41', '49', '2021'], 'local')).toEqual(new Date(2021, 1, 13, 14, 41, 49));
    expect(dateFromAsctimeFields(['Fév', '13', '14', '41', '49', '2021'], 'utc')).toBeUndefined();
  });
});

describe('Windows name and WiX text rules: payload names and MSI settings (msi/wix/payload.ts, escape.ts)', () => {
  const base: BuildWixSourcesOptions = {
    productName: 'Hello',
    manufacturer: 'Acme',
    version: '1.2.3',
    upgradeCode: '6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071',
    arch: 'x64',
    payload: [{ relativePath: 'hello.exe', sourcePath: '/p/hello.exe', kind: 'file' }],
    shortcut: { target: 'hello.exe' },
  };
  const payloadRules = (name: string, wixl = false): NameRule[] =>
    findNameProblems([{ relativePath: `dir/${name}`, sourcePath: '/p/x', kind: 'file' }], { wixl }).map((p) => p.rule);
  const settingsError = async (options: Partial<BuildWixSourcesOptions>): Promise<string> =>
    String(await buildWixSources({ ...base, ...options }).then(() => '', (err: Error) => err.message));

  it.each(['a<b', 'a>b', 'a:b', 'a"b', 'a|b', 'a?b', 'a*b', 'a\\b', 'a\u0001b', 'a\tb', 'ends.', 'ends '])(
    '%j: refused as a payload name and as a shortcut or install folder name',
    async (name) => {
      expect(payloadRules(name).some((r) => r === 'forbidden-character' || r === 'trailing-dot-or-space' || r === 'backslash')).toBe(true);
      expect(await settingsError({ shortcut: { target: 'hello.exe', name } })).toContain(`shortcut.name "${name}" names a file or folder`);
      expect(await settingsError({ installDirName: name })).toContain('names a file or folder');
    },
  );

  it.each(['!(loc.X)', '!(wix.Y)', '!(bind.FileVersion.a)', '!(BindPreprocess.z)'])('%j: a binder variable in a payload name and in a setting', async (text) => {
    expect(payloadRules(`n ${text}`)).toContain('wix-variable');
    expect(await settingsError({ manufacturer: `Acme ${text}` })).toContain('holds WiX binder variable syntax');
  });

  it('"$(" is refused for wixl only, in payload names and in settings alike', async () => {
    expect(payloadRules('a$(b)')).toEqual([]);
    expect(payloadRules('a$(b)', true)).toEqual(['wix-variable']);
    expect(await settingsError({ manufacturer: 'A $(b)' })).toBe('');
    expect(await settingsError({ manufacturer: 'A $(b)', wixl: true })).toContain('which wixl 0.101 cannot escape');
  });
});

describe('digest names in verify reports (tools/verifyReport.ts digestName)', () => {
  it.each([
    ['SHA256', 'sha256'],
    ['sha256', 'sha256'],
    ['SHA-256', 'sha256'],
    ['SHA1', 'sha1'],
  ])('%j → %j, whichever verifier printed it', (printed, name) => {
    expect(digestName(printed)).toBe(name);
  });
});

describe('"needs version X.Y or newer" (util/versions.ts versionAtLeast)', () => {
  it.each([
    [[1, 18], [1, 18], true],
    [[1, 18, 0], [1, 18], true],
    [[1, 17, 13], [1, 18], false],
    [[2, 0], [1, 18], true],
    [[0, 105], [0, 105], true],
    [[0, 101], [0, 105], false],
    [[3], [3, 14], false],
    [[3, 14, 1, 8722], [3, 14], true],
    [[Number.NaN, 200], [0, 105], false],
  ])('%j at least %j: %s', (have, min, ok) => {
    expect(versionAtLeast(have, min)).toBe(ok);
  });

  it('is what the Go check and the MSI backend checks apply', () => {
    expect(() => checkGoVersion('go1.18')).not.toThrow();
    expect(() => checkGoVersion('go1.17.13')).toThrowError(/too old/);
    const addToPath = { arch: 'x64', addToPath: true, license: false, ui: false, expandableRegistry: false } as const;
    expect(wixlBackend.unsupported(addToPath, '0.101')).toHaveLength(1);
    expect(wixlBackend.unsupported(addToPath, '0.105')).toEqual([]);
    expect(wixlBackend.unsupported(addToPath, undefined)).toEqual([]);
    expect(wix3Backend.unsupported({ ...addToPath, arch: 'arm64' }, '3.11.2.4516')).toHaveLength(1);
    expect(wix3Backend.unsupported({ ...addToPath, arch: 'arm64' }, '3.14.1.8722')).toEqual([]);
  });
});
