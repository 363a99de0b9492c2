import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { componentGuid } from '../../../src/msi/wix/guid.js';
import { escapePreprocessor } from '../../../src/msi/wix/escape.js';
import {
  findFileComponent,
  harvestTree,
  listComponents,
  renderFragment,
  type HarvestOptions,
} from '../../../src/msi/wix/harvest.js';
import { componentId, directoryId, fileId } from '../../../src/msi/wix/ids.js';
import type { PayloadEntry } from '../../../src/msi/wix/payload.js';
import { UPGRADE_CODE } from '../../fixtures/wix/support.js';

const entry = (relativePath: string, kind: 'file' | 'dir' = 'file'): PayloadEntry => ({
  relativePath,
  sourcePath: `/stage/payload/${relativePath}`,
  kind,
});
const tree = (...paths: string[]): PayloadEntry[] => paths.map((p) => (p.endsWith('/') ? entry(p.slice(0, -1), 'dir') : entry(p)));
const x64: HarvestOptions = { arch: 'x64', upgradeCode: UPGRADE_CODE };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['Component', 'Directory', 'File', 'ComponentRef', 'Fragment'].includes(name),
});
// fast-xml-parser output is untyped.
type Parsed = Record<string, any>;

function allFiles(xml: string): Array<{ Id: string; Name: string; Source: string }> {
  const out: Array<{ Id: string; Name: string; Source: string }> = [];
  const walk = (dir: Parsed): void => {
    for (const c of dir.Component ?? []) out.push(...(c.File ?? []));
    for (const d of dir.Directory ?? []) walk(d);
  };
  walk((parser.parse(xml) as Parsed).Wix.Fragment[0].DirectoryRef);
  return out;
}

