import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inDist } from '../artifacts/files.js';
import type { Artifact } from '../artifacts/kinds.js';
import { artifactsDocumentSchema, metadataDocumentSchema, signedWithDevCert } from '../artifacts/manifest.js';
import { ARTIFACTS_JSON, DEV_ROOT_FILE, DIST_MARKER, METADATA_JSON, STATE_DIR } from '../artifacts/names.js';
import { parseState, statePath } from '../artifacts/state.js';
import { UsageError } from '../util/errors.js';
import { sha256File } from '../util/fs.js';
import { TOOL_VERSION } from '../util/toolVersion.js';

// What `release verify` checks and what it says. A release is read from its state (dist/.winship/
// state.json) or, for a release downloaded from a release page, from artifacts.json and
// metadata.json; each check gives one line per file with its verdict and the program that judged.

export type Verdict = 'ok' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** files, checksums, signature, msi, msix, winget, scoop, install, release */
  check: string;
  /** The file (dist path) or the release. */
  subject: string;
  verdict: Verdict;
  detail: string;
}

export interface RecordedRelease {
  distDir: string;
  /** Where the records came from, for messages. */
  source: string;
  project: string;
  version: string;
  snapshot: boolean;
  artifacts: Artifact[];
  tools: Record<string, string>;
  devCert: boolean;
}

/** The release in `distDir`: its state, else its published manifests. */
export async function readRecordedRelease(distDir: string): Promise<RecordedRelease> {
  const stateFile = statePath(distDir);
  const stateText = await readFile(stateFile, 'utf8').catch(() => undefined);
  if (stateText !== undefined) {
    const state = parseState(stateText, stateFile, TOOL_VERSION);
    return { distDir, source: stateFile, project: state.project, version: state.release.version, snapshot: state.release.snapshot, artifacts: state.artifacts, tools: state.tools, devCert: signedWithDevCert(state.artifacts) };
  }
  const manifest = join(distDir, ARTIFACTS_JSON);
  const text = await readFile(manifest, 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new UsageError(`${distDir} holds no release to verify (neither ${stateFile} nor ${manifest}): build one first (release build), or name the folder: release verify DIST`);
  }
  const doc = artifactsDocumentSchema.safeParse(JSON.parse(text));
  if (!doc.success) throw new UsageError(`${manifest} is not a winship artifacts.json: ${doc.error.issues[0]?.message ?? 'bad shape'}`);
  const metaText = await readFile(join(distDir, METADATA_JSON), 'utf8').catch(() => undefined);
  const meta = metaText ? metadataDocumentSchema.safeParse(JSON.parse(metaText)) : undefined;
  const release = meta?.success ? meta.data : undefined;
  return {
    distDir,
    source: manifest,
    project: doc.data.project,
    version: doc.data.version,
    snapshot: release?.snapshot ?? false,
    artifacts: doc.data.artifacts,
    tools: release?.tools ?? {},
    devCert: release?.devCert === true || signedWithDevCert(doc.data.artifacts),
  };
}

/** The throwaway root a --dev-cert release was signed with, when the release keeps it. */
export function devRootOf(distDir: string): string {
  return inDist(distDir, DEV_ROOT_FILE);
}

/** Every recorded file is there with its recorded size and SHA-256; files dist/ holds beyond them. */
export async function checkFiles(release: RecordedRelease): Promise<CheckResult[]> {
  const results = await Promise.all(
    release.artifacts.map(async (a): Promise<CheckResult> => {
      const file = inDist(release.distDir, a.path);
      const info = await lstat(file).catch(() => undefined);
      const fail = (detail: string): CheckResult => ({ check: 'files', subject: a.path, verdict: 'fail', detail });
      if (!info) return fail('missing');
      if (!info.isFile()) return fail('not a regular file');
      if (info.size !== a.size) return fail(`${info.size} bytes; ${a.size} recorded`);
      const digest = await sha256File(file);
      if (digest !== a.sha256) return fail(`changed after it was recorded: sha256 ${digest.slice(0, 16)}…, ${a.sha256.slice(0, 16)}… recorded`);
      return { check: 'files', subject: a.path, verdict: 'ok', detail: `${a.size} bytes, sha256 as recorded` };
    }),
  );
  const failed = results.filter((r) => r.verdict !== 'ok');
  const extra = await unrecorded(release);
  return [
    failed.length === 0
      ? { check: 'files', subject: 'release', verdict: 'ok', detail: `${results.length} files, each with the size and SHA-256 ${release.source.endsWith('state.json') ? 'the release state' : 'artifacts.json'} records` }
      : { check: 'files', subject: 'release', verdict: 'fail', detail: `${failed.length} of ${results.length} files do not match their records` },
    ...failed,
    ...extra.map((path): CheckResult => ({ check: 'files', subject: path, verdict: 'warn', detail: 'in the folder, but not a file of the release (no record lists it)' })),
  ];
}

async function unrecorded(release: RecordedRelease): Promise<string[]> {
  const recorded = new Set(release.artifacts.map((a) => a.path));
  const keep = new Set([STATE_DIR, DIST_MARKER, ARTIFACTS_JSON, METADATA_JSON, '.work']);
  const found: string[] = [];
  const walk = async (folder: string, rel: string) => {
    for (const e of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && (keep.has(e.name) || e.name.startsWith('.'))) continue;
      if (e.isDirectory()) await walk(join(folder, e.name), path);
      else if (!recorded.has(path)) found.push(path);
    }
  };
  await walk(release.distDir, '');
  return found.sort();
}
