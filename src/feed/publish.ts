import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ArtifactOf } from '../artifacts/kinds.js';
import { publishRefusal } from '../artifacts/publishable.js';
import { UsageError } from '../util/errors.js';
import { faultPoint } from '../util/faults.js';
import { parseSemver } from '../version/semver.js';
import { feedBaseUrl, feedUrl, rewriteAppInstaller } from './appinstaller.js';
import { FolderStore, lockToken } from './folderStore.js';
import { signIndex, verifyIndex } from './key.js';
import { FEED_LOCK, parseReleases, RELEASES_JSON, RELEASES_SIG, type ReleasesDocument } from './model.js';
import { FEED_TEMP_NAME, planPublish, type PublishPlan, type Step } from './plan.js';
import { feedPatches, feedRelease, patchUploads, versionPath, versionUploads, type PublishableRelease } from './release.js';
import { S3Store, type S3Options } from './s3Store.js';
import { heldFor, isS3Url, lockRecord, parseS3Url, type FeedStore, type LockRecord } from './store.js';

// `release publish` and the publish stage: one release into a feed, in the order of
// docs/feed-format.md, under the feed's lock.

export interface FeedLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface OpenFeedOptions {
  cwd: string;
  s3?: S3Options;
}

/** The store `feed` names: s3://bucket/prefix, else a folder (relative to `cwd`). */
export async function openFeed(feed: string, o: OpenFeedOptions): Promise<FeedStore & { close?(): void }> {
  if (isS3Url(feed)) {
    const where = parseS3Url(feed);
    if (!where) throw new UsageError(`--feed ${feed}: give s3://bucket/prefix`);
    return S3Store.open(where, o.s3);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(feed)) throw new UsageError(`--feed ${feed}: a feed is a folder or s3://bucket/prefix (publish over http is not possible: a web server serves the folder)`);
  const root = isAbsolute(feed) ? feed : resolve(o.cwd, feed);
  return new FolderStore(root, feed);
}

/** Whether `path` is something a publish writes (so a folder holding only such things is a feed being started). */
function ours(path: string): boolean {
  const top = path.split('/')[0]!;
  return path === RELEASES_JSON || path === RELEASES_SIG || path === FEED_LOCK || FEED_TEMP_NAME.test(path) || top === 'patches' || (!path.includes('/') && path.endsWith('.appinstaller')) || (path.includes('/') && parseSemver(top) !== undefined);
}

/** The feed's index, checked; undefined for a new (or not yet indexed) feed. Refuses a folder that is not a feed. */
export async function readFeedIndex(store: FeedStore, objects: ReadonlyMap<string, number>): Promise<{ doc: ReleasesDocument; text: string } | undefined> {
  const bytes = await store.read(RELEASES_JSON);
  if (bytes === undefined) {
    const strangers = [...objects.keys()].filter((p) => !ours(p)).sort();
    if (strangers.length) {
      const shown = strangers.slice(0, 4).join(', ') + (strangers.length > 4 ? `, … (${strangers.length} in all)` : '');
      throw new UsageError(`${store.display} is not a feed: it holds ${shown} and no ${RELEASES_JSON}. Give an empty folder (or prefix) for a new feed, or the feed itself`);
    }
    return undefined;
  }
  const text = bytes.toString('utf8');
  return { doc: parseReleases(text, `${store.display}${store.display.endsWith('/') ? '' : '/'}${RELEASES_JSON}`), text };
}

export interface LockOptions {
  what: string;
  breakLock: boolean;
  now: () => Date;
  logger: FeedLogger;
}

