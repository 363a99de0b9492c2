import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, releaseBin, repoRoot, runRelease } from '../support/cli.js';

// The release as durable data, through the CLI with the real tools: a later run continues from
// dist/.winship/state.json, split builds merged equal one full build, and a state that does not
// match dist/ (or the checkout) is refused, naming what and where.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
const CONFIG = `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64, windows/arm64]
archives:
  files: [README.md]
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
  files: [README.md]
`;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
let work: string;

async function project(name: string, yaml = CONFIG): Promise<string> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(join(dir, 'release.yaml'), yaml);
  await writeFile(join(dir, '.gitignore'), 'dist/\n');
  await commitAll(dir, 'state', { tag: 'v1.0.0' });
  return dir;
}

/** Every file of dist/ with its digest, our own bookkeeping left out. */
function releaseFiles(dist: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    const full = join(f.parentPath, f.name);
    const rel = full.slice(dist.length + 1);
    if (f.isFile() && !rel.startsWith('.winship')) out[rel] = sha(full);
  }
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-state-'));
});

describe('continuing a release from its state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project('continue');
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('records every file, typed, with its size and digest, and the facts of the release', () => {
    const state = json(join(dir, 'dist', '.winship', 'state.json'));
    expect(state).toMatchObject({ schemaVersion: 1, project: 'goapp', partial: false, targets: ['windows/amd64', 'windows/arm64'] });
    expect(state.release).toMatchObject({ version: '1.0.0', versionSource: 'tag', tag: 'v1.0.0', dirty: false });
    expect(state.completed).toEqual(['build', 'resources', 'msi', 'archive', 'checksum', 'manifest']);
    expect(state.artifacts.map((a: { kind: string }) => a.kind)).toEqual(['binary', 'binary', 'archive', 'archive', 'msi', 'msi', 'checksums']);
    for (const a of state.artifacts) expect(sha(join(dir, 'dist', a.path)), a.path).toBe(a.sha256);
    // artifacts.json is the public view of the same records.
    expect(json(join(dir, 'dist', 'artifacts.json')).artifacts).toEqual(state.artifacts);
  });

  it('--only archive and --only checksum,manifest work from the state alone, and give the same bytes', async () => {
    const before = releaseFiles(join(dir, 'dist'));
    const zip = await runRelease(['build', '--only', 'archive', '--json'], { cwd: dir });
    expect(zip.exitCode, zip.stderr).toBe(0);
    const summary = JSON.parse(zip.stdout);
    expect(summary.timings.filter((t: { skipped?: string }) => !t.skipped).map((t: { stage: string }) => t.stage)).toEqual(['archive', 'checksum', 'manifest']);
    const sums = await runRelease(['build', '--only', 'checksum,manifest'], { cwd: dir });
    expect(sums.exitCode, sums.stderr).toBe(0);
    expect(releaseFiles(join(dir, 'dist'))).toEqual(before);
    expect((await execa('sha256sum', ['-c', 'goapp_1.0.0_checksums.txt'], { cwd: join(dir, 'dist') })).stdout.match(/: OK$/gm)).toHaveLength(6);
  });

  it('refuses a file changed behind its back, naming it, and leaves dist/ as it was', async () => {
    const copy = join(work, 'tampered');
    await cp(dir, copy, { recursive: true });
    const msi = join(copy, 'dist', 'goapp_1.0.0_x64.msi');
    await writeFile(msi, Buffer.concat([readFileSync(msi), Buffer.from('!')]));
    const before = releaseFiles(join(copy, 'dist'));
    const r = await runRelease(['build', '--only', 'checksum,manifest'], { cwd: copy });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`a file in ${join(copy, 'dist')} no longer matches the release state`);
    expect(r.stderr).toMatch(/goapp_1\.0\.0_x64\.msi: changed after winship recorded it \(\d+ bytes recorded, \d+ now\)/);
    expect(releaseFiles(join(copy, 'dist'))).toEqual(before);
  });

  it('refuses another commit, another release.yaml, another --version and a newer state, naming both sides', async () => {
    const copy = join(work, 'moved-on');
    await cp(dir, copy, { recursive: true });
    const recorded = json(join(copy, 'dist', '.winship', 'state.json')).release.commit;
    await writeFile(join(copy, 'later.txt'), 'x');
    await commitAll(copy, 'later');
    const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: copy })).stdout;
    const commit = await runRelease(['build', '--only', 'archive'], { cwd: copy });
    expect(commit.exitCode).toBe(2);
    expect(commit.stderr).toContain(`was built from commit ${recorded}, but HEAD is ${head}`);

    await execa('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: copy });
    await writeFile(join(copy, 'release.yaml'), CONFIG.replace('files: [README.md]\nmsi', 'files: [README.md, LICENSE]\nmsi'));
    const config = await runRelease(['build', '--only', 'archive'], { cwd: copy });
    expect(config.exitCode).toBe(2);
    expect(config.stderr).toContain(`${join(copy, 'release.yaml')} is not the release.yaml`);
    await execa('git', ['checkout', '-q', 'release.yaml'], { cwd: copy });

    const version = await runRelease(['build', '--only', 'archive', '--version', '9.9.9'], { cwd: copy });
    expect(version.exitCode).toBe(2);
    expect(version.stderr).toContain('holds release 1.0.0; a run that continues it keeps its version');

    const statePath = join(copy, 'dist', '.winship', 'state.json');
    await writeFile(statePath, JSON.stringify({ ...json(statePath), schemaVersion: 7, writtenBy: '3.0.0' }));
    const newer = await runRelease(['build', '--only', 'archive'], { cwd: copy });
    expect(newer.exitCode).toBe(2);
    expect(newer.stderr).toContain('was written by winship 3.0.0 (state schema 7); this is winship');

    await writeFile(statePath, '{"schemaVersion": 1, "artifacts": [');
    const damaged = await runRelease(['build', '--only', 'archive'], { cwd: copy });
    expect(damaged.exitCode).toBe(2);
    expect(damaged.stderr).toContain(`${statePath} is not valid JSON`);
    // A new release is not held back by a state it replaces.
    const fresh = await runRelease(['build', '--targets', 'windows/amd64'], { cwd: copy });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stderr + fresh.stdout).toContain('starting a new release over it');

    const clean = await runRelease(['build', '--only', 'archive', '--clean'], { cwd: copy });
    expect(clean.exitCode).toBe(2);
    expect(clean.stderr).toContain('--clean starts a new release');
  });
});

