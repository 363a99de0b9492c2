import { UsageError } from '../util/errors.js';
import { compareSemver, parseSemver } from '../version/semver.js';
import { FEED_LOCK, RELEASES_JSON, RELEASES_SIG, releasesDocument, serializeReleases, type FeedPatch, type FeedRelease, type ReleasesDocument } from './model.js';
import type { Upload } from './release.js';

// What a publish does to a feed, decided before anything is written: pure, from the feed's
// current index, the objects it holds and the release. The steps come in the contract's order
// (docs/feed-format.md "Order of writes"): the version's files, its patches, releases.json, its
// signature, the .appinstaller files, and only then what retention removes, so that at every
// moment the index names only files that are there.

export type StepKind = 'file' | 'patch' | 'index' | 'signature' | 'appinstaller' | 'remove';

export interface Step {
  kind: StepKind;
  path: string;
  /** put: write it; same: it is there with these bytes already; delete: remove it. */
  action: 'put' | 'same' | 'delete';
  /** What to write (a file of dist/, or bytes). */
  upload?: Upload;
  bytes?: Uint8Array;
  /** Why, for the log. */
  reason: string;
}

export interface FeedObject {
  size: number;
  /** Known for objects the caller hashed (those a step would write, which the index does not name). */
  sha256?: string;
}

export interface PlanInput {
  project: string;
  /** The feed's index, or undefined for a new feed. */
  current: ReleasesDocument | undefined;
  currentIndexText?: string;
  currentSignature?: string;
  /** Root .appinstaller files as they are in the feed: name → bytes. */
  currentAppinstallers: ReadonlyMap<string, Uint8Array>;
  /** Every object of the feed (the lock excepted). */
  objects: ReadonlyMap<string, FeedObject>;
  /** The new release's entry (its patches are the candidates). */
  release: FeedRelease;
  files: readonly Upload[];
  patchFiles: readonly Upload[];
  /** The .appinstaller files for the feed root, pointing into this version: name → bytes. */
  appinstallers: ReadonlyMap<string, Uint8Array>;
  sign(bytes: Uint8Array): string;
  /** Keep the newest K versions (undefined: all). */
  keep?: number;
  force: boolean;
  allowOlder: boolean;
}

export interface PublishPlan {
  index: ReleasesDocument;
  indexText: string;
  steps: Step[];
  /** Versions retention removes. */
  removed: string[];
  /** Patches of this release left out, with why. */
  dropped: { path: string; reason: string }[];
  /** Whether this version was already in the feed with these files. */
  republished: boolean;
  /** Nothing to write or remove. */
  noop: boolean;
}

const semver = (v: string) => parseSemver(v)!;
const enc = new TextEncoder();
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
/** Temp names our stores write (.name.tmp-<pid>-<hex>): left by an interrupted publish. */
export const FEED_TEMP_NAME = /(^|\/)\.[^/]+\.tmp-\d+-[0-9a-f]{8}(\.[A-Za-z0-9]+)?$/;

/** The versions retention keeps: the newest `keep`, the one being published, and those still referenced. */
export function planRetention(releases: readonly FeedRelease[], keep: number | undefined, protect: readonly string[]): { kept: FeedRelease[]; removed: string[]; droppedPatches: { path: string; reason: string }[] } {
  const sorted = [...releases].sort((a, b) => compareSemver(semver(b.version), semver(a.version)));
  const keepSet = new Set(sorted.slice(0, keep ?? sorted.length).map((r) => r.version));
  // The newest is what the .appinstaller files name.
  if (sorted[0]) keepSet.add(sorted[0].version);
  for (const v of protect) keepSet.add(v);
  const droppedPatches: { path: string; reason: string }[] = [];
  const kept = sorted
    .filter((r) => keepSet.has(r.version))
    .map((r) => ({
      ...r,
      patches: r.patches.filter((p) => {
        if (keepSet.has(p.from)) return true;
        droppedPatches.push({ path: p.path, reason: `its old file's version ${p.from} leaves the feed (keep ${keep})` });
        return false;
      }),
    }));
  return { kept, removed: sorted.filter((r) => !keepSet.has(r.version)).map((r) => r.version), droppedPatches };
}

