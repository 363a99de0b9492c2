// Hostile payloads through the real CLI: names Windows or an unzip tool would misread, links
// out of the project, dangling links, a FIFO, an icon and a template from where they must not
// come. Each run must fail when it starts (no zip, no MSI), listing every path. And a link inside
// the project is packed under its own name: checked by listing the zip and by extracting it with
// unzip and with Python's zipfile into an empty folder.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), 'winship-hostile-')));
  await mkdir(join(work, 'outside'));
  await writeFile(join(work, 'outside', 'secret.txt'), 'not yours');
});

const YAML_HEAD = 'project:\n  name: hostile\n  vendor: Test Vendor\nversion: 0.1.0\nbuilds:\n  - binary: hostile\n    targets: [windows/amd64]\n';

/** The go fixture with `yaml` as release.yaml, committed; hostile files are added after (git would refuse a FIFO). */
async function project(name: string, yaml: string): Promise<string> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(join(dir, 'release.yaml'), yaml);
  await commitAll(dir, name);
  return dir;
}

/** Every kind of hostile entry a Linux folder can hold, under pay/. */
async function addHostileFiles(dir: string): Promise<void> {
  const pay = join(dir, 'pay');
  await mkdir(pay);
  for (const name of ['..\\..\\evil.txt', 'CON', 'con.txt', 'a:b', 'README', 'readme', 'dot.', 'fine.txt']) await writeFile(join(pay, name), name);
  await symlink('../../outside/secret.txt', join(pay, 'out.txt'));
  await symlink('nowhere.txt', join(pay, 'dangling.txt'));
  await execa('mkfifo', [join(pay, 'fifo')]);
}

/** What the stderr of a refused run holds from its error on (execa strips the last newline). */
function errorOf(stderr: string): string {
  return stderr.slice(stderr.indexOf('error: '));
}

const HOSTILE_SECTIONS = (outside: string) => [
  '  paths that lead out of the project folder (symbolic links resolved): copy the files into the project:',
  `    - pay/out.txt  (-> ${outside}/secret.txt)`,
  '  symbolic links whose target does not exist (or that loop):',
  '    - pay/dangling.txt  (-> nowhere.txt, ENOENT)',
  '  not regular files, refused without being opened:',
  '    - pay/fifo  (a FIFO)',
  '  names holding a backslash, which Windows and unzip tools read as a folder separator:',
  '    - pay/..\\..\\evil.txt',
  '  paths that differ only in letter case (Windows treats them as one file):',
  '    - pay/README <-> pay/readme',
  '  reserved Windows device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1-9, LPT1-9, with or without extension):',
  '    - pay/CON',
  '    - pay/con.txt',
  '  names ending in a dot or a space (Windows drops them):',
  '    - pay/dot.',
  '  names with characters Windows forbids (< > : " | ? * or control characters):',
  "    - pay/a:b  (':' (U+003A))",
];

