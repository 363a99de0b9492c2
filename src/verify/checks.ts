import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { inDist } from '../artifacts/files.js';
import type { Artifact, ArtifactOf } from '../artifacts/kinds.js';
import { SCOOP_SCHEMA_FILE, wingetSchemaFile } from '../channels/schemas.js';
import { compileManifestSchema, pointerPath } from '../channels/validate.js';
import type { WingetManifestType } from '../channels/winget.js';
import { readZipEntry } from '../msix/read.js';
import { shippingProblems } from '../signing/report.js';
import { msiStreams, msiSummary, msiTable } from '../tools/msitools.js';
import { osslsigncode, osslsigncodeVerify, osslsigncodeVersion, parseOsslsigncodeVersion } from '../tools/osslsigncode.js';
import { onPath } from '../tools/path.js';
import type { ToolRunner } from '../tools/runner.js';
import { sha256sum, sha256sumCheck } from '../tools/sha256sum.js';
import { signtool, signtoolVerify } from '../tools/signtool.js';
import { xmllint, xmlSchemaProblems } from '../tools/xmllint.js';
import { runBounded } from '../util/parallel.js';
import { runTempDir } from '../util/runId.js';
import { forgetTemp, trackTemp } from '../util/fs.js';
import type { CheckResult, RecordedRelease } from './model.js';

// The checks of `release verify` that need no Windows: the checksums file (sha256sum), every
// signature and timestamp (osslsigncode or signtool, with the release's roots), the MSI
// databases (msiinfo), the MSIX packages (xmllint against Microsoft's schemas), the winget and
// Scoop manifests (their published JSON Schemas, and the digests they state).

export interface CheckEnv {
  runner: ToolRunner;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

/** The checksums file lists every other release file, each with its digest; sha256sum -c agrees. */
export async function checkChecksums(e: CheckEnv, release: RecordedRelease): Promise<CheckResult[]> {
  const sums = release.artifacts.filter((a) => a.kind === 'checksums');
  if (sums.length === 0) return [{ check: 'checksums', subject: 'release', verdict: 'fail', detail: 'the release has no checksums file (a release that stopped before its checksum stage)' }];
  const out: CheckResult[] = [];
  for (const file of sums) {
    const text = await readFile(inDist(release.distDir, file.path), 'utf8').catch(() => '');
    const listed = new Map(
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => /^([0-9a-f]{64}) [ *](.+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[2]!, m[1]!]),
    );
    const others = release.artifacts.filter((a) => a.kind !== 'checksums');
    const problems = [
      ...others.filter((a) => !listed.has(a.path)).map((a) => `${a.path} is not listed`),
      ...others.filter((a) => listed.has(a.path) && listed.get(a.path) !== a.sha256).map((a) => `${a.path}: the listed digest is not the recorded one`),
      ...[...listed.keys()].filter((p) => !others.some((a) => a.path === p)).map((p) => `${p} is listed but is not a file of the release`),
    ];
    let tool = '';
    if (onPath(sha256sum.command, e.env)) {
      const failed = await sha256sumCheck(e.runner, release.distDir, file.path, e.signal);
      problems.push(...failed.map((f) => `sha256sum: ${f}`));
      tool = ', sha256sum -c';
    }
    out.push(
      problems.length
        ? { check: 'checksums', subject: file.path, verdict: 'fail', detail: problems.join('; ') }
        : { check: 'checksums', subject: file.path, verdict: 'ok', detail: `${listed.size} files, every digest right (${tool ? 'sha256sum -c' : 'recomputed'})` },
    );
  }
  return out;
}

type Signable = ArtifactOf<'binary' | 'msi' | 'msix'>;

export interface Trust {
  caFile?: string;
  tsaCaFile?: string;
  /** What the roots are, for the report ("the --dev-cert root", "the system store"). */
  label: string;
}

/**
 * Every exe, MSI and MSIX: signed, SHA-256, with a timestamp, both verifying against `trust`,
 * by the signer recorded. An unsigned file fails (a warning with allowUnsigned).
 */
