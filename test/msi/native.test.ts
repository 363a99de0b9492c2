import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CabinetBuilder } from '../../src/msi/cabinet.js';
import { openCompoundFile } from '../../src/msi/compoundFile.js';
import { MSI_DATABASE_CLSID, writeCompoundFile } from '../../src/msi/compoundFileWriter.js';
import { encodeDatabase } from '../../src/msi/database/encode.js';
import { TABLES } from '../../src/msi/database/schema.js';
import { decodeStreamName, encodeStreamName } from '../../src/msi/database/streamName.js';
import { buildNativeMsi } from '../../src/msi/native/build.js';
import { chooseCodepage } from '../../src/msi/wix/codepage.js';
import type { PayloadEntry } from '../../src/msi/wix/payload.js';
import { buildWixSources, type BuildWixSourcesOptions } from '../../src/msi/wix/sources.js';
import { createTestPki } from '../support/pki.js';
import { startTsaFleet } from '../support/tsa-fleet.js';
import { createWinePrefix, type WinePrefix } from '../support/wine.js';

// The native MSI writer against independent readers: msitools (msiinfo, msiextract, libgsf's
// Compound File reader), gcab, wixl for the same sources, osslsigncode, and Wine's msiexec.

const UPGRADE_CODE = '0B7E2C4A-6D1F-4A3B-9C8D-7E6F5A4B3C2D';
const DATE = new Date('2026-03-14T15:09:26Z');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-native-msi-'));
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** msiinfo export as rows of columns (header lines dropped). */
async function table(msi: string, name: string): Promise<string[][]> {
  const { stdout } = await execa('msiinfo', ['export', msi, name]);
  return stdout.split(/\r?\n/).slice(3).filter(Boolean).map((l) => l.split('\t'));
}

/** Writes `files` (relative path → contents; a trailing / is an empty folder) under `root`. */
async function makePayload(root: string, files: Record<string, string | Uint8Array>): Promise<PayloadEntry[]> {
  const entries: PayloadEntry[] = [];
  for (const [rel, data] of Object.entries(files)) {
    if (rel.endsWith('/')) {
      await mkdir(join(root, rel), { recursive: true });
      entries.push({ relativePath: rel.slice(0, -1), sourcePath: join(root, rel), kind: 'dir' });
    } else {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), data);
      entries.push({ relativePath: rel, sourcePath: join(root, rel), kind: 'file' });
    }
  }
  return entries;
}

interface Built {
  msi: string;
  workDir: string;
  sources: string[];
}

/** The WiX sources of a package, then the native writer: what the msi stage does, without Go. */
async function buildPackage(name: string, payload: PayloadEntry[], options: Partial<BuildWixSourcesOptions> = {}, filesPerCabinet?: number, direct = false): Promise<Built> {
  const workDir = join(work, name, 'src');
  await mkdir(workDir, { recursive: true });
  const sources = await buildWixSources({
    productName: 'Sample',
    manufacturer: 'Sample & Co',
    version: '1.2.3',
    upgradeCode: UPGRADE_CODE,
    arch: 'x64',
    payload,
    fragment: { sourceRelativeTo: workDir },
    splitCabinets: true, // as the msi stage asks for the native backend
    ...options,
  });
  for (const [f, text] of Object.entries(sources.files)) await writeFile(join(workDir, f), text);
  const msi = join(work, name, `${name}.msi`);
  await buildNativeMsi({
    workDir,
    sources: Object.keys(sources.files).sort(),
    output: msi,
    arch: options.arch ?? 'x64',
    packageCode: '11111111-2222-5333-8444-555555555555',
    date: DATE,
    ...(filesPerCabinet ? { filesPerCabinet } : {}),
    // As the msi stage does: the harvest itself rather than its payload.wxs.
    ...(direct ? { payload: sources.model } : {}),
  });
  return { msi, workDir, sources: Object.keys(sources.files).sort() };
}

