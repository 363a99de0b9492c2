import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { autoupdateUrl, renderScoopManifest, scoopDocument, type ScoopModel } from '../../../src/channels/scoop.js';
import { SCOOP_SCHEMA_FILE, wingetSchemaFile } from '../../../src/channels/schemas.js';
import { compileManifestSchema, pointerPath, type ManifestValidator } from '../../../src/channels/validate.js';
import {
  defaultPackageIdentifier,
  renderWingetManifest,
  WINGET_MANIFEST_TYPES,
  wingetDocuments,
  wingetFileName,
  wingetFolder,
  type WingetManifestType,
  type WingetModel,
} from '../../../src/channels/winget.js';

// The manifests against the schemas winget and Scoop publish (vendored in schema/vendor/): what
// we write validates, and what they refuse is refused — so the check can fail.

const load = (file: string): ManifestValidator => compileManifestSchema(JSON.parse(readFileSync(file, 'utf8')) as object);
const winget = Object.fromEntries(WINGET_MANIFEST_TYPES.map((t) => [t, load(wingetSchemaFile(t))])) as Record<WingetManifestType, ManifestValidator>;
const scoop = load(SCOOP_SCHEMA_FILE);

const SHA = 'ab'.repeat(32);
const msiModel: WingetModel = {
  packageIdentifier: 'Acme.Hello',
  packageVersion: '1.4.0',
  publisher: 'Acme Corp',
  publisherUrl: 'https://github.com/acme/hello',
  packageName: 'Hello',
  packageUrl: 'https://github.com/acme/hello',
  license: 'MIT',
  copyright: 'Copyright (C) 2026 Acme Corp',
  shortDescription: 'Says hello',
  moniker: 'hello',
  tags: ['cli', 'greeting'],
  installerType: 'msi',
  scope: 'machine',
  releaseDate: '2026-03-14',
  arp: { displayName: 'Hello', publisher: 'Acme Corp', displayVersion: '1.4.0' },
  installers: [
    { architecture: 'x64', url: 'https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_x64.msi', sha256: SHA, productCode: '9f5dfe66-fb89-5850-a50a-709839c3fddf', upgradeCode: '3F0A51C4-7B7E-4F69-9D0B-5E2C8A41D7B2' },
    { architecture: 'arm64', url: 'https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_arm64.msi', sha256: SHA, productCode: '{A24247EE-62D7-5DA5-B957-E1855F7F0DD8}' },
  ],
  generator: 'winship 0.1.0',
};

describe('winget manifests', () => {
  it('validate against winget 1.28.0, as documents and as the YAML written', () => {
    const docs = wingetDocuments(msiModel);
    for (const type of WINGET_MANIFEST_TYPES) {
      expect(winget[type](docs[type]), type).toEqual([]);
      const text = renderWingetManifest(type, docs[type], 'winship 0.1.0');
      expect(winget[type](parse(text)), type).toEqual([]);
      expect(parse(text)).toEqual(docs[type]);
    }
  });

  it('writes the installer manifest winget-pkgs expects: upper-case hashes, braced ProductCodes, scope, ARP entry', () => {
    const text = renderWingetManifest('installer', wingetDocuments(msiModel).installer, 'winship 0.1.0');
    expect(text).toBe(`# Created with winship 0.1.0
# yaml-language-server: $schema=https://aka.ms/winget-manifest.installer.1.28.0.schema.json

PackageIdentifier: Acme.Hello
PackageVersion: 1.4.0
InstallerType: msi
Scope: machine
UpgradeBehavior: install
ReleaseDate: 2026-03-14
Installers:
  - Architecture: x64
    InstallerUrl: https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_x64.msi
    InstallerSha256: ${SHA.toUpperCase()}
    ProductCode: "{9F5DFE66-FB89-5850-A50A-709839C3FDDF}"
    AppsAndFeaturesEntries:
      - DisplayName: Hello
        Publisher: Acme Corp
        DisplayVersion: 1.4.0
        ProductCode: "{9F5DFE66-FB89-5850-A50A-709839C3FDDF}"
        UpgradeCode: "{3F0A51C4-7B7E-4F69-9D0B-5E2C8A41D7B2}"
  - Architecture: arm64
    InstallerUrl: https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_arm64.msi
    InstallerSha256: ${SHA.toUpperCase()}
    ProductCode: "{A24247EE-62D7-5DA5-B957-E1855F7F0DD8}"
    AppsAndFeaturesEntries:
      - DisplayName: Hello
        Publisher: Acme Corp
        DisplayVersion: 1.4.0
        ProductCode: "{A24247EE-62D7-5DA5-B957-E1855F7F0DD8}"
ManifestType: installer
ManifestVersion: 1.28.0
`);
  });

  it('zips are portable installs with their commands', () => {
    const zip: WingetModel = {
      ...msiModel,
      installerType: 'zip',
      installers: [{ architecture: 'x86', url: 'https://example.com/hello_1.4.0_windows_386.zip', sha256: SHA, commands: [{ path: 'hello.exe', alias: 'hello' }] }],
    };
    const { scope: _scope, arp: _arp, ...rest } = zip;
    const doc = wingetDocuments(rest).installer;
    expect(doc).toMatchObject({ InstallerType: 'zip', NestedInstallerType: 'portable', Installers: [{ Architecture: 'x86', NestedInstallerFiles: [{ RelativeFilePath: 'hello.exe', PortableCommandAlias: 'hello' }] }] });
    expect(doc).not.toHaveProperty('Scope');
    expect(winget.installer(doc)).toEqual([]);
  });

  it('the schemas refuse what winget refuses, naming the field', () => {
    const docs = wingetDocuments({ ...msiModel, publisher: 'A', packageIdentifier: 'NoDot', tags: ['x'.repeat(41)], installers: [{ ...msiModel.installers[0]!, url: 'ftp://example.com/a.msi', sha256: 'abc' }] });
    const locale = winget.defaultLocale(docs.defaultLocale).map((p) => `${pointerPath(p.pointer)} ${p.message}`);
    expect(locale).toContain('Publisher must NOT have fewer than 2 characters');
    expect(locale).toContain('Tags[0] must NOT have more than 40 characters');
    expect(locale.some((l) => l.startsWith('PackageIdentifier must match the pattern'))).toBe(true);
    const installer = winget.installer(docs.installer).map((p) => pointerPath(p.pointer));
    expect(installer).toEqual(expect.arrayContaining(['Installers[0].InstallerUrl', 'Installers[0].InstallerSha256', 'PackageIdentifier']));
    expect(winget.version({ ...docs.version, ManifestType: 'installer' })).not.toEqual([]);
  });

  it('lays the files out as winget-pkgs does', () => {
    expect(wingetFolder('Acme.Hello', '1.4.0')).toBe('manifests/a/Acme/Hello/1.4.0');
    expect(wingetFolder('Microsoft.VisualStudio.Code', '1.2.3')).toBe('manifests/m/Microsoft/VisualStudio/Code/1.2.3');
    expect(WINGET_MANIFEST_TYPES.map((t) => wingetFileName('Acme.Hello', t))).toEqual(['Acme.Hello.yaml', 'Acme.Hello.installer.yaml', 'Acme.Hello.locale.en-US.yaml']);
  });

  it('makes a package identifier of letters and digits, or none', () => {
    expect(defaultPackageIdentifier('Fixture & Sons', 'goapp')).toBe('FixtureSons.Goapp');
    expect(defaultPackageIdentifier('junegunn choi', 'fzf')).toBe('JunegunnChoi.Fzf');
    expect(defaultPackageIdentifier('株式会社', 'app')).toBe('');
  });
});

