import { describe, expect, it } from 'vitest';
import {
  appInstallerProblems,
  AppInstallerError,
  oldestNamespaceFor,
  renderAppInstaller,
  uriProblem,
  type AppInstallerModel,
} from '../../../src/msix/appinstaller.js';

// App Installer files: one golden file per namespace (test/fixtures/appinstaller/, compared
// byte for byte; `npx vitest run -u` rewrites them after a deliberate change), and every rule
// of the schema reference broken once, each with the field it names.

const BASE: AppInstallerModel = {
  uri: 'https://downloads.example.com/hello/Example.Hello_x64.appinstaller',
  version: '1.2.3.0',
  main: {
    type: 'package',
    name: 'Example.Hello',
    publisher: 'CN=Example Corp, O=Example Corp, C=US',
    version: '1.2.3.0',
    processorArchitecture: 'x64',
    uri: 'https://downloads.example.com/hello/Example.Hello_1.2.3.0_x64.msix',
  },
};

const golden = (name: string) => `../../fixtures/appinstaller/${name}`;

describe('App Installer files, one golden file per namespace', () => {
  it('2017/2: OnLaunch with HoursBetweenUpdateChecks, AutomaticBackgroundTask, a dependency and an optional package', async () => {
    const model: AppInstallerModel = {
      ...BASE,
      dependencies: [
        {
          type: 'package',
          name: 'Microsoft.VCLibs.140.00.UWPDesktop',
          publisher: 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US',
          version: '14.0.33519.0',
          processorArchitecture: 'x64',
          uri: 'https://downloads.example.com/deps/vclibs_x64.appx',
        },
      ],
      optionalPackages: [{ type: 'bundle', name: 'Example.Hello.Extras', publisher: 'CN=Example Corp, O=Example Corp, C=US', version: '1.0.0.0', uri: 'https://downloads.example.com/hello/extras.msixbundle' }],
      updateSettings: { onLaunch: { hoursBetweenUpdateChecks: 24 }, automaticBackgroundTask: true },
    };
    const { xml, namespace } = renderAppInstaller(model);
    expect(namespace).toBe('2017/2');
    await expect(xml).toMatchFileSnapshot(golden('2017-2.appinstaller'));
  });

  it('2018: ShowPrompt, UpdateBlocksActivation, ForceUpdateFromAnyVersion', async () => {
    const model: AppInstallerModel = {
      ...BASE,
      updateSettings: { onLaunch: { hoursBetweenUpdateChecks: 0, showPrompt: true, updateBlocksActivation: true }, forceUpdateFromAnyVersion: true },
    };
    const { xml, namespace } = renderAppInstaller(model);
    expect(namespace).toBe('2018');
    await expect(xml).toMatchFileSnapshot(golden('2018.appinstaller'));
  });

  it('2021: UpdateUris and RepairUris, a UNC path, a main bundle', async () => {
    const model: AppInstallerModel = {
      uri: '\\\\files.corp.example\\apps\\hello\\Example.Hello.appinstaller',
      version: '2.0.0.0',
      main: { type: 'bundle', name: 'Example.Hello', publisher: 'CN="Example, Inc.", O="Example, Inc.", C=US', version: '2.0.0.0', uri: '\\\\files.corp.example\\apps\\hello\\Example.Hello_2.0.0.0.msixbundle' },
      updateSettings: { onLaunch: { hoursBetweenUpdateChecks: 12 } },
      updateUris: ['https://mirror-a.example.com/hello/Example.Hello.appinstaller', 'https://mirror-b.example.com/hello/Example.Hello.appinstaller'],
      repairUris: ['https://mirror-a.example.com/hello/Example.Hello.appinstaller'],
    };
    const { xml, namespace } = renderAppInstaller(model);
    expect(namespace).toBe('2021');
    await expect(xml).toMatchFileSnapshot(golden('2021.appinstaller'));
  });

  it('takes the oldest namespace with every feature used, or the one configured', () => {
    expect(oldestNamespaceFor(BASE)).toBe('2017/2');
    expect(oldestNamespaceFor({ ...BASE, updateSettings: { forceUpdateFromAnyVersion: false } })).toBe('2018');
    expect(oldestNamespaceFor({ ...BASE, repairUris: ['https://a.example/x.appinstaller'], updateSettings: { automaticBackgroundTask: true } })).toBe('2021');
    expect(renderAppInstaller(BASE, '2021').xml).toContain('xmlns="http://schemas.microsoft.com/appx/appinstaller/2021"');
    expect(renderAppInstaller(BASE).xml).toContain('xmlns="http://schemas.microsoft.com/appx/appinstaller/2017/2"');
  });
});

