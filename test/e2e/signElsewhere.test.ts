import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { startSigningFixture, type SigningFixture } from '../support/signing.js';

// Signing on another machine, with the real tools: a dist/ built without signing is copied to a
// "signing machine" (another checkout of the same commit), signed there from its release state,
// and comes out consistent: every exe and MSI signed and verified, the MSIs and zips holding the
// signed exes, and a checksums file that matches what ships.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
let signing: SigningFixture;
let pki: SigningFixture['pki'];
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-sign-elsewhere-'));
  signing = await startSigningFixture(work);
  pki = signing.pki;
  env = signing.env;
});
afterAll(async () => {
  await signing?.stop();
});

const config = () => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64, windows/386]
archives:
  files: [README.md]
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
${signing.yaml}`;

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const fileSha = (p: string) => sha(readFileSync(p));
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

async function unsignedRelease(name: string): Promise<string> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(join(dir, 'release.yaml'), config());
  await writeFile(join(dir, '.gitignore'), 'dist/\n');
  await commitAll(dir, 'release', { tag: 'v1.3.0' });
  const r = await runRelease(['build', '--skip', 'sign,sign-packages'], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
  return dir;
}

async function verifies(file: string): Promise<boolean> {
  const r = await execa('osslsigncode', ['verify', '-CAfile', pki.rootBundlePath, '-TSA-CAfile', pki.rootBundlePath, '-in', file], { reject: false });
  return r.stdout.includes('Signature verification: ok') && r.stdout.includes('Timestamp Server Signature verification: ok');
}

/** The exe inside an MSI and inside a zip, hashed. */
async function packedExe(dist: string, msi: string, zip: string): Promise<{ inMsi: string; inZip: string }> {
  const out = await mkdtemp(join(work, 'extract-'));
  await execa('msiextract', ['-C', out, join(dist, msi)]);
  const exe = readdirSync(out, { recursive: true, withFileTypes: true }).find((f) => f.isFile() && f.name === 'goapp.exe')!;
  const inZip = (await execa('unzip', ['-p', join(dist, zip), 'goapp.exe'], { encoding: 'buffer' })).stdout;
  return { inMsi: fileSha(join(exe.parentPath, exe.name)), inZip: sha(Buffer.from(inZip)) };
}

/** Everything a consistent signed release must be. */
async function expectConsistentSignedRelease(dist: string): Promise<void> {
  const state = json(join(dist, '.winship', 'state.json'));
  const doc = json(join(dist, 'artifacts.json'));
  expect(doc.artifacts).toEqual(state.artifacts);
  for (const a of state.artifacts) expect(fileSha(join(dist, a.path)), a.path).toBe(a.sha256);
  const signable = state.artifacts.filter((a: { kind: string }) => a.kind === 'binary' || a.kind === 'msi');
  expect(signable).toHaveLength(4);
  for (const a of signable) {
    expect(a.signature?.signer, a.path).toBe(pki.codeSigning.subject);
    expect(await verifies(join(dist, a.path)), a.path).toBe(true);
  }
  for (const [arch, wix] of [['amd64', 'x64'], ['386', 'x86']] as const) {
    const exe = fileSha(join(dist, `goapp_windows_${arch}`, 'goapp.exe'));
    const { inMsi, inZip } = await packedExe(dist, `goapp_1.3.0_${wix}.msi`, `goapp_1.3.0_windows_${arch}.zip`);
    expect(inMsi, `${wix} MSI holds the signed exe`).toBe(exe);
    expect(inZip, `${arch} zip holds the signed exe`).toBe(exe);
  }
  const sums = await execa('sha256sum', ['-c', 'goapp_1.3.0_checksums.txt'], { cwd: dist });
  expect(sums.stdout.match(/: OK$/gm)).toHaveLength(6);
}

describe('the signing password', () => {
  it('never reaches the environment of a child process, from the first git query on', async () => {
    const dir = await makeGitProject(fixture, join(work, 'env-spy'));
    await writeFile(join(dir, 'release.yaml'), config());
    await commitAll(dir, 'release', { tag: 'v1.3.0' });
    // go and git stand-ins that note their environment, then run the real programs.
    const bin = join(work, 'spy-bin');
    const log = join(work, 'spy-env.txt');
    await execa('mkdir', ['-p', bin]);
    for (const tool of ['go', 'git']) {
      const real = (await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim();
      await writeFile(join(bin, tool), `#!/bin/sh\nenv >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    }
    const r = await runRelease(['build', '--only', 'check,build', '--targets', 'windows/amd64'], { cwd: dir, env: { ...env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = readFileSync(log, 'utf8');
    expect(seen).toContain('GOOS=windows'); // the spies did run, for the build too
    expect(seen).not.toContain(pki.codeSigning.pfxPassword);
    expect(seen).not.toContain('WINSHIP_PFX_PASSWORD');
  });
});

