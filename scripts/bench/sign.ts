// Signing benchmark: N copies of one small Go-built exe, three local RFC 3161 servers that each add
// latency, and, for winship only, a fourth server ranked first that accepts connections and never
// answers.
//
//   baseline  a plain sequential shell loop, osslsigncode with the three healthy servers as
//             -ts A -ts B -ts C (osslsigncode's own failover), no verification;
//   winship   signFiles with all four servers, a per-attempt timeout, verification of every file
//             (osslsigncode verify + timestamp-token check) included in the time.
//
// Run: scripts/bench/sign [--files=50] [--latency=200] [--timeout=2000]

import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { runBounded } from '../../src/util/parallel.js';
import { signFiles } from '../../src/signing/engine.js';
import { shippingProblems } from '../../src/signing/report.js';
import { checkSignatureTimestamps } from '../../src/signing/timestampToken.js';
import { osslsigncodeExtractSignature, osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { buildTinyWindowsExe } from '../../test/fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../../test/support/pki.js';
import { startTsaFleet } from '../../test/support/tsa-fleet.js';

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const FILES = arg('files', 50);
const LATENCY_MS = arg('latency', 200);
const TIMEOUT_MS = arg('timeout', 2000);
const GOAL = 0.35;

const signal = new AbortController().signal;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function copies(source: string, folder: string, count: number): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(folder, `app-${String(i).padStart(3, '0')}.exe`);
    await copyFile(source, file);
    files.push(file);
  }
  return files;
}

/** Check every file independently of the run that signed it: verify, and read the token. */
async function confirmSigned(files: readonly string[], pki: TestPki): Promise<number> {
  const runner = new ToolRunner({ dryRun: false, signal });
  const ok = await runBounded(files, 8, signal, async (file) => {
    const { report } = await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 60_000 });
    const sig = `${file}.p7s`;
    await osslsigncodeExtractSignature(runner, file, sig, { timeoutMs: 60_000 });
    const stamps = await checkSignatureTimestamps(new Uint8Array(await readFile(sig)));
    await rm(sig);
    const problems = [...shippingProblems(report), ...stamps.flatMap((s) => s.problems)];
    if (problems.length > 0) console.error(`  ${path.basename(file)}: ${problems.join('; ')}`);
    return problems.length === 0 && report.signatures.length === 1;
  });
  return ok.filter(Boolean).length;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'winship-bench-sign-'));
  try {
    const pki = await createTestPki(path.join(work, 'pki'));
    const fleet = await startTsaFleet(
      pki,
      [{ kind: 'hang', name: 'hang' }, { kind: 'healthy', name: 'a' }, { kind: 'healthy', name: 'b' }, { kind: 'healthy', name: 'c' }],
      { extraLatencyMs: LATENCY_MS },
    );
    const exe = await buildTinyWindowsExe(path.join(work, 'build'));
    const size = (await stat(exe)).size;
    const healthy = [fleet.url('a'), fleet.url('b'), fleet.url('c')];
    const cpus = os.cpus().length;
    console.log(
      `Signing ${FILES} copies of a ${(size / 1024 / 1024).toFixed(1)} MB Go exe; 3 local TSAs adding ${LATENCY_MS} ms each; ` +
        `${cpus} CPUs; osslsigncode ${(await execa('osslsigncode', ['--version'])).stdout.split(',')[0]!.replace('osslsigncode ', '')}`,
    );

    // Baseline: what a release script does today.
    const baseFiles = await copies(exe, path.join(work, 'baseline'), FILES);
    const loop =
      'for f in "$DIR"/*.exe; do ' +
      'osslsigncode sign -pkcs12 "$PFX" -readpass "$PASSFILE" -h sha256 -n Hello -ts "$A" -ts "$B" -ts "$C" -in "$f" -out "$f.signed" >/dev/null || exit 1; ' +
      'done';
    let started = performance.now();
    await execa('bash', ['-c', loop], {
      env: { DIR: path.dirname(baseFiles[0]!), PFX: pki.codeSigning.pfxPath, PASSFILE: pki.codeSigning.pfxPasswordFile, A: healthy[0]!, B: healthy[1]!, C: healthy[2]! },
      stdin: 'ignore',
    });
    const baseline = performance.now() - started;
    console.log(`baseline  sequential loop, -ts A -ts B -ts C, no verification:        ${seconds(baseline)}`);

    const results: Array<{ concurrency: number; ms: number; verified: number; timeouts: number; hangRequests: number }> = [];
    for (const concurrency of [...new Set([cpus, 8])]) {
      const files = await copies(exe, path.join(work, `ours-${concurrency}`), FILES);
      const hangBefore = fleet.server('hang').requestCount;
      const runner = new ToolRunner({ dryRun: false, signal });
      started = performance.now();
      const records = await signFiles({
        runner,
        files,
        backend: 'osslsigncode',
        credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword },
        description: 'Hello',
        servers: [fleet.url('hang'), ...healthy],
        timeoutMs: TIMEOUT_MS,
        retries: 1,
        backoffMs: 1000,
        concurrency,
        verify: { caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath },
        signal,
      });
      const ms = performance.now() - started;
      const verified = await confirmSigned(files, pki);
      const timeouts = records.flatMap((r) => r.attempts).filter((a) => a.outcome === 'timeout').length;
      results.push({ concurrency, ms, verified, timeouts, hangRequests: fleet.server('hang').requestCount - hangBefore });
      console.log(
        `winship   concurrency ${String(concurrency).padEnd(2)} (${concurrency === cpus ? 'CPU count' : 'I/O-bound'}), hanging server first, ` +
          `${TIMEOUT_MS} ms timeout, verified: ${seconds(ms)}  ratio ${(ms / baseline).toFixed(2)}×  ` +
          `(${verified}/${FILES} files verified; ${timeouts} attempt timed out; hanging server asked ${results.at(-1)!.hangRequests}×)`,
      );
    }
    await fleet.stop();

    const best = results.reduce((a, b) => (b.ms < a.ms ? b : a));
    const allVerified = results.every((r) => r.verified === FILES);
    console.log(
      `best ratio ${(best.ms / baseline).toFixed(2)}× at concurrency ${best.concurrency} (goal ≤ ${GOAL}×: ${best.ms / baseline <= GOAL ? 'met' : 'NOT met'}); ` +
        `every file verified: ${allVerified ? 'yes' : 'NO'}`,
    );
    if (!allVerified) process.exitCode = 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
