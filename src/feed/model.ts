import { z } from 'zod';
import { ARTIFACT_KINDS } from '../artifacts/kinds.js';
import { PATCHABLE_KINDS } from '../config/schema.js';
import { SUPPORTED_TARGETS } from '../util/arch.js';
import { compareSemver, parseSemver } from '../version/semver.js';

// releases.json, the index of an update feed (docs/feed-format.md): every version, its files and
// its patches. One model validates what a publisher reads back from a feed, writes the file (keys
// in the schema's order, lists sorted: the same content is always the same bytes), and generates
// schema/releases.schema.json.

export const RELEASES_SCHEMA_VERSION = 1;
export const RELEASES_SCHEMA_URL = 'https://winship.dev/schema/releases.schema.json';
export const RELEASES_JSON = 'releases.json';
export const RELEASES_SIG = 'releases.json.sig';
export const FEED_LOCK = '.winship-feed.lock';

/** The kind of `<version>/artifacts.json`, listed so that a reader can check it like any other file. */
export const ARTIFACTS_FILE_KIND = 'artifacts';
export const FEED_FILE_KINDS = [...ARTIFACT_KINDS.filter((k) => k !== 'patch'), ARTIFACTS_FILE_KIND] as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lower-case hex');
const size = z.number().int().min(0);
/** A path relative to the feed root: forward slashes, no empty, "." or ".." parts. */
export function isFeedPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
}
const feedPath = z.string().refine(isFeedPath, 'must be a path inside the feed (forward slashes, no "..", not absolute)');
const semverString = z.string().refine((v) => parseSemver(v) !== undefined, 'must be a semantic version');

export const feedFileSchema = z.strictObject({
  path: feedPath.describe('Relative to the feed root: <version>/<path in dist/>.'),
  kind: z.enum(FEED_FILE_KINDS).describe('The artifact kind of artifacts.json; "artifacts" for the version\'s artifacts.json itself.'),
  target: z.enum(SUPPORTED_TARGETS).optional().describe('Absent for files of no one target (checksums).'),
  size,
  sha256,
});

export const feedPatchSchema = z.strictObject({
  path: feedPath.describe('patches/<name>, relative to the feed root.'),
  from: semverString,
  to: semverString,
  kind: z.enum(PATCHABLE_KINDS).describe('The kind of file the patch makes.'),
  target: z.enum(SUPPORTED_TARGETS),
  size: size.describe('The patch file\'s own size.'),
  sha256: sha256.describe('The patch file\'s own digest.'),
  oldPath: feedPath.describe('The file of version `from` it applies to.'),
  oldSize: size,
  oldSha256: sha256,
  newPath: feedPath.describe('The file of version `to` it makes.'),
  newSize: size,
  newSha256: sha256,
});

export const feedReleaseSchema = z.strictObject({
  version: semverString,
  date: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'must be RFC 3339 UTC with a Z, no fraction').describe('The release date (the commit date).'),
  files: z.array(feedFileSchema).describe('Sorted by path (ordinal).'),
  patches: z.array(feedPatchSchema).describe('Sorted by from (newest first), then path.'),
});

export const releasesDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(RELEASES_SCHEMA_VERSION),
    project: z.string().min(1),
    latest: semverString.describe('The first release\'s version.'),
    releases: z.array(feedReleaseSchema).min(1).describe('Newest version first (semantic-version order).'),
  })
  .describe('winship releases.json: the index of an update feed (docs/feed-format.md)');

export type FeedFile = z.infer<typeof feedFileSchema>;
export type FeedPatch = z.infer<typeof feedPatchSchema>;
export type FeedRelease = z.infer<typeof feedReleaseSchema>;
export type ReleasesDocument = z.infer<typeof releasesDocumentSchema>;

const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const bySemverDesc = (a: string, b: string) => compareSemver(parseSemver(b)!, parseSemver(a)!);

/** The release with its lists in the contract's order and its keys in the schema's. */
export function canonicalRelease(r: FeedRelease): FeedRelease {
  return feedReleaseSchema.parse({
    version: r.version,
    date: r.date,
    files: [...r.files].sort((a, b) => ordinal(a.path, b.path)),
    patches: [...r.patches].sort((a, b) => bySemverDesc(a.from, b.from) || ordinal(a.path, b.path)),
  });
}

/** The index of `releases` (any order; one per version). */
export function releasesDocument(project: string, releases: readonly FeedRelease[]): ReleasesDocument {
  const sorted = releases.map(canonicalRelease).sort((a, b) => bySemverDesc(a.version, b.version));
  for (let i = 1; i < sorted.length; i++) {
    if (compareSemver(parseSemver(sorted[i - 1]!.version)!, parseSemver(sorted[i]!.version)!) === 0) {
      throw new Error(`internal: version ${sorted[i]!.version} twice in the index (also as ${sorted[i - 1]!.version})`);
    }
  }
  if (sorted.length === 0) throw new Error('internal: an index needs at least one release');
  return { $schema: RELEASES_SCHEMA_URL, schemaVersion: RELEASES_SCHEMA_VERSION, project, latest: sorted[0]!.version, releases: sorted };
}

/** The exact bytes of releases.json: two-space indented, a final newline. */
export function serializeReleases(doc: ReleasesDocument): string {
  const again = releasesDocument(doc.project, doc.releases);
  return `${JSON.stringify(releasesDocumentSchema.parse(again), null, 2)}\n`;
}

/** Why a feed's index cannot be used. Exit 2: the user has to look at the feed. */
export class FeedError extends Error {
  override name = 'FeedError';
  readonly exitCode = 2;
}

/** Parse and check releases.json read from `where`. */
export function parseReleases(text: string, where: string): ReleasesDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FeedError(`${where} is not valid JSON (${(err as Error).message}): the feed was damaged or edited by hand; restore it from a backup`);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > RELEASES_SCHEMA_VERSION) {
    throw new FeedError(`${where} has schemaVersion ${version}; this winship writes ${RELEASES_SCHEMA_VERSION}: publish with a newer winship`);
  }
  const parsed = releasesDocumentSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 8).map((i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new FeedError(`${where} is not a winship feed index:\n${problems.join('\n')}`);
  }
  const doc = parsed.data;
  if (doc.latest !== doc.releases[0]!.version) throw new FeedError(`${where}: "latest" is ${doc.latest} but the first release is ${doc.releases[0]!.version}`);
  return doc;
}

export function releasesJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: RELEASES_SCHEMA_URL,
    title: 'winship releases.json',
    ...z.toJSONSchema(releasesDocumentSchema, { io: 'input', target: 'draft-2020-12' }),
  };
}

/** Every path the index names (files and patches), sorted. */
export function pathsOf(doc: ReleasesDocument | undefined): string[] {
  if (!doc) return [];
  return [...new Set(doc.releases.flatMap((r) => [...r.files.map((f) => f.path), ...r.patches.map((p) => p.path)]))].sort(ordinal);
}

/** path → sha256 of every file and patch the index names. */
export function digestsOf(doc: ReleasesDocument | undefined): Map<string, { size: number; sha256: string }> {
  const m = new Map<string, { size: number; sha256: string }>();
  for (const r of doc?.releases ?? []) for (const f of [...r.files, ...r.patches]) m.set(f.path, { size: f.size, sha256: f.sha256 });
  return m;
}