const sameHostDead = (held: LockRecord, mine: LockRecord) => {
  if (held.owner !== mine.owner || held.pid <= 0) return false;
  try {
    process.kill(held.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

/**
 * Take the feed's lock, or refuse naming who holds it, since when, and how to break it. A lock
 * left by a publisher of this machine that is gone (killed) is broken with a notice. Returns
 * whether a left-over lock was broken (an interrupted publish may have left its steps half done).
 */
export async function acquireLock(store: FeedStore, o: LockOptions): Promise<{ record: LockRecord; brokeStale: boolean }> {
  const record = lockRecord(o.what, o.now(), lockToken());
  if (await store.createLock(record)) return { record, brokeStale: false };
  const held = await store.readLock();
  if (!held) {
    // Removed meanwhile: one more try.
    if (await store.createLock(record)) return { record, brokeStale: false };
  } else {
    const since = held.since ? `since ${held.since} (${heldFor(held.since, o.now())})` : 'since an unknown time';
    const who = `${held.owner}${held.pid ? ` (pid ${held.pid})` : ''}${held.what ? `, ${held.what}` : ''}`;
    if (o.breakLock || sameHostDead(held, record)) {
      o.logger.warn(`breaking the lock of ${store.display}: held by ${who} ${since}${o.breakLock ? ' (--break-lock)' : ', a process of this machine that is gone'}`);
      await store.removeLock();
      if (await store.createLock(record)) return { record, brokeStale: true };
      const now = await store.readLock();
      throw new UsageError(`${store.display}: another publisher took the lock just after it was broken (${now?.owner ?? 'unknown'}, ${now?.what ?? ''}); wait for it to finish`);
    }
    throw new UsageError(
      `${store.display} is locked by ${who} ${since}: another publish is writing the feed (${FEED_LOCK}). ` +
        `Wait for it to finish; if that publisher is gone (killed, its machine lost), run this again with --break-lock`,
    );
  }
  throw new UsageError(`${store.display}: cannot take the lock (${FEED_LOCK})`);
}

export async function releaseLock(store: FeedStore, record: LockRecord): Promise<void> {
  const held = await store.readLock();
  if (held?.token === record.token) await store.removeLock();
}

export interface PublishOptions {
  feed: string;
  baseUrl: string;
  keep?: number;
  force: boolean;
  allowOlder: boolean;
  breakLock: boolean;
  dryRun: boolean;
  key: KeyObject;
  cwd: string;
  s3?: S3Options;
  logger: FeedLogger;
  now?: () => Date;
}

export interface PublishSummary {
  feed: string;
  version: string;
  latest: string;
  written: string[];
  unchanged: number;
  removed: string[];
  removedVersions: string[];
  dropped: { path: string; reason: string }[];
  noop: boolean;
}

const sizeText = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`);

/** The root .appinstaller files for the release: its App Installer files, pointing into the feed. */
async function rootAppinstallers(r: PublishableRelease, base: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const a of r.artifacts.filter((x): x is ArtifactOf<'appinstaller'> => x.kind === 'appinstaller')) {
    const file = resolve(r.dir, ...a.path.split('/'));
    const xml = await readFile(file, 'utf8');
    out.set(a.name, new TextEncoder().encode(rewriteAppInstaller(xml, feedUrl(base, a.name), feedUrl(base, versionPath(r.version, a.appinstaller.package)), file)));
  }
  return out;
}

export async function publishRelease(release: PublishableRelease, o: PublishOptions): Promise<PublishSummary> {
  const refusal = publishRefusal(release);
  if (refusal) throw new UsageError(`release publish: ${refusal}`);
  const base = feedBaseUrl(o.baseUrl);
  if (o.keep !== undefined && (!Number.isInteger(o.keep) || o.keep < 1)) throw new UsageError(`--keep ${o.keep}: keep at least 1 version (a whole number)`);
  const now = o.now ?? (() => new Date());
  const store = await openFeed(o.feed, o);
  try {
    const initial = await store.list();
    await readFeedIndex(store, initial); // refuses what is not a feed before taking a lock in it
    const lock = o.dryRun ? undefined : await acquireLock(store, { what: `release publish ${release.project} ${release.version}`, breakLock: o.breakLock, now, logger: o.logger });
    try {
      const objects = await store.list();
      objects.delete(FEED_LOCK);
      const current = await readFeedIndex(store, objects);
      const sigText = (await store.read(RELEASES_SIG))?.toString('utf8');
      if (current && !(sigText !== undefined && verifyIndex(new TextEncoder().encode(current.text), sigText, o.key))) {
        if (lock?.brokeStale) o.logger.warn(`${RELEASES_SIG} does not match ${RELEASES_JSON} (an interrupted publish leaves them so): signing it again`);
        else if (o.force) o.logger.warn(`${RELEASES_SIG} does not verify with this feed key: signing ${RELEASES_JSON} with it (--force); programs built with the old public key will refuse this feed`);
        else {
          throw new UsageError(
            `${store.display}: ${RELEASES_SIG} ${sigText === undefined ? 'is missing' : 'does not verify with this feed key'}: the feed was signed with another key, or ${RELEASES_JSON} was changed. ` +
              'Publish with the key the feed was made with (--feed-key FILE or WINSHIP_FEED_KEY); --force signs it with this key (programs built with the old public key then refuse every update)',
          );
        }
      }
      const files = versionUploads(release);
      const candidates = feedPatches(release);
      const entry = feedRelease(release, candidates);
      const patchFiles = patchUploads(release, candidates);
      const appinstallers = await rootAppinstallers(release, base);
      // Objects a step would write that the index does not vouch for: hashed, to tell a complete
      // upload of an interrupted publish from a partial one.
      const listed = new Map((current?.doc.releases ?? []).flatMap((r) => [...r.files, ...r.patches].map((f) => [f.path, f.sha256] as const)));
      const known = new Map<string, { size: number; sha256?: string }>();
      for (const [path, size] of objects) known.set(path, { size });
      for (const u of [...files, ...patchFiles]) {
        const there = known.get(u.path);
        if (there && !listed.has(u.path) && there.size === u.size) there.sha256 = await store.hash(u.path);
      }
      const currentAppinstallers = new Map<string, Uint8Array>();
      for (const name of new Set([...appinstallers.keys(), ...[...objects.keys()].filter((p) => !p.includes('/') && p.endsWith('.appinstaller'))])) {
        const bytes = await store.read(name);
        if (bytes) currentAppinstallers.set(name, bytes);
      }
      const plan: PublishPlan = planPublish({
        project: release.project,
        current: current?.doc,
        currentIndexText: current?.text,
        currentSignature: sigText,
        currentAppinstallers,
        objects: known,
        release: entry,
        files,
        patchFiles,
        appinstallers,
        sign: (bytes) => signIndex(bytes, o.key),
        keep: o.keep,
        force: o.force,
        allowOlder: o.allowOlder,
      });
      for (const d of plan.dropped) o.logger.warn(`${d.path} is not published: ${d.reason}`);
      o.logger.info(`${o.dryRun ? 'would publish' : 'publishing'} ${release.project} ${release.version} to ${store.display}${o.keep ? ` (keep ${o.keep})` : ''}`);
      const written: string[] = [];
      const removed: string[] = [];
      let n = 0;
      for (const step of plan.steps) {
        if (step.action === 'same') continue;
        n++;
        o.logger.info(`  ${describe(step)}`);
        if (o.dryRun) continue;
        await runStep(store, step);
        (step.action === 'delete' ? removed : written).push(step.path);
        // For the crash tests (WINSHIP_FAULT_PAUSE=feed after …): stop right after a step.
        await faultPoint(`feed after ${step.kind} ${step.path}`);
      }
      const unchanged = plan.steps.filter((s) => s.action === 'same').length;
      if (n === 0) o.logger.info(`  nothing to do: ${release.version} is in the feed with these files`);
      o.logger.info(
        `${o.dryRun ? 'would publish' : 'published'} ${release.project} ${release.version}: ${written.length || (o.dryRun ? plan.steps.filter((s) => s.action === 'put').length : 0)} written, ${unchanged} unchanged, ${removed.length || (o.dryRun ? plan.steps.filter((s) => s.action === 'delete').length : 0)} removed${plan.removed.length ? ` (${plan.removed.length === 1 ? 'version' : 'versions'} ${plan.removed.join(', ')} left the feed)` : ''}; latest is ${plan.index.latest}`,
      );
      return { feed: store.display, version: release.version, latest: plan.index.latest, written, unchanged, removed, removedVersions: plan.removed, dropped: plan.dropped, noop: plan.noop };
    } finally {
      if (lock) await releaseLock(store, lock.record);
    }
  } finally {
    store.close?.();
  }
}

function describe(step: Step): string {
  if (step.action === 'delete') return `remove ${step.path} (${step.reason})`;
  const size = step.upload ? step.upload.size : step.bytes!.length;
  return `put ${step.path} (${step.reason}, ${sizeText(size)})`;
}

async function runStep(store: FeedStore, step: Step): Promise<void> {
  if (step.action === 'delete') await store.remove(step.path);
  else if (step.upload) await store.put(step.path, { file: step.upload.source });
  else await store.put(step.path, { bytes: step.bytes! });
}
