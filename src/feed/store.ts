import { hostname, userInfo } from 'node:os';
import { UsageError } from '../util/errors.js';

// Where a feed lives: a folder or an S3 bucket and prefix. A store is a flat map of paths (with
// "/") to bytes, plus the lock. Each implementation makes one write atomic (a folder: temp name,
// fsync, rename, fsync of the folder; S3: one PutObject); the order of writes (src/feed/plan.ts)
// makes the whole publish safe.

export interface LockRecord {
  /** user@host. */
  owner: string;
  pid: number;
  /** ISO 8601, when it was taken. */
  since: string;
  /** What holds it ("release publish 1.2.0"). */
  what: string;
  /** Random: a publisher releases only its own lock. */
  token: string;
}

export interface FeedStore {
  /** How the user named it (a folder, s3://bucket/prefix), for messages. */
  readonly display: string;
  /** Every object under the feed: path → size (the lock included). */
  list(): Promise<Map<string, number>>;
  /** The bytes of `path`, or undefined when it is not there. */
  read(path: string): Promise<Buffer | undefined>;
  /** SHA-256 of `path` (hex), streamed. */
  hash(path: string): Promise<string>;
  /** Write `path` atomically from a local file or bytes. */
  put(path: string, from: { file: string } | { bytes: Uint8Array }): Promise<void>;
  /** Copy `path` to the local file `to` (atomically). */
  download(path: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** Create the lock object only if there is none; false when another holds it. */
  createLock(record: LockRecord): Promise<boolean>;
  /** The lock held now, or undefined. */
  readLock(): Promise<LockRecord | undefined>;
  removeLock(): Promise<void>;
}

export interface S3Location {
  bucket: string;
  /** The key prefix, "" or ending in "/". */
  prefix: string;
}

/** s3://bucket/prefix → bucket and prefix; undefined for anything else. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) return undefined;
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`--feed ${url}: "${bucket}" is not an S3 bucket name (3-63 lower-case letters, digits, "." and "-")`);
  const parts = (m[2] ?? '').split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) throw new UsageError(`--feed ${url}: the prefix may not hold "." or ".." parts`);
  return { bucket, prefix: parts.length ? `${parts.join('/')}/` : '' };
}

export function isS3Url(url: string): boolean {
  return url.startsWith('s3://');
}

export function lockRecord(what: string, now: Date, token: string): LockRecord {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container): keep "unknown"
  }
  return { owner: `${user}@${hostname()}`, pid: process.pid, since: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), what, token };
}

export function parseLock(text: string): LockRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<LockRecord>;
    if (typeof r.owner === 'string' && typeof r.since === 'string' && typeof r.token === 'string') return { owner: r.owner, pid: Number(r.pid) || 0, since: r.since, what: String(r.what ?? ''), token: r.token };
  } catch {
    // not ours or damaged: shown as unknown
  }
  return undefined;
}

export function serializeLock(r: LockRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

/** "3 h 5 min", "42 s": how long a lock has been held. */
export function heldFor(since: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - new Date(since).getTime()) / 1000));
  if (Number.isNaN(s)) return 'an unknown time';
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h ${min % 60} min` : `${Math.floor(h / 24)} days`;
}
