import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';

// A bad release fails in its first seconds, before any go build, with every problem listed at
// its place in release.yaml; a dist that is the project is never written into or cleaned.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-preflight-'));
});

async function project(name: string, yaml: string, files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(join(dir, 'release.yaml'), yaml);
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  await commitAll(dir, name);
  return dir;
}

/** Files of the project (git's own and dist/ left out), to compare before and after. */
const listing = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => !f.startsWith('.git/') && f !== '.git')
    .sort();

describe('dist: is never the project', () => {
  it('dist: . with a stray .winship-dist marker: build and build --clean exit 2 and leave the project as it was', async () => {
    const dir = await project('dist-dot', 'project:\n  name: goapp\n  vendor: V\ndist: .\nbuilds:\n  - binary: goapp\n    targets: [windows/amd64]\n', { '.winship-dist': 'stray\n' });
    const before = listing(dir);
    for (const args of [['build', '--clean'], ['build']]) {
      const r = await runRelease(args, { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain(`error: release.yaml:4:7: dist: "." is the project folder itself (${dir}, which holds release.yaml); winship writes the release into dist and --clean deletes it: set dist: to a folder of its own, e.g. dist`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(listing(dir)).toEqual(before);
      expect(existsSync(join(dir, '.git', 'HEAD'))).toBe(true);
    }
  });
});

describe('release.yaml as hostile input, through the CLI', () => {
  it('a FIFO as --config is refused without being opened; an alias bomb with its position; exit 2, no stack trace', async () => {
    const fifo = join(work, 'release-fifo.yaml');
    await execa('mkfifo', [fifo]);
    const started = performance.now();
    const r = await runRelease(['build', '--config', fifo], { cwd: work });
    expect(performance.now() - started).toBeLessThan(10_000); // opening it would block until a writer came
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(`error: config ${fifo}: is a FIFO (named pipe), not a file; give the path of your release.yaml`);

    const lol = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) lol.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    const bomb = join(work, 'bomb.yaml');
    await writeFile(bomb, `${lol.join('\n')}\nproject:\n  name: x\nbuilds: [{}]\n`);
    const b = await runRelease(['build', '--config', bomb, '--json'], { cwd: work });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/^error: bomb\.yaml:4:\d+: alias \*c: with it, aliases expand release\.yaml by more than 10,000 values/);
    expect(b.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  });
});

describe('preflight: every mistake before the first go build', () => {
  it('a shortcut to a file not in the payload, an over-long FileDescription, a version over the MSI limits and a PNG as the icon: exit 2 in seconds, all four listed with positions, nothing built', async () => {
    const yaml = `project:
  name: goapp
  vendor: Fixture & Sons
version: 256.1.0
builds:
  - binary: goapp
    targets: [windows/amd64, windows/386]
    resources:
      icon: logo.ico
      description: ${'x'.repeat(42_500)}
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
  files: [README.md]
  shortcut:
    target: goapp-gui.exe
`;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const dir = await project('mistakes', yaml, { 'logo.ico': png });
    const started = performance.now();
    const r = await runRelease(['build', '--json'], { cwd: dir });
    const seconds = (performance.now() - started) / 1000;
    expect(r.exitCode, r.stderr).toBe(2);
    expect(seconds).toBeLessThan(15);

    const lines = r.stderr.split('\n');
    const report = lines.slice(lines.findIndex((l) => l.startsWith('error: ')));
    expect(report[0]).toBe('error: 4 problems found before building (nothing was built; fix them all, then run again):');
    expect(report[1]).toMatch(/^ {2}release\.yaml:10:20: builds\[0\]\.resources\.description: FileDescription is 42,500 characters: the VERSIONINFO strings of goapp\.exe would take [\d,]+ bytes, and a version resource holds 65,339 for them/);
    expect(report[2]).toBe(`  release.yaml:9:13: builds[0].resources.icon: ${join(dir, 'logo.ico')}: it is a PNG image, not a Windows icon (.ico); give a Windows .ico file (e.g. ImageMagick: magick app.png -define icon:auto-resize app.ico)`);
    expect(report[3]).toContain('  release.yaml:4:10: version: 256.1.0: cannot be the MSI ProductVersion: Version "256.1.0": major 256 is above the MSI ProductVersion limit 255');
    expect(report[3]).toContain('leave the MSIs out of this release (msi.disabled: true, or --skip msi)');
    expect(report[4]).toBe('  release.yaml:15:13: msi.shortcut.target: "goapp-gui.exe", the file the Start-menu shortcut opens, is not a file the MSI installs (it installs: goapp.exe, README.md); name one of them, e.g. a build\'s .exe, or add the file to msi.files');

    // Nothing was built: no go build ran, dist/ was never made.
    const summary = JSON.parse(r.stdout);
    expect(summary.ok).toBe(false);
    expect(summary.error.exitCode).toBe(2);
    expect(summary.error.problems.map((p: { message: string }) => p.message.split(':')[0])).toEqual(['release.yaml', 'release.yaml', 'release.yaml', 'release.yaml']);
    expect(summary.jobs.map((j: { stage: string }) => j.stage)).toEqual(['check']);
    expect(summary.timings.filter((t: { skipped?: string }) => !t.skipped).map((t: { stage: string }) => t.stage)).toEqual(['check']);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    expect(r.stderr).not.toContain('Build Go binaries');
  });

  it('once fixed, the same project builds (the preflight refuses nothing good)', async () => {
    const dir = await project(
      'fixed',
      `project:\n  name: goapp\n  vendor: Fixture & Sons\nversion: 1.2.0\nbuilds:\n  - binary: goapp\n    targets: [windows/amd64]\n    resources:\n      icon: app.ico\n      description: ${'A long description. '.repeat(100)}\narchives:\n  disabled: true\nmsi:\n  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718\n  files: [README.md]\n  shortcut:\n    target: GOAPP.exe\n`,
    );
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.msi'))).toEqual(['goapp_1.2.0_x64.msi']);
    expect((await readFile(join(dir, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).includes(Buffer.from('A long description. ', 'utf16le'))).toBe(true);
  });
});