describe('harvestTree + renderFragment', () => {
  const sample = tree('hello.exe', 'docs/README.md', 'docs/empty/', 'lib/a/b/c.dll', 'Zeta.txt', 'alpha.txt');

  it('writes the documented layout (golden)', () => {
    const xml = renderFragment(harvestTree(tree('app.exe', 'data/'), x64), { sourceRoot: '$(var.PayloadDir)' });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
        '  <Fragment>',
        '    <DirectoryRef Id="INSTALLFOLDER">',
        `      <Component Id="${componentId('app.exe')}" Guid="${componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: 'app.exe' })}" Win64="yes">`,
        `        <File Id="${fileId('app.exe')}" Name="app.exe" Source="$(var.PayloadDir)/app.exe" KeyPath="yes"/>`,
        '      </Component>',
        `      <Directory Id="${directoryId('data')}" Name="data">`,
        `        <Component Id="${componentId('data')}" Guid="${componentGuid({ upgradeCode: UPGRADE_CODE, arch: 'x64', relativePath: 'data' })}" Win64="yes">`,
        '          <CreateFolder/>',
        '        </Component>',
        '      </Directory>',
        '    </DirectoryRef>',
        '  </Fragment>',
        '  <Fragment>',
        '    <ComponentGroup Id="ProductComponents">',
        `      <ComponentRef Id="${componentId('app.exe')}"/>`,
        `      <ComponentRef Id="${componentId('data')}"/>`,
        '    </ComponentGroup>',
        '  </Fragment>',
        '</Wix>',
        '',
      ].join('\n'),
    );
  });

  it('is byte-identical run to run, whatever the input order', () => {
    const a = renderFragment(harvestTree(sample, x64), { sourceRoot: 'payload' });
    const b = renderFragment(harvestTree([...sample].reverse(), x64), { sourceRoot: 'payload' });
    const c = renderFragment(harvestTree(structuredClone(sample), x64), { sourceRoot: 'payload' });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a).not.toContain('\r');
    expect(a.endsWith('</Wix>\n')).toBe(true);
  });

  it('puts one file per component, the file as KeyPath, and every component in the group', () => {
    const model = harvestTree(sample, x64);
    const components = listComponents(model);
    expect(components.filter((c) => c.file).map((c) => c.file!.relativePath)).toEqual([
      'Zeta.txt',
      'alpha.txt',
      'hello.exe',
      'docs/README.md',
      'lib/a/b/c.dll',
    ]);
    expect(components.filter((c) => c.createFolder).map((c) => c.relativePath)).toEqual(['docs/empty']);
    const parsed = parser.parse(renderFragment(model)) as Parsed;
    const refs = parsed.Wix.Fragment[1].ComponentGroup.ComponentRef.map((r: Parsed) => r.Id);
    expect(refs).toEqual(components.map((c) => c.id));
    for (const f of allFiles(renderFragment(model))) expect(f).toMatchObject({ KeyPath: 'yes' });
  });

  it('keeps Id and GUID of unchanged files across versions; added/moved files get new ones', () => {
    const v1 = harvestTree(tree('app.exe', 'old.txt', 'docs/guide.md'), x64);
    const v2 = harvestTree(tree('app.exe', 'new.txt', 'manual/guide.md'), x64);
    const unchanged1 = findFileComponent(v1, 'app.exe')!;
    const unchanged2 = findFileComponent(v2, 'APP.EXE')!;
    expect(unchanged2.id).toBe(unchanged1.id);
    expect(unchanged2.guid).toBe(unchanged1.guid);
    expect(unchanged2.file!.id).toBe(unchanged1.file!.id);

    const moved1 = findFileComponent(v1, 'docs/guide.md')!;
    const moved2 = findFileComponent(v2, 'manual/guide.md')!;
    expect(moved2.guid).not.toBe(moved1.guid);
    expect(moved2.id).not.toBe(moved1.id);

    expect(findFileComponent(v2, 'old.txt')).toBeUndefined();
    const added = findFileComponent(v2, 'new.txt')!;
    expect(listComponents(v1).map((c) => c.guid)).not.toContain(added.guid);
  });

  it('gives x86 and x64 different GUIDs and writes Win64 only for 64-bit', () => {
    const m86 = harvestTree(tree('app.exe'), { ...x64, arch: 'x86' });
    const m64 = harvestTree(tree('app.exe'), x64);
    const marm = harvestTree(tree('app.exe'), { ...x64, arch: 'arm64' });
    expect(new Set([m86, m64, marm].map((m) => listComponents(m)[0]!.guid)).size).toBe(3);
    expect(listComponents(m86)[0]!.id).toBe(listComponents(m64)[0]!.id);
    expect(renderFragment(m86)).not.toContain('Win64');
    expect(renderFragment(m64)).toContain('Win64="yes"');
    expect(renderFragment(marm)).toContain('Win64="yes"');
    expect(renderFragment(harvestTree(tree('app.exe'), { ...x64, win64: false }))).not.toContain('Win64');
  });

  it('escapes nasty names so they parse back unchanged', () => {
    const nasty = [
      "R&D it's.txt",
      'a & b/c&d.txt',
      'spaces  in  name .x',
      'naïve café ü.txt',
      'quote"d.txt',
      'less<more>.txt',
      '€uro ‰ Œ.txt',
      'dollar $x $(var.Foo) $$.txt',
      'amp-entity &amp; &#38;.txt',
      '日本語.txt',
    ];
    const xml = renderFragment(harvestTree(tree(...nasty), x64), { sourceRoot: '$(var.PayloadDir)' });
    expect(xml).toContain('Source="$(var.PayloadDir)/R&amp;D it&apos;s.txt"');
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    const parsed = allFiles(xml);
    const unescape = (s: string): string => s.replaceAll('$$', '$');
    expect(parsed.map((f) => unescape(f.Name)).sort()).toEqual(nasty.map((n) => n.split('/').pop()).sort());
    expect(parsed.map((f) => unescape(f.Source.replace('$(var.PayloadDir)/', ''))).sort()).toEqual([...nasty].sort());
    // The `$` of the prefix stays a variable, the `$` of the name is doubled for the preprocessor.
    expect(xml).toContain('Name="dollar $$x $$(var.Foo) $$$$.txt"');
  });

  it('writes Source from a prefix, relative to a folder, or absolute', () => {
    const model = harvestTree([{ relativePath: 'bin/app.exe', sourcePath: '/stage/payload/bin/app.exe', kind: 'file' }], x64);
    expect(allFiles(renderFragment(model, { sourceRoot: 'payload/' }))[0]!.Source).toBe('payload/bin/app.exe');
    expect(allFiles(renderFragment(model, { sourceRelativeTo: '/stage' }))[0]!.Source).toBe('payload/bin/app.exe');
    expect(allFiles(renderFragment(model))[0]!.Source).toBe('/stage/payload/bin/app.exe');
    expect(() => renderFragment(model, { sourceRoot: 'a', sourceRelativeTo: 'b' })).toThrowError(/either sourceRoot or sourceRelativeTo/);
  });

  it('writes NFC names (a macOS-decomposed é installs as é)', () => {
    const xml = renderFragment(harvestTree(tree('cafe\u0301.txt'), x64), { sourceRoot: 'p' });
    expect(allFiles(xml)[0]!.Name).toBe('caf\u00e9.txt');
    expect(allFiles(xml)[0]!.Source).toBe('p/cafe\u0301.txt');
  });

  it('injects elements into the component of a given file', () => {
    const model = harvestTree(tree('bin/svc.exe', 'other.txt'), {
      ...x64,
      inject: { 'bin/svc.exe': [{ name: 'ServiceInstall', attributes: { Id: 'svi1', Name: 'svc $1 & co' } }] },
    });
    expect(findFileComponent(model, 'bin/svc.exe')!.children).toHaveLength(1);
    const xml = renderFragment(model);
    expect(xml).toMatch(/<File Id="[^"]+" Name="svc\.exe"[^>]*\/>\n\s+<ServiceInstall Id="svi1" Name="svc \$\$1 &amp; co"\/>/);
    expect(() => harvestTree(tree('a.exe'), { ...x64, inject: { 'b.exe': [], 'c.exe': [] } })).toThrowError(
      /not files of the payload: b\.exe, c\.exe/,
    );
  });

  it('uses the given DirectoryRef and ComponentGroup, and refuses illegal Ids', () => {
    const xml = renderFragment(harvestTree(tree('a.txt'), { ...x64, dirRef: 'APPDIR', componentGroup: 'Payload' }));
    expect(xml).toContain('<DirectoryRef Id="APPDIR">');
    expect(xml).toContain('<ComponentGroup Id="Payload">');
    expect(() => harvestTree(tree('a.txt'), { ...x64, dirRef: 'bad-id' })).toThrowError(/DirectoryRef Id "bad-id"/);
    expect(() => harvestTree(tree('a.txt'), { ...x64, upgradeCode: 'nope' })).toThrowError(/UpgradeCode "nope" is not a GUID/);
  });

  it('refuses the same path twice (ignoring case) and a path that is both file and folder', () => {
    expect(() => harvestTree(tree('App.exe', 'app.exe', 'b', 'B'), x64)).toThrowError(/App\.exe <-> app\.exe\n {2}- b <-> B/);
    expect(() => harvestTree(tree('a', 'a/b.txt'), x64)).toThrowError(/"a" is listed both as a file and as a folder/);
    expect(() => harvestTree([entry('a', 'dir'), entry('a')], x64)).toThrowError(/same install path/);
  });

  it('refuses control characters, which XML cannot carry', () => {
    expect(() => renderFragment(harvestTree(tree('tab\there.txt'), x64))).toThrowError(/control character/);
  });

  it('lets an empty payload render an empty group', () => {
    const xml = renderFragment(harvestTree([], x64));
    expect(xml).toContain('<DirectoryRef Id="INSTALLFOLDER"/>');
    expect(xml).toContain('<ComponentGroup Id="ProductComponents"/>');
  });

  it('escapePreprocessor doubles every $', () => {
    expect(escapePreprocessor('a$b$$c$(d)')).toBe('a$$b$$$$c$$(d)');
  });
});
