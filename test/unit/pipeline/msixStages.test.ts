import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZipDirectory, readZipEntry } from '../../../src/msix/read.js';
import { encodePng, solidImage } from '../../../src/msix/png.js';
import { appinstaller } from '../../../src/stages/appinstaller.js';
import { msix } from '../../../src/stages/msix.js';
import { msixSetup } from '../../../src/stages/msixSetup.js';
import { ProblemsError } from '../../../src/util/errors.js';
import { parseSemver } from '../../../src/version/semver.js';
import { testContext } from '../../support/context.js';

// The msix and appinstaller stages in process: what their preflights refuse (each problem
// with its release.yaml position, all of them at once), and a package and its App Installer
// file written from recorded binaries. No signing here (msix.publisher is given), so no process.

const PUBLISHER = 'CN=Test Vendor, O=Test Vendor, C=US';
const yamlWith = (msixYaml: string, head = 'project:\n  name: app\n  vendor: Test Vendor\n  description: An app\nversion: 1.2.3\n') =>
  `${head}builds:\n  - binary: app\n    targets: [windows/amd64, windows/arm64]\nmsix:\n${msixYaml}`;

const rejection = async (p: Promise<unknown> | void): Promise<Error> => Promise.resolve(p).then(() => expect.unreachable('expected a rejection'), (err: Error) => err);
const messagesOf = (err: Error) => (err instanceof ProblemsError ? err.problems : [err]).map((e) => e.message);

describe('the msix preflight', () => {
  it('accepts a plain configuration: the name from the project, the alias and no Start menu entry for a console tool, logos made with a warning', async () => {
    const { ctx, warnings } = testContext({ yaml: yamlWith(`  publisher: "${PUBLISHER}"\n`) });
    const setup = await msixSetup(ctx);
    expect(setup).toMatchObject({ name: 'app', publisher: PUBLISHER, version: '1.2.3.0', arches: ['amd64', 'arm64'], displayName: 'app', description: 'An app' });
    expect(setup.application).toEqual({ binary: 'app.exe', id: 'app', alias: 'app.exe', startMenu: false });
    expect(warnings.join('\n')).toContain('msix.logos: no store, square150, square44 logos given: made 50×50, 150×150, 44×44 from a plain #4A5D70 square');
  });

  it('without signing, the Publisher is the vendor with the mark Windows 11 asks of an unsigned package, and a warning says so', async () => {
    const { ctx, warnings } = testContext({ yaml: yamlWith('  name: Test.App\n', 'project:\n  name: app\n  vendor: Test & Sons, Inc.\nversion: 1.2.3\n') });
    const setup = await msixSetup(ctx);
    expect(setup.publisher).toBe('CN="Test & Sons, Inc.", OID.2.25.311729368913984317654407730594956997722=1');
    expect(warnings.join('\n')).toContain('msix: the MSIX packages are not signed (there is no sign: section (or --dev-cert)), so their Publisher is "CN=\"Test & Sons, Inc.\", OID.2.25.311729368913984317654407730594956997722=1"');
  });

  it('reports every problem at once, each at its key', async () => {
    const { ctx } = testContext({
      yaml: yamlWith(
        [
          '  name: ab',
          '  publisher: Test Vendor',
          '  application:',
          '    binary: tool.exe',
          '  backgroundColor: DodgerBlue',
          '  minVersion: 10.0.22000.0',
          '  maxVersionTested: 10.0.17763.0',
          '  languages: [en-us, "english please"]',
          '',
        ].join('\n'),
        'project:\n  name: app\n  vendor: ""\nversion: 1.2.3\n',
      ),
    });
    const messages = messagesOf(await rejection(msixSetup(ctx)));
    expect(messages).toEqual(
      expect.arrayContaining([
        'release.yaml:9:9: msix.name: "ab" cannot be the package name: it is 2 characters; a package name has 3 to 50',
        'release.yaml:3:11: project.vendor: is empty (the package shows it; set msix.publisherDisplayName)',
        'release.yaml:12:13: msix.application.binary: "tool.exe" is not a binary this release builds (it builds: app.exe); name one of them',
        expect.stringMatching(/^release\.yaml:13:20: msix\.backgroundColor: "DodgerBlue" is not a colour Windows takes/),
        'release.yaml:15:21: msix.maxVersionTested: 10.0.17763.0 is older than msix.minVersion 10.0.22000.0',
        'release.yaml:16:22: msix.languages[1]: "english please" is not a language tag (e.g. en-us)',
        expect.stringMatching(/^release\.yaml:10:14: msix\.publisher: "Test Vendor" is not a distinguished name as Windows writes one/),
      ]),
    );
    expect(messages).toHaveLength(7);
  });

  it('refuses a pre-release unless msix.prerelease maps it, naming where the version comes from', async () => {
    const release = { version: '1.2.3-rc.1', semver: parseSemver('1.2.3-rc.1')!, versionSource: 'tag' as const, tag: 'v1.2.3-rc.1' };
    const { ctx } = testContext({ yaml: yamlWith(`  publisher: "${PUBLISHER}"\n`), release });
    expect((await rejection(msixSetup(ctx))).message).toMatch(/^the git tag v1\.2\.3-rc\.1 on HEAD: cannot be an MSIX package version: "1\.2\.3-rc\.1" has a pre-release part .* Set msix\.prerelease \(strip or patch-offset\)/);
    const mapped = testContext({ yaml: yamlWith(`  publisher: "${PUBLISHER}"\n  prerelease: patch-offset\n`), release });
    expect((await msixSetup(mapped.ctx)).version).toBe('1.2.301.0');
  });

  it('refuses an application not built for every packaged architecture', async () => {
    const yaml = `project:\n  name: app\n  vendor: V\nbuilds:\n  - binary: app\n    targets: [windows/amd64]\n  - binary: tool\n    targets: [windows/arm64]\nmsix:\n  publisher: "${PUBLISHER}"\n`;
    const { ctx } = testContext({ yaml });
    expect((await rejection(msixSetup(ctx))).message).toBe(
      'release.yaml:10:3: msix: the application app.exe is not built for arm64, which the MSIX packages are (msix.targets); build it for that target (builds[0].targets) or narrow msix.targets',
    );
  });

  it('checks configured logos (a PNG, of the size Windows shows) and the payload names, footprint files included', async () => {
    const { ctx, warnings } = testContext({
      yaml: yamlWith(`  publisher: "${PUBLISHER}"\n  logos:\n    store: logo.txt\n    square150: big.png\n  files: ["*.xml", "Assets/**"]\n`),
    });
    writeFileSync(join(ctx.projectDir, 'logo.txt'), 'not a picture');
    writeFileSync(join(ctx.projectDir, 'big.png'), encodePng(solidImage(160, '#000000')));
    writeFileSync(join(ctx.projectDir, 'AppxManifest.xml'), '<x/>');
    mkdirSync(join(ctx.projectDir, 'Assets'));
    writeFileSync(join(ctx.projectDir, 'Assets', 'StoreLogo.png'), encodePng(solidImage(50, '#000000')));
    const messages = messagesOf(await rejection(msixSetup(ctx)));
    expect(messages).toContainEqual('release.yaml:12:12: msix.logos.store: logo.txt: it is not a PNG image (no PNG signature); the Properties/Logo (the Store and installer logo) must be a PNG of 50×50 pixels');
    const payload = messages.find((m) => m.startsWith('msix.files:'))!;
    expect(payload).toContain('files listed twice under one name:\n    - Assets/StoreLogo.png');
    expect(payload).toMatch(/names of the files the package format writes itself \(AppxManifest\.xml, [^)]*\):\n {4}- AppxManifest\.xml/);
    expect(warnings.join('\n')).toContain('msix.logos.square150: big.png is 160×160 pixels; the Square150x150Logo (the Start tile) is 150×150');
  });
});

