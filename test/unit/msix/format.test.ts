import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderBlockMap } from '../../../src/msix/blockMap.js';
import { compressesFile, contentTypeOf, renderContentTypes } from '../../../src/msix/contentTypes.js';
import {
  aliasProblem,
  applicationIdFrom,
  applicationIdProblem,
  colorProblem,
  packageNameFrom,
  packageNameProblem,
  publisherProblem,
  versionQuadProblem,
  windowsDistinguishedName,
} from '../../../src/msix/identity.js';
import { renderManifest, type ManifestModel } from '../../../src/msix/manifest.js';
import { blockMapName, msixNameProblems, partName } from '../../../src/msix/names.js';
import { buildMsix } from '../../../src/msix/package.js';
import { readZipDirectory, readZipEntry } from '../../../src/msix/read.js';
import { toMsixVersion } from '../../../src/msix/version.js';

const MODEL: ManifestModel = {
  identity: { name: 'Example.Hello', publisher: 'CN=Example Corp, O=Example Corp, C=US', version: '1.2.3.0', arch: 'x64' },
  displayName: 'Hello & Co',
  publisherDisplayName: 'Example <Corp>',
  description: 'Says "hello"',
  logos: { store: 'Assets/StoreLogo.png', square150: 'Assets/Square150x150Logo.png', square44: 'Assets/Square44x44Logo.png' },
  minVersion: '10.0.17763.0',
  maxVersionTested: '10.0.26100.0',
  languages: ['en-us'],
  application: { id: 'Hello', executable: 'bin/hello.exe', displayName: 'Hello & Co', description: 'Says "hello"', backgroundColor: 'transparent', startMenu: false, alias: 'hello.exe' },
};

describe('part names', () => {
  it.each([
    ['hello.exe', 'hello.exe', 'hello.exe'],
    ['docs/Read me (1).txt', 'docs/Read%20me%20%281%29.txt', 'docs\\Read me (1).txt'],
    ['a+b,c;d=e@f[g]^h`i{j}!#$%&\'.txt', 'a%2Bb%2Cc%3Bd%3De%40f%5Bg%5D%5Eh%60i%7Bj%7D%21%23%24%25%26%27.txt', 'a+b,c;d=e@f[g]^h`i{j}!#$%&\'.txt'],
    ['é/日本.txt', '%C3%A9/%E6%97%A5%E6%9C%AC.txt', 'é\\日本.txt'],
    ['keep-_.~0Z', 'keep-_.~0Z', 'keep-_.~0Z'],
  ])('%j is the part %j and the block map name %j', (path, part, blockMap) => {
    expect(partName(path)).toBe(part);
    expect(blockMapName(path)).toBe(blockMap);
  });

  it('refuses the names of the footprint files, the reserved folders and xn-- segments', () => {
    expect(msixNameProblems(['appxmanifest.xml', 'AppxBlockMap.xml', '[Content_Types].xml', 'AppxSignature.p7x', 'AppxMetadata/x.txt', 'Microsoft.System.Package.Metadata/a', 'docs/xn--bad.txt', 'docs/AppxManifest.xml', 'ok.txt'])).toEqual([
      { rule: 'msix-footprint', path: 'appxmanifest.xml' },
      { rule: 'msix-footprint', path: 'AppxBlockMap.xml' },
      { rule: 'msix-footprint', path: '[Content_Types].xml' },
      { rule: 'msix-footprint', path: 'AppxSignature.p7x' },
      { rule: 'msix-reserved-folder', path: 'AppxMetadata/x.txt' },
      { rule: 'msix-reserved-folder', path: 'Microsoft.System.Package.Metadata/a' },
      { rule: 'msix-xn-prefix', path: 'docs/xn--bad.txt' },
    ]);
  });
});

