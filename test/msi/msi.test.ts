import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { basename, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, FIXED_DATE, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { createWinePrefix, type WinePrefix } from '../support/wine.js';

const UPGRADE_CODE = '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718';
const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');

const msiConfig = (extra = '') => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64, windows/arm64, windows/386]
archives:
  disabled: true
msi:
  upgradeCode: ${UPGRADE_CODE.toLowerCase()}
  files: [README.md, "docs/*.txt"]
  shortcut:
    target: goapp.exe
  addToPath: true
  registry:
    - key: Software\\Fixture\\goapp
      name: Version
      value: "[ProductVersion]"
    - key: Software\\Fixture\\goapp
      name: InstallDir
      value: "[INSTALLFOLDER]"
${extra}`;

/** msiinfo export as rows of columns (header lines dropped). */
async function table(msi: string, name: string): Promise<string[][]> {
  const { stdout } = await execa('msiinfo', ['export', msi, name]);
  return stdout.split(/\r?\n/).slice(3).filter(Boolean).map((l) => l.split('\t'));
}

function treeHashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const full = join(f.parentPath, f.name);
    out[relative(root, full)] = sha256Of(full);
  }
  return out;
}

const sha256Of = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** How msiinfo (C ctime) prints a date under TZ=UTC: "Wed Mar  4 05:06:07 2026". */
function ctimeUtc(iso: string): string {
  const d = new Date(iso);
  const [wd, mon] = [d.toUTCString().slice(0, 3), d.toUTCString().slice(8, 11)];
  return `${wd} ${mon} ${String(d.getUTCDate()).padStart(2)} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;
}

/** How gcab lists a cabinet date: "2026-03-04 05:06:06" (DOS times have 2-second steps). */
function dosTimeUtc(iso: string): string {
  const d = new Date(iso);
  d.setUTCSeconds(d.getUTCSeconds() & ~1);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

let work: string;
let v1: string; // project dir at v1.0.0
let v2: string; // the same project at v2.0.0: docs/a.txt removed, docs/c.txt added
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-msi-'));
  v1 = await makeGitProject(fixture, join(work, 'v1'));
  await writeFile(join(v1, 'release.yaml'), msiConfig());
  await commitAll(v1, 'v1', { tag: 'v1.0.0' });
  const r1 = await runRelease(['build', '--json'], { cwd: v1 });
  expect(r1.exitCode, r1.stderr).toBe(0);

  v2 = await makeGitProject(fixture, join(work, 'v2'));
  await writeFile(join(v2, 'release.yaml'), msiConfig());
  await rm(join(v2, 'docs', 'a.txt'));
  await writeFile(join(v2, 'docs', 'c.txt'), 'third\n');
  await commitAll(v2, 'v2', { tag: 'v2.0.0', date: '2026-04-01T10:00:00Z' });
  const r2 = await runRelease(['build', '--json', '--targets', 'windows/amd64'], { cwd: v2 });
  expect(r2.exitCode, r2.stderr).toBe(0);
});