describe('what a continued run keeps consistent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project('consistent');
    const r = await runRelease(['build'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
  });
  const copyOf = async (name: string) => {
    const copy = join(work, name);
    await cp(dir, copy, { recursive: true });
    return copy;
  };
  const stateOf = (d: string) => json(join(d, 'dist', '.winship', 'state.json'));

  it('--only manifest changes no file: the checksums file stays, and so does its record', async () => {
    const copy = await copyOf('only-manifest');
    const r = await runRelease(['build', '--only', 'manifest'], { cwd: copy });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(copy, 'dist', 'goapp_1.0.0_checksums.txt'))).toBe(true);
    expect(stateOf(copy).completed).toContain('checksum');
    expect(json(join(copy, 'dist', 'artifacts.json')).artifacts.map((a: { kind: string }) => a.kind)).toContain('checksums');
  });

  it('--targets narrows the run, not the release: the state keeps every target, and an empty list is refused', async () => {
    const copy = await copyOf('narrow');
    const r = await runRelease(['build', '--only', 'archive', '--targets', 'windows/amd64'], { cwd: copy });
    expect(r.exitCode, r.stderr).toBe(0);
    const state = stateOf(copy);
    expect(state.targets).toEqual(['windows/amd64', 'windows/arm64']);
    expect(state.completed).toEqual(['build', 'resources', 'msi', 'archive', 'checksum', 'manifest']);
    expect((await execa('sha256sum', ['-c', 'goapp_1.0.0_checksums.txt'], { cwd: join(copy, 'dist') })).exitCode).toBe(0);
    const empty = await runRelease(['build', '--only', 'archive', '--targets', ''], { cwd: copy });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('--targets names no target');
  });

  it('packages already stale (a run stopped after changing an exe) are remade before the checksums', async () => {
    const copy = await copyOf('stale');
    // What a signing run stopped half-way leaves: the exe changed and recorded, its zip and MSI not remade.
    const exe = join(copy, 'dist', 'goapp_windows_amd64', 'goapp.exe');
    await writeFile(exe, Buffer.concat([readFileSync(exe), Buffer.alloc(512)]));
    const statePath = join(copy, 'dist', '.winship', 'state.json');
    const state = json(statePath);
    const record = state.artifacts.find((a: { path: string }) => a.path === 'goapp_windows_amd64/goapp.exe');
    Object.assign(record, { size: readFileSync(exe).length, sha256: sha(exe) });
    await writeFile(statePath, JSON.stringify(state));
    const r = await runRelease(['build', '--only', 'checksum,manifest'], { cwd: copy });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Create archives: runs again');
    const inZip = (await execa('unzip', ['-p', join(copy, 'dist', 'goapp_1.0.0_windows_amd64.zip'), 'goapp.exe'], { encoding: 'buffer' })).stdout;
    expect(createHash('sha256').update(inZip).digest('hex')).toBe(sha(exe));
    const msi = stateOf(copy).artifacts.find((a: { kind: string; goarch: string }) => a.kind === 'msi' && a.goarch === 'amd64');
    expect(msi.packs).toEqual([{ path: 'goapp_windows_amd64/goapp.exe', sha256: sha(exe) }]);
    expect((await execa('sha256sum', ['-c', 'goapp_1.0.0_checksums.txt'], { cwd: join(copy, 'dist') })).exitCode).toBe(0);
  });

  it('a continued run that packs files of a checkout with changes marks the release dirty; one that packs none does not', async () => {
    const copy = await copyOf('dirty');
    await writeFile(join(copy, 'untracked.txt'), 'x');
    const sums = await runRelease(['build', '--only', 'checksum,manifest'], { cwd: copy });
    expect(sums.exitCode, sums.stderr).toBe(0);
    expect(json(join(copy, 'dist', 'metadata.json')).dirty).toBe(false);
    const zips = await runRelease(['build', '--only', 'archive'], { cwd: copy });
    expect(zips.exitCode, zips.stderr).toBe(0);
    expect(json(join(copy, 'dist', 'metadata.json')).dirty).toBe(true);
    expect(stateOf(copy).release.dirty).toBe(true);
  });

  it('one run at a time: a live lock is waited for (or refused with --no-wait) naming its owner, a dead one is taken over', async () => {
    const copy = await copyOf('locked');
    const lock = join(copy, 'dist', '.winship', 'lock');
    const host = (await import('node:os')).hostname();
    await writeFile(lock, JSON.stringify({ pid: process.pid, host, since: '2026-01-01T00:00:00Z' }));
    const refused = await runRelease(['build', '--only', 'checksum', '--no-wait'], { cwd: copy });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`another winship run (pid ${process.pid} on ${host}, since 2026-01-01T00:00:00Z) is working on`);

    // Without --no-wait it waits, says so, and goes on once the lock is let go.
    const waiting = execa('node', [releaseBin, 'build', '--only', 'checksum'], { cwd: copy, reject: false, all: true });
    let out = '';
    waiting.all!.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('waiting for another winship run')) {
      expect(waiting.exitCode, out).toBeNull();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(join(copy, 'dist', 'artifacts.json'))).toBe(true); // nothing touched while waiting
    await rm(lock);
    const waited = await waiting;
    expect(waited.exitCode, waited.all).toBe(0);

    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 17, host, since: '2026-01-01T00:00:00Z' }));
    const stale = await runRelease(['build', '--only', 'checksum'], { cwd: copy });
    expect(stale.exitCode, stale.stderr).toBe(0);
    expect(stale.stdout).toContain(`took over the lock of ${join(copy, 'dist')} from a run that is gone (pid ${2 ** 22 + 17} on ${host}`);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('split builds merged', () => {
  it('two parts built apart and merged give the same files and manifests as one full build', async () => {
    const full = await project('full');
    const whole = await runRelease(['build'], { cwd: full });
    expect(whole.exitCode, whole.stderr).toBe(0);

    const amd = await project('part-amd64');
    const arm = await project('part-arm64');
    const a = await runRelease(['build', '--split', '--targets', 'windows/amd64'], { cwd: amd });
    const b = await runRelease(['build', '--split', '--targets', 'windows/arm64', '--json'], { cwd: arm });
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    // A part has no checksums or manifests: those describe the whole release.
    expect(existsSync(join(arm, 'dist', 'artifacts.json'))).toBe(false);
    expect(readdirSync(join(arm, 'dist')).some((f) => f.endsWith('_checksums.txt'))).toBe(false);
    expect(json(join(arm, 'dist', '.winship', 'state.json'))).toMatchObject({ partial: true, targets: ['windows/arm64'] });
    expect(JSON.parse(b.stdout).timings.find((t: { stage: string }) => t.stage === 'checksum').skipped).toBe('runs after release merge');

    const merged = await project('merged');
    const m = await runRelease(['merge', join(amd, 'dist'), join(arm, 'dist')], { cwd: merged });
    expect(m.exitCode, m.stderr).toBe(0);
    expect(m.stdout).toContain(`merged 2 parts (windows/amd64, windows/arm64) into ${join(merged, 'dist')}`);
    expect(releaseFiles(join(merged, 'dist'))).toEqual(releaseFiles(join(full, 'dist')));
    expect(readFileSync(join(merged, 'dist', 'artifacts.json'), 'utf8')).toBe(readFileSync(join(full, 'dist', 'artifacts.json'), 'utf8'));
    expect(readFileSync(join(merged, 'dist', 'metadata.json'), 'utf8')).toBe(readFileSync(join(full, 'dist', 'metadata.json'), 'utf8'));
    const state = json(join(merged, 'dist', '.winship', 'state.json'));
    expect(state).toMatchObject({ partial: false, targets: ['windows/amd64', 'windows/arm64'] });
    expect(state.completed).toEqual(json(join(full, 'dist', '.winship', 'state.json')).completed);

    // The same part twice, or a part of another commit, is refused.
    const twice = await runRelease(['merge', join(amd, 'dist'), join(amd, 'dist'), '-o', join(work, 'twice')], { cwd: merged });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain('both hold windows/amd64');
    await writeFile(join(arm, 'later.txt'), 'x');
    await commitAll(arm, 'later', { tag: 'v1.0.1' });
    const later = await runRelease(['build', '--split', '--targets', 'windows/arm64'], { cwd: arm });
    expect(later.exitCode, later.stderr).toBe(0);
    const mixed = await runRelease(['merge', join(amd, 'dist'), join(arm, 'dist'), '-o', join(work, 'mixed')], { cwd: merged });
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toMatch(/are parts of different releases: version "1\.0\.0" and "1\.0\.1"/);
    expect(existsSync(join(work, 'mixed'))).toBe(false);
    const whole2 = await runRelease(['merge', join(full, 'dist'), '-o', join(work, 'whole')], { cwd: merged });
    expect(whole2.exitCode).toBe(2);
    expect(whole2.stderr).toContain('holds a whole release, not a part of one');
    // A part that did not arrive is refused before anything is copied; --targets merges fewer on purpose.
    const oneLeg = await runRelease(['merge', join(amd, 'dist'), '-o', join(work, 'one-leg'), '--json'], { cwd: merged });
    expect(oneLeg.exitCode).toBe(2);
    expect(oneLeg.stderr).toContain('the parts hold windows/amd64, but');
    expect(oneLeg.stderr).toContain('windows/arm64 missing');
    expect(JSON.parse(oneLeg.stdout)).toMatchObject({ ok: false, error: { exitCode: 2 } });
    expect(existsSync(join(work, 'one-leg'))).toBe(false);
    const amdOnly = await runRelease(['merge', join(amd, 'dist'), '-o', join(work, 'amd-only'), '--targets', 'windows/amd64'], { cwd: merged });
    expect(amdOnly.exitCode, amdOnly.stderr).toBe(0);
    // From a checkout whose release.yaml is not the parts': refused before anything is copied.
    await writeFile(join(merged, 'release.yaml'), CONFIG.replace('files: [README.md]\nmsi', 'files: [README.md, LICENSE]\nmsi'));
    const otherConfig = await runRelease(['merge', join(amd, 'dist'), '-o', join(work, 'other-config'), '--targets', 'windows/amd64'], { cwd: merged });
    expect(otherConfig.exitCode).toBe(2);
    expect(otherConfig.stderr).toContain('were built with another release.yaml than');
    expect(existsSync(join(work, 'other-config'))).toBe(false);
    expect(await readFile(join(merged, 'dist', '.winship-dist'), 'utf8')).toContain('winship');
  });
});
