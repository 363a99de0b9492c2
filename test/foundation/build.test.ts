import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FIXED_DATE } from '../support/cli.js';
import { readPeHeader } from '../support/pe.js';
import { createWinePrefix, haveWine } from '../support/wine.js';

const { a, b } = inject('fixture');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const exe = (dist: string, folder: string, name: string) => join(dist, folder, name);

describe('release build on the Go fixture (real go toolchain)', () => {
  beforeAll(() => {
    // Fail loudly with the tool's own output, not with a missing file further down.
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
  });

  it('builds every target with the right PE machine and subsystem', async () => {
    const cases = [
      ['app_windows_amd64', 'goapp.exe', 0x8664, 3, 'PE32+ executable (console) x86-64'],
      ['app_windows_arm64', 'goapp.exe', 0xaa64, 3, 'PE32+ executable (console) Aarch64'],
      ['app_windows_386', 'goapp.exe', 0x14c, 3, 'PE32 executable (console) Intel 80386'],
      ['appw_windows_amd64', 'goappw.exe', 0x8664, 2, 'PE32+ executable (GUI) x86-64'],
    ] as const;
    for (const [folder, name, machine, subsystem, fileSays] of cases) {
      const path = exe(a.dist, folder, name);
      const pe = readPeHeader(path);
      expect(pe.machine, folder).toBe(machine);
      expect(pe.subsystem, folder).toBe(subsystem);
      expect((await execa('file', ['-b', path])).stdout).toContain(fileSays);
    }
    // appw is amd64-only: no other folders for it.
    expect(readdirSync(a.dist).filter((d) => d.startsWith('appw_'))).toEqual(['appw_windows_amd64']);
  });

  it('embeds version, commit and commit date through ldflags', () => {
    const bytes = readFileSync(exe(a.dist, 'app_windows_amd64', 'goapp.exe')).toString('latin1');
    const meta = JSON.parse(readFileSync(join(a.dist, 'metadata.json'), 'utf8'));
    expect(meta.version).toBe('1.2.3');
    expect(meta.versionSource).toBe('tag');
    expect(meta.snapshot).toBe(false);
    expect(meta.date).toBe(new Date(FIXED_DATE).toISOString());
    expect(meta.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(meta.tools.go).toMatch(/^go1\.\d+/);
    expect(bytes).toContain(meta.commit);
    expect(bytes).toContain('2026-03-14T15:09:26Z');
  });

  it('writes VERSIONINFO that exiftool reads back', async () => {
    const { stdout } = await execa('exiftool', ['-j', exe(a.dist, 'app_windows_amd64', 'goapp.exe')]);
    const info = JSON.parse(stdout)[0];
    expect(info).toMatchObject({
      FileVersionNumber: '1.2.3.0',
      ProductVersionNumber: '1.2.3.0',
      FileVersion: '1.2.3',
      ProductVersion: '1.2.3',
      CompanyName: 'Fixture & Sons',
      ProductName: 'goapp',
      FileDescription: 'Fixture console app',
      LegalCopyright: 'Copyright (C) 2026 Fixture & Sons',
      OriginalFileName: 'goapp.exe',
      InternalName: 'goapp',
    });
    const gui = JSON.parse((await execa('exiftool', ['-j', exe(a.dist, 'appw_windows_amd64', 'goappw.exe')])).stdout)[0];
    expect(gui.FileDescription).toBe('Test fixture app'); // falls back to project.description
    expect(gui.OriginalFileName).toBe('goappw.exe');
  });

  it('embeds the application manifest and the icon', async () => {
    const manifestOf = async (path: string) =>
      Buffer.from((await execa('wrestool', ['-x', '--raw', '--type=24', path], { encoding: 'buffer' })).stdout).toString('utf8');
    const consoleManifest = await manifestOf(exe(a.dist, 'app_windows_arm64', 'goapp.exe'));
    expect(consoleManifest).toContain('<requestedExecutionLevel level="asInvoker" uiAccess="false"/>');
    expect(consoleManifest).toContain('<longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>');
    expect(consoleManifest).toContain('<supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/>');
    const gui = await manifestOf(exe(a.dist, 'appw_windows_amd64', 'goappw.exe'));
    expect(gui).toContain('level="requireAdministrator"');

    const list = (await execa('wrestool', ['-l', exe(a.dist, 'app_windows_386', 'goapp.exe')])).stdout;
    expect(list).toMatch(/--type=14 --name=1 /); // RT_GROUP_ICON
    expect(list).toMatch(/--type=3 /); // RT_ICON
    const icon = (await execa('wrestool', ['-x', '--raw', '--type=3', exe(a.dist, 'app_windows_386', 'goapp.exe')], { encoding: 'buffer' })).stdout;
    const ico = readFileSync(join(a.dir, 'app.ico'));
    expect(Buffer.compare(Buffer.from(icon), ico.subarray(22))).toBe(0); // the image bytes after ICONDIR+entry
    expect((await execa('wrestool', ['-l', exe(a.dist, 'appw_windows_amd64', 'goappw.exe')])).stdout).not.toMatch(/--type=14/);
  });

  it('is reproducible: two clean directories give identical bytes', () => {
    const docA = JSON.parse(readFileSync(join(a.dist, 'artifacts.json'), 'utf8'));
    const docB = JSON.parse(readFileSync(join(b.dist, 'artifacts.json'), 'utf8'));
    expect(docA.artifacts.length).toBe(8); // 4 exes, 3 zips, checksums: nothing else
    expect(docB.artifacts).toEqual(docA.artifacts);
    for (const art of docA.artifacts) {
      expect(sha(join(a.dist, art.path)), art.path).toBe(art.sha256);
      expect(sha(join(b.dist, art.path)), art.path).toBe(art.sha256);
    }
  });

  it('zips hold sorted entries with the commit date as mtime and fixed modes', async () => {
    const zip = join(a.dist, 'goapp_1.2.3_windows_amd64.zip');
    const { stdout } = await execa('zipinfo', ['-T', zip]);
    const rows = stdout.split('\n').filter((l) => /^[-d]r/.test(l));
    const names = rows.map((r) => r.split(/\s+/).at(-1));
    expect(names).toEqual(['LICENSE', 'README.md', 'docs/a.txt', 'docs/b.txt', 'goapp.exe', 'goappw.exe']);
    // zipinfo -T prints yyyymmdd.hhmmss in the DOS time we wrote: the commit date in UTC.
    for (const r of rows) expect(r).toContain('20260314.150926');
    expect(rows.find((r) => r.endsWith('goapp.exe'))).toMatch(/^-rwxr-xr-x/);
    expect(rows.find((r) => r.endsWith('LICENSE'))).toMatch(/^-rw-r--r--/);
    const arm = (await execa('zipinfo', ['-1', join(a.dist, 'goapp_1.2.3_windows_arm64.zip')])).stdout.split('\n');
    expect(arm).toEqual(['LICENSE', 'README.md', 'docs/a.txt', 'docs/b.txt', 'goapp.exe']);
    // The exe inside the zip is the exe in dist/, resources and all.
    const inZip = (await execa('unzip', ['-p', zip, 'goapp.exe'], { encoding: 'buffer' })).stdout;
    expect(createHash('sha256').update(inZip).digest('hex')).toBe(sha(exe(a.dist, 'app_windows_amd64', 'goapp.exe')));
  });

  it('writes a checksums file that sha256sum -c verifies, over every release file', async () => {
    const sums = readFileSync(join(a.dist, 'goapp_1.2.3_checksums.txt'), 'utf8');
    expect(sums.trim().split('\n')).toHaveLength(7);
    const r = await execa('sha256sum', ['-c', 'goapp_1.2.3_checksums.txt'], { cwd: a.dist });
    expect(r.stdout.match(/: OK$/gm)).toHaveLength(7);
  });

  it('warns about an archive glob that matches nothing and reports it in --json', () => {
    const summary = JSON.parse(a.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.warnings).toContainEqual(expect.stringMatching(new RegExp(`^release\\.yaml:\\d+:\\d+: archives\\.files\\[3\\]: "\\*\\.nothing" matches no file under ${a.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)));
    expect(summary.timings.map((t: { stage: string }) => t.stage)).toEqual(['check', 'build', 'resources', 'sign', 'msi', 'msix', 'sign-packages', 'appinstaller', 'archive', 'patch', 'winget', 'scoop', 'checksum', 'manifest', 'publish']);
    expect(a.stderr).toContain('Build Go binaries');
  });

  it('the amd64 exe runs under Wine and prints what ldflags set', async () => {
    expect(await haveWine(), 'wine64 is installed by scripts/setup.sh').toBe(true);
    const wine = await createWinePrefix(join(await mkdtemp(join(tmpdir(), 'winship-wine-')), 'prefix'));
    const { stdout } = await wine.run([exe(a.dist, 'app_windows_amd64', 'goapp.exe')]);
    const meta = JSON.parse(readFileSync(join(a.dist, 'metadata.json'), 'utf8'));
    expect(stdout.trim()).toBe(`goapp version=1.2.3 commit=${meta.commit} date=2026-03-14T15:09:26Z`);
    expect(existsSync(join(a.dist, '.winship-dist'))).toBe(true);
  });
});