describe('hostile payloads are refused when the run starts, every path listed', () => {
  it('archives.files: names, links out, a dangling link, a FIFO — no zip is written', async () => {
    // pay/.* as well: "..\..\evil.txt" starts with a dot, which pay/** leaves out.
    const dir = await project('zip', `${YAML_HEAD}archives:\n  files: ["pay/**", "pay/.*"]\n`);
    await addHostileFiles(dir);
    const started = performance.now();
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(errorOf(r.stderr)).toBe(
      [
        `error: archives.files: 9 problems with the files the zips would hold (the binaries and archives.files, from ${dir}):`,
        ...HOSTILE_SECTIONS(join(work, 'outside')),
        'Nothing was packed. Rename, move or remove these files, or narrow the globs of archives.files; copy files from outside the project into it.',
      ].join('\n'),
    );
    // The FIFO was never opened (that would have blocked the run), and nothing reached dist/.
    expect(performance.now() - started).toBeLessThan(60_000);
    const dist = await readdir(join(dir, 'dist')).catch(() => []);
    expect(dist.filter((f) => f.endsWith('.zip'))).toEqual([]);
  });

  it('msi.files, and a FIFO template and a license outside the project — no MSI is built', async () => {
    // wixl: its own name rules (codepage 1252 only) and no license dialog are what this test counts.
    const yaml = `${YAML_HEAD}msi:\n  backend: wixl\n  upgradeCode: 6F1D3C2A-0B4E-4C6F-9A1B-2C3D4E5F6071\n  files: ["pay/**", "pay/.*"]\n  template: pay/fifo\n  license: ../outside/secret.txt\n`;
    const dir = await project('msi', yaml);
    await addHostileFiles(dir);
    const r = await runRelease(['build', '--skip', 'archive', '--json'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    // Two problems: the payload's, and wixl 0.101 having no license dialog. The terminal gets a
    // screenful; --json has each whole.
    expect(errorOf(r.stderr)).toMatch(/^error: 2 problems found before building/);
    const problems = (JSON.parse(r.stdout) as { error: { problems: { message: string }[] } }).error.problems.map((p) => p.message);
    expect(problems[1]).toMatch(/^msi: backend wixl 0\.101 cannot build this package:/);
    const error = `${problems[0]}\n`;
    expect(error).toMatch(/^msi\.files, msi\.license, msi\.template: 11 problems with the files the MSI packages would install or embed/);
    for (const line of HOSTILE_SECTIONS(join(work, 'outside')).filter((l) => l.startsWith('    - '))) expect(error).toContain(`${line}\n`);
    expect(error).toContain('    - msi.template: pay/fifo  (a FIFO)\n');
    expect(error).toContain(`    - msi.license: ../outside/secret.txt  (-> ${join(work, 'outside', 'secret.txt')})\n`);
    expect((await readdir(join(dir, 'dist')).catch(() => [])).filter((f) => f.endsWith('.msi'))).toEqual([]);
  });

  it('an icon outside the project, and one that is a FIFO — nothing is embedded', async () => {
    const yaml = `${YAML_HEAD}    resources: { icon: ../outside/secret.txt }\n  - { id: w, binary: w, main: ./cmd/appw, targets: [windows/amd64], resources: { icon: fifo.ico } }\n`;
    const dir = await project('icon', yaml);
    await execa('mkfifo', [join(dir, 'fifo.ico')]);
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(errorOf(r.stderr)).toBe(
      [
        `error: builds[].resources.icon: 2 problems with the icons to embed (from ${dir}):`,
        '  paths that lead out of the project folder (symbolic links resolved): copy the files into the project:',
        `    - builds[0].resources.icon: ../outside/secret.txt  (-> ${join(work, 'outside', 'secret.txt')})`,
        '  not regular files, refused without being opened:',
        '    - builds[1].resources.icon: fifo.ico  (a FIFO)',
        'Keep each icon inside the project folder, as a regular .ico file.',
      ].join('\n'),
    );
  });
});

/** Every file under `dir`, relative, forward slashes, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

describe('a link inside the project is packed under its own name', () => {
  it('as the target\'s contents; unzip and Python\'s zipfile extract exactly the expected files, inside their folder', async () => {
    const yaml = `${YAML_HEAD}archives:\n  files: [LICENSE, "docs/*", "linked/**"]\n`;
    const dir = await makeGitProject(fixture, join(work, 'links'));
    await writeFile(join(dir, 'release.yaml'), yaml);
    await writeFile(join(dir, 'docs', 'a b.txt'), 'spaced');
    await symlink('a.txt', join(dir, 'docs', 'alias.txt')); // a file link: followed
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'x.txt'), 'shared x');
    await symlink('shared', join(dir, 'linked')); // a folder link named by a glob's fixed part: read through
    await commitAll(dir, 'links');
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const zip = join(dir, 'dist', 'hostile_0.1.0_windows_amd64.zip');
    const expected = ['LICENSE', 'docs/a b.txt', 'docs/a.txt', 'docs/alias.txt', 'docs/b.txt', 'hostile.exe', 'linked/x.txt'];

    const listing = (await execa('unzip', ['-Z1', zip])).stdout.split('\n').sort();
    expect(listing).toEqual(expected);
    expect((await execa('unzip', ['-l', zip])).stdout).toMatch(/ docs\/alias\.txt\n/);

    for (const [tool, extract] of [
      ['unzip', (to: string) => execa('unzip', ['-q', zip, '-d', to])],
      ['zipfile', (to: string) => execa('python3', ['-c', 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, to])],
    ] as const) {
      const box = join(work, `extract-${tool}`);
      const into = join(box, 'out');
      await mkdir(into, { recursive: true });
      await extract(into);
      expect(await readdir(box), `${tool}: nothing beside the folder`).toEqual(['out']);
      expect(await filesUnder(into), tool).toEqual(expected);
      expect(await readFile(join(into, 'docs', 'alias.txt'), 'utf8')).toBe(await readFile(join(dir, 'docs', 'a.txt'), 'utf8'));
      expect(await readFile(join(into, 'linked', 'x.txt'), 'utf8')).toBe('shared x');
    }
    expect(existsSync(join(work, 'evil.txt'))).toBe(false);
  });
});