/** Every file under `root`, relative path → SHA-256. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) out[relative(root, join(f.parentPath, f.name))] = sha256(readFileSync(join(f.parentPath, f.name)));
  }
  return out;
}

describe('the Compound File container and the database streams', () => {
  it('writes streams of every size (mini stream, FAT, DIFAT past 7 MB) that our reader and msitools read back', async () => {
    const sizes = [0, 1, 63, 64, 4095, 4096, 4097, 100_000, 9_000_000];
    const streams = sizes.map((n, i) => ({ name: `s${i}`, data: randomBytes(n) }));
    const bytes = Buffer.concat(writeCompoundFile(streams));
    const cf = openCompoundFile(bytes);
    for (const s of streams) {
      const entry = cf.entries.find((e) => e.name === s.name)!;
      expect(entry.size).toBe(s.data.byteLength);
      expect(sha256(cf.read(entry, 0, entry.size))).toBe(sha256(s.data));
    }
  });

  it('switches to 3-byte string references past 65,535 strings, and msiinfo reads every row', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => [`Prop${i}`, `value ${i} naïve`]);
    const db = encodeDatabase([{ spec: TABLES.Property, rows }], 1252);
    expect(db.stringRefBytes).toBe(3);
    const msi = join(work, 'strings.msi');
    await writeFile(msi, Buffer.concat(writeCompoundFile(db.streams, MSI_DATABASE_CLSID)));
    const got = await table(msi, 'Property');
    expect(got).toHaveLength(70_000);
    expect(got.find((r) => r[0] === 'Prop69999')).toEqual(['Prop69999', 'value 69999 naïve']);
  });

  it('packs stream names as Windows Installer does', () => {
    for (const name of ['_StringPool', 'Property', 'InstallExecuteSequence', 'cab1.cab', 'Icon.ProductIcon.ico', 'a-b c']) {
      for (const table of [true, false]) expect(decodeStreamName(encodeStreamName(name, table))).toEqual({ name, table });
    }
    // Two alphabet characters per UTF-16 unit after the table prefix U+4840.
    expect(encodeStreamName('_Tables', true)).toBe('\u4840\u3f7f\u4164\u422f\u4836');
  });
});

describe('cabinets', () => {
  it('gcab lists and extracts every file byte for byte, dated with the release date', async () => {
    const files = { 'a.txt': new TextEncoder().encode('hello\n'), empty: new Uint8Array(0), 'rand.bin': randomBytes(200_000), zeros: new Uint8Array(100_000) };
    const cab = new CabinetBuilder(DATE);
    for (const [n, d] of Object.entries(files)) await cab.add(n, d);
    const [one] = await cab.finish();
    const path = join(work, 'test.cab');
    await writeFile(path, Buffer.concat(one!.chunks));
    const listing = (await execa('gcab', ['--list-details', path], { env: { TZ: 'UTC' } })).stdout.trim().split('\n');
    expect(listing).toEqual(Object.entries(files).map(([n, d]) => `${n} ${d.byteLength} 2026-03-14 15:09:26 0x20`));
    const out = join(work, 'cab-out');
    await mkdir(out);
    await execa('gcab', ['-x', '-C', out, path]);
    for (const [n, d] of Object.entries(files)) expect(sha256(readFileSync(join(out, n))), n).toBe(sha256(d));
  });

  it('starts a new cabinet (and Media row) when one is full', async () => {
    const payload = await makePayload(join(work, 'split-payload'), Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`])));
    const { msi } = await buildPackage('split', payload, {}, 10);
    expect(await table(msi, 'Media')).toEqual([
      ['1', '10', '', '#cab1.cab', '', ''],
      ['2', '20', '', '#cab2.cab', '', ''],
      ['3', '25', '', '#cab3.cab', '', ''],
    ]);
    const out = join(work, 'split-out');
    await execa('msiextract', ['-C', out, msi]);
    expect(Object.keys(tree(join(out, 'Sample')))).toHaveLength(25);
  });

  it('holds 65,536 files: the 65,536th goes into a second cabinet', { timeout: 600_000 }, async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 65_536; i++) files[`d${Math.floor(i / 1000)}/f${i}.txt`] = `${i}\n`;
    const payload = await makePayload(join(work, 'many-payload'), files);
    const { msi } = await buildPackage('many', payload);
    expect(await table(msi, 'Media')).toEqual([
      ['1', '65535', '', '#cab1.cab', '', ''],
      ['2', '65536', '', '#cab2.cab', '', ''],
    ]);
    expect((await execa('msiinfo', ['streams', msi])).stdout.split('\n').sort()).toEqual(expect.arrayContaining(['cab1.cab', 'cab2.cab']));
    expect((await table(msi, 'File')).length).toBe(65_536);
  });
});

describe('the WiX sources, compiled natively and by wixl', () => {
  let payload: PayloadEntry[];
  let native: Built;
  let wixlMsi: string;
  const options: Partial<BuildWixSourcesOptions> = {
    shortcut: { target: 'bin/tool.exe' },
    registry: [{ key: 'Software\\Sample', name: 'InstallDir', value: '[INSTALLFOLDER]' }],
  };
  beforeAll(async () => {
    payload = await makePayload(join(work, 'same-payload'), {
      'bin/tool.exe': randomBytes(50_000),
      'docs/R&D notes.txt': 'r&d\n',
      'docs/a much longer name than eight.md': '# long\n',
      'README.md': 'readme\n',
      'empty/': '',
    });
    native = await buildPackage('same', payload, options);
    wixlMsi = join(work, 'same', 'wixl.msi');
    await execa('wixl', ['-a', 'x64', '-o', wixlMsi, ...native.sources], { cwd: native.workDir });
  });

  const longName = (column: string) => column.split('|').at(-1)!;

  it('gives the same directories, components, files, features, registry values, shortcuts and upgrade rules', async () => {
    const same = async (name: string, pick: (r: string[]) => unknown[]) => {
      const [a, b] = [(await table(native.msi, name)).map(pick), (await table(wixlMsi, name)).map(pick)];
      const sort = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
      expect(sort(a as unknown[][]), name).toEqual(sort(b as unknown[][]));
    };
    await same('Directory', (r) => [r[0], r[1], longName(r[2]!)]);
    // Registry-keyed components: wixl and we name the Registry rows differently (both derived).
    await same('Component', (r) => [r[0], r[1], r[2], r[3], r[5]!.startsWith('reg') ? 'reg' : r[5]]);
    await same('File', (r) => [r[0], r[1], longName(r[2]!), r[3], r[6]]);
    await same('FeatureComponents', (r) => r);
    await same('Feature', (r) => [r[0], r[2], r[5]]);
    await same('Registry', (r) => r.slice(1));
    await same('Shortcut', (r) => [r[0], r[1], longName(r[2]!), r[3], r[4], r[11]]);
    await same('Upgrade', (r) => r);
    await same('CreateFolder', (r) => r);
    await same('RemoveFile', (r) => r);
    await same('Property', (r) => r);
  });

  it('msidump writes out every table', async () => {
    const out = join(work, 'same-dump');
    await mkdir(out);
    await execa('msidump', ['-d', out, native.msi]);
    const dumped = readdirSync(out).filter((f) => f.endsWith('.idt')).map((f) => f.slice(0, -4));
    const tables = (await execa('msiinfo', ['tables', native.msi])).stdout.split('\n').filter((t) => !t.startsWith('_'));
    expect(dumped).toEqual(expect.arrayContaining(tables));
    expect(readFileSync(join(out, 'File.idt'), 'latin1')).toContain('tool.exe');
  });

  it('is read back by msitools: the payload extracts byte for byte', async () => {
    const out = join(work, 'same-out');
    await execa('msiextract', ['-C', out, native.msi]);
    const expected = Object.fromEntries(payload.filter((p) => p.kind === 'file').map((p) => [p.relativePath, sha256(readFileSync(p.sourcePath))]));
    expect(tree(join(out, 'Sample'))).toEqual(expected);
  });

  it('uses the table stream names wixl uses', () => {
    const names = (file: string) => openCompoundFile(readFileSync(file)).entries.filter((e) => e.type === 'stream').map((e) => decodeStreamName(e.name));
    const wixlTables = names(wixlMsi).filter((n) => n.table).map((n) => n.name);
    const ours = new Set(names(native.msi).filter((n) => n.table).map((n) => n.name));
    for (const t of ['_StringPool', '_StringData', '_Tables', '_Columns', 'File', 'Component', 'Directory', 'Media']) {
      expect(wixlTables).toContain(t);
      expect(ours.has(t), t).toBe(true);
    }
  });

  it('reads the harvest directly into the same bytes as parsing its payload.wxs', async () => {
    const direct = await buildPackage('same-direct', payload, { ...options, service: { binary: 'bin/tool.exe', name: 'toold', arguments: 'run $HOME' } }, undefined, true);
    const parsed = await buildPackage('same-parsed', payload, { ...options, service: { binary: 'bin/tool.exe', name: 'toold', arguments: 'run $HOME' } });
    expect(sha256(readFileSync(direct.msi))).toBe(sha256(readFileSync(parsed.msi)));
  });

  it('is byte-identical when built again from another folder, later', async () => {
    const again = join(work, 'same-again');
    const moved = await makePayload(join(again, 'payload'), Object.fromEntries(payload.filter((p) => p.kind === 'file').map((p) => [p.relativePath, readFileSync(p.sourcePath)])));
    const built = await buildPackage('same-again', [...moved, { relativePath: 'empty', sourcePath: join(again, 'payload', 'empty'), kind: 'dir' }], options);
    expect(sha256(readFileSync(built.msi))).toBe(sha256(readFileSync(native.msi)));
  });
});

describe('what the native backend refuses', () => {
  it('names every element and attribute of a template it does not build', async () => {
    const payload = await makePayload(join(work, 'refuse-payload'), { 'a.txt': 'a' });
    const workDir = join(work, 'refuse');
    await mkdir(workDir, { recursive: true });
    const sources = await buildWixSources({ productName: 'P', manufacturer: 'M', version: '1.0.0', upgradeCode: UPGRADE_CODE, arch: 'x64', payload, fragment: { sourceRelativeTo: workDir } });
    const product = sources.files['product.wxs']!
      .replace('<MediaTemplate EmbedCab="yes" />', '<MediaTemplate EmbedCab="yes" /><UIRef Id="WixUI_Minimal" /><Property Id="X" Value="$(var.Thing)" />')
      .replace('<Feature Id="ProductFeature"', '<Feature Id="ProductFeature" Frobnicate="yes"');
    await writeFile(join(workDir, 'product.wxs'), product);
    await writeFile(join(workDir, 'payload.wxs'), sources.files['payload.wxs']!);
    const err = await buildNativeMsi({ workDir, sources: ['payload.wxs', 'product.wxs'], output: join(workDir, 'x.msi'), arch: 'x64', packageCode: '11111111-2222-5333-8444-555555555555', date: DATE }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('product.wxs: Wix/Product/UIRef: <UIRef> is not supported by the native MSI backend: the native backend has no WiX UI dialogs');
    expect(message).toContain('Value="$(var.Thing)" uses a preprocessor variable');
    expect(message).toContain('Wix/Product/Feature: attribute Frobnicate is not supported');
    expect(existsSync(join(workDir, 'x.msi'))).toBe(false);
  });

  it('chooses one ANSI codepage per package, and none for a package mixing Greek and Japanese', () => {
    expect(chooseCodepage(['readme.txt', 'naïve café.txt'])).toBe(1252);
    expect(chooseCodepage(['ελληνικά.md'])).toBe(1253);
    expect(chooseCodepage(['русский.txt'])).toBe(1251);
    expect(chooseCodepage(['日本語.txt'])).toBe(932);
    expect(chooseCodepage(['ελληνικά.md', '日本語.txt'])).toBeUndefined(); // 932 has Greek letters, but not ά or ή
    expect(chooseCodepage(['αβγ.txt', '日本語.txt'])).toBe(932);
    expect(chooseCodepage(['ελληνικά.md', 'русский.txt', 'ünï.txt'])).toBeUndefined();
  });
});

describe('the hostile payload tree', () => {
  it('round-trips quotes, &, 180-character names, 18 levels and empty folders through msiextract', async () => {
    const deep = Array.from({ length: 18 }, (_, i) => `level${i}`).join('/');
    const long = `${'n'.repeat(176)}.txt`;
    const files = { [`${deep}/deep.txt`]: 'deep\n', [`q'uote & amp/${long}`]: 'long\n', 'spaces in name.txt': 'x\n', 'price $5 $(x).txt': '$\n', 'empty one/': '', [`${deep}/empty/`]: '' };
    const payload = await makePayload(join(work, 'hostile-payload'), files);
    const { msi } = await buildPackage('hostile', payload);
    const out = join(work, 'hostile-out');
    await execa('msiextract', ['-C', out, msi]);
    expect(tree(join(out, 'Sample'))).toEqual({
      [`${deep}/deep.txt`]: sha256(Buffer.from('deep\n')),
      [`q'uote & amp/${long}`]: sha256(Buffer.from('long\n')),
      'spaces in name.txt': sha256(Buffer.from('x\n')),
      'price $5 $(x).txt': sha256(Buffer.from('$\n')),
    });
    // The stage's way (the harvest read directly) gives the same bytes as parsing payload.wxs.
    const direct = await buildPackage('hostile-direct', payload, {}, undefined, true);
    expect(sha256(readFileSync(direct.msi))).toBe(sha256(readFileSync(msi)));
    // Empty folders are components of their own that create the folder.
    expect((await table(msi, 'CreateFolder')).length).toBe(2);
  });
});

describe('signing', () => {
  it('osslsigncode signs a native MSI with an RFC 3161 timestamp and verifies it; msitools still reads it', async () => {
    const pki = await createTestPki(join(work, 'pki'));
    const fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'tsa' }]);
    try {
      const payload = await makePayload(join(work, 'sign-payload'), { 'a.txt': 'a\n' });
      const { msi } = await buildPackage('sign', payload);
      const signed = join(work, 'sign', 'signed.msi');
      await execa('osslsigncode', ['sign', '-pkcs12', pki.codeSigning.pfxPath, '-readpass', pki.codeSigning.pfxPasswordFile, '-h', 'sha256', '-ts', fleet.url('tsa'), '-in', msi, '-out', signed]);
      const verify = await execa('osslsigncode', ['verify', '-CAfile', pki.rootBundlePath, '-TSA-CAfile', pki.rootBundlePath, '-in', signed], { reject: false });
      expect(verify.stdout).toContain('Timestamp Server Signature verification: ok');
      expect(verify.stdout).toContain('Signature verification: ok');
      expect(verify.exitCode).toBe(0);
      expect((await execa('msiinfo', ['streams', signed])).stdout).toContain('DigitalSignature');
      expect((await table(signed, 'File'))[0]![2]).toBe('a.txt');
    } finally {
      await fleet.stop();
    }
  });
});

describe('Wine msiexec installs native packages', () => {
  let wine: WinePrefix;
  beforeAll(async () => {
    wine = await createWinePrefix(join(work, 'wine', 'prefix'));
  }, 300_000);

  it('installs names in Greek, Japanese and Cyrillic (one script per package) and uninstalls them', { timeout: 300_000 }, async () => {
    for (const [script, name, codepage] of [
      ['greek', 'ελληνικά.txt', '1253'],
      ['japanese', '日本語のファイル.txt', '932'],
      ['cyrillic', 'русский текст.txt', '1251'],
    ] as const) {
      const payload = await makePayload(join(work, `${script}-payload`), { [name]: `${script}\n`, 'plain.txt': 'plain\n' });
      const codepageOf = chooseCodepage([name])!;
      const { msi } = await buildPackage(script, payload, { productName: `Sample ${script}`, codepage: codepageOf });
      expect(String(codepageOf)).toBe(codepage);
      const out = join(work, `${script}-out`);
      await execa('msiextract', ['-C', out, msi]);
      expect(readFileSync(join(out, `Sample ${script}`, name), 'utf8')).toBe(`${script}\n`);
      await wine.run(['msiexec', '/i', msi, '/qn']);
      const installed = join(wine.driveC, 'Program Files', `Sample ${script}`);
      expect(readdirSync(installed).sort()).toEqual([name, 'plain.txt'].sort());
      await wine.run(['msiexec', '/x', msi, '/qn']);
      expect(existsSync(installed)).toBe(false);
    }
  });

  it('upgrades 1.0.0 to 1.1.0 in place: the removed file is gone, the moved one in its new folder; 1.0.0 is then refused', { timeout: 300_000 }, async () => {
    const v1 = await makePayload(join(work, 'up1-payload'), { 'keep.txt': 'keep\n', 'gone.txt': 'gone\n', 'moved.txt': 'moved\n' });
    const v2 = await makePayload(join(work, 'up2-payload'), { 'keep.txt': 'keep 2\n', 'sub/moved.txt': 'moved\n' });
    const one = await buildPackage('up1', v1, { productName: 'Upgrader', version: '1.0.0' });
    const two = await buildPackage('up2', v2, { productName: 'Upgrader', version: '1.1.0' });
    const installed = join(wine.driveC, 'Program Files', 'Upgrader');
    await wine.run(['msiexec', '/i', one.msi, '/qn']);
    expect(Object.keys(tree(installed)).sort()).toEqual(['gone.txt', 'keep.txt', 'moved.txt']);
    await wine.run(['msiexec', '/i', two.msi, '/qn']);
    expect(tree(installed)).toEqual({ 'keep.txt': sha256(Buffer.from('keep 2\n')), 'sub/moved.txt': sha256(Buffer.from('moved\n')) });
    const down = await wine.run(['msiexec', '/i', one.msi, '/qn'], { reject: false });
    expect(down.exitCode).not.toBe(0);
    expect(Object.keys(tree(installed)).sort()).toEqual(['keep.txt', 'sub/moved.txt']);
    await wine.run(['msiexec', '/x', two.msi, '/qn']);
    expect(existsSync(installed)).toBe(false);
  });

  it('installs per user: into the user\'s programs, PATH in the user environment, removed on uninstall', { timeout: 300_000 }, async () => {
    const payload = await makePayload(join(work, 'user-payload'), { 'tool.txt': 'user\n' });
    const { msi } = await buildPackage('user', payload, { productName: 'UserSample', scope: 'perUser', addToPath: true });
    expect((await execa('msiinfo', ['suminfo', msi])).stdout).toContain('Version: 500');
    await wine.run(['msiexec', '/i', msi, '/qn']);
    const userPath = async () => (await wine.run(['reg', 'query', 'HKCU\\Environment', '/v', 'PATH'], { reject: false })).stdout;
    expect(await userPath()).toContain('UserSample');
    const systemPath = (await wine.run(['reg', 'query', 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Environment', '/v', 'PATH'])).stdout;
    expect(systemPath).not.toContain('UserSample');
    await wine.run(['msiexec', '/x', msi, '/qn']);
    expect(await userPath()).not.toContain('UserSample');
  });
});

describe('a Windows service', () => {
  it('lands in the component of its exe: ServiceInstall and ServiceControl rows, the service actions sequenced', async () => {
    const payload = await makePayload(join(work, 'service-payload'), { 'svc.exe': randomBytes(1000), 'readme.txt': 'r\n' });
    const { msi } = await buildPackage('service', payload, { service: { binary: 'svc.exe', name: 'svcd', displayName: 'Svc Daemon', description: 'Runs svc', start: 'demand', arguments: '--serve' } });
    const component = (await table(msi, 'File')).find((r) => r[2] === 'svc.exe')![1];
    const [install] = await table(msi, 'ServiceInstall');
    // ownProcess (0x10), demand start (3), normal error control (1) | vital (0x8000).
    expect(install!.slice(1)).toEqual(['svcd', 'Svc Daemon', '16', '3', '32769', '', '', '', '', '--serve', component, 'Runs svc']);
    const [control] = await table(msi, 'ServiceControl');
    // Start on install (1), stop on both (2|32), remove on uninstall (128); wait.
    expect(control!.slice(1)).toEqual(['svcd', String(1 | 2 | 32 | 128), '', '1', component]);
    const actions = Object.fromEntries((await table(msi, 'InstallExecuteSequence')).map((r) => [r[0], r[2]]));
    expect(actions).toMatchObject({ StopServices: '1900', DeleteServices: '2000', InstallServices: '5800', StartServices: '5900' });
  });
});
