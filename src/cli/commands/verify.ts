import { resolve } from 'node:path';
import { loadConfig, locateConfig } from '../../config/load.js';
import { ToolRunner } from '../../tools/runner.js';
import { UsageError } from '../../util/errors.js';
import type { CheckResult, VerifyOutcome } from '../../verify/verify.js';
import type { CliIo } from '../io.js';

export const verifyHelp = `Usage: release verify [DIST] [--config release.yaml] [--ca-file PEM] [--tsa-ca-file PEM]
                      [--no-wine] [--exe-args "ARGS"] [--allow-unsigned] [--json]

Checks a built release with programs winship did not write, and says what each found:
  files        every file of the release state (or artifacts.json) has its recorded size and SHA-256
  checksums    the checksums file lists each file with its digest (sha256sum -c)
  signature    every exe, MSI and MSIX is signed (SHA-256) with a verified RFC 3161 timestamp, by
               the recorded signer (osslsigncode verify; signtool on Windows)
  msi          ProductCode, UpgradeCode, ProductVersion, PackageCode, platform, file count (msiinfo)
  msix         AppxManifest.xml, AppxBlockMap.xml, [Content_Types].xml against Microsoft's schemas
               (xmllint), and the identity recorded
  winget/scoop the manifests against their published schemas, and the digests they state
  install      with Wine: each x64 MSI installed into a throwaway prefix (msiexec /i /qn), every exe
               it installed started (with --exe-args, default --version), the MSI removed
               (msiexec /x /qn), and what is left reported. Wine 8 lacks the ProcessPrng that Go
               1.22+ needs: winship builds a stand-in from source with mingw-w64, once, into
               ~/.cache/winship (apt-get install gcc-mingw-w64-x86-64)

DIST: the release folder (default: dist: of ./release.yaml, else ./dist). Signatures are checked
against --ca-file / --tsa-ca-file, else sign.verify of release.yaml, else the system store; a
--dev-cert release against the throwaway root it keeps (and it is reported as not publishable).

Exit codes: 0 every check passed (warnings and skipped checks are listed), 1 a check failed,
2 usage error.`;

const MARK = { ok: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' } as const;

export function formatResults(results: readonly CheckResult[]): string {
  return results.map((r) => `  ${MARK[r.verdict]}  ${r.check.padEnd(9)}  ${r.subject === 'release' ? '' : `${r.subject}: `}${r.detail}\n`).join('');
}

export async function verifyCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 1) throw new UsageError(`release verify takes one release folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const json = values.json === true;
  const configPath = locateConfig(values.config as string | undefined, io.cwd);
  const loaded = configPath ? await loadConfig(configPath) : undefined;
  const distDir = positionals[0] !== undefined ? resolve(io.cwd, positionals[0]) : (loaded?.distDir ?? resolve(io.cwd, 'dist'));
  const fromConfig = (p: string | undefined) => (p === undefined || !loaded ? undefined : resolve(loaded.projectDir, p));
  const caFile = values['ca-file'] !== undefined ? resolve(io.cwd, values['ca-file'] as string) : fromConfig(loaded?.config.sign?.verify.caFile);
  const tsaCaFile = values['tsa-ca-file'] !== undefined ? resolve(io.cwd, values['tsa-ca-file'] as string) : fromConfig(loaded?.config.sign?.verify.tsaCaFile);
  const exeArgs = values['exe-args'] === undefined ? ['--version'] : String(values['exe-args']).split(/\s+/).filter(Boolean);
  const runner = new ToolRunner({ dryRun: false, signal: io.signal });
  const { verifyRelease } = await import('../../verify/verify.js');
  if (!json) io.stdout.write(`verifying ${distDir}\n`);
  const outcome: VerifyOutcome = await verifyRelease({
    runner,
    signal: io.signal,
    env: io.env,
    distDir,
    ...(caFile ? { caFile } : {}),
    ...(tsaCaFile ? { tsaCaFile } : {}),
    wine: values['no-wine'] !== true,
    exeArgs,
    runTimeoutMs: 60_000,
    allowUnsigned: values['allow-unsigned'] === true,
    ...(json ? {} : { onResults: (found: readonly CheckResult[]) => io.stdout.write(formatResults(found)) }),
  });
  const count = (v: CheckResult['verdict']) => outcome.results.filter((r) => r.verdict === v).length;
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: outcome.ok, dist: distDir, project: outcome.release.project, version: outcome.release.version, devCert: outcome.release.devCert, results: outcome.results }, null, 2)}\n`);
  } else {
    const { release } = outcome;
    io.stdout.write(
      `${outcome.ok ? 'verified' : 'NOT verified'}: ${release.project} ${release.version}, ${release.artifacts.length} files: ${count('ok')} passed, ${count('fail')} failed, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('skip')} skipped\n`,
    );
  }
  return outcome.ok ? 0 : 1;
}
