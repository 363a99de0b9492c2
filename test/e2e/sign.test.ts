import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

// `release build` with signing, end to end: real osslsigncode, a PKI made now, and local RFC 3161
// servers on loopback (some broken on purpose) standing in for the public ones.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
let pki: TestPki;
let fleet: TsaFleet;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-sign-'));
  pki = await createTestPki(join(work, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'hang', name: 'hang' },
    { kind: 'http500', name: 'http500' },
    { kind: 'no-eku', name: 'no-eku' },
    { kind: 'healthy', name: 'fast' },
    { kind: 'slow', name: 'slow', delayMs: 400 },
    { kind: 'wrong-imprint', name: 'wrong-imprint' },
    { kind: 'wrong-nonce', name: 'wrong-nonce' },
    { kind: 'garbage', name: 'garbage' },
    { kind: 'wrong-content-type', name: 'wrong-content-type' },
    { kind: 'rejection', name: 'rejection' },
    { kind: 'refused', name: 'refused' },
  ]);
});
afterAll(async () => {
  await fleet?.stop();
});

const config = (servers: string[], extra = '') => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64, windows/386]
msi:
  upgradeCode: 6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718
sign:
  certificate:
    pfx: ${pki.codeSigning.pfxPath}
  description: Goapp
  verify:
    caFile: ${pki.rootBundlePath}
    tsaCaFile: ${pki.rootBundlePath}
timestamp:
  servers:
${servers.map((s) => `    - ${s}`).join('\n')}
  timeoutSeconds: 3
  retries: 1
