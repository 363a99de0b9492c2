import { stat } from 'node:fs/promises';
import { publishRefusal } from '../artifacts/publishable.js';
import { checkChannelManifests, checkChecksums, checkMsis, checkMsixPackages, checkSignatures, type CheckEnv, type Trust } from './checks.js';
import { checkInstalls } from './install.js';
import { checkFiles, devRootOf, readRecordedRelease, type CheckResult, type RecordedRelease } from './model.js';

export type { CheckResult, Verdict } from './model.js';

export interface VerifyOptions extends CheckEnv {
  distDir: string;
  /** Roots for the signatures and the timestamps: the command line's, else release.yaml's sign.verify, else the system store. */
  caFile?: string;
  tsaCaFile?: string;
  /** Install the x64 MSIs under Wine (when it is installed). */
  wine: boolean;
  exeArgs: readonly string[];
  runTimeoutMs: number;
  /** An unsigned file is a warning instead of a failure (a release built without signing on purpose). */
  allowUnsigned: boolean;
  /** Told each check's results as they come. */
  onResults?: (results: readonly CheckResult[]) => void;
}

export interface VerifyOutcome {
  release: RecordedRelease;
  results: CheckResult[];
  /** No check failed. */
  ok: boolean;
}

/**
 * Check a built release with programs we did not write: its files against their records, the
 * checksums file (sha256sum), every signature and timestamp (osslsigncode or signtool), the MSIs
 * (msiinfo), the MSIX packages (xmllint, Microsoft's schemas), the winget and Scoop manifests
 * (their schemas), and, with Wine, an install of each x64 MSI. Every check runs; the outcome
 * lists them all.
 */
export async function verifyRelease(o: VerifyOptions): Promise<VerifyOutcome> {
  const release = await readRecordedRelease(o.distDir);
  const results: CheckResult[] = [];
  const add = (found: CheckResult[]) => {
    results.push(...found);
    if (found.length) o.onResults?.(found);
  };
  add(await releaseNotes(release));
  add(await checkFiles(release));
  add(await checkChecksums(o, release));
  add(await checkSignatures(o, release, await trustFor(o, release), o.allowUnsigned));
  add(await checkMsis(o, release));
  add(await checkMsixPackages(o, release));
  add(await checkChannelManifests(release));
  if (o.wine) add(await checkInstalls(o, release, { exeArgs: o.exeArgs, runTimeoutMs: o.runTimeoutMs }));
  else if (release.artifacts.some((a) => a.kind === 'msi')) add([{ check: 'install', subject: 'release', verdict: 'skip', detail: '--no-wine: no MSI was installed' }]);
  return { release, results, ok: !results.some((r) => r.verdict === 'fail') };
}

/** What the release is, as far as shipping it goes: a snapshot, a --dev-cert release. */
async function releaseNotes(release: RecordedRelease): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const refusal = publishRefusal({ version: release.version, devCert: release.devCert, artifacts: release.artifacts });
  if (refusal) out.push({ check: 'release', subject: 'release', verdict: 'warn', detail: `not publishable: ${refusal}` });
  if (release.snapshot) out.push({ check: 'release', subject: 'release', verdict: 'warn', detail: `snapshot ${release.version}: tag vX.Y.Z to make a release` });
  return out;
}

/** The roots signatures are checked against: a --dev-cert release's own throwaway root, else the given ones. */
async function trustFor(o: VerifyOptions, release: RecordedRelease): Promise<Trust> {
  if (release.devCert && o.caFile === undefined) {
    const root = devRootOf(release.distDir);
    if ((await stat(root).catch(() => undefined))?.isFile()) return { caFile: root, tsaCaFile: root, label: 'the --dev-cert root of this release (.winship/dev-cert-root.pem)' };
  }
  const label = [o.caFile ? `${o.caFile}` : 'the system store', ...(o.tsaCaFile ? [`timestamps: ${o.tsaCaFile}`] : [])].join('; ');
  return { ...(o.caFile ? { caFile: o.caFile } : {}), ...(o.tsaCaFile ? { tsaCaFile: o.tsaCaFile } : {}), label };
}