describe('MSI packages written by the native backend (the default)', () => {
  it('registers x64, x86 and arm64 packages with their codes in artifacts.json and checksums', () => {
    const doc = JSON.parse(readFileSync(join(v1, 'dist', 'artifacts.json'), 'utf8'));
    const msis = doc.artifacts.filter((a: { kind: string }) => a.kind === 'msi');
    expect(msis.map((m: { name: string }) => m.name)).toEqual(['goapp_1.0.0_x86.msi', 'goapp_1.0.0_x64.msi', 'goapp_1.0.0_arm64.msi']);
    for (const m of msis) {
      expect(m.msi).toMatchObject({ arch: expect.any(String), productVersion: '1.0.0', upgradeCode: UPGRADE_CODE, backend: 'native', files: 4 });
      expect(m.msi.productCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    }
    expect(new Set(msis.map((m: { msi: { productCode: string } }) => m.msi.productCode)).size).toBe(3);
    // Each package records the exe it packed, with the digest it had: a later change to it makes the package stale.
    for (const m of msis) {
      const exe = doc.artifacts.find((a: { kind: string; goarch: string }) => a.kind === 'binary' && a.goarch === m.goarch);
      expect(m.packs).toEqual([{ path: exe.path, sha256: exe.sha256 }]);
    }
    const sums = readFileSync(join(v1, 'dist', 'goapp_1.0.0_checksums.txt'), 'utf8');
    expect(sums).toContain('  goapp_1.0.0_x64.msi\n');
    expect(existsSync(join(v1, 'dist', '.work'))).toBe(false);
  });

  it('has the Property, Upgrade, Component, File and Directory tables we expect', async () => {
    const msi = join(v1, 'dist', 'goapp_1.0.0_x64.msi');
    const props = Object.fromEntries((await table(msi, 'Property')).map(([k, v]) => [k, v]));
    const productCode = JSON.parse(readFileSync(join(v1, 'dist', 'artifacts.json'), 'utf8')).artifacts.find((a: { name: string }) => a.name === 'goapp_1.0.0_x64.msi').msi.productCode;
    expect(props).toMatchObject({ ProductVersion: '1.0.0', ProductName: 'goapp', Manufacturer: 'Fixture & Sons', UpgradeCode: `{${UPGRADE_CODE}}`, ProductCode: `{${productCode}}`, ALLUSERS: '1' });
    const upgrade = await table(msi, 'Upgrade');
    expect(upgrade.map((r) => r[0])).toEqual([`{${UPGRADE_CODE}}`, `{${UPGRADE_CODE}}`]);
    const files = (await table(msi, 'File')).map((r) => r[2]!.split('|').at(-1)).sort();
    expect(files).toEqual(['README.md', 'a.txt', 'b.txt', 'goapp.exe']);
    const components = await table(msi, 'Component');
    const payloadComponents = components.filter((c) => c[0]!.startsWith('cmp') && c[5]!.startsWith('fil'));
    expect(payloadComponents).toHaveLength(4);
    for (const c of payloadComponents) {
      expect(c[1]).toMatch(/^\{[0-9A-F-]{36}\}$/); // explicit, upper-case
      expect(c[3]).toBe('256'); // msidbComponentAttributes64bit
    }
    const x86 = await table(join(v1, 'dist', 'goapp_1.0.0_x86.msi'), 'Component');
    for (const c of x86.filter((c) => c[5]!.startsWith('fil'))) expect(c[3]).toBe('0');
    const dirs = (await table(msi, 'Directory')).map((r) => r[0]);
    expect(dirs).toEqual(expect.arrayContaining(['TARGETDIR', 'ProgramFiles64Folder', 'INSTALLFOLDER']));
    // What wixl 0.101 cannot write: the exe's version (Windows Installer compares it on upgrade),
    // PATH, the Add/Remove Programs contact, hashes of unversioned files, _Validation.
    const exe = (await table(msi, 'File')).find((r) => r[2] === 'goapp.exe')!;
    expect(exe[4]).toMatch(/^1\.0\.0\.0$/);
    expect(exe[5]).toBe('1033');
    expect(await table(msi, 'Environment')).toEqual([['PathEnvironment', '=-*PATH', '[~];[INSTALLFOLDER]', 'cmpPathEnvironment']]);
    expect(props.ARPCONTACT).toBe('Fixture & Sons');
    expect((await table(msi, 'MsiFileHash')).map((r) => r[0]).sort()).toHaveLength(3);
    expect((await table(msi, '_Validation')).some((r) => r[0] === 'File' && r[1] === 'Sequence')).toBe(true);
  });

  it('marks each package with its platform and a PackageCode derived from its inputs', async () => {
    const sum = async (arch: string) => (await execa('msiinfo', ['suminfo', join(v1, 'dist', `goapp_1.0.0_${arch}.msi`)])).stdout;
    expect(await sum('x64')).toContain('Template: x64;1033');
    expect(await sum('x86')).toContain('Template: Intel;1033');
    const arm = await sum('arm64');
    expect(arm).toContain('Template: Arm64;1033');
    expect(arm).toContain('Version: 500');
    const doc = JSON.parse(readFileSync(join(v1, 'dist', 'artifacts.json'), 'utf8'));
    const code = doc.artifacts.find((a: { name: string }) => a.name === 'goapp_1.0.0_arm64.msi').msi.packageCode;
    expect(arm).toContain(`Revision number (UUID): {${code}}`);
  });

  it('msiextract gives back a tree byte-identical to the payload', async () => {
    for (const [arch, goarch] of [['x64', 'amd64'], ['arm64', 'arm64'], ['x86', '386']]) {
      const out = join(work, `extract-${arch}`);
      await execa('msiextract', ['-C', out, join(v1, 'dist', `goapp_1.0.0_${arch}.msi`)]);
      // msiextract (0.101) writes ProgramFilesFolder as "Program Files/" but ProgramFiles64Folder as the root.
      const got = treeHashes(arch === 'x86' ? join(out, 'Program Files', 'goapp') : join(out, 'goapp'));
      expect(got).toEqual({
        'README.md': sha256Of(join(v1, 'README.md')),
        'docs/a.txt': sha256Of(join(v1, 'docs', 'a.txt')),
        'docs/b.txt': sha256Of(join(v1, 'docs', 'b.txt')),
        'goapp.exe': sha256Of(join(v1, 'dist', `goapp_windows_${goarch}`, 'goapp.exe')),
      });
    }
  });

  it('is byte-reproducible: the same commit built again elsewhere, later, gives identical MSIs', async () => {
    const again = join(work, 'v1-again');
    await cp(v1, again, { recursive: true, filter: (p) => basename(p) !== 'dist' }); // new mtimes everywhere
    // Another folder, new mtimes, another time zone: nothing of that may reach the bytes.
    const r = await runRelease(['build', '--targets', 'windows/amd64,windows/386'], { cwd: again, env: { TZ: 'Asia/Tokyo' } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/byte-reproducible/);
    for (const arch of ['x64', 'x86']) {
      const name = `goapp_1.0.0_${arch}.msi`;
      expect(sha256Of(join(again, 'dist', name)), name).toBe(sha256Of(join(v1, 'dist', name)));
    }
    // The times inside are the commit's, read back by msitools and gcab (independent readers).
    const msi = join(again, 'dist', 'goapp_1.0.0_x64.msi');
    const summary = (await execa('msiinfo', ['suminfo', msi], { env: { TZ: 'UTC' } })).stdout;
    expect(summary).toContain(`Created: ${ctimeUtc(FIXED_DATE)}`);
    expect(summary).toContain(`Last saved: ${ctimeUtc(FIXED_DATE)}`);
    const cab = join(work, 'v1-again.cab');
    await writeFile(cab, (await execa('msiinfo', ['extract', msi, 'cab1.cab'], { encoding: 'buffer' })).stdout);
    const listing = (await execa('gcab', ['--list-details', cab])).stdout.trim().split('\n');
    expect(listing).toHaveLength(4);
    for (const line of listing) expect(line).toContain(dosTimeUtc(FIXED_DATE));
  });

  it('keeps component GUIDs of unchanged files across versions and gives new files new ones', async () => {
    const guids = async (dir: string, version: string) =>
      Object.fromEntries((await table(join(dir, 'dist', `goapp_${version}_x64.msi`), 'Component')).map((c) => [c[5], c[1]]));
    const a = await guids(v1, '1.0.0');
    const b = await guids(v2, '2.0.0');
    const file = async (dir: string, version: string, name: string) =>
      (await table(join(dir, 'dist', `goapp_${version}_x64.msi`), 'File')).find((r) => r[2]!.endsWith(name))![0]!;
    const bId = await file(v1, '1.0.0', 'b.txt');
    expect(await file(v2, '2.0.0', 'b.txt')).toBe(bId);
    expect(b[bId]).toBe(a[bId]);
    expect(b[await file(v2, '2.0.0', 'goapp.exe')]).toBe(a[await file(v1, '1.0.0', 'goapp.exe')]);
    const cId = await file(v2, '2.0.0', 'c.txt');
    expect(Object.values(a)).not.toContain(b[cId]);
    const codes = async (dir: string, v: string) => Object.fromEntries((await table(join(dir, 'dist', `goapp_${v}_x64.msi`), 'Property')).map(([k, val]) => [k, val]));
    const [p1, p2] = [await codes(v1, '1.0.0'), await codes(v2, '2.0.0')];
    expect(p2.UpgradeCode).toBe(p1.UpgradeCode);
    expect(p2.ProductCode).not.toBe(p1.ProductCode);
  });
});

describe('Wine msiexec as an independent MSI client', () => {
  let wine: WinePrefix;
  const installDir = () => join(wine.driveC, 'Program Files', 'goapp');
  beforeAll(async () => {
    wine = await createWinePrefix(join(work, 'wine', 'prefix'));
  });

  it('installs v1, runs it, upgrades to v2 leaving exactly v2 files, and uninstalls cleanly', async () => {
    await wine.run(['msiexec', '/i', join(v1, 'dist', 'goapp_1.0.0_x64.msi'), '/qn']);
    expect(Object.keys(treeHashes(installDir())).sort()).toEqual(['README.md', 'docs/a.txt', 'docs/b.txt', 'goapp.exe']);
    const run1 = await wine.run(['C:\\Program Files\\goapp\\goapp.exe']);
    expect(run1.stdout).toMatch(/^goapp version=1\.0\.0 commit=[0-9a-f]{40} date=2026-03-14T15:09:26Z/);
    // PATH in the system environment, seen by a new process; the shortcut in the Start menu.
    const systemPath = async () => (await wine.run(['reg', 'query', 'HKLM\\System\\CurrentControlSet\\Control\\Session Manager\\Environment', '/v', 'PATH'])).stdout;
    expect(await systemPath()).toContain('C:\\Program Files\\goapp\\');
    expect((await wine.run(['cmd', '/c', 'goapp'])).stdout).toContain('version=1.0.0');
    // Wine puts the all-users Start menu in the (only) user's profile.
    const shortcut = join(wine.driveC, 'users', userInfo().username, 'AppData', 'Roaming', 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'goapp');
    expect(readdirSync(shortcut)).toEqual(['goapp.lnk']);
    const reg1 = (await wine.run(['reg', 'query', 'HKLM\\Software\\Fixture\\goapp'])).stdout;
    expect(reg1).toMatch(/Version\s+REG_SZ\s+1\.0\.0/);
    expect(reg1).toMatch(/InstallDir\s+REG_SZ\s+C:\\Program Files\\goapp\\/);

    await wine.run(['msiexec', '/i', join(v2, 'dist', 'goapp_2.0.0_x64.msi'), '/qn']);
    const after = treeHashes(installDir());
    expect(Object.keys(after).sort()).toEqual(['README.md', 'docs/b.txt', 'docs/c.txt', 'goapp.exe']);
    expect(after['goapp.exe']).toBe(createHash('sha256').update(readFileSync(join(v2, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).digest('hex'));
    expect((await wine.run(['C:\\Program Files\\goapp\\goapp.exe'])).stdout).toContain('version=2.0.0');
    expect((await wine.run(['reg', 'query', 'HKLM\\Software\\Fixture\\goapp'])).stdout).toMatch(/Version\s+REG_SZ\s+2\.0\.0/);

    // Installing v1 over v2 is a downgrade: MajorUpgrade refuses it and leaves v2 in place.
    const down = await wine.run(['msiexec', '/i', join(v1, 'dist', 'goapp_1.0.0_x64.msi'), '/qn'], { reject: false });
    expect(down.exitCode).not.toBe(0);
    expect((await wine.run(['C:\\Program Files\\goapp\\goapp.exe'])).stdout).toContain('version=2.0.0');

    await wine.run(['msiexec', '/x', join(v2, 'dist', 'goapp_2.0.0_x64.msi'), '/qn']);
    expect(existsSync(installDir())).toBe(false);
    expect(await systemPath()).not.toContain('goapp');
    expect(existsSync(shortcut)).toBe(false);
    const gone = await wine.run(['reg', 'query', 'HKLM\\Software\\Fixture\\goapp'], { reject: false });
    expect(gone.exitCode).not.toBe(0);
  });
});

describe('MSI configuration errors', () => {
  const project = async (name: string, yaml: string, tag = 'v1.0.0') => {
    const dir = await makeGitProject(fixture, join(work, name));
    await writeFile(join(dir, 'release.yaml'), yaml);
    await commitAll(dir, name, { tag });
    return dir;
  };

  it('refuses addToPath, license and ui with wixl 0.101 before running wixl, naming the backend and the way out', async () => {
    const dir = await project('path', `${msiConfig('  backend: wixl\n  license: LICENSE\n  ui: true\n')}`);
    await writeFile(join(dir, 'release.yaml'), (await readFile(join(dir, 'release.yaml'), 'utf8')).replace('[windows/amd64, windows/arm64, windows/386]', '[windows/amd64]'));
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('msi: backend wixl 0.101 cannot build this package:');
    expect(r.stderr).toContain('addToPath: wixl 0.101 has no Environment element (added in wixl 0.105)');
    expect(r.stderr).toContain('use backend "wix" (WiX v4+) or "wix3" (WiX 3.14) on a Windows machine');
    expect(r.stderr).toContain('license: wixl 0.101 cannot show a license');
    expect(r.stderr).toContain('ui: wixl 0.101 has no WiX UI dialogs');
    // Refused when the run starts, before anything is built: there is no dist/ at all.
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('needs an UpgradeCode for a release, and a pre-release mapping for a pre-release', async () => {
    const noCode = await project('nocode', msiConfig().replace(/ {2}upgradeCode: .*\n/, ''));
    const r = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: noCode });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('msi.upgradeCode is missing');
    expect(r.stderr).toContain('Run "release init"');
    const rc = await project('rc', msiConfig(), 'v1.1.0-rc.1');
    const r2 = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: rc });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('1.1.0-rc.1');
    expect(r2.stderr).toContain('Set msi.prerelease (strip or patch-offset)');
  });

  it('refuses payload names Windows cannot hold, listing each path', async () => {
    // wixl: it writes an empty FileName for a name outside Windows-1252, so such names are refused too.
    const dir = await project('names', msiConfig('  backend: wixl\n').replace('  addToPath: true\n', '').replace('files: [README.md, "docs/*.txt"]', 'files: ["docs/**"]'));
    await writeFile(join(dir, 'docs', 'CON.txt'), 'x');
    await writeFile(join(dir, 'docs', 'A.TXT'), 'x');
    await writeFile(join(dir, 'docs', 'ελληνικά.md'), 'x');
    await commitAll(dir, 'names');
    const r = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('docs/CON.txt');
    expect(r.stderr).toContain('docs/A.TXT');
    expect(r.stderr).toContain('docs/ελληνικά.md');
    // Refused by the preflight (the payload rules, then each package's sources rendered), before anything builds: no dist/ at all.
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('native: a Greek package gets codepage 1253; names no one codepage holds are refused before the build, each listed', async () => {
    const withFiles = async (name: string, files: Record<string, string>) => {
      const dir = await makeGitProject(fixture, join(work, name));
      for (const [f, text] of Object.entries(files)) await writeFile(join(dir, 'docs', f), text);
      await writeFile(join(dir, 'release.yaml'), msiConfig().replace('files: [README.md, "docs/*.txt"]', 'files: ["docs/**"]'));
      await commitAll(dir, name, { tag: 'v1.0.0' });
      return dir;
    };
    const greek = await withFiles('greek', { 'ελληνικά.md': 'γεια\n' });
    const ok = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: greek });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const msi = join(greek, 'dist', 'goapp_1.0.0_x64.msi');
    expect((await table(msi, 'File')).map((r) => r[2]!.split('|').at(-1))).toContain('ελληνικά.md');
    expect((await execa('msiinfo', ['export', msi, '_ForceCodepage'])).stdout).toContain('1253');

    const mixed = await withFiles('mixed', { 'ελληνικά.md': 'x', 'русский.txt': 'x' });
    const r = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: mixed });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no one Windows codepage holds every name and text of the package');
    expect(r.stderr).toContain('  - docs/ελληνικά.md\n');
    expect(r.stderr).toContain('  - docs/русский.txt\n');
    expect(existsSync(join(mixed, 'dist'))).toBe(false);
  });
});