describe('signing a dist/ made elsewhere', () => {
  it('release build --only sign,sign-packages,checksum,manifest on a copy gives a consistent signed release', async () => {
    const built = await unsignedRelease('built');
    const unsigned = fileSha(join(built, 'dist', 'goapp_windows_amd64', 'goapp.exe'));
    const signer = join(work, 'signer');
    await cp(built, signer, { recursive: true });
    const r = await runRelease(['build', '--only', 'sign,sign-packages,checksum,manifest', '--json'], { cwd: signer, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('Build MSI packages: runs again for what this run changes (msi)');
    expect(r.stderr).toContain('Create archives: runs again for what this run changes (archive)');
    await expectConsistentSignedRelease(join(signer, 'dist'));
    // The build machine's copy is as it was.
    expect(fileSha(join(built, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).toBe(unsigned);

    const again = await runRelease(['sign'], { cwd: signer, env });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`release sign: nothing left to sign in ${join(signer, 'dist')}: all 4 signable files are already signed (by ${pki.codeSigning.subject})`);
  });

  it('release sign signs what the state says is unsigned, remakes what packed it, and never leaves a stale checksum', async () => {
    const dir = await unsignedRelease('sign-cmd');
    const dist = join(dir, 'dist');
    const x86Before = fileSha(join(dist, 'goapp_1.3.0_x86.msi'));
    // One file first: only it is signed; what packed it is remade; the rest is untouched.
    const one = await runRelease(['sign', join(dist, 'goapp_windows_amd64', 'goapp.exe')], { cwd: dir, env });
    expect(one.exitCode, one.stderr).toBe(0);
    let state = json(join(dist, '.winship', 'state.json'));
    const byPath = (p: string) => state.artifacts.find((a: { path: string }) => a.path === p);
    expect(byPath('goapp_windows_amd64/goapp.exe').signature.signer).toBe(pki.codeSigning.subject);
    expect(byPath('goapp_windows_386/goapp.exe').signature).toBeUndefined();
    expect(byPath('goapp_1.3.0_x64.msi').packs[0].sha256).toBe(fileSha(join(dist, 'goapp_windows_amd64', 'goapp.exe')));
    expect(fileSha(join(dist, 'goapp_1.3.0_x86.msi'))).toBe(x86Before);
    expect((await execa('sha256sum', ['-c', 'goapp_1.3.0_checksums.txt'], { cwd: dist })).exitCode).toBe(0);
    // Then the rest.
    const rest = await runRelease(['sign'], { cwd: dir, env });
    expect(rest.exitCode, rest.stderr).toBe(0);
    await expectConsistentSignedRelease(dist);
    state = json(join(dist, '.winship', 'state.json'));
    expect(state.completed).toEqual(['build', 'resources', 'sign', 'msi', 'sign-packages', 'archive', 'checksum', 'manifest']);
    const outside = await runRelease(['sign', join(dist, 'nope.exe')], { cwd: dir, env });
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain('nope.exe is not a file of the release recorded in');
  });

  it('split parts built on "Linux" without signing, merged, then signed, are one consistent release', async () => {
    const parts = [];
    for (const target of ['windows/amd64', 'windows/386']) {
      const dir = await makeGitProject(fixture, join(work, `part-${target.split('/')[1]}`));
      await writeFile(join(dir, 'release.yaml'), config());
      await writeFile(join(dir, '.gitignore'), 'dist/\n');
      await commitAll(dir, 'release', { tag: 'v1.3.0' });
      const r = await runRelease(['build', '--split', '--targets', target, '--skip', 'sign', '--skip', 'sign-packages'], { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(0);
      parts.push(join(dir, 'dist'));
    }
    const signer = await makeGitProject(fixture, join(work, 'merge-signer'));
    await writeFile(join(signer, 'release.yaml'), config());
    await writeFile(join(signer, '.gitignore'), 'dist/\n');
    await commitAll(signer, 'release', { tag: 'v1.3.0' });
    const merged = await runRelease(['merge', ...parts], { cwd: signer });
    expect(merged.exitCode, merged.stderr).toBe(0);
    const signed = await runRelease(['sign'], { cwd: signer, env });
    expect(signed.exitCode, signed.stderr).toBe(0);
    await expectConsistentSignedRelease(join(signer, 'dist'));
    expect(readFileSync(join(signer, 'dist', '.winship', 'state.json'), 'utf8')).not.toContain(pki.codeSigning.pfxPassword);
  });
});
