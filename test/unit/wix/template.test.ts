import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageError } from '../../../src/util/errors.js';
import { productCode } from '../../../src/msi/wix/guid.js';
import type { PayloadEntry } from '../../../src/msi/wix/payload.js';
import { escapeXml } from '../../../src/msi/wix/escape.js';
import { buildWixSources, PAYLOAD_WXS, PRODUCT_WXS, type BuildWixSourcesOptions } from '../../../src/msi/wix/sources.js';
import {
  DEFAULT_PRODUCT_TEMPLATE,
  inlineFragment,
  renderProductWxs,
  renderTemplate,
  templateNames,
  type TemplateData,
} from '../../../src/msi/wix/template.js';
import { repoRoot, tempDir, UPGRADE_CODE } from '../../fixtures/wix/support.js';

const render = (source: string, vars: TemplateData['vars'] = {}, blocks: TemplateData['blocks'] = {}): string =>
  renderTemplate(source, { vars, blocks }, 't.wxs');

describe('renderTemplate', () => {
  it('inserts values XML-escaped, with $ doubled for the WiX preprocessor', () => {
    expect(render('<A B="{{v}}">{{ v }}</A>', { v: `R&D <"it's"> $(x)` })).toBe(
      '<A B="R&amp;D &lt;&quot;it&apos;s&quot;&gt; $$(x)">R&amp;D &lt;&quot;it&apos;s&quot;&gt; $$(x)</A>',
    );
    expect(render('{{n}}', { n: 1033 })).toBe('1033');
    expect(render('{{v}}', { v: 'a\tb\nc\rd' })).toBe('a&#9;b&#10;c&#13;d');
  });

  it('keeps or drops blocks, repeats lists, and inverts', () => {
    const src = '{{#on}}[on]{{/on}}{{#off}}[off]{{/off}}{{^off}}[not off]{{/off}}{{^on}}[not on]{{/on}}';
    expect(render(src, {}, { on: true, off: false })).toBe('[on][not off]');
    expect(render('{{#items}}<{{name}}:{{outer}}>{{/items}}{{^items}}none{{/items}}', { outer: 'o' }, { items: [{ name: 'a' }, { name: 'b' }] })).toBe(
      '<a:o><b:o>',
    );
    expect(render('{{#items}}x{{/items}}{{^items}}none{{/items}}', {}, { items: [] })).toBe('none');
    expect(render('{{#items}}{{#flag}}+{{/flag}}{{/items}}', {}, { items: [{ flag: true }, { flag: false }] })).toBe('+');
  });

  it('removes lines holding only block tags and comments, keeps everything else', () => {
    const src = ['<a>', '  {{#b}}', '  <b/>', '  {{/b}}', '  {{! a comment', '      on two lines }}', '  <c x="{{v}}"/>{{#b}} inline{{/b}}', '</a>', ''].join('\n');
    expect(render(src, { v: '1' }, { b: true })).toBe('<a>\n  <b/>\n  <c x="1"/> inline\n</a>\n');
    expect(render(src, { v: '1' }, { b: false })).toBe('<a>\n  <c x="1"/>\n</a>\n');
  });

  it.each<[string, string, TemplateData['vars'], TemplateData['blocks'], RegExp]>([
    ['unknown placeholder', 'x\n{{nope}}', {}, {}, /^t\.wxs:2: unknown placeholder "nope"$/],
    ['unknown block', '{{#nope}}{{/nope}}', {}, {}, /t\.wxs:1: unknown placeholder "nope"/],
    ['undefined value', '{{v}}', { v: undefined }, {}, /t\.wxs:1: placeholder "v" has no value/],
    ['empty value', '{{v}}', { v: '' }, {}, /placeholder "v" has no value/],
    ['block as value', '{{b}}', {}, { b: true }, /"b" is a block, not a value/],
    ['value as block', '{{#v}}{{/v}}', { v: 'x' }, {}, /"v" is a value, not a block/],
    ['undefined block', '{{#b}}{{/b}}', {}, { b: undefined }, /block "b" has no value/],
    ['unclosed block', 'a\n{{#b}}\nc', {}, { b: true }, /t\.wxs:2: block \{\{#b\}\} is never closed/],
    ['mismatched close', '{{#a}}\n{{/b}}', {}, { a: true, b: true }, /t\.wxs:2: \{\{\/b\}\} closes \{\{#a\}\} opened on line 1/],
    ['stray close', '{{/a}}', {}, { a: true }, /closes a block that was never opened/],
    ['malformed tag', '{{a b}}', {}, {}, /malformed tag "\{\{a b\}\}"/],
    ['triple mustache', '{{{raw}}}', { raw: 'x' }, {}, /malformed tag/],
    ['unbalanced braces', 'x {{ y', {}, {}, /t\.wxs:1: unbalanced/],
    ['control character', '{{v}}', { v: 'a\u0001' }, {}, /control character/],
  ])('%s is an error naming template, line and name', (_label, src, vars, blocks, message) => {
    expect(() => render(src, vars, blocks)).toThrowError(message);
    expect(() => render(src, vars, blocks)).toThrowError(StageError);
  });

  it('refuses a name given both as value and block', () => {
    expect(() => render('', { a: 'x' }, { a: true })).toThrowError(/a given both as a value and as a block/);
  });

  it('escapeXml escapes both quote styles', () => {
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&apos;');
  });
});

describe('product template', () => {
  it('documents every placeholder it uses in wix-templates/README.md', async () => {
    const names = templateNames(await readFile(DEFAULT_PRODUCT_TEMPLATE, 'utf8'));
    const readme = await readFile(path.join(repoRoot, 'wix-templates/README.md'), 'utf8');
    for (const name of [...names.vars, ...names.blocks]) expect(readme, name).toContain(`\`${name}\``);
    expect(names.blocks).toEqual(['addToPath', 'hasName', 'homepage', 'installDirUi', 'license', 'perUser', 'productIcon', 'registry', 'registryValues', 'shortcut']);
  });
});

const payload: PayloadEntry[] = [
  { relativePath: 'hello.exe', sourcePath: '/p/hello.exe', kind: 'file' },
  { relativePath: 'docs/README.md', sourcePath: '/p/docs/README.md', kind: 'file' },
];
const base: BuildWixSourcesOptions = {
  productName: 'Hello',
  manufacturer: 'Acme & Sons',
  version: '1.2.3',
  upgradeCode: UPGRADE_CODE.toLowerCase(),
  arch: 'x64',
  payload,
  fragment: { sourceRoot: 'payload' },
};
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

describe('buildWixSources', () => {
  it('returns product.wxs and payload.wxs with derived codes', async () => {
    const s = await buildWixSources(base);
    expect(Object.keys(s.files).sort()).toEqual([PAYLOAD_WXS, PRODUCT_WXS]);
    expect(s.productCode).toBe(productCode({ upgradeCode: UPGRADE_CODE, version: '1.2.3', arch: 'x64' }));
    const product = parser.parse(s.files[PRODUCT_WXS]!).Wix.Product;
    expect(product).toMatchObject({
      Id: s.productCode,
      UpgradeCode: UPGRADE_CODE,
      Version: '1.2.3',
      Manufacturer: 'Acme & Sons',
      Language: '1033',
      Codepage: '1252',
    });
    expect(product.Package).toMatchObject({ InstallerVersion: '200', InstallScope: 'perMachine' });
    expect(product.MediaTemplate).toMatchObject({ EmbedCab: 'yes' });
    expect(product.Directory.Directory.Id).toBe('ProgramFiles64Folder');
    expect(s.files[PRODUCT_WXS]).not.toMatch(/\n\s*\n\s*\n/);
    expect(s.warnings).toEqual([]);
  });

  it('chooses folders, installer version and registry root from arch and scope', async () => {
    const x86 = parser.parse((await buildWixSources({ ...base, arch: 'x86' })).files[PRODUCT_WXS]!).Wix.Product;
    expect(x86.Directory.Directory.Id).toBe('ProgramFilesFolder');
    expect(x86.Package.InstallerVersion).toBe('200');
    const arm = parser.parse((await buildWixSources({ ...base, arch: 'arm64' })).files[PRODUCT_WXS]!).Wix.Product;
    expect(arm.Directory.Directory.Id).toBe('ProgramFiles64Folder');
    expect(arm.Package.InstallerVersion).toBe('500');
    const user = await buildWixSources({ ...base, scope: 'perUser', registry: [{ key: 'Software\\Acme', value: 'x' }] });
    const up = parser.parse(user.files[PRODUCT_WXS]!).Wix.Product;
    expect(up.Package).toMatchObject({ InstallScope: 'perUser', InstallerVersion: '500' });
    expect(up.Property).toEqual([
      { Id: 'ALLUSERS', Value: '2' },
      { Id: 'MSIINSTALLPERUSER', Value: '1' },
      { Id: 'ARPCONTACT', Value: base.manufacturer },
    ]);
    expect(user.files[PRODUCT_WXS]).toContain('Root="HKCU"');
  });

  it('puts the service into the component of its binary', async () => {
    const s = await buildWixSources({ ...base, service: { binary: 'hello.exe', name: 'hello', description: 'Says hello' } });
    expect(s.files[PAYLOAD_WXS]).toMatch(/Name="hello\.exe"[^\n]*\n\s*<ServiceInstall [^\n]*Name="hello"[^\n]*\n\s*<ServiceControl /);
  });

  it('refuses bad settings, listing all of them', async () => {
    const err = await buildWixSources({
      ...base,
      productName: 'Ελληνικά',
      manufacturer: '  ',
      version: '1.2.3-rc.1',
      installDirUi: true,
      registry: [
        { key: 'Software\\Acme', name: 'n', type: 'integer', value: 'abc' },
        { key: '\\Software\\Acme\\', value: 'x' },
        { key: 'software\\acme', name: 'N', value: 'x' },
      ],
      shortcut: { target: 'hello.exe', name: 'bad:name' },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StageError);
    const msg = (err as Error).message;
    for (const part of [
      'productName "Ελληνικά" has characters codepage 1252 cannot hold',
      'manufacturer is empty',
      'version "1.2.3-rc.1" is not an MSI ProductVersion',
      'installDirUi needs a license',
      'registry[0].value "abc" is not an integer',
      'registry[1].key "\\Software\\Acme\\" must not start or end with a backslash',
      'registry[2] writes software\\acme\\N a second time',
      'shortcut.name "bad:name" names a file or folder',
    ]) {
      expect(msg).toContain(part);
    }
  });

  it('refuses shortcut and service targets that are not payload files', async () => {
    await expect(buildWixSources({ ...base, shortcut: { target: 'nope.exe' } })).rejects.toThrowError(/shortcut\.target "nope\.exe" is not a file/);
    await expect(buildWixSources({ ...base, service: { binary: 'docs', name: 's' } })).rejects.toThrowError(/service\.binary "docs" is not a file/);
  });

  it('checks payload names (with wixl limits when asked)', async () => {
    const bad = [...payload, { relativePath: 'a$(b).txt', sourcePath: '/p/x', kind: 'file' as const }];
    await expect(buildWixSources({ ...base, payload: bad })).resolves.toBeDefined();
    await expect(buildWixSources({ ...base, payload: bad, wixl: true })).rejects.toThrowError(/a\$\(b\)\.txt/);
    await expect(buildWixSources({ ...base, productName: 'Cost $(x)', installDirName: 'Cost', wixl: true })).rejects.toThrowError(
      /productName "Cost \$\(x\)" holds "\$\(", which wixl 0\.101 cannot escape/,
    );
  });

  it('warns when a license has no UI to show it', async () => {
    const s = await buildWixSources({ ...base, license: 'license.rtf' });
    expect(s.warnings[0]).toMatch(/license license\.rtf is only shown by the InstallDir UI/);
  });
});

describe('renderProductWxs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(async () => cleanup());

  it('renders a user template from a path, strictly', async () => {
    const custom = path.join(dir, 'custom.wxs');
    await writeFile(custom, '<?xml version="1.0"?>\n<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">\n  <!-- {{productName}} -->\n</Wix>\n');
    await expect(renderProductWxs({ template: custom, vars: { productName: 'Hi & co' }, blocks: {} })).resolves.toContain('<!-- Hi &amp; co -->');
    await writeFile(custom, '<Wix>\n{{productNmae}}\n</Wix>\n');
    await expect(renderProductWxs({ template: custom, vars: { productName: 'x' }, blocks: {} })).rejects.toThrowError(
      `${custom}:2: unknown placeholder "productNmae"`,
    );
  });

  it('refuses a missing template and one that renders to malformed XML', async () => {
    await expect(renderProductWxs({ template: path.join(dir, 'missing.wxs'), vars: {}, blocks: {} })).rejects.toThrowError(
      /Cannot read the WiX product template .*missing\.wxs/,
    );
    const broken = path.join(dir, 'broken.wxs');
    await writeFile(broken, '<Wix>\n<Product>\n</Wix>\n');
    await expect(renderProductWxs({ template: broken, vars: {}, blocks: {} })).rejects.toThrowError(/rendered to malformed XML/);
  });

  it('can inline the payload fragment into a single source', async () => {
    const s = await buildWixSources(base);
    const single = inlineFragment(s.files[PRODUCT_WXS]!, s.files[PAYLOAD_WXS]!);
    const wix = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'Fragment' }).parse(single).Wix;
    expect(wix.Product).toBeDefined();
    expect(wix.Fragment).toHaveLength(2);
    expect(single.match(/<\?xml/g)).toHaveLength(1);
  });
});