/** The candidate patches that apply to a file the feed really has, and why the others are left out. */
export function patchesForFeed(candidates: readonly FeedPatch[], feed: readonly FeedRelease[]): { kept: FeedPatch[]; dropped: { path: string; reason: string }[] } {
  const files = new Map(feed.flatMap((r) => r.files.map((f) => [f.path, f.sha256] as const)));
  const kept: FeedPatch[] = [];
  const dropped: { path: string; reason: string }[] = [];
  for (const p of candidates) {
    const have = files.get(p.oldPath);
    if (have === p.oldSha256) kept.push(p);
    else if (have === undefined) dropped.push({ path: p.path, reason: `the feed has no ${p.oldPath} (version ${p.from} is not in it)` });
    else dropped.push({ path: p.path, reason: `it was made from other bytes than the feed's ${p.oldPath} (sha256 ${p.oldSha256.slice(0, 12)}…, the feed's ${have.slice(0, 12)}…): it would not apply for users of ${p.from}` });
  }
  return { kept, dropped };
}

/** Differences between the release in the feed and the one being published, for the refusal. */
function differences(old: FeedRelease, files: readonly Upload[], patches: readonly FeedPatch[]): string[] {
  const diffs: string[] = [];
  const oldFiles = new Map([...old.files, ...old.patches].map((f) => [f.path, f.sha256]));
  const newFiles = new Map<string, string>([...files.map((f) => [f.path, f.sha256] as const), ...patches.map((p) => [p.path, p.sha256] as const)]);
  for (const [path, sha] of newFiles) {
    const was = oldFiles.get(path);
    if (was === undefined) {
      if (!path.startsWith('patches/')) diffs.push(`${path}: not in the feed's ${old.version}`);
    } else if (was !== sha) diffs.push(`${path}: other bytes (feed ${was.slice(0, 12)}…, dist ${sha.slice(0, 12)}…)`);
  }
  for (const f of old.files) if (!newFiles.has(f.path)) diffs.push(`${f.path}: in the feed's ${old.version}, not in this release`);
  return diffs;
}

