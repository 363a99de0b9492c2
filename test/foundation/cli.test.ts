import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, releaseBin, runRelease } from '../support/cli.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-cli-'));
});

/** A one-build project (amd64 + arm64) for the behaviour tests: quick to build. */
async function smallProject(name: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(
    join(dir, 'release.yaml'),
    `project:\n  name: small\nversion: 0.4.0\nbuilds:\n  - binary: small\n    targets: [windows/amd64, windows/arm64]\n`,
  );
  for (const [file, content] of Object.entries(extra)) await writeFile(join(dir, file), content);
  await commitAll(dir, 'small');
  return dir;
}

describe('release CLI', () => {
  it('--help and --version work for the tool and for build', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    for (const args of [['--version'], ['build', '--version']]) {
      const r = await runRelease(args, { cwd: work });
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
    const help = await runRelease(['build', '--help'], { cwd: work });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('check, build, resources, sign, msi, msix, sign-packages, appinstaller, archive, patch, winget, scoop, checksum, manifest, publish');
    const bad = await runRelease(['build', '--frobnicate'], { cwd: work });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--frobnicate'");
    const stage = await runRelease(['build', '--skip', 'nope', '--config', join(fixture, 'release.yaml')], { cwd: work });
    expect(stage.exitCode).toBe(2);
    expect(stage.stderr).toContain('unknown stage "nope" (stages: check, build, resources, sign, msi, msix, sign-packages, appinstaller, archive, patch, winget, scoop, checksum, manifest, publish)');
  });

  it('--dry-run prints every command in order and creates no files', async () => {
    const dir = await smallProject('dry');
    const before = readdirSync(dir).sort();
    const r = await runRelease(['build', '--dry-run'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const commit = (await execa('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout;
    const dist = join(dir, 'dist');
    expect(lines[0]).toBe(
      `CGO_ENABLED=0 GOARCH=amd64 GOOS=windows go build -trimpath -buildvcs=false -ldflags '-s -w -X main.version=0.4.0 -X main.commit=${commit} -X main.date=2026-03-14T15:09:26Z' -o ${join(dist, 'small_windows_amd64', 'small.exe')} .`,
    );
    expect(lines[1]).toContain('GOARCH=arm64');
    expect(lines.slice(2)).toEqual([
      `# embed VERSIONINFO 0.4.0.0, manifest (asInvoker) into ${join(dir, 'dist', 'small_windows_amd64', 'small.exe')}`,
      `# embed VERSIONINFO 0.4.0.0, manifest (asInvoker) into ${join(dir, 'dist', 'small_windows_arm64', 'small.exe')}`,
      `# write ${join(dir, 'dist', 'small_0.4.0_windows_amd64.zip')} (small.exe)`,
      `# write ${join(dir, 'dist', 'small_0.4.0_windows_arm64.zip')} (small.exe)`,
      `# write ${join(dir, 'dist', 'small_0.4.0_checksums.txt')} (sha256 of 4 files)`,
      `# write ${join(dir, 'dist', 'artifacts.json')} and ${join(dir, 'dist', 'metadata.json')}`,
    ]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('--dry-run --json lists the commands in the summary', async () => {
    const dir = await smallProject('dryjson');
    const r = await runRelease(['build', '--dry-run', '--json', '--targets', 'windows/arm64'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.commands[0]).toMatch(/^CGO_ENABLED=0 GOARCH=arm64 GOOS=windows go build /);
    expect(summary.commands.filter((c: string) => c.includes('go build'))).toHaveLength(1);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('a compile error in one target fails the stage, names the target and shows the compiler output', async () => {
    const dir = await smallProject('broken', { 'broken_arm64.go': 'package main\n\nfunc init() { undefinedThing() }\n' });
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('go build failed for windows/arm64 (build "small")');
    expect(r.stderr).toContain('undefined: undefinedThing');
    expect(r.stderr).not.toContain('windows/amd64 (build');
    expect(existsSync(join(dir, 'dist', 'artifacts.json'))).toBe(false);
    // Nothing half-written: no temp files, no arm64 exe.
    const leftovers = readdirSync(join(dir, 'dist'), { recursive: true }).map(String);
    expect(leftovers.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(dir, 'dist', 'small_windows_arm64', 'small.exe'))).toBe(false);
  });

  it('a failed run leaves no manifest that could lie about dist/, and no half-written file', async () => {
    const dir = await smallProject('rerun');
    const ok = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const before = (await readdir(join(dir, 'dist'))).sort();
    expect(before).toEqual(expect.arrayContaining(['artifacts.json', 'metadata.json', '.winship']));
    expect(before.some((n) => n.endsWith('_checksums.txt'))).toBe(true);
    await writeFile(join(dir, 'main.go'), 'package main\n\nfunc main() { nope }\n');
    const bad = await runRelease(['build', '--targets', 'windows/amd64', '--version', '0.5.0'], { cwd: dir });
    expect(bad.exitCode).toBe(1);
    // A new release retires the previous one when it starts writing (binaries keep their paths
    // across versions: an old list would describe files it replaces). The failed run then
    // leaves dist/ holding what its state says: nothing.
    expect((await readdir(join(dir, 'dist'))).sort()).toEqual(['.winship', '.winship-dist']);
    const state = JSON.parse(await readFile(join(dir, 'dist', '.winship', 'state.json'), 'utf8'));
    expect(state.release.version).toBe('0.5.0');
    expect(state.artifacts).toEqual([]);
    expect(state.completed).toEqual([]);
  });

  it('an untracked source file makes the tree dirty; our own dist/ does not', async () => {
    const dir = await smallProject('untracked');
    const clean = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir });
    expect(clean.exitCode, clean.stderr).toBe(0);
    const again = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir }); // dist/ now exists, untracked
    expect(again.stderr + again.stdout).not.toContain('uncommitted changes');
    expect(JSON.parse(await readFile(join(dir, 'dist', 'metadata.json'), 'utf8')).dirty).toBe(false);
    await writeFile(join(dir, 'extra.go'), 'package main\n\nfunc init() { version = "changed" }\n');
    const dirty = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir });
    expect(dirty.exitCode, dirty.stderr).toBe(0);
    expect(dirty.stderr + dirty.stdout).toContain('the git work tree has uncommitted changes');
    expect(JSON.parse(await readFile(join(dir, 'dist', 'metadata.json'), 'utf8')).dirty).toBe(true);
  });

  it('--skip/--only never package or list a part of the release', async () => {
    const dir = await smallProject('only');
    const only = await runRelease(['build', '--only', 'archive', '--only', 'checksum'], { cwd: dir });
    expect(only.exitCode).toBe(2);
    expect(only.stderr).toContain(`--only archive: archive works on binary files: no stage of this run makes them, and ${join(dir, 'dist')} has no release state to continue from`);
    const skip = await runRelease(['build', '--skip', 'build', '--json'], { cwd: dir });
    expect(skip.exitCode, skip.stderr).toBe(0);
    const timings = JSON.parse(skip.stdout).timings as Array<{ stage: string; skipped?: string }>;
    expect(timings.find((t) => t.stage === 'archive')?.skipped).toMatch(/^archive works on binary files: no stage of this run makes them/);
    expect(timings.find((t) => t.stage === 'manifest')?.skipped).toMatch(/^manifest works on binary or msi or msix or appinstaller or archive or patch or patches or winget or scoop or checksums files/);
    expect(await readdir(join(dir, 'dist')).catch(() => [])).not.toContain('artifacts.json');
    const extra = await runRelease(['build', '--skip', 'sign', 'msi'], { cwd: dir });
    expect(extra.exitCode).toBe(2);
    expect(extra.stderr).toContain('release build takes no arguments, got "msi"');
  });

  it('config errors exit 2 with file:line:col and the key path', async () => {
    const dir = join(work, 'badconfig');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'release.yaml'), 'project:\n  name: x\nbuilds:\n  - targets:\n      - windows/amd64\n      - windows/mips\n');
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'release.yaml:6:9: builds[0].targets[1]: "windows/mips" is not a supported target (supported: windows/amd64, windows/arm64, windows/386)',
    );
    const none = await runRelease(['build'], { cwd: work });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('no release.yaml in');
    const badTarget = await runRelease(['build', '--config', join(dir, 'release.yaml'), '--targets', 'linux/amd64'], { cwd: work });
    expect(badTarget.exitCode).toBe(2);
  });

  it('a missing main package and a non-main package are clear errors', async () => {
    const dir = await smallProject('nomain');
    await writeFile(join(dir, 'release.yaml'), 'project:\n  name: x\nversion: 1.0.0\nbuilds:\n  - main: ./cmd/missing\n  - id: lib\n    main: ./lib\n');
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib', 'lib.go'), 'package lib\n');
    await commitAll(dir, 'nomain');
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('builds[0].main: ./cmd/missing is not a directory');
    await writeFile(join(dir, 'release.yaml'), 'project:\n  name: x\nversion: 1.0.0\nbuilds:\n  - id: lib\n    main: ./lib\n');
    const r2 = await runRelease(['build'], { cwd: dir });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('builds[0].main: ./lib is package "lib", not a main package');
    // A Windows-style path means the same folder on every OS.
    await writeFile(join(dir, 'release.yaml'), 'project:\n  name: x\nversion: 1.0.0\nbuilds:\n  - main: cmd\\appw\n    targets: [windows/amd64]\n');
    const r3 = await runRelease(['build', '--dry-run'], { cwd: dir });
    expect(r3.exitCode, r3.stderr).toBe(0);
    expect(r3.stdout).toMatch(/go build .* \.\/cmd\/appw$/m);
  });

  it('checks vendor/ against go.mod and shows the drift', async () => {
    const dir = await smallProject('vendored');
    await mkdir(join(dir, 'dep'));
    await writeFile(join(dir, 'dep', 'go.mod'), 'module example.com/dep\n\ngo 1.18\n');
    await writeFile(join(dir, 'dep', 'dep.go'), 'package dep\n\nconst Greeting = "hi"\n');
    await writeFile(join(dir, 'go.mod'), 'module example.com/goapp\n\ngo 1.18\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ./dep\n');
    await writeFile(join(dir, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n)\n\nfunc main() { fmt.Println(dep.Greeting) }\n');
    await execa('go', ['mod', 'vendor'], { cwd: dir });
    await commitAll(dir, 'vendored');
    const ok = await runRelease(['build', '--targets', 'windows/amd64', '--only', 'check'], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    await writeFile(join(dir, 'vendor', 'example.com', 'dep', 'dep.go'), 'package dep\n\nconst Greeting = "edited in vendor"\n');
    await writeFile(join(dir, 'vendor', 'example.com', 'dep', 'stray.go'), 'package dep\n');
    const r = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('vendor/ does not match go.mod (2 differences); run "go mod vendor" and commit the result:');
    expect(r.stderr).toContain('changed  vendor/example.com/dep/dep.go');
    expect(r.stderr).toContain('extra    vendor/example.com/dep/stray.go');
    expect(existsSync(join(dir, 'dist', 'small_windows_amd64'))).toBe(false);
  });

  it('refuses to clean or fill a dist folder that winship did not make', async () => {
    const dir = await smallProject('foreign');
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'precious.txt'), 'keep me');
    for (const args of [['build', '--clean'], ['build']]) {
      const r = await runRelease(args, { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('was not made by winship');
    }
    expect(await readFile(join(dir, 'dist', 'precious.txt'), 'utf8')).toBe('keep me');
    await writeFile(join(dir, 'release.yaml'), `${await readFile(join(dir, 'release.yaml'), 'utf8')}dist: main.go\n`);
    const file = await runRelease(['build'], { cwd: dir });
    expect(file.exitCode).toBe(2);
    expect(file.stderr).toContain(`dist: ${join(dir, 'main.go')} is a file, not a folder`);
  });

  it('--clean empties our own dist folder; a snapshot version when nothing sets one', async () => {
    const dir = await smallProject('clean');
    await writeFile(join(dir, 'release.yaml'), 'project:\n  name: snap\nbuilds:\n  - targets: [windows/amd64]\narchives:\n  disabled: true\n');
    await commitAll(dir, 'snap', { tag: 'v2.7.1' });
    await writeFile(join(dir, 'later.txt'), 'x');
    await commitAll(dir, 'after the tag');
    const first = await runRelease(['build', '--json'], { cwd: dir });
    expect(first.exitCode, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    const short = (await execa('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: dir })).stdout;
    expect(summary.version).toBe(`2.7.2-SNAPSHOT-${short}`);
    expect(summary.snapshot).toBe(true);
    expect(summary.warnings[0]).toContain('building snapshot');
    await writeFile(join(dir, 'dist', 'stale.zip'), 'old');
    const second = await runRelease(['build', '--clean', '--version', '3.0.0'], { cwd: dir });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(existsSync(join(dir, 'dist', 'stale.zip'))).toBe(false);
    expect(readFileSync(join(dir, 'dist', 'snap_3.0.0_checksums.txt'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}snap_windows_amd64\/snap\.exe\n$/);
  });

  it('Ctrl-C stops the go processes, exits 130 and leaves no partial file', async () => {
    const dir = await smallProject('interrupt');
    const child = execa(process.execPath, [releaseBin, 'build', '--clean'], { cwd: dir, env: { CI: 'true', GOCACHE: join(dir, '.gocache') }, reject: false });
    // Wait until go build is really running (a fresh GOCACHE makes it slow enough to interrupt).
    for (let i = 0; i < 200; i++) {
      const ps = await execa('pgrep', ['-f', `${dir}.*go build|compile|link`], { reject: false });
      if (ps.exitCode === 0 && existsSync(join(dir, 'dist'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('SIGINT: stopping');
    await new Promise((res) => setTimeout(res, 300));
    const ps = await execa('pgrep', ['-af', `-o ${join(dir, 'dist')}`], { reject: false });
    expect(ps.stdout).toBe('');
    const files = readdirSync(join(dir, 'dist'), { recursive: true }).map(String);
    expect(files.filter((f) => f.includes('.tmp-') || f.endsWith('.exe') || f === 'artifacts.json')).toEqual([]);
    await rm(join(dir, '.gocache'), { recursive: true, force: true });
  });
});