/** The one problem `change` makes, as "field: message". */
function problemOf(change: (m: AppInstallerModel) => AppInstallerModel, namespace?: Parameters<typeof appInstallerProblems>[1]): string {
  const problems = appInstallerProblems(change(structuredClone(BASE) as AppInstallerModel), namespace);
  expect(problems, JSON.stringify(problems)).toHaveLength(1);
  return `${problems[0]!.field.join('.')}: ${problems[0]!.message}`;
}

describe('every App Installer rule, broken once', () => {
  it('a valid model breaks none', () => {
    expect(appInstallerProblems(BASE)).toEqual([]);
  });

  it.each<[string, (m: AppInstallerModel) => AppInstallerModel, RegExp]>([
    ['the file Uri: an ftp URL', (m) => ({ ...m, uri: 'ftp://example.com/x.appinstaller' }), /^uri: "ftp:\/\/example.com\/x.appinstaller" is a ftp: URL; App Installer reads http:\/\/, https:\/\/ and UNC paths/],
    ['the file Uri: not a URL', (m) => ({ ...m, uri: 'downloads/x.appinstaller' }), /^uri: "downloads\/x.appinstaller" is not a URL/],
    ['the file Uri: over 2084 characters', (m) => ({ ...m, uri: `https://example.com/${'a'.repeat(2070)}` }), /^uri: is 2090 characters; a Uri has 1 to 2084$/],
    ['a query string of several pairs', (m) => ({ ...m, uri: 'https://example.com/x.appinstaller?a=1&b=2' }), /^uri: .* has a query string with several key=value pairs/],
    ['credentials in a URL', (m) => ({ ...m, main: { ...m.main, uri: 'https://me:secret@example.com/x.msix' } }), /^main.uri: .* holds a user name or password/],
    ['the file version in three parts', (m) => ({ ...m, version: '1.2.3' }), /^version: "1.2.3" is not a four-part version/],
    ['the file version with major 0', (m) => ({ ...m, version: '0.9.1.0' }), /^version: "0.9.1.0": the major version of an App Installer file may not be 0$/],
    ['a name of 2 characters', (m) => ({ ...m, main: { ...m.main, name: 'ab' } }), /^main.name: is 2 characters; a package name has 3 to 50$/],
    ['a name of 51 characters', (m) => ({ ...m, main: { ...m.main, name: 'a'.repeat(51) } }), /^main.name: is 51 characters/],
    ['a name with an underscore', (m) => ({ ...m, main: { ...m.main, name: 'Example_Hello' } }), /^main.name: may hold only letters, digits, "." and "-"$/],
    ['a publisher that is not a distinguished name', (m) => ({ ...m, main: { ...m.main, publisher: 'Example Corp' } }), /^main.publisher: is not a distinguished name as Windows writes one/],
    ['a package version with a fifth part', (m) => ({ ...m, main: { ...m.main, version: '1.2.3.4.5' } }), /^main.version: "1.2.3.4.5" is not a four-part version/],
    ['a package version part over 65535', (m) => ({ ...m, main: { ...m.main, version: '1.65536.0.0' } }), /^main.version: "1.65536.0.0" is not a four-part version/],
    ['an architecture App Installer does not know', (m) => ({ ...m, main: { ...m.main, processorArchitecture: 'mips' as never } }), /^main.processorArchitecture: "mips" is not one of x86, x64, arm, arm64, neutral$/],
    ['a main package without an architecture', (m) => ({ ...m, main: { ...m.main, processorArchitecture: undefined } }), /^main.processorArchitecture: is required for the main package$/],
    ['a bundle with an architecture', (m) => ({ ...m, main: { ...m.main, type: 'bundle' } }), /^main.processorArchitecture: is for packages; a bundle holds several architectures$/],
    ['hours between checks over 255', (m) => ({ ...m, updateSettings: { onLaunch: { hoursBetweenUpdateChecks: 256 } } }), /^updateSettings.onLaunch.hoursBetweenUpdateChecks: 256 is not a whole number of hours from 0 to 255$/],
    ['hours between checks not whole', (m) => ({ ...m, updateSettings: { onLaunch: { hoursBetweenUpdateChecks: 1.5 } } }), /^updateSettings.onLaunch.hoursBetweenUpdateChecks: 1.5 is not a whole number/],
    ['UpdateBlocksActivation without ShowPrompt', (m) => ({ ...m, updateSettings: { onLaunch: { updateBlocksActivation: true } } }), /^updateSettings.onLaunch.updateBlocksActivation: needs showPrompt: true/],
    ['eleven update URIs', (m) => ({ ...m, updateUris: Array.from({ length: 11 }, (_, i) => `https://m${i}.example.com/x.appinstaller`) }), /^updateUris: lists 11 URIs; App Installer takes at most 10$/],
    ['eleven repair URIs', (m) => ({ ...m, repairUris: Array.from({ length: 11 }, (_, i) => `https://m${i}.example.com/x.appinstaller`) }), /^repairUris: lists 11 URIs; App Installer takes at most 10$/],
    ['a bad update URI', (m) => ({ ...m, updateUris: ['file:///c:/x.appinstaller'] }), /^updateUris.0: "file:\/\/\/c:\/x.appinstaller" is a file: URL/],
    ['a non-ASCII publisher', (m) => ({ ...m, main: { ...m.main, publisher: 'CN=Exämple' } }), /^main.publisher: holds "ä" \(U\+00E4\): App Installer files may hold only printable ASCII$/],
    ['a dependency with a bad name', (m) => ({ ...m, dependencies: [{ ...m.main, name: 'x' }] }), /^dependencies.0.name: is 1 characters/],
  ])('%s', (_, change, expected) => {
    expect(problemOf(change)).toMatch(expected);
  });

  it.each<[string, AppInstallerModel['updateSettings'], Partial<AppInstallerModel>, RegExp]>([
    ['ShowPrompt in 2017/2', { onLaunch: { showPrompt: true } }, {}, /^updateSettings.onLaunch.showPrompt: OnLaunch@ShowPrompt is not in the 2017\/2 App Installer namespace: it came with 2018 \(Windows 10 1809\)/],
    ['ForceUpdateFromAnyVersion in 2017/2', { forceUpdateFromAnyVersion: true }, {}, /^updateSettings.forceUpdateFromAnyVersion: ForceUpdateFromAnyVersion is not in the 2017\/2/],
    ['UpdateUris in 2018', undefined, { updateUris: ['https://a.example.com/x.appinstaller'] }, /^updateUris: UpdateUris is not in the 2018 App Installer namespace: it came with 2021 \(Windows 11 21H2\)/],
    ['RepairUris in 2018', undefined, { repairUris: ['https://a.example.com/x.appinstaller'] }, /^repairUris: RepairUris is not in the 2018/],
  ])('a configured namespace refuses what it lacks: %s', (_, settings, extra, expected) => {
    const namespace = expected.source.includes('2017') ? '2017/2' : '2018';
    expect(problemOf((m) => ({ ...m, ...extra, ...(settings ? { updateSettings: settings } : {}) }), namespace)).toMatch(expected);
  });

  it('refuses to render a model that breaks a rule, listing every problem', () => {
    const bad = { ...BASE, version: '0.1.0.0', main: { ...BASE.main, name: 'x' } };
    expect(() => renderAppInstaller(bad)).toThrow(AppInstallerError);
    expect(() => renderAppInstaller(bad)).toThrow(/breaks 2 rules:\n {2}- version: .*\n {2}- main.name: /);
  });

  it('takes http, https and UNC paths', () => {
    expect(uriProblem('http://example.com/a.appinstaller')).toBeUndefined();
    expect(uriProblem('https://example.com/a.appinstaller?channel=beta')).toBeUndefined();
    expect(uriProblem('\\\\server\\share\\a.appinstaller')).toBeUndefined();
    expect(uriProblem('')).toMatch(/is 0 characters/);
  });
});