describe('[Content_Types].xml', () => {
  it('one Default per extension (lower case), an Override for files without one, and the manifest and block map by name', () => {
    expect(renderContentTypes(['hello.exe', 'LICENSE', 'docs/a.TXT', 'docs/b.txt', 'Assets/x.png', 'odd.(x)'])).toBe(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="exe" ContentType="application/x-msdownload"/>
  <Default Extension="txt" ContentType="text/plain"/>
  <Default Extension="png" ContentType="image/png"/>
  <Default Extension="%28x%29" ContentType="application/octet-stream"/>
  <Override PartName="/LICENSE" ContentType="application/octet-stream"/>
  <Override PartName="/AppxManifest.xml" ContentType="application/vnd.ms-appx.manifest+xml"/>
  <Override PartName="/AppxBlockMap.xml" ContentType="application/vnd.ms-appx.blockmap+xml"/>
</Types>
`);
  });

  it('stores media and archives, deflates the rest (as makeappx)', () => {
    expect(['a.exe', 'b.dll', 'c.txt', 'LICENSE', 'd.json'].map(compressesFile)).toEqual([true, true, true, true, true]);
    expect(['a.png', 'b.JPG', 'c.zip', 'd.msix', 'e.mp4'].map(compressesFile)).toEqual([false, false, false, false, false]);
    expect(contentTypeOf('x.unknown')).toBe('application/octet-stream');
  });
});

describe('AppxBlockMap.xml', () => {
  it('names files with backslashes, sizes only compressed blocks, and ends the root with HashMethod (osslsigncode reads it so)', () => {
    const xml = renderBlockMap([
      { path: 'docs/a & b.txt', size: 70000, lfhSize: 50, blocks: [{ hash: 'AAA=', size: 100 }, { hash: 'BBB=', size: 20 }] },
      { path: 'x.png', size: 3, lfhSize: 35, blocks: [{ hash: 'CCC=' }] },
      { path: 'empty.txt', size: 0, lfhSize: 39, blocks: [] },
    ]);
    expect(xml).toBe(`<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<BlockMap xmlns="http://schemas.microsoft.com/appx/2010/blockmap" HashMethod="http://www.w3.org/2001/04/xmlenc#sha256">
  <File Name="docs\\a &amp; b.txt" Size="70000" LfhSize="50">
    <Block Hash="AAA=" Size="100"/>
    <Block Hash="BBB=" Size="20"/>
  </File>
  <File Name="x.png" Size="3" LfhSize="35">
    <Block Hash="CCC="/>
  </File>
  <File Name="empty.txt" Size="0" LfhSize="39"/>
</BlockMap>
`);
    const root = xml.slice(xml.indexOf('<BlockMap'), xml.indexOf('>', xml.indexOf('<BlockMap')));
    expect(root.trimEnd().endsWith('HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"')).toBe(true);
  });
});

describe('AppxManifest.xml', () => {
  it('a command-line tool: escaped texts, backslash paths, an execution alias, no Start menu entry, runFullTrust', () => {
    const xml = renderManifest(MODEL);
    expect(xml).toContain('<Identity Name="Example.Hello" Publisher="CN=Example Corp, O=Example Corp, C=US" Version="1.2.3.0" ProcessorArchitecture="x64"/>');
    expect(xml).toContain('<DisplayName>Hello &amp; Co</DisplayName>');
    expect(xml).toContain('<PublisherDisplayName>Example &lt;Corp&gt;</PublisherDisplayName>');
    expect(xml).toContain('<Application Id="Hello" Executable="bin\\hello.exe" EntryPoint="Windows.FullTrustApplication">');
    expect(xml).toContain('Description="Says &quot;hello&quot;"');
    expect(xml).toContain('AppListEntry="none"');
    expect(xml).toContain('<desktop:ExecutionAlias Alias="hello.exe"/>');
    expect(xml).toContain('IgnorableNamespaces="uap uap3 desktop rescap"');
    expect(xml).toContain('<rescap:Capability Name="runFullTrust"/>');
  });

  it('a GUI app: in the Start menu, no alias, no namespaces it does not use', () => {
    const xml = renderManifest({ ...MODEL, application: { ...MODEL.application, startMenu: true, alias: undefined } as ManifestModel['application'] });
    expect(xml).not.toContain('AppListEntry');
    expect(xml).not.toContain('uap3');
    expect(xml).not.toContain('desktop');
    expect(xml).toContain('IgnorableNamespaces="uap rescap"');
  });

  it('refuses a control character rather than write XML that does not parse', () => {
    expect(() => renderManifest({ ...MODEL, displayName: 'bell\u0007' })).toThrow('holds a control character');
  });
});

describe('identity rules', () => {
  it('package names: 3-50 of letters, digits, "." and "-"', () => {
    expect(packageNameProblem('Example.Hello-2')).toBeUndefined();
    expect(packageNameProblem('ab')).toMatch(/3 to 50/);
    expect(packageNameProblem('a_b')).toMatch(/only letters/);
    expect(packageNameProblem('abc.')).toMatch(/end with/);
    expect(packageNameFrom('my_tool')).toBe('my-tool');
  });

  it('four-part versions, each 0-65535', () => {
    expect(versionQuadProblem('1.2.3.0')).toBeUndefined();
    expect(versionQuadProblem('65535.0.0.65535')).toBeUndefined();
    for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.65536', 'a.b.c.d']) expect(versionQuadProblem(bad)).toMatch(/four-part/);
  });

  it('publishers as Windows writes them: reversed from the encoding, ", " between, special values quoted', () => {
    const rdns = (...pairs: [string, string][]) => pairs.map(([type, value]) => [{ type, value }]);
    expect(windowsDistinguishedName(rdns(['2.5.4.6', 'US'], ['2.5.4.8', 'Washington'], ['2.5.4.10', 'Example Corp'], ['2.5.4.3', 'Example Corp']))).toBe('CN=Example Corp, O=Example Corp, S=Washington, C=US');
    expect(windowsDistinguishedName(rdns(['2.5.4.10', 'Example, Inc.'], ['2.5.4.3', 'Say "hi"']))).toBe('CN="Say ""hi""", O="Example, Inc."');
    expect(windowsDistinguishedName(rdns(['1.2.840.113549.1.9.1', 'a@example.com'], ['1.3.6.1.4.1.311.60.2.1.3', 'US'], ['0.9.2342.19200300.100.1.25', 'com']))).toBe('DC=com, OID.1.3.6.1.4.1.311.60.2.1.3=US, E=a@example.com');
    expect(() => windowsDistinguishedName([[{ type: '2.5.4.3', value: 'a' }, { type: '2.5.4.10', value: 'b' }]])).toThrow('multi-valued');
    expect(publisherProblem('CN=Example Corp, O="Example, Inc.", C=US')).toBeUndefined();
    expect(publisherProblem('CN=Example Corp,O=x')).toMatch(/not a distinguished name/);
    expect(publisherProblem('ST=Washington')).toMatch(/not a distinguished name/);
  });

  it('application ids, aliases and colours', () => {
    expect(applicationIdFrom('hello-world')).toBe('helloworld');
    expect(applicationIdFrom('7zip.exe')).toBe('App7zip');
    expect(applicationIdProblem('Hello.World2')).toBeUndefined();
    expect(applicationIdProblem('2Hello')).toMatch(/starting with a letter/);
    expect(aliasProblem('hello.exe')).toBeUndefined();
    expect(aliasProblem('bin\\hello.exe')).toMatch(/without a folder/);
    expect(aliasProblem('hello')).toMatch(/ending in .exe/);
    expect(colorProblem('#1E90FF')).toBeUndefined();
    expect(colorProblem('dodgerBlue')).toBeUndefined();
    expect(colorProblem('DodgerBlue')).toMatch(/not a colour/);
    expect(colorProblem('#123')).toMatch(/not a colour/);
  });
});

describe('package versions', () => {
  it.each([
    ['1.2.3', 'error', '1.2.3.0'],
    ['0.1.0', 'error', '0.1.0.0'],
    ['1.2.3-rc.1', 'strip', '1.2.3.0'],
    ['1.2.3-rc.2', 'patch-offset', '1.2.302.0'],
    ['1.2.3', 'patch-offset', '1.2.399.0'],
  ] as const)('%s with %s is %s', (semver, mapping, quad) => {
    expect(toMsixVersion(semver, mapping).version).toBe(quad);
  });

  it('refuses a pre-release by default, and says what patch-offset cannot hold', () => {
    expect(() => toMsixVersion('1.2.3-rc.1')).toThrow('has a pre-release part ("-rc.1"), which a package version (four numbers) cannot hold');
    expect(() => toMsixVersion('1.2.3-beta', 'patch-offset')).toThrow('needs a pre-release number from 1 to 98');
    expect(() => toMsixVersion('1.2.700', 'patch-offset')).toThrow('patch 700 is above 654');
    expect(toMsixVersion('1.2.3-rc.1', 'strip').warnings[0]).toMatch(/pre-release "-rc.1" stripped/);
  });
});

describe('a whole package in memory', () => {
  it('payload sorted, then AppxManifest.xml, AppxBlockMap.xml, [Content_Types].xml; the block map matches the zip', () => {
    const exe = Buffer.alloc(200_000, 7);
    const built = buildMsix({
      payload: [
        { path: 'hello.exe', data: exe },
        { path: 'Assets/StoreLogo.png', data: Buffer.from('png!') },
        { path: 'docs/a b.txt', data: Buffer.from('x') },
      ],
      manifest: renderManifest(MODEL),
      date: new Date('2026-03-14T15:09:26Z'),
    });
    const zip = Buffer.concat(built.chunks);
    const dir = readZipDirectory(zip);
    expect(dir.map((e) => e.name)).toEqual(['Assets/StoreLogo.png', 'docs/a%20b.txt', 'hello.exe', 'AppxManifest.xml', 'AppxBlockMap.xml', '[Content_Types].xml']);
    expect(dir.map((e) => e.method)).toEqual([0, 8, 8, 8, 8, 8]);
    expect(built.files.map((f) => f.path)).toEqual(['Assets/StoreLogo.png', 'docs/a b.txt', 'hello.exe', 'AppxManifest.xml']);
    const exeFile = built.files[2]!;
    expect(exeFile.blocks).toHaveLength(4);
    expect(exeFile.blocks[0]!.hash).toBe(createHash('sha256').update(exe.subarray(0, 65536)).digest('base64'));
    expect(exeFile.lfhSize).toBe(30 + 'hello.exe'.length);
    expect(readZipEntry(zip, 'AppxBlockMap.xml')!.toString()).toBe(built.blockMap);
    expect(readZipEntry(zip, 'hello.exe')).toEqual(exe);
  });
});
