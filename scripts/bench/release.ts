// Release benchmark: `release build` of examples/hello with signing against a hand-written
// sequential shell script doing the same work, in one run, side by side:
//   3 go builds (amd64, arm64, 386), sign 3 exes and 2 MSIs at one RFC 3161 server with
//   200 ms latency, 2 wixl MSIs (x64, x86), 3 zips, sha256sum.
// winship does more on top (checks, version resources, a TSA probe, verifying every signature
// and its timestamp token, the release state, manifests); the time includes all of it.
// Cold = a fresh Go build cache for the first run of each; warm = the median of the next runs,
// script and winship taking turns so that load on the machine falls on both alike.
//
// Run: scripts/bench/release [--runs=5] [--latency=200]

import { execa } from 'execa';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '../../test/support/pki.js';
import { startTsaFleet } from '../../test/support/tsa-fleet.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RUNS = arg('runs', 5);
const LATENCY_MS = arg('latency', 200);
const GOAL = 0.7;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// WINSHIP_BENCH_BIN: another build of winship to measure (an older commit, for before/after figures).
const releaseBin = process.env.WINSHIP_BENCH_BIN ?? path.join(repo, 'bin', 'release.js');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

// What a team writes by hand today: one WiX source per package, built with wixl.
const wxs = (arch: 'x64' | 'x86', exe: string) => `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="hello" Language="1033" Version="1.0.0" Manufacturer="Winship Example Authors" UpgradeCode="3F0A51C4-7B7E-4F69-9D0B-5E2C8A41D7B2">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine" />
    <MajorUpgrade DowngradeErrorMessage="A newer version is already installed." />
    <MediaTemplate EmbedCab="yes" />
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="${arch === 'x64' ? 'ProgramFiles64Folder' : 'ProgramFilesFolder'}">
        <Directory Id="INSTALLFOLDER" Name="hello">
          <Component Id="cmpExe" Guid="*"${arch === 'x64' ? ' Win64="yes"' : ''}><File Id="filExe" Source="${exe}" KeyPath="yes" /></Component>
          <Component Id="cmpReadme" Guid="*"${arch === 'x64' ? ' Win64="yes"' : ''}><File Id="filReadme" Source="README.md" KeyPath="yes" /></Component>
          <Component Id="cmpLicense" Guid="*"${arch === 'x64' ? ' Win64="yes"' : ''}><File Id="filLicense" Source="LICENSE" KeyPath="yes" /></Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="cmpExe" /><ComponentRef Id="cmpReadme" /><ComponentRef Id="cmpLicense" /></Feature>
  </Product>
</Wix>
`;