export async function checkSignatures(e: CheckEnv, release: RecordedRelease, trust: Trust, allowUnsigned: boolean): Promise<CheckResult[]> {
  const files = release.artifacts.filter((a): a is Signable => a.kind === 'binary' || a.kind === 'msi' || a.kind === 'msix');
  if (files.length === 0) return [];
  const windows = process.platform === 'win32' && onPath(signtool.command, e.env) && trust.caFile === undefined;
  if (!windows && !onPath(osslsigncode.command, e.env)) {
    return [{ check: 'signature', subject: 'release', verdict: 'skip', detail: `osslsigncode is not installed, so no signature was checked: ${osslsigncode.install}` }];
  }
  const version = windows ? undefined : parseOsslsigncodeVersion(`osslsigncode ${await osslsigncodeVersion(e.runner)}`);
  const tool = windows ? 'signtool verify /pa /all' : `osslsigncode ${version?.join('.') ?? ''} verify`.replace('  ', ' ');
  const each = await runBounded(files, 4, e.signal, async (a, signal): Promise<CheckResult> => {
    const file = inDist(release.distDir, a.path);
    const report = windows
      ? (await signtoolVerify(e.runner, file, { timeoutMs: 120_000, signal })).report
      : (
          await osslsigncodeVerify(
            e.runner,
            { input: file, ...(trust.caFile ? { caFile: trust.caFile } : {}), ...(trust.tsaCaFile ? { tsaCaFile: trust.tsaCaFile } : {}), ...(version ? { version } : {}) },
            { timeoutMs: 120_000, signal },
          )
        ).report;
    const recorded = a.signature;
    if (report.signatures.length === 0) {
      const detail = `not signed (${tool}: ${report.problems[0] ?? 'no signature found'})${recorded ? `, though ${recorded.signer} signed it when it was recorded` : ''}`;
      return { check: 'signature', subject: a.path, verdict: allowUnsigned && !recorded ? 'warn' : 'fail', detail };
    }
    const problems = shippingProblems(report);
    const signer = report.signatures.at(-1)?.signerSubject;
    if (recorded && signer && !windows && signer !== recorded.signer) problems.push(`signed by ${signer}, recorded as ${recorded.signer}`);
    if (problems.length) return { check: 'signature', subject: a.path, verdict: 'fail', detail: problems.join('; ') };
    const time = report.signatures.at(-1)?.timestamp?.time;
    return { check: 'signature', subject: a.path, verdict: 'ok', detail: `${signer ?? 'signed'}, sha256, timestamp ${time ? time.toISOString() : 'verified'}` };
  });
  const failed = each.filter((r) => r.verdict === 'fail').length;
  return [{ check: 'signature', subject: 'release', verdict: failed ? 'fail' : 'ok', detail: `${files.length} files checked with ${tool}, against ${trust.label}${failed ? `: ${failed} failed` : ''}` }, ...each];
}