${extra}`;

async function verifyFile(file: string): Promise<string> {
  const r = await execa('osslsigncode', ['verify', '-CAfile', pki.rootBundlePath, '-TSA-CAfile', pki.rootBundlePath, '-in', file], { reject: false });
  return `${r.stdout}\n${r.stderr}`;
}

describe('release build with signing', () => {
  it('signs, timestamps and verifies every exe and MSI, skipping broken servers, and never leaks the password', async () => {
    const dir = await makeGitProject(fixture, join(work, 'ok'));
    const servers = ['hang', 'http500', 'no-eku', 'slow', 'fast'].map((n) => fleet.url(n));
    await writeFile(join(dir, 'release.yaml'), config(servers));
    await commitAll(dir, 'signed', { tag: 'v1.4.0' });
    const password = pki.codeSigning.pfxPassword;
    const started = Date.now();
    const r = await runRelease(['build', '--json'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: password } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);

    const dist = join(dir, 'dist');
    const doc = JSON.parse(readFileSync(join(dist, 'artifacts.json'), 'utf8'));
    const signed = doc.artifacts.filter((a: { kind: string }) => a.kind === 'binary' || a.kind === 'msi');
    expect(signed).toHaveLength(4);
    for (const a of signed) {
      const out = await verifyFile(join(dist, a.path));
      expect(out, a.path).toContain('Signature verification: ok');
      expect(out, a.path).toContain('Timestamp Server Signature verification: ok');
      expect(a.signature.signer).toBe(pki.codeSigning.subject);
      expect(a.signature.digest).toBe('sha256');
      expect([fleet.url('fast'), fleet.url('slow')]).toContain(a.signature.timestampServer);
      expect(Date.parse(a.signature.timestampTime)).toBeGreaterThan(started - 60_000);
    }
    // The zips and checksums are made from the signed files.
    const exe = join(dist, 'goapp_windows_amd64', 'goapp.exe');
    const inZip = (await execa('unzip', ['-p', join(dist, 'goapp_1.4.0_windows_amd64.zip'), 'goapp.exe'], { encoding: 'buffer' })).stdout;
    expect(createHash('sha256').update(inZip).digest('hex')).toBe(createHash('sha256').update(readFileSync(exe)).digest('hex'));
    expect((await execa('sha256sum', ['-c', 'goapp_1.4.0_checksums.txt'], { cwd: dist })).stdout).toContain('goapp_1.4.0_x64.msi: OK');
    // The probe caught the broken servers, the EKU-less one included (osslsigncode would not).
    const summary = JSON.parse(r.stdout);
    const warned = summary.warnings.join('\n');
    expect(warned).toContain(`timestamp server ${fleet.url('hang')} failed its probe (timeout`);
    expect(warned).toContain(`timestamp server ${fleet.url('http500')} failed its probe (http-status`);
    expect(warned).toContain(`timestamp server ${fleet.url('no-eku')} failed its probe (missing-eku`);
    expect(fleet.server('fast').requestCount + fleet.server('slow').requestCount).toBeGreaterThanOrEqual(4);
    // The password is nowhere: not in our output, not in any file we wrote.
    expect(r.stdout + r.stderr).not.toContain(password);
    for (const f of readdirSync(dist, { recursive: true, withFileTypes: true })) {
      if (f.isFile()) expect(readFileSync(join(f.parentPath, f.name)).includes(Buffer.from(password)), f.name).toBe(false);
    }
  });

  it('fails naming every server when no timestamp server is healthy, and ships nothing', async () => {
    const dir = await makeGitProject(fixture, join(work, 'allbad'));
    await writeFile(join(dir, 'release.yaml'), config(['http500', 'garbage', 'refused'].map((n) => fleet.url(n))));
    await commitAll(dir, 'allbad', { tag: 'v1.0.0' });
    const r = await runRelease(['build', '--json'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('no timestamp server passed its probe');
    for (const n of ['http500', 'garbage', 'refused']) expect(r.stderr).toContain(fleet.url(n));
    // The JSON summary of a failed run keeps what happened before the failure.
    const summary = JSON.parse(r.stdout);
    expect(summary.ok).toBe(false);
    expect(summary.error.message).toContain('no timestamp server passed its probe');
    expect(summary.warnings.filter((w: string) => w.includes('failed its probe'))).toHaveLength(3);
    // The stages before the failure, and those left out from the start (no msix: section).
    expect(summary.timings.map((t: { stage: string }) => t.stage)).toEqual(['check', 'build', 'resources', 'sign', 'msix', 'appinstaller', 'patch', 'winget', 'scoop', 'publish']);
    expect(readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.zip') || f.endsWith('.msi') || f === 'artifacts.json')).toEqual([]);
  });

  it('without probing, fails over from a hanging server within the timeout and lists attempts when all fail', async () => {
    const dir = await makeGitProject(fixture, join(work, 'noprobe'));
    await writeFile(join(dir, 'release.yaml'), config([fleet.url('hang'), fleet.url('fast')], '  probe: false\n'));
    await commitAll(dir, 'noprobe', { tag: 'v1.0.0' });
    const started = Date.now();
    const r = await runRelease(['build', '--skip', 'msi', '--json'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(45_000);
    const doc = JSON.parse(readFileSync(join(dir, 'dist', 'artifacts.json'), 'utf8'));
    for (const a of doc.artifacts.filter((x: { kind: string }) => x.kind === 'binary')) expect(a.signature.timestampServer).toBe(fleet.url('fast'));

    await writeFile(join(dir, 'release.yaml'), config([fleet.url('hang'), fleet.url('wrong-imprint'), fleet.url('rejection')], '  probe: false\n'));
    const bad = await runRelease(['build', '--skip', 'msi', '--targets', 'windows/amd64'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword } });
    expect(bad.exitCode).toBe(1);
    for (const n of ['hang', 'wrong-imprint', 'rejection']) expect(bad.stderr).toContain(fleet.url(n).replace(/^http:\/\//, ''));
  });

  it('asks for the password variable instead of guessing, and --dev-cert signs with a loud warning', async () => {
    const dir = await makeGitProject(fixture, join(work, 'nopass'));
    await writeFile(join(dir, 'release.yaml'), config([fleet.url('fast')]));
    await commitAll(dir, 'nopass', { tag: 'v1.0.0' });
    const r = await runRelease(['build', '--skip', 'msi'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: undefined } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('WINSHIP_PFX_PASSWORD, which is not set');

    const dev = await runRelease(['build', '--dev-cert', '--skip', 'msi', '--targets', 'windows/amd64', '--json'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: undefined } });
    expect(dev.exitCode, dev.stderr).toBe(0);
    expect(JSON.parse(dev.stdout).warnings.join('\n')).toContain('--dev-cert: signing with a throwaway self-signed certificate. Windows and SmartScreen will NOT trust these files');
    const doc = JSON.parse(readFileSync(join(dir, 'dist', 'artifacts.json'), 'utf8'));
    const exe = doc.artifacts.find((a: { kind: string }) => a.kind === 'binary');
    expect(exe.signature).toMatchObject({ signer: 'CN=winship development certificate - NOT FOR RELEASE', devCert: true });
  });
});

describe('--dry-run with signing', () => {
  it('prints the signing commands from a clean checkout, the same each time, writing nothing', async () => {
    const dir = await makeGitProject(fixture, join(work, 'drysign'));
    await writeFile(join(dir, 'release.yaml'), config([fleet.url('fast')]));
    await commitAll(dir, 'drysign', { tag: 'v1.0.0' });
    // A temp folder of its own, so that nothing else running on the machine can count here.
    const temp = await mkdtemp(join(work, 'tmp-'));
    const runs = [];
    for (const args of [['build', '--dry-run'], ['build', '--dry-run'], ['build', '--dry-run', '--dev-cert']]) {
      const r = await runRelease(args, { cwd: dir, env: { WINSHIP_PFX_PASSWORD: undefined, TMPDIR: temp } });
      expect(r.exitCode, r.stderr).toBe(0);
      runs.push(r.stdout);
    }
    expect(runs[1]).toBe(runs[0]);
    const exe = join(dir, 'dist', 'goapp_windows_amd64', 'goapp.exe');
    expect(runs[0]).toContain(
      `osslsigncode sign -pkcs12 ${pki.codeSigning.pfxPath} -readpass - -h sha256 -n Goapp -ts '<relay to ${fleet.url('fast')}>' -in ${exe} -out ${exe}.signed`,
    );
    expect(runs[0]).toMatch(/# probe timestamp servers/);
    expect(runs[2]).toContain('# make a throwaway root, code-signing certificate and timestamp authority for --dev-cert (in process, no network)');
    expect(runs[2]).toContain(`osslsigncode sign -certs '<dev cert dir>/dev-cert.pem' -key '<dev cert dir>/dev-key.pem' -h sha256 -n Goapp -ts '<relay to http://127.0.0.1/winship-dev-tsa>' -in ${exe} -out ${exe}.signed`);
    expect(readdirSync(dir)).not.toContain('dist');
    expect(readdirSync(temp)).toEqual([]);
  });
});

describe('credentials in timestamp-server URLs', () => {
  it('never prints the account of https://user:token@tsa… in probe output, logs, errors or manifests', async () => {
    const withAuth = (name: string) => fleet.url(name).replace('http://', 'http://acct-9f8e:t0k%40en-77@');
    const probe = await runRelease(['tsa', 'probe', '--json', '--timeout', '2', '--server', withAuth('fast'), '--server', withAuth('http500')], { cwd: work });
    expect(probe.exitCode, probe.stderr).toBe(0);
    const dir = await makeGitProject(fixture, join(work, 'urlauth'));
    await writeFile(join(dir, 'release.yaml'), config([withAuth('http500'), withAuth('fast')]));
    await commitAll(dir, 'urlauth', { tag: 'v1.0.0' });
    const env = { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword };
    const build = await runRelease(['build', '--json', '--skip', 'msi', '--targets', 'windows/amd64'], { cwd: dir, env });
    expect(build.exitCode, build.stderr).toBe(0);
    const dry = await runRelease(['build', '--dry-run', '--skip', 'msi', '--targets', 'windows/amd64'], { cwd: dir, env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const written = readFileSync(join(dir, 'dist', 'artifacts.json'), 'utf8');
    for (const text of [probe.stdout, probe.stderr, build.stdout, build.stderr, dry.stdout, dry.stderr, written]) {
      for (const secret of ['acct-9f8e', 't0k%40en-77', 't0k@en-77']) expect(text).not.toContain(secret);
    }
    expect(JSON.parse(build.stdout).warnings.join('\n')).toContain('failed its probe (http-status');
  });
});

describe('release tsa probe', () => {
  it('classifies every kind of broken server and ranks the healthy ones by latency', async () => {
    const names = ['hang', 'http500', 'no-eku', 'fast', 'slow', 'wrong-imprint', 'wrong-nonce', 'garbage', 'wrong-content-type', 'rejection', 'refused'];
    const r = await runRelease(['tsa', 'probe', '--json', '--timeout', '2', ...names.flatMap((n) => ['--server', fleet.url(n)])], { cwd: work });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Warning/); // 11 parallel probes on one signal are not a listener leak
    const out = JSON.parse(r.stdout);
    const verdict = Object.fromEntries(out.servers.map((s: { url: string; verdict: string; reason?: string }) => [s.url, s.reason ?? s.verdict]));
    expect(names.map((n) => verdict[fleet.url(n)])).toEqual([
      'timeout', 'http-status', 'missing-eku', 'ok', 'ok', 'imprint-mismatch', 'nonce-mismatch', 'bad-der', 'content-type', 'rejected', 'connect-refused',
    ]);
    expect(out.order).toEqual([fleet.url('fast'), fleet.url('slow')]);
    expect(out.servers.find((s: { url: string }) => s.url === fleet.url('fast')).tsaSubject).toBe(pki.tsa.subject);
    // --server does not need the folder's release.yaml, even a broken one.
    const broken = join(work, 'broken-config');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'release.yaml'), 'project: [not, a, mapping]\n');
    const table = await runRelease(['tsa', 'probe', '--timeout', '2', '--server', fleet.url('fast'), '--server', fleet.url('http500')], { cwd: broken });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/FAILED \(http-status\)/);
    expect(table.stdout).toContain(`1. ${fleet.url('fast')}`);
  });
});

describe('release sign FILE…', () => {
  it('signs and verifies given files in place with release.yaml settings', async () => {
    const dir = join(work, 'signcmd');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'release.yaml'), config([fleet.url('hang'), fleet.url('fast')]));
    const { a } = inject('fixture');
    const files = ['one.exe', 'two.exe'];
    for (const f of files) await copyFile(join(a.dist, 'app_windows_amd64', 'goapp.exe'), join(dir, f));
    const before = readFileSync(join(dir, 'one.exe'));
    const r = await runRelease(['sign', ...files, '--json'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword } });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files.map((f: { file: string }) => f.file)).toEqual(files.map((f) => join(dir, f)));
    for (const f of out.files) {
      expect(f.signer).toBe(pki.codeSigning.subject);
      expect(f.timestampServer).toBe(fleet.url('fast'));
      expect(await verifyFile(f.file)).toContain('Timestamp Server Signature verification: ok');
    }
    expect(readFileSync(join(dir, 'one.exe')).equals(before)).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(pki.codeSigning.pfxPassword);
    const missing = await runRelease(['sign', 'nope.exe'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword } });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('Cannot sign this file: ');
    expect(missing.stderr).toContain('nope.exe (does not exist)');
  });
});
