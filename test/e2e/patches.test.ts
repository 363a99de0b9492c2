import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchIndexDocumentSchema, type PatchIndexDocument } from '../../src/artifacts/patchIndex.js';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { buildGoApplier } from '../support/goApplier.js';
import { startSigningFixture, type SigningFixture } from '../support/signing.js';

// The patch stage with the real tools: release 1.0.0 of the fixture is built and signed and kept
// in releases/1.0.0 (as a user keeps or downloads earlier releases); 1.1.0, one line changed, is
// built with patches from it. Every patch must turn the file users of 1.0.0 have into the one
// 1.1.0 ships, with our applier and with the Go one, and be listed, checksummed and recorded.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
let project: string;
let signing: SigningFixture;
let env: Record<string, string>;
let goApplier: string;

const config = (patches: string) => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64, windows/386]
archives:
  files: [README.md]
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
${signing.yaml}${patches}`;

const PATCHES = `patches:
  from: releases
  kinds: [binary, msi, archive]
`;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-patches-'));
  signing = await startSigningFixture(work);
  env = signing.env;
  goApplier = await buildGoApplier(work);
  project = await makeGitProject(fixture, join(work, 'goapp'));
  await writeFile(join(project, '.gitignore'), 'dist/\nreleases/\n');
  await writeFile(join(project, 'release.yaml'), config(PATCHES));
  await mkdir(join(project, 'releases'));
  await commitAll(project, 'release 1.0.0', { tag: 'v1.0.0' });
  const first = await runRelease(['build'], { cwd: project, env });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/no release before 1\.0\.0 in releases: no patches this time/);
  await cp(join(project, 'dist'), join(project, 'releases', '1.0.0'), { recursive: true });
  const main = join(project, 'main.go');
  await writeFile(main, (await readFile(main, 'utf8')).replace('goapp version=', 'goapp, version '));
  await commitAll(project, 'release 1.1.0', { tag: 'v1.1.0' });
  const second = await runRelease(['build'], { cwd: project, env });
  expect(second.exitCode, second.stderr).toBe(0);
}, 600_000);
afterAll(async () => {
  await signing?.stop();
});

describe('a release with patches from an earlier one', () => {
  it('patches every signed exe, and lists each patch in patches.json with its digests', () => {
    const dist = join(project, 'dist');
    const index: PatchIndexDocument = patchIndexDocumentSchema.parse(json(join(dist, 'patches.json')));
    expect(index).toMatchObject({ project: 'goapp', version: '1.1.0', schemaVersion: 1 });
    const exes = index.patches.filter((p) => p.kind === 'binary');
    expect(exes.map((p) => p.patch).sort()).toEqual(['patches/goapp_1.0.0_to_1.1.0_386.exe.patch', 'patches/goapp_1.0.0_to_1.1.0_amd64.exe.patch']);
    // Every pair of the three kinds is either patched or skipped, with its reason.
    expect(index.patches.length + index.skipped.length).toBe(6);
    for (const s of index.skipped) {
      expect(s.reason).toMatch(/more than patches.maxShare \(0.5\)/);
      expect(s.patchSize).toBeGreaterThan(s.limit);
    }
    for (const p of index.patches) {
      expect(p).toMatchObject({ from: '1.0.0', to: '1.1.0', format: 1, algorithm: 'match-mix' });
      expect(sha(join(dist, p.patch))).toBe(p.patchSha256);
      expect(sha(join(dist, p.file))).toBe(p.newSha256);
      expect(sha(join(project, 'releases', '1.0.0', p.oldFile))).toBe(p.oldSha256);
      // A one-line change: under 1 % of an exe. (A package's compressed payload changes all over.)
      if (p.kind === 'binary') expect(p.patchSize).toBeLessThan(p.newSize / 100);
    }
  });

  it('each patch turns the 1.0.0 file users have into the 1.1.0 file, by both appliers', async () => {
    const dist = join(project, 'dist');
    const index: PatchIndexDocument = json(join(dist, 'patches.json'));
    for (const p of index.patches) {
      const old = join(project, 'releases', '1.0.0', p.oldFile);
      const byNode = join(work, `node-${p.patch.replaceAll('/', '_')}`);
      const r = await runRelease(['patch', 'apply', old, join(dist, p.patch), '-o', byNode], { cwd: project });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(sha(byNode), p.patch).toBe(p.newSha256);
      const byGo = join(work, `go-${p.patch.replaceAll('/', '_')}`);
      const g = await execa(goApplier, [old, join(dist, p.patch), byGo], { reject: false });
      expect(g.exitCode, g.stderr).toBe(0);
      expect(sha(byGo), p.patch).toBe(p.newSha256);
    }
  });

  it('records the patches as artifacts and the checksums cover them', async () => {
    const dist = join(project, 'dist');
    const state = json(join(dist, '.winship', 'state.json'));
    const index: PatchIndexDocument = json(join(dist, 'patches.json'));
    const recorded = state.artifacts.filter((a: { kind: string }) => a.kind === 'patch');
    expect(recorded.map((a: { path: string }) => a.path).sort()).toEqual(index.patches.map((p) => p.patch).sort());
    for (const a of recorded) {
      const entry = index.patches.find((p) => p.patch === a.path)!;
      expect(a.old).toEqual({ name: entry.oldFile, size: entry.oldSize, sha256: entry.oldSha256 });
      expect(a.packs).toEqual([{ path: entry.file, sha256: entry.newSha256 }]);
    }
    expect(state.artifacts.find((a: { kind: string }) => a.kind === 'patches')).toMatchObject({ path: 'patches.json', patches: index.patches.length, skipped: index.skipped.length });
    expect(json(join(dist, 'artifacts.json')).artifacts).toEqual(state.artifacts);
    const sums = await execa('sha256sum', ['-c', 'goapp_1.1.0_checksums.txt'], { cwd: dist });
    const listed = sums.stdout.split('\n').map((l) => l.replace(/: OK$/, ''));
    for (const p of index.patches) expect(listed).toContain(p.patch);
    expect(listed).toContain('patches.json');
  });
});

describe('earlier releases that cannot be used', () => {
  // Each is refused before anything is compiled (exit 2).
  const refused = async (args: string[]) => {
    const r = await runRelease(['build', '--dry-run', ...args], { cwd: project, env });
    expect(r.exitCode, r.stdout).toBe(2);
    expect(r.stderr).not.toContain('go build');
    return r.stderr;
  };

  it('a folder that is not there', async () => {
    expect(await refused(['--previous', join(work, 'nowhere')])).toMatch(/--previous .*nowhere: no such folder/);
  });

  it('a release of another project', async () => {
    const other = join(work, 'other-release');
    await cp(join(project, 'releases', '1.0.0'), other, { recursive: true });
    const state = json(join(other, '.winship', 'state.json'));
    await writeFile(join(other, '.winship', 'state.json'), JSON.stringify({ ...state, project: 'someone-else' }));
    expect(await refused(['--previous', other])).toMatch(/is version 1\.0\.0 of "someone-else" .*not of "goapp"/);
  });

  it('a release that is not earlier', async () => {
    expect(await refused(['--previous', join(project, 'dist')])).toMatch(/version 1\.1\.0 is not earlier than this release \(1\.1\.0\)/);
  });

  it('a release whose file changed since it was recorded', async () => {
    const changed = join(work, 'changed-release');
    await cp(join(project, 'releases', '1.0.0'), changed, { recursive: true });
    const exe = join(changed, 'goapp_windows_amd64', 'goapp.exe');
    const bytes = await readFile(exe);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(exe, bytes);
    expect(await refused(['--previous', changed])).toMatch(/goapp_windows_amd64\/goapp\.exe is not the file .* lists .*would not apply to what users of 1\.0\.0 have/);
  });

  it('a folder with neither a state nor an artifacts.json', async () => {
    const bare = join(work, 'bare');
    await mkdir(bare, { recursive: true });
    expect(await refused(['--previous', bare])).toMatch(/neither \.winship\/state\.json nor artifacts\.json is there/);
  });
});