/** Each MSI's summary and tables, as msiinfo reads them, against what was recorded. */
export async function checkMsis(e: CheckEnv, release: RecordedRelease): Promise<CheckResult[]> {
  const msis = release.artifacts.filter((a): a is ArtifactOf<'msi'> => a.kind === 'msi');
  if (msis.length === 0) return [];
  const msiinfoTool = 'msiinfo';
  if (!onPath(msiinfoTool, e.env)) return [{ check: 'msi', subject: 'release', verdict: 'skip', detail: 'msiinfo is not installed, so no MSI was opened: apt-get install msitools' }];
  const TEMPLATE = { x64: 'x64', x86: 'Intel', arm64: 'Arm64' } as const;
  const guid = (g: string | undefined) => (g ?? '').replace(/^\{|\}$/g, '').toUpperCase();
  return runBounded(msis, 4, e.signal, async (a, signal): Promise<CheckResult> => {
    const file = inDist(release.distDir, a.path);
    const [summary, properties, files, streams] = await Promise.all([msiSummary(e.runner, file, signal), msiTable(e.runner, file, 'Property', signal), msiTable(e.runner, file, 'File', signal), msiStreams(e.runner, file, signal)]);
    const prop = (name: string) => properties.find((p) => p.Property === name)?.Value;
    const problems: string[] = [];
    const expect = (what: string, have: string | undefined, want: string) => {
      if (have !== want) problems.push(`${what} is ${have === undefined ? 'missing' : JSON.stringify(have)}, ${JSON.stringify(want)} recorded`);
    };
    expect('ProductCode', guid(prop('ProductCode')), guid(a.msi.productCode));
    expect('UpgradeCode', guid(prop('UpgradeCode')), guid(a.msi.upgradeCode));
    expect('ProductVersion', prop('ProductVersion'), a.msi.productVersion);
    expect('the PackageCode (summary revision)', guid(summary.revision), guid(a.msi.packageCode));
    if (!summary.template?.startsWith(`${TEMPLATE[a.msi.arch]};`)) problems.push(`the summary Template is ${JSON.stringify(summary.template)}, not ${TEMPLATE[a.msi.arch]};… for ${a.msi.arch}`);
    if (files.length !== a.msi.files) problems.push(`the File table has ${files.length} files, ${a.msi.files} recorded`);
    if (a.signature && !streams.some((s) => s.endsWith('DigitalSignature'))) problems.push('no DigitalSignature stream, though it was recorded as signed');
    return problems.length
      ? { check: 'msi', subject: a.path, verdict: 'fail', detail: `${problems.join('; ')} (msiinfo)` }
      : { check: 'msi', subject: a.path, verdict: 'ok', detail: `ProductCode {${guid(a.msi.productCode)}}, version ${a.msi.productVersion}, ${files.length} files, Template ${summary.template} (msiinfo)` };
  });
}

const APPX = (name: string) => fileURLToPath(new URL(`../../schema/vendor/appx/${name}`, import.meta.url));

