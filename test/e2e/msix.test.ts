// `release build` on examples/hello, whose release.yaml asks for MSIX packages (x64, arm64)
// and App Installer files: the real CLI, the real osslsigncode, the test PKI and a local
// RFC 3161 server, and the packages checked by unzip, Python's zipfile and block map
// recomputation, xmllint with Microsoft's schemas, and osslsigncode verify.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSignedAndTimestamped, expectValidMsix, osslsigncodeVerifyOutput } from '../fixtures/msix/support.js';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { distProblems, filesUnder, finish, startRun, TEMP_NAME, tempLeftoversOf } from '../support/faults.js';
import { pipeline } from '../../src/pipeline/pipeline.js';
import { startSigningFixture, type SigningFixture } from '../support/signing.js';
import { pinWinshipModules } from '../support/exampleModules.js';

const example = join(repoRoot, 'examples', 'hello');
const BASE = 'https://downloads.example.com/hello/';
const NAME = 'WinshipExample.Hello';
let work: string;
let signing: SigningFixture;
let pki: SigningFixture['pki'];
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-msix-'));
  signing = await startSigningFixture(work);
  pki = signing.pki;
  env = signing.env;
});
afterAll(async () => {
  await signing?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** examples/hello in a git repository of its own, tagged v1.4.0, signing with the test PKI and TSA. */
async function helloProject(name: string, extra = ''): Promise<string> {
  const dir = await makeGitProject(example, join(work, name));
  await pinWinshipModules(dir); // committed with the signing settings below
  await writeFile(join(dir, '.gitignore'), 'dist/\n');
  await appendFile(
    join(dir, 'release.yaml'),
    `\n${signing.yaml}${extra}`,
  );
  await commitAll(dir, 'sign with the test PKI', { tag: 'v1.4.0' });
  return dir;
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const attrs = (xml: string, element: string): Record<string, string> => {
  const tag = new RegExp(`<${element}\\b([^>]*)/?>`).exec(xml)?.[1] ?? '';
  return Object.fromEntries([...tag.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
};

interface Artifact {
  kind: string;
  path: string;
  goarch?: string;
  sha256: string;
  msix?: { name: string; publisher: string; version: string; arch: string };
  appinstaller?: { uri: string; package: string; packageUri: string; namespace: string };
  signature?: { signer: string; timestampServer: string; devCert?: true };
}
const artifactsOf = (dist: string): Artifact[] => JSON.parse(readFileSync(join(dist, 'artifacts.json'), 'utf8')).artifacts;

describe('release build on examples/hello with msix:', () => {
  let dir: string;
  let dist: string;

  it('makes signed, timestamped, verified MSIX packages for x64 and arm64, and App Installer files naming exactly them', async () => {
    dir = await helloProject('hello');
    dist = join(dir, 'dist');
    const r = await runRelease(['build', '--json'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);

    const artifacts = artifactsOf(dist);
    const packages = artifacts.filter((a) => a.kind === 'msix');
    expect(packages.map((a) => a.path)).toEqual([`${NAME}_1.4.0.0_x64.msix`, `${NAME}_1.4.0.0_arm64.msix`]);
    for (const pkg of packages) {
      const file = join(dist, pkg.path);
      expect(pkg.signature).toMatchObject({ signer: pki.codeSigning.subject, timestampServer: signing.fleet.url('tsa') });
      expect(pkg.msix).toEqual({ name: NAME, publisher: pki.codeSigning.subject, version: '1.4.0.0', arch: pkg.path.includes('arm64') ? 'arm64' : 'x64', files: 7 });
      expectSignedAndTimestamped((await osslsigncodeVerifyOutput(file, pki.rootBundlePath)).output);
      const report = await expectValidMsix(file);
      // The package holds the signed exe of its target, byte for byte, and the configured files.
      const exe = join(dist, `hello_windows_${pkg.goarch}`, 'hello.exe');
      expect(sha(await readFile(join(report.dir, 'files', 'hello.exe')))).toBe(sha(await readFile(exe)));
      expect(await readFile(join(report.dir, 'files', 'README.md'), 'utf8')).toBe(await readFile(join(dir, 'README.md'), 'utf8'));
      expect(report.entries.map((e) => e.name)).toContain('AppxSignature.p7x');
      const manifest = await readFile(join(report.dir, 'AppxManifest.xml'), 'utf8');
      const identity = attrs(manifest, 'Identity');
      expect(identity).toEqual({ Name: NAME, Publisher: pki.codeSigning.subject, Version: '1.4.0.0', ProcessorArchitecture: pkg.msix!.arch });
      expect(manifest).toContain('<desktop:ExecutionAlias Alias="hello.exe"/>');

      // Its App Installer file: served beside it, naming the identity inside the package.
      const feed = artifacts.find((a) => a.kind === 'appinstaller' && a.appinstaller!.package === pkg.path)!;
      expect(feed.path).toBe(`${NAME}_${pkg.msix!.arch}.appinstaller`);
      const xml = await readFile(join(dist, feed.path), 'utf8');
      expect(attrs(xml, 'AppInstaller')).toEqual({ xmlns: 'http://schemas.microsoft.com/appx/appinstaller/2017/2', Uri: `${BASE}${feed.path}`, Version: '1.4.0.0' });
      const main = attrs(xml, 'MainPackage');
      expect({ Name: main.Name, Publisher: main.Publisher, Version: main.Version, ProcessorArchitecture: main.ProcessorArchitecture }).toEqual(identity);
      expect(main.Uri).toBe(`${BASE}${pkg.path}`);
      expect(xml).toContain('<OnLaunch HoursBetweenUpdateChecks="24"/>');
    }
    // Every file, packages and App Installer files too, in the checksums.
    const sums = await execa('sha256sum', ['-c', 'hello_1.4.0_checksums.txt'], { cwd: dist });
    expect(sums.stdout).toContain(`${NAME}_1.4.0.0_arm64.msix: OK`);
    expect(sums.stdout).toContain(`${NAME}_x64.appinstaller: OK`);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toContain('msix.logos: no store, square150, square44 logos given: made 50×50, 150×150, 44×44 from builds[0].resources.icon (hello.ico, 16×16)');
  });

  it('release appinstaller --base-url writes them again for another server, and the checksums with them; the packages stay', async () => {
    const before = artifactsOf(dist).filter((a) => a.kind === 'msix');
    const r = await runRelease(['appinstaller', '--base-url', 'https://cdn.example.net/apps/hello'], { cwd: dir, env });
    expect(r.exitCode, r.stderr).toBe(0);
    const after = artifactsOf(dist);
    expect(after.filter((a) => a.kind === 'msix')).toEqual(before);
    const xml = await readFile(join(dist, `${NAME}_arm64.appinstaller`), 'utf8');
    expect(attrs(xml, 'AppInstaller').Uri).toBe(`https://cdn.example.net/apps/hello/${NAME}_arm64.appinstaller`);
    expect(attrs(xml, 'MainPackage').Uri).toBe(`https://cdn.example.net/apps/hello/${NAME}_1.4.0.0_arm64.msix`);
    expect(after.find((a) => a.path === `${NAME}_arm64.appinstaller`)!.sha256).toBe(sha(Buffer.from(xml)));
    await execa('sha256sum', ['-c', 'hello_1.4.0_checksums.txt'], { cwd: dist });
  });
});

describe('MSIX packages and the release', () => {
  it('two builds, in two folders and time zones, give the same unsigned packages; release sign signs them later', async () => {
    const builds = await Promise.all(['unsigned-a', 'unsigned-b'].map((n) => helloProject(n)));
    const digests: string[][] = [];
    for (const [i, dir] of builds.entries()) {
      const r = await runRelease(['build', '--skip', 'sign,sign-packages', '--targets', 'windows/amd64,windows/arm64'], { cwd: dir, env: { ...env, TZ: i === 0 ? 'UTC' : 'Pacific/Kiritimati' } });
      expect(r.exitCode, r.stderr).toBe(0);
      const packages = artifactsOf(join(dir, 'dist')).filter((a) => a.kind === 'msix');
      expect(packages.every((p) => !p.signature)).toBe(true);
      digests.push(packages.map((p) => `${p.path} ${sha(readFileSync(join(dir, 'dist', p.path)))}`));
    }
    expect(digests[0]).toHaveLength(2);
    expect(digests[1]).toEqual(digests[0]);

    // Signed later (elsewhere): release sign signs the exes, remakes the packages that held the
    // unsigned ones, signs those, and writes their App Installer files and the checksums again.
    const [dir] = builds;
    const signed = await runRelease(['sign'], { cwd: dir!, env });
    expect(signed.exitCode, signed.stderr).toBe(0);
    const dist = join(dir!, 'dist');
    const artifacts = artifactsOf(dist);
    for (const pkg of artifacts.filter((a) => a.kind === 'msix')) {
      expect(pkg.signature?.signer).toBe(pki.codeSigning.subject);
      expectSignedAndTimestamped((await osslsigncodeVerifyOutput(join(dist, pkg.path), pki.rootBundlePath)).output);
      const report = await expectValidMsix(join(dist, pkg.path));
      expect(sha(await readFile(join(report.dir, 'files', 'hello.exe')))).toBe(sha(await readFile(join(dist, `hello_windows_${pkg.goarch}`, 'hello.exe'))));
    }
    expect(artifacts.filter((a) => a.kind === 'appinstaller')).toHaveLength(2);
    await execa('sha256sum', ['-c', 'hello_1.4.0_checksums.txt'], { cwd: dist });
  });

  it('--dev-cert signs them with the throwaway certificate, whose subject becomes the Publisher', async () => {
    const dir = await helloProject('dev-cert');
    const r = await runRelease(['build', '--dev-cert', '--targets', 'windows/amd64'], { cwd: dir, env: {} });
    expect(r.exitCode, r.stderr).toBe(0);
    const [pkg] = artifactsOf(join(dir, 'dist')).filter((a) => a.kind === 'msix');
    const subject = 'CN=winship development certificate - NOT FOR RELEASE';
    expect(pkg).toMatchObject({ path: `${NAME}_1.4.0.0_x64.msix`, msix: { publisher: subject }, signature: { signer: subject, devCert: true } });
    // Verified with the throwaway root the run keeps beside the release: it issued the signing
    // certificate and the local timestamp authority's.
    const file = join(dir, 'dist', pkg!.path);
    const root = join(dir, 'dist', '.winship', 'dev-cert-root.pem');
    const r2 = await execa('osslsigncode', ['verify', '-CAfile', root, '-TSA-CAfile', root, '-in', file], { reject: false });
    expectSignedAndTimestamped(`${r2.stdout}\n${r2.stderr}`);
    expect(attrs(readFileSync(join(dir, 'dist', `${NAME}_x64.appinstaller`), 'utf8'), 'MainPackage').Publisher).toBe(subject);
  });

  it('a msix.publisher that is not the certificate\'s subject stops the release before the first go build', async () => {
    const dir = await helloProject('wrong-publisher');
    const yaml = await readFile(join(dir, 'release.yaml'), 'utf8');
    await writeFile(join(dir, 'release.yaml'), yaml.replace('  name: WinshipExample.Hello\n', '  name: WinshipExample.Hello\n  publisher: "CN=Someone Else, O=Elsewhere"\n'));
    await commitAll(dir, 'another publisher', { tag: 'v1.4.1' });
    const r = await runRelease(['build'], { cwd: dir, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`release\\.yaml:\\d+:\\d+: msix\\.publisher: "CN=Someone Else, O=Elsewhere" is not the subject of the signing certificate \\(${pki.codeSigning.pfxPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): "${pki.codeSigning.subject}"`),
    );
    expect(existsSync(join(dir, 'dist', 'hello_windows_amd64', 'hello.exe'))).toBe(false);
  });
});

describe('SIGTERM in the MSIX stages', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await helloProject('sigterm');
  });

  it.each([
    ['msix', 'rename&.msix'],
    ['sign-packages', 'spawn osslsigncode sign&.msix'],
    ['appinstaller', 'rename&.appinstaller'],
  ])('%s: exits 143, leaves no package or App Installer file that is not whole and recorded', async (stage, pause) => {
    const run = startRun(dir, ['build', '--targets', 'windows/amd64'], env, pause);
    await run.waitForOutput('winship-fault: paused at');
    expect(run.output()).toContain(`▶ ${pipeline.find((s) => s.id === stage)!.title}\n`);
    run.child.kill('SIGTERM');
    expect(await finish(run), run.output()).toBe(143);
    const dist = join(dir, 'dist');
    expect(distProblems(dist)).toEqual([]);
    const own = (f: string) => TEMP_NAME.test(f) && (f.includes(`-${run.pid}-`) || f.includes(`.work/${run.pid}-`));
    expect(filesUnder(dist).filter(own)).toEqual([]);
    expect(await tempLeftoversOf(run.pid)).toEqual([]);
  });
});