const scoopModel: ScoopModel = {
  version: '1.4.0',
  description: 'Says hello',
  homepage: 'https://github.com/acme/hello',
  license: 'MIT',
  architectures: {
    '64bit': { url: 'https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_windows_amd64.zip', sha256: SHA, autoupdateUrl: 'https://github.com/acme/hello/releases/download/v$version/hello_$version_windows_amd64.zip' },
    arm64: { url: 'https://github.com/acme/hello/releases/download/v1.4.0/hello_1.4.0_windows_arm64.zip', sha256: SHA, autoupdateUrl: 'https://github.com/acme/hello/releases/download/v$version/hello_$version_windows_arm64.zip' },
  },
  bin: ['hello.exe'],
  shortcuts: [['hellow.exe', 'Hello']],
  notes: [],
  checkver: { github: 'https://github.com/acme/hello' },
  autoupdateChecksumsUrl: 'https://github.com/acme/hello/releases/download/v$version/hello_$version_checksums.txt',
};

describe('the Scoop manifest', () => {
  it('validates against Scoop\'s schema, with checkver and autoupdate reading hashes from the checksums file', () => {
    const doc = scoopDocument(scoopModel);
    expect(scoop(doc)).toEqual([]);
    expect(scoop(JSON.parse(renderScoopManifest(doc)))).toEqual([]);
    expect(doc).toEqual({
      version: '1.4.0',
      description: 'Says hello',
      homepage: 'https://github.com/acme/hello',
      license: 'MIT',
      architecture: {
        '64bit': { url: scoopModel.architectures['64bit']!.url, hash: SHA },
        arm64: { url: scoopModel.architectures.arm64!.url, hash: SHA },
      },
      bin: 'hello.exe',
      shortcuts: [['hellow.exe', 'Hello']],
      checkver: { github: 'https://github.com/acme/hello' },
      autoupdate: {
        architecture: { '64bit': { url: scoopModel.architectures['64bit']!.autoupdateUrl }, arm64: { url: scoopModel.architectures.arm64!.autoupdateUrl } },
        hash: { url: scoopModel.autoupdateChecksumsUrl },
      },
    });
    expect(renderScoopManifest(doc)).toMatch(/^\{\n {4}"version": "1\.4\.0",\n/);
  });

  it('leaves autoupdate out without checkver or versioned URLs', () => {
    expect(scoopDocument({ ...scoopModel, checkver: undefined } as ScoopModel)).not.toHaveProperty('autoupdate');
    expect(scoopDocument({ ...scoopModel, autoupdateChecksumsUrl: undefined } as ScoopModel)).not.toHaveProperty('autoupdate');
    expect(autoupdateUrl('https://dl.example.com/hello/hello_1.4.0_windows_amd64.zip', '1.4.0')).toBe('https://dl.example.com/hello/hello_$version_windows_amd64.zip');
    expect(autoupdateUrl('https://dl.example.com/latest/hello.zip', '1.4.0')).toBeUndefined();
  });

  it('the schema refuses what Scoop refuses', () => {
    const problems = scoop({ ...scoopDocument(scoopModel), version: 'one two', architecture: { '128bit': { url: 'x' } } }).map((p) => pointerPath(p.pointer));
    expect(problems).toEqual(expect.arrayContaining(['version', 'architecture']));
    // Without architecture: a url of its own (the schema's if/then).
    expect(scoop({ version: '1.0.0' }).map((p) => p.message)).toEqual(['must have url', 'must have homepage', 'must have license']);
  });
});