/** Each MSIX package's manifest, block map and content types against Microsoft's schemas (xmllint), and its identity. */
export async function checkMsixPackages(e: CheckEnv, release: RecordedRelease): Promise<CheckResult[]> {
  const packages = release.artifacts.filter((a): a is ArtifactOf<'msix'> => a.kind === 'msix');
  if (packages.length === 0) return [];
  const canValidate = onPath(xmllint.command, e.env);
  const scratch = await mkdtemp(join(await runTempDir(), 'verify-msix-'));
  trackTemp(scratch);
  try {
    return await runBounded(packages, 2, e.signal, async (a, signal): Promise<CheckResult> => {
      const bytes = await readFile(inDist(release.distDir, a.path));
      const problems: string[] = [];
      const parts: [string, string][] = [
        ['AppxManifest.xml', 'AppxManifest-all.xsd'],
        ['AppxBlockMap.xml', 'BlockMapSchema.xsd'],
        ['[Content_Types].xml', 'opc-contentTypes.xsd'],
      ];
      let manifest = '';
      for (const [entry, xsd] of parts) {
        let body: Buffer | undefined;
        try {
          body = readZipEntry(bytes, entry);
        } catch (err) {
          problems.push(`cannot read ${entry}: ${(err as Error).message}`);
          continue;
        }
        if (!body) {
          problems.push(`holds no ${entry}`);
          continue;
        }
        if (entry === 'AppxManifest.xml') manifest = body.toString('utf8');
        if (!canValidate) continue;
        const file = join(scratch, `${basename(a.path)}-${entry.replace(/[[\]]/g, '')}`);
        await writeFile(file, body);
        const schema = entry === 'AppxBlockMap.xml' && body.includes('schemas.microsoft.com/appx/2017/blockmap') ? 'BlockMapSchema2017.xsd' : xsd;
        for (const p of await xmlSchemaProblems(e.runner, file, APPX(schema), signal)) problems.push(`${entry}: ${p}`);
      }
      const identity = /<Identity\b([^>]*)>/.exec(manifest)?.[1] ?? '';
      const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(identity)?.[1]?.replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      for (const [name, want] of [['Name', a.msix.name], ['Publisher', a.msix.publisher], ['Version', a.msix.version], ['ProcessorArchitecture', a.msix.arch]] as const) {
        if (manifest && attr(name) !== want) problems.push(`its Identity ${name} is ${JSON.stringify(attr(name))}, ${JSON.stringify(want)} recorded`);
      }
      if (problems.length) return { check: 'msix', subject: a.path, verdict: 'fail', detail: problems.join('; ') };
      return { check: 'msix', subject: a.path, verdict: 'ok', detail: `${a.msix.name} ${a.msix.version} ${a.msix.arch}; ${canValidate ? 'AppxManifest.xml, AppxBlockMap.xml and [Content_Types].xml valid (xmllint, Microsoft\'s schemas)' : `schemas not checked: ${xmllint.install}`}` };
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
    forgetTemp(scratch);
  }
}

/** The winget and Scoop manifests: valid against their published schemas, and stating the digests of the files they name. */
export async function checkChannelManifests(release: RecordedRelease): Promise<CheckResult[]> {
  const byName = new Map(release.artifacts.map((a) => [a.name, a] as const));
  const out: CheckResult[] = [];
  const validators = new Map<string, ReturnType<typeof compileManifestSchema>>();
  const validator = async (file: string) => {
    if (!validators.has(file)) validators.set(file, compileManifestSchema(JSON.parse(await readFile(file, 'utf8')) as object));
    return validators.get(file)!;
  };
  const named = (url: string): Artifact | undefined => byName.get(decodeURIComponent(url.split('/').at(-1) ?? ''));
  for (const a of release.artifacts.filter((x) => x.kind === 'winget' || x.kind === 'scoop')) {
    const text = await readFile(inDist(release.distDir, a.path), 'utf8').catch(() => undefined);
    if (text === undefined) continue; // the files check says it is missing
    const problems: string[] = [];
    let doc: Record<string, unknown>;
    try {
      doc = (a.kind === 'winget' ? parseYaml(text) : JSON.parse(text)) as Record<string, unknown>;
    } catch (err) {
      out.push({ check: a.kind, subject: a.path, verdict: 'fail', detail: `cannot be read: ${(err as Error).message}` });
      continue;
    }
    const schemaFile = a.kind === 'winget' ? wingetSchemaFile(a.winget.manifest as WingetManifestType) : SCOOP_SCHEMA_FILE;
    for (const p of (await validator(schemaFile))(doc)) problems.push(`${pointerPath(p.pointer)} ${p.message}`);
    if (a.kind === 'winget' && a.winget.manifest === 'installer') {
      for (const i of (doc.Installers as { InstallerUrl?: string; InstallerSha256?: string; ProductCode?: string }[] | undefined) ?? []) {
        const target = i.InstallerUrl ? named(i.InstallerUrl) : undefined;
        if (!target) problems.push(`${i.InstallerUrl} names no file of the release`);
        else if (i.InstallerSha256?.toLowerCase() !== target.sha256) problems.push(`the InstallerSha256 of ${target.name} is not its digest`);
        else if (target.kind === 'msi' && i.ProductCode?.replace(/[{}]/g, '').toUpperCase() !== target.msi.productCode.replace(/[{}]/g, '').toUpperCase()) problems.push(`the ProductCode of ${target.name} is not the MSI's`);
      }
    }
    if (a.kind === 'scoop') {
      for (const [arch, entry] of Object.entries((doc.architecture as Record<string, { url?: string; hash?: string }> | undefined) ?? {})) {
        const target = entry.url ? named(entry.url) : undefined;
        if (!target) problems.push(`architecture.${arch}.url names no file of the release`);
        else if (entry.hash?.toLowerCase() !== target.sha256) problems.push(`the hash of ${target.name} is not its digest`);
      }
    }
    out.push(
      problems.length
        ? { check: a.kind, subject: a.path, verdict: 'fail', detail: problems.join('; ') }
        : { check: a.kind, subject: a.path, verdict: 'ok', detail: `valid against ${a.kind === 'winget' ? `winget's ${a.winget.manifestVersion} schema` : "Scoop's schema"}${a.kind === 'scoop' || (a.kind === 'winget' && a.winget.manifest === 'installer') ? '; the digests it states are the files\'' : ''}` },
    );
  }
  return out;
}
