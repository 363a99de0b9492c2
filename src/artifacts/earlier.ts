import { lstat, readFile } from 'node:fs/promises';
import { compareSemver, parseSemver, type SemVer } from '../version/semver.js';
import { UsageError } from '../util/errors.js';
import { sha256File } from '../util/fs.js';
import { inDist } from './files.js';
import type { Artifact } from './kinds.js';
import { artifactsDocumentSchema } from './manifest.js';
import { ARTIFACTS_JSON, STATE_FILE } from './names.js';
import { readStateShape } from './state.js';

// Earlier releases, read back to make delta patches from: a folder laid out like dist/ (kept by
// the user, downloaded from their release page, or a feed's version folder), described by its
// release state or, failing that, its artifacts.json. Both are checked as data we trust: shape,
// project, version, and the bytes of every file a patch is made from.

export interface EarlierRelease {
  dir: string;
  project: string;
  version: string;
  semver: SemVer;
  /** Which description was read. */
  source: typeof STATE_FILE | typeof ARTIFACTS_JSON;
  artifacts: readonly Artifact[];
}

export class EarlierReleaseError extends UsageError {
  override name = 'EarlierReleaseError';
}

/** Whether `dir` looks like a release folder (has a state or an artifacts.json). */
export async function isReleaseFolder(dir: string): Promise<boolean> {
  for (const file of [STATE_FILE, ARTIFACTS_JSON]) {
    if ((await lstat(inDist(dir, file)).catch(() => undefined))?.isFile()) return true;
  }
  return false;
}

/** The release in `dir`, which must be one of `project`'s. */
export async function readEarlierRelease(dir: string, project: string, toolVersion: string): Promise<EarlierRelease> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) throw new EarlierReleaseError(`earlier release ${dir}: no such folder`);
  if (!info.isDirectory()) throw new EarlierReleaseError(`earlier release ${dir}: not a folder (give the folder a release was built into, like dist/)`);
  let found: Omit<EarlierRelease, 'semver'> | undefined;
  const state = await readStateShape(dir, toolVersion);
  if (state) found = { dir, project: state.project, version: state.release.version, source: STATE_FILE, artifacts: state.artifacts };
  else found = await readArtifactsJson(dir);
  if (found.project !== project) {
    throw new EarlierReleaseError(`earlier release ${dir} is version ${found.version} of "${found.project}" (${found.source}), not of "${project}": patches are made between versions of one project`);
  }
  const semver = parseSemver(found.version);
  if (!semver) throw new EarlierReleaseError(`earlier release ${dir}: its version "${found.version}" (${found.source}) is not a semantic version`);
  return { ...found, semver };
}

async function readArtifactsJson(dir: string): Promise<Omit<EarlierRelease, 'semver'>> {
  const file = inDist(dir, ARTIFACTS_JSON);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EarlierReleaseError(`earlier release ${dir}: neither ${STATE_FILE} nor ${ARTIFACTS_JSON} is there, so nothing says which version it is or what its files are`);
    }
    throw new EarlierReleaseError(`earlier release ${dir}: cannot read ${ARTIFACTS_JSON}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new EarlierReleaseError(`earlier release ${file} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = artifactsDocumentSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new EarlierReleaseError(`earlier release ${file} is not a winship artifacts.json:\n${problems.join('\n')}`);
  }
  return { dir, project: parsed.data.project, version: parsed.data.version, source: ARTIFACTS_JSON, artifacts: parsed.data.artifacts };
}

/** Newest first, at most `count`, only versions before `current`; one per version. */
export function latestBefore(releases: readonly EarlierRelease[], current: SemVer, count: number): EarlierRelease[] {
  const earlier = releases.filter((r) => compareSemver(r.semver, current) < 0).sort((a, b) => compareSemver(b.semver, a.semver) || (a.dir < b.dir ? -1 : 1));
  const seen = new Set<string>();
  return earlier.filter((r) => !seen.has(r.version) && seen.add(r.version)).slice(0, count);
}

/** The file of `artifact` in `release`, after checking it still has the recorded bytes. */
export async function verifiedEarlierFile(release: EarlierRelease, artifact: Artifact): Promise<string> {
  const file = inDist(release.dir, artifact.path);
  const info = await lstat(file).catch(() => undefined);
  if (!info?.isFile()) throw new EarlierReleaseError(`earlier release ${release.dir} (${release.version}): ${artifact.path} is listed in ${release.source} but ${info ? 'is not a regular file' : 'missing'}`);
  const digest = info.size === artifact.size ? await sha256File(file) : undefined;
  if (digest !== artifact.sha256) {
    throw new EarlierReleaseError(
      `earlier release ${release.dir} (${release.version}): ${artifact.path} is not the file ${release.source} lists (${artifact.size} bytes, sha256 ${artifact.sha256.slice(0, 12)}…): a patch from other bytes would not apply to what users of ${release.version} have`,
    );
  }
  return file;
}