describe('the msix and appinstaller stages, in process', () => {
  async function contextWithExes(appinstallerYaml = '  appinstaller:\n    baseUrl: https://downloads.example.com/app/\n') {
    const made = testContext({ yaml: yamlWith(`  name: Test.App\n  publisher: "${PUBLISHER}"\n  files: [README.md]\n${appinstallerYaml}`), targets: ['windows/amd64', 'windows/arm64'] });
    const { ctx } = made;
    writeFileSync(join(ctx.projectDir, 'README.md'), '# app\n');
    for (const arch of ['amd64', 'arm64'] as const) {
      mkdirSync(ctx.dist(`app_windows_${arch}`), { recursive: true });
      writeFileSync(ctx.dist(`app_windows_${arch}`, 'app.exe'), `MZ fake ${arch} exe`);
      await ctx.record({ kind: 'binary', name: 'app.exe', path: `app_windows_${arch}/app.exe`, goos: 'windows', goarch: arch, build: 'app' });
    }
    await msix.prepare!(ctx);
    await appinstaller.prepare!(ctx);
    return made;
  }
  const signal = new AbortController().signal;

  it('writes <Name>_<version>_<arch>.msix from the recorded exe, records its identity and what it packed, then an App Installer file naming it', async () => {
    const { ctx } = await contextWithExes();
    await msix.run(ctx, 'windows/arm64', signal);
    const [pkg] = ctx.artifacts.ofKind('msix');
    expect(pkg).toMatchObject({
      path: 'Test.App_1.2.3.0_arm64.msix',
      goarch: 'arm64',
      msix: { name: 'Test.App', publisher: PUBLISHER, version: '1.2.3.0', arch: 'arm64', files: 6 },
      packs: [{ path: 'app_windows_arm64/app.exe' }],
    });
    const zip = readFileSync(ctx.fileOf(pkg!));
    expect(readZipDirectory(zip).map((e) => e.name)).toEqual([
      'Assets/Square150x150Logo.png',
      'Assets/Square44x44Logo.png',
      'Assets/StoreLogo.png',
      'README.md',
      'app.exe',
      'AppxManifest.xml',
      'AppxBlockMap.xml',
      '[Content_Types].xml',
    ]);
    expect(readZipEntry(zip, 'app.exe')!.toString()).toBe('MZ fake arm64 exe');
    expect(readZipEntry(zip, 'AppxManifest.xml')!.toString()).toContain(`<Identity Name="Test.App" Publisher="${PUBLISHER}" Version="1.2.3.0" ProcessorArchitecture="arm64"/>`);

    await appinstaller.run(ctx, 'windows/arm64', signal);
    const [file] = ctx.artifacts.ofKind('appinstaller');
    expect(file).toMatchObject({
      path: 'Test.App_arm64.appinstaller',
      appinstaller: { uri: 'https://downloads.example.com/app/Test.App_arm64.appinstaller', version: '1.2.3.0', namespace: '2017/2', package: pkg!.path, packageUri: 'https://downloads.example.com/app/Test.App_1.2.3.0_arm64.msix' },
    });
    const xml = readFileSync(ctx.fileOf(file!), 'utf8');
    expect(xml).toContain(`<MainPackage Name="Test.App" Publisher="${PUBLISHER}" Version="1.2.3.0" ProcessorArchitecture="arm64" Uri="https://downloads.example.com/app/Test.App_1.2.3.0_arm64.msix"/>`);
    expect(xml).toContain('<OnLaunch HoursBetweenUpdateChecks="24"/>\n    <AutomaticBackgroundTask/>');
  });

  it('the App Installer file names only the identity the package file really holds', async () => {
    const { ctx } = await contextWithExes();
    await msix.run(ctx, 'windows/amd64', signal);
    const [pkg] = ctx.artifacts.ofKind('msix');
    ctx.artifacts.put({ ...pkg!, msix: { ...pkg!.msix, publisher: 'CN=Someone Else' } });
    await expect(appinstaller.run(ctx, 'windows/amd64', signal)).rejects.toThrow(
      `Test.App_1.2.3.0_x64.msix: its AppxManifest.xml says Publisher="${PUBLISHER}", its record Publisher="CN=Someone Else"`,
    );
    expect(ctx.artifacts.ofKind('appinstaller')).toEqual([]);
  });

  it('the same inputs give the same package bytes', async () => {
    const a = await contextWithExes();
    const b = await contextWithExes();
    await msix.run(a.ctx, 'windows/amd64', signal);
    await msix.run(b.ctx, 'windows/amd64', signal);
    expect(a.ctx.artifacts.ofKind('msix')[0]!.sha256).toBe(b.ctx.artifacts.ofKind('msix')[0]!.sha256);
  });

  it('the App Installer preflight checks the identity the packages will have: a Publisher App Installer cannot carry is refused before building', async () => {
    const { ctx } = testContext({ yaml: yamlWith('  name: Test.App\n  publisher: "CN=Müller GmbH"\n  appinstaller:\n    baseUrl: https://downloads.example.com/app/\n') });
    expect(messagesOf(await rejection(appinstaller.prepare!(ctx)))).toEqual([
      'release.yaml:11:14: msix.publisher: main.publisher: holds "ü" (U+00FC): App Installer files may hold only printable ASCII',
    ]);
  });

  it('the App Installer preflight refuses, at their keys, what the files could not say', async () => {
    const yaml = [
      '  appinstaller:',
      '    baseUrl: ftp://downloads.example.com/app/',
      '    namespace: "2017/2"',
      '    updateSettings:',
      '      onLaunch:',
      '        updateBlocksActivation: true',
      '      forceUpdateFromAnyVersion: true',
      '',
    ].join('\n');
    const release = { version: '0.9.0', semver: parseSemver('0.9.0')!, versionSource: 'config' as const };
    const { ctx } = testContext({ yaml: yamlWith(`  name: Test.App\n  publisher: "${PUBLISHER}"\n${yaml}`, 'project:\n  name: app\n  vendor: V\nversion: 0.9.0\n'), release });
    const messages = messagesOf(await rejection(appinstaller.prepare!(ctx)));
    expect(messages).toEqual([
      'release.yaml:12:14: msix.appinstaller.baseUrl: "ftp://downloads.example.com/app/" is a ftp: URL; App Installer reads http://, https:// and UNC paths (\\\\server\\share\\…)',
      'release.yaml:4:10: version: 0.9.0: cannot be the version of an App Installer file: "0.9.0.0": the major version of an App Installer file may not be 0; release 1.0.0 or later, or leave the App Installer files out (remove msix.appinstaller)',
      'release.yaml:16:33: msix.appinstaller.updateSettings.onLaunch.updateBlocksActivation: needs showPrompt: true (App Installer only blocks the launch behind the prompt it shows)',
      'release.yaml:16:33: msix.appinstaller.updateSettings.onLaunch.updateBlocksActivation: OnLaunch@UpdateBlocksActivation is not in the 2017/2 App Installer namespace: it came with 2018 (Windows 10 1809); use namespace 2018 or later, or leave it out',
      'release.yaml:17:34: msix.appinstaller.updateSettings.forceUpdateFromAnyVersion: ForceUpdateFromAnyVersion is not in the 2017/2 App Installer namespace: it came with 2018 (Windows 10 1809); use namespace 2018 or later, or leave it out',
    ]);
  });
});