const SCRIPT = String.raw`set -eu
cd "$PROJECT"
rm -rf out && mkdir -p out
for arch in amd64 arm64 386; do
  CGO_ENABLED=0 GOOS=windows GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=1.0.0 -X main.commit=$COMMIT -X main.date=2026-01-01T00:00:00Z" -o out/hello_$arch.exe .
done
sign() { osslsigncode sign -pkcs12 "$PFX" -readpass "$PASSFILE" -h sha256 -n hello -ts "$TSA" -in "$1" -out "$1.signed" >/dev/null && mv "$1.signed" "$1"; }
for arch in amd64 arm64 386; do sign out/hello_$arch.exe; done
wixl -a x64 -o out/hello_x64.msi x64.wxs
wixl -a x86 -o out/hello_x86.msi x86.wxs
for m in x64 x86; do sign out/hello_$m.msi; done
for arch in amd64 arm64 386; do
  mkdir -p out/z_$arch && cp out/hello_$arch.exe out/z_$arch/hello.exe && cp README.md LICENSE out/z_$arch/
  (cd out/z_$arch && zip -q -X ../hello_1.0.0_windows_$arch.zip hello.exe README.md LICENSE)
done
(cd out && sha256sum hello_*.exe hello_*.msi *.zip > checksums.txt)
`;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'winship-bench-release-'));
  try {
    const pki = await createTestPki(path.join(work, 'pki'));
    // Replies are signed concurrently, as public TSAs serve concurrent clients (the test fleet's
    // default answers one at a time, which would charge a parallel signer for a queue no real server has).
    const fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'tsa' }], { extraLatencyMs: LATENCY_MS, concurrentReplies: true });
    const project = path.join(work, 'hello');
    await cp(path.join(repo, 'examples', 'hello'), project, { recursive: true, filter: (p) => path.basename(p) !== 'dist' });
    // The example's go.mod replaces go/update and go/patch by relative paths: point them here.
    await execa('go', ['mod', 'edit', `-replace=github.com/winship/winship/go/update=${path.join(repo, 'go', 'update')}`, `-replace=github.com/winship/winship/go/patch=${path.join(repo, 'go', 'patch')}`], { cwd: project });
    const config = (await import('node:fs/promises').then((fs) => fs.readFile(path.join(project, 'release.yaml'), 'utf8')))
      .replace('msi:\n', 'msi:\n  targets: [windows/amd64, windows/386]\n')
      // The shell script below packs no MSIX: leave them out, so both sides do the same work.
      .replace('msix:\n', 'msix:\n  disabled: true\n')
      .concat(
        `sign:\n  certificate:\n    pfx: ${pki.codeSigning.pfxPath}\n  verify:\n    caFile: ${pki.rootBundlePath}\n    tsaCaFile: ${pki.rootBundlePath}\n` +
          `timestamp:\n  servers: [${fleet.url('tsa')}]\n`,
      );
    await writeFile(path.join(project, 'release.yaml'), config);
    const git = (...args: string[]) => execa('git', args, { cwd: project });
    await git('init', '-q');
    await writeFile(path.join(project, '.gitignore'), 'dist/\nout/\n*.wxs\n');
    await git('add', '-A');
    await git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'bench');
    const commit = (await git('rev-parse', 'HEAD')).stdout;
    await writeFile(path.join(project, 'x64.wxs'), wxs('x64', 'out/hello_amd64.exe'));
    await writeFile(path.join(project, 'x86.wxs'), wxs('x86', 'out/hello_386.exe'));

    const scriptEnv = { PROJECT: project, COMMIT: commit, PFX: pki.codeSigning.pfxPath, PASSFILE: pki.codeSigning.pfxPasswordFile, TSA: fleet.url('tsa') };
    const timed = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return performance.now() - started;
    };
    const script = (gocache: string) => timed(() => execa('bash', ['-c', SCRIPT], { env: { ...scriptEnv, GOCACHE: gocache }, stdin: 'ignore' }));
    const ours = (gocache: string) =>
      timed(async () => {
        const r = await execa(process.execPath, [releaseBin, 'build', '--clean'], {
          cwd: project,
          env: { GOCACHE: gocache, CI: 'true', WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword },
          reject: false,
          stdin: 'ignore',
        });
        if (r.exitCode !== 0) throw new Error(`release build failed:\n${r.stderr}\n${r.stdout}`);
      });

    const cache = (name: string) => path.join(work, `gocache-${name}`);
    await mkdir(cache('script'), { recursive: true });
    await mkdir(cache('ours'), { recursive: true });
    console.log(`examples/hello: 3 targets, 2 MSIs, 3 zips, 5 files signed at one local TSA adding ${LATENCY_MS} ms; ${os.cpus().length} CPUs; ${(await execa('go', ['version'])).stdout}`);
    const cold = { script: await script(cache('script')), ours: await ours(cache('ours')) };
    const warm = { script: [] as number[], ours: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      warm.script.push(await script(cache('script')));
      warm.ours.push(await ours(cache('ours')));
    }
    await fleet.stop();

    const row = (what: string, c: number, w: number[]) => console.log(`${what.padEnd(58)} ${s(c).padStart(8)} ${s(median(w)).padStart(8)}   (warm runs: ${w.map((x) => (x / 1000).toFixed(2)).join(' ')})`);
    console.log(`${''.padEnd(58)} ${'cold'.padStart(8)} ${'warm'.padStart(8)}`);
    row('sequential shell script (go build, osslsigncode, wixl, zip)', cold.script, warm.script);
    row('release build (+ checks, resources, probe, verify, state)', cold.ours, warm.ours);
    const ratio = median(warm.ours) / median(warm.script);
    console.log(`${'ratio release build / script'.padEnd(58)} ${`${(cold.ours / cold.script).toFixed(2)}x`.padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(8)}`);
    console.log(`warm goal: ≤ ${GOAL}x — ${ratio <= GOAL ? 'met' : 'NOT met'}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