export function planPublish(input: PlanInput): PublishPlan {
  const { current, release } = input;
  const version = release.version;
  if (current && current.project !== input.project) {
    throw new UsageError(`the feed holds releases of "${current.project}", not of "${input.project}": give each project its own feed (another --feed folder or prefix)`);
  }
  const others = (current?.releases ?? []).filter((r) => r.version !== version);
  const existing = current?.releases.find((r) => r.version === version);
  const newest = current?.releases[0]?.version;
  if (!existing && newest !== undefined && compareSemver(semver(version), semver(newest)) < 0 && !input.allowOlder) {
    throw new UsageError(
      `version ${version} is older than the feed's newest, ${newest}: installed programs would never move to it. To add it anyway (the App Installer files keep naming ${newest}), publish with --allow-older`,
    );
  }
  const { kept: validPatches, dropped } = patchesForFeed(release.patches, others);
  let patches = validPatches;
  if (existing) {
    const diffs = differences(existing, input.files, patches);
    if (diffs.length && !input.force) {
      const shown = diffs.slice(0, 6).map((d) => `  - ${d}`);
      if (diffs.length > 6) shown.push(`  … and ${diffs.length - 6} more`);
      throw new UsageError(
        `version ${version} is already in the feed with other files, and a published version never changes (installed programs and caches hold its bytes):\n${shown.join('\n')}\nPublish a new version; or, if the feed's copy is wrong and nobody has it yet, replace it with --force`,
      );
    }
    // A re-publish may add patches; those of the feed stay unless replaced.
    if (!input.force) patches = [...existing.patches.filter((p) => !patches.some((q) => q.path === p.path)), ...patches];
  }
  const entry: FeedRelease = { ...release, patches };
  const isNewest = newest === undefined || compareSemver(semver(version), semver(newest)) >= 0;
  // A root .appinstaller this publish does not rewrite (an architecture the release dropped, or
  // every one when it is not the newest) keeps naming its version: retention keeps that version.
  const untouched = [...input.currentAppinstallers].filter(([name]) => !isNewest || !input.appinstallers.has(name));
  const namedByAppinstallers = (current?.releases ?? []).map((r) => r.version).filter((v) => untouched.some(([, bytes]) => Buffer.from(bytes).toString('utf8').includes(`/${v}/`)));
  const retention = planRetention([...others, entry], input.keep, [version, ...namedByAppinstallers]);
  const index = releasesDocument(input.project, retention.kept);
  const indexText = serializeReleases(index);
  const indexBytes = enc.encode(indexText);
  const keptPatches = new Set(index.releases.find((r) => r.version === version)!.patches.map((p) => p.path));
  dropped.push(...retention.droppedPatches.filter((d) => release.patches.some((p) => p.path === d.path)));

  const listed = new Map([...(current?.releases ?? [])].flatMap((r) => [...r.files, ...r.patches].map((f) => [f.path, f.sha256] as const)));
  const steps: Step[] = [];
  const put = (kind: StepKind, u: Upload) => {
    const have = listed.get(u.path) ?? input.objects.get(u.path)?.sha256;
    const there = input.objects.has(u.path);
    if (there && have === u.sha256) steps.push({ kind, path: u.path, action: 'same', reason: 'already in the feed with these bytes' });
    else steps.push({ kind, path: u.path, action: 'put', upload: u, reason: !there ? 'new' : listed.has(u.path) ? 'replaced (--force)' : 'left incomplete by an interrupted publish' });
  };
  for (const u of input.files) put('file', u);
  for (const u of input.patchFiles.filter((p) => keptPatches.has(p.path))) put('patch', u);
  const putBytes = (kind: StepKind, path: string, bytes: Uint8Array, have: Uint8Array | undefined) =>
    steps.push(sameBytes(have, bytes) && input.objects.has(path) ? { kind, path, action: 'same', reason: 'unchanged' } : { kind, path, action: 'put', bytes, reason: have ? 'updated' : 'new' });
  putBytes('index', RELEASES_JSON, indexBytes, input.currentIndexText === undefined ? undefined : enc.encode(input.currentIndexText));
  putBytes('signature', RELEASES_SIG, enc.encode(input.sign(indexBytes)), input.currentSignature === undefined ? undefined : enc.encode(input.currentSignature));
  if (isNewest) for (const [name, bytes] of [...input.appinstallers].sort(([a], [b]) => (a < b ? -1 : 1))) putBytes('appinstaller', name, bytes, input.currentAppinstallers.get(name));

  // Everything the new index does not name under a version folder or patches/ goes, last:
  // retention's versions, patches whose old file left, leftovers of interrupted publishes.
  const listedByIndex = new Set([...index.releases.flatMap((r) => [...r.files.map((f) => f.path), ...r.patches.map((p) => p.path)])]);
  const rootFiles = new Set([RELEASES_JSON, RELEASES_SIG, FEED_LOCK, ...input.appinstallers.keys(), ...input.currentAppinstallers.keys()]);
  const removable = (path: string) => {
    if (listedByIndex.has(path) || rootFiles.has(path)) return false;
    const top = path.split('/')[0]!;
    return FEED_TEMP_NAME.test(path) || top === 'patches' || (path.includes('/') && parseSemver(top) !== undefined && !top.startsWith('v'));
  };
  const patchFrom = new Map((current?.releases ?? []).flatMap((r) => r.patches.map((p) => [p.path, p.from] as const)));
  for (const path of [...input.objects.keys()].filter(removable).sort()) {
    const top = path.split('/')[0]!;
    const from = patchFrom.get(path);
    const reason = retention.removed.includes(top)
      ? `version ${top} leaves the feed (keep ${input.keep})`
      : from !== undefined && retention.removed.includes(from)
        ? `its old file's version ${from} leaves the feed (keep ${input.keep})`
        : FEED_TEMP_NAME.test(path)
          ? 'left by an interrupted publish'
          : 'named by no release of the index';
    steps.push({ kind: 'remove', path, action: 'delete', reason });
  }
  return {
    index,
    indexText,
    steps,
    removed: retention.removed,
    dropped,
    republished: existing !== undefined,
    noop: steps.every((s) => s.action === 'same'),
  };
}