describe('WiX command lines (golden argv, via --dry-run: WiX runs only on Windows)', () => {
  it('prints candle and light for backend wix3, and wix convert + wix build for backend wix', async () => {
    const dir = await makeGitProject(fixture, join(work, 'golden'));
    const dist = join(dir, 'dist');
    const lines = async (backend: string) => {
      await writeFile(join(dir, 'release.yaml'), msiConfig(`  backend: ${backend}\n  ui: true\n  license: LICENSE\n`).replace('[windows/amd64, windows/arm64, windows/386]', '[windows/arm64]'));
      const r = await runRelease(['build', '--dry-run', '--version', '1.0.0'], { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').filter((l) => /^(candle|light|wix|# write payload)/.test(l));
    };
    const work3 = join(dist, '.work', 'dry-run', 'msi_arm64');
    expect(await lines('wix3')).toEqual([
      `# write payload.wxs, product.wxs (4 files) into ${work3}`,
      `candle -nologo -arch arm64 -ext WixUtilExtension -out ${join(work3, 'obj')}/ payload.wxs product.wxs`,
      `light -nologo -ext WixUtilExtension -ext WixUIExtension -spdb -cultures:en-us -out ${join(dist, 'goapp_1.0.0_arm64.msi')} ${join(work3, 'obj', 'payload.wixobj')} ${join(work3, 'obj', 'product.wixobj')}`,
    ]);
    expect(await lines('wix')).toEqual([
      `# write payload.wxs, product.wxs (4 files) into ${work3}`,
      'wix convert payload.wxs product.wxs',
      `wix build -arch arm64 -ext WixToolset.Util.wixext -ext WixToolset.UI.wixext -culture en-us -pdbtype none -o ${join(dist, 'goapp_1.0.0_arm64.msi')} payload.wxs product.wxs`,
    ]);
    expect(existsSync(dist)).toBe(false);
  });
});
