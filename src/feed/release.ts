import { lstat, readFile } from 'node:fs/promises';
import { inDist } from '../artifacts/files.js';
import type { Artifact, ArtifactOf } from '../artifacts/kinds.js';
import { artifactsDocumentSchema, metadataDocumentSchema } from '../artifacts/manifest.js';
import { ARTIFACTS_JSON, METADATA_JSON, STATE_FILE } from '../artifacts/names.js';
import { readState } from '../artifacts/state.js';
import { UsageError } from '../util/errors.js';
import { sha256File } from '../util/fs.js';
import { parseSemver } from '../version/semver.js';
import { ARTIFACTS_FILE_KIND, type FeedFile, type FeedPatch, type FeedRelease } from './model.js';

// A built release as a feed sees it: its files under `<version>/`, its patches under
// `patches/`, and the entry releases.json gets for it. Read from dist/ (its release state, or
// artifacts.json and metadata.json when only those travelled).

export interface PublishableRelease {
  /** The dist folder. */
  dir: string;
  project: string;
  version: string;
  /** RFC 3339 UTC, no fraction. */
  date: string;
  devCert: boolean;
  artifacts: readonly Artifact[];
  /** Size and digest of dist/artifacts.json, which the version folder holds too. */
  artifactsJson: { size: number; sha256: string };
}

/** One file to put in the feed, from a file in dist/. */
export interface Upload {
  path: string;
  source: string;
  size: number;
  sha256: string;
}

/** The release date as releases.json states it: "2026-11-30T12:00:00Z". */
export function feedDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new UsageError(`the release date "${iso}" is not a date`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The release in `dir` (checked: every recorded file is there with its recorded bytes). */
export async function readPublishableRelease(dir: string, toolVersion: string): Promise<PublishableRelease> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir}: ${info ? 'not a folder' : 'no such folder'}; give the dist folder of a built release (release build writes it)`);
  const artifactsFile = inDist(dir, ARTIFACTS_JSON);
  const artifactsInfo = await lstat(artifactsFile).catch(() => undefined);
  if (!artifactsInfo?.isFile()) throw new UsageError(`${dir} holds no ${ARTIFACTS_JSON}: it is not a finished release (release build writes it last); build it, then publish`);
  const artifactsJson = { size: artifactsInfo.size, sha256: await sha256File(artifactsFile) };
  const state = await readState(dir, toolVersion);
  const doc = artifactsDocumentSchema.safeParse(JSON.parse(await readFile(artifactsFile, 'utf8').catch(() => 'null')));
  if (!doc.success) throw new UsageError(`${artifactsFile} is not a winship artifacts.json; build the release again`);
  if (state) {
    if (state.partial) throw new UsageError(`${dir} is one part of a --split release; join the parts first (release merge), then publish the merged dist`);
    if (!state.completed.includes('manifest')) throw new UsageError(`${dir}: the release is not finished (${STATE_FILE} shows the manifests were not written since its files last changed); run release build again to finish it`);
    const digests = (list: readonly Artifact[]) => list.map((a) => `${a.path} ${a.sha256}`).sort().join('\n');
    if (digests(doc.data.artifacts) !== digests(state.artifacts)) throw new UsageError(`${artifactsFile} does not list the files ${STATE_FILE} records (changed after the release was made?); run release build again to finish it`);
    return { dir, project: state.project, version: state.release.version, date: feedDate(state.release.date), devCert: false, artifacts: state.artifacts, artifactsJson };
  }
  // No state (dist/ copied without .winship/): artifacts.json and metadata.json, every file hashed.
  const metaText = await readFile(inDist(dir, METADATA_JSON), 'utf8').catch(() => undefined);
  const meta = metaText === undefined ? undefined : metadataDocumentSchema.safeParse(JSON.parse(metaText));
  if (!meta?.success) throw new UsageError(`${dir} has neither ${STATE_FILE} nor a valid ${METADATA_JSON}: nothing says the release's date; copy the whole dist folder`);
  for (const a of doc.data.artifacts) {
    const file = inDist(dir, a.path);
    const digest = await sha256File(file).catch(() => undefined);
    if (digest !== a.sha256) throw new UsageError(`${dir}: ${a.path} is ${digest ? 'not the file artifacts.json lists (other bytes)' : 'missing'}; copy the release again or rebuild it`);
  }
  return { dir, project: doc.data.project, version: doc.data.version, date: feedDate(meta.data.date), devCert: meta.data.devCert === true, artifacts: doc.data.artifacts, artifactsJson };
}

const targetOfArtifact = (a: Artifact) => ('goarch' in a ? (`windows/${a.goarch}` as const) : undefined);

/** `<version>/<path in dist>`. */
export const versionPath = (version: string, distPath: string) => `${version}/${distPath}`;

/** The files of the release's version folder, artifacts.json included (patches are not: they go to patches/). */
export function versionUploads(r: PublishableRelease): Upload[] {
  const files = r.artifacts
    .filter((a) => a.kind !== 'patch')
    .map((a) => ({ path: versionPath(r.version, a.path), source: inDist(r.dir, a.path), size: a.size, sha256: a.sha256 }));
  files.push({ path: versionPath(r.version, ARTIFACTS_JSON), source: inDist(r.dir, ARTIFACTS_JSON), ...r.artifactsJson });
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The patch files, at their dist path (patches/<name>), which is their feed path too. */
export function patchUploads(r: PublishableRelease, kept: readonly FeedPatch[]): Upload[] {
  const keep = new Set(kept.map((p) => p.path));
  return r.artifacts
    .filter((a): a is ArtifactOf<'patch'> => a.kind === 'patch' && keep.has(a.path))
    .map((a) => ({ path: a.path, source: inDist(r.dir, a.path), size: a.size, sha256: a.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The patches of the release as releases.json lists them. */
export function feedPatches(r: PublishableRelease): FeedPatch[] {
  const byPath = new Map(r.artifacts.map((a) => [a.path, a]));
  return r.artifacts
    .filter((a): a is ArtifactOf<'patch'> => a.kind === 'patch')
    .map((p) => {
      const made = p.packs[0]!;
      const newFile = byPath.get(made.path);
      if (!newFile) throw new UsageError(`${r.dir}: patch ${p.path} makes ${made.path}, which the release does not list; rebuild the release`);
      return {
        path: p.path,
        from: p.from,
        to: p.to,
        kind: p.makes,
        target: `windows/${p.goarch}` as const,
        size: p.size,
        sha256: p.sha256,
        oldPath: versionPath(p.from, p.old.name),
        oldSize: p.old.size,
        oldSha256: p.old.sha256,
        newPath: versionPath(r.version, made.path),
        newSize: newFile.size,
        newSha256: made.sha256,
      };
    });
}

/** The entry releases.json gets for the release, with the patches it keeps. */
export function feedRelease(r: PublishableRelease, patches: readonly FeedPatch[]): FeedRelease {
  if (!parseSemver(r.version)) throw new UsageError(`${r.dir}: version "${r.version}" is not a semantic version`);
  const files: FeedFile[] = r.artifacts
    .filter((a) => a.kind !== 'patch')
    .map((a) => {
      const target = targetOfArtifact(a);
      return { path: versionPath(r.version, a.path), kind: a.kind as FeedFile['kind'], ...(target ? { target } : {}), size: a.size, sha256: a.sha256 };
    });
  files.push({ path: versionPath(r.version, ARTIFACTS_JSON), kind: ARTIFACTS_FILE_KIND, ...r.artifactsJson });
  return { version: r.version, date: r.date, files, patches: [...patches] };
}
