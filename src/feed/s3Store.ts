import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { faultPoint } from '../util/faults.js';
import { sha256Stream } from './folderStore.js';
import { FEED_LOCK } from './model.js';
import { parseLock, serializeLock, type FeedStore, type LockRecord, type S3Location } from './store.js';

// A feed in an S3 bucket (AWS, or an S3-compatible server: SeaweedFS, MinIO, R2…), through the AWS
// SDK for JavaScript v3. Endpoint, region and credentials come from where the SDK looks for them
// (AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_PROFILE and ~/.aws/…); --s3-endpoint names an endpoint on the command line. Each object is
// one PutObject, which S3 makes visible whole or not at all. The lock is created with a
// conditional write (If-None-Match: *): of two publishers, exactly one gets it.

export interface S3Options {
  /** --s3-endpoint, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (the SDK's own variables). */
  endpoint?: string;
  /** Path-style addressing (http://host/bucket/key): default for an endpoint on an IP address or localhost. */
  pathStyle?: boolean;
  env?: NodeJS.ProcessEnv;
}

const CONTENT_TYPES: Record<string, string> = {
  msix: 'application/msix',
  msixbundle: 'application/msixbundle',
  appinstaller: 'application/appinstaller',
  msi: 'application/x-msi',
  exe: 'application/vnd.microsoft.portable-executable',
  zip: 'application/zip',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  sig: 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** What a CDN may keep: a version's files never change; the index, signature and .appinstaller files do. */
export function cacheControlOf(path: string): string {
  return path.includes('/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isMissing = (err: unknown) => statusOf(err) === 404 || ['NoSuchKey', 'NotFound'].includes((err as Error).name);

export class S3Store implements FeedStore {
  readonly display: string;
  private constructor(
    private readonly client: S3Client,
    private readonly sdk: typeof import('@aws-sdk/client-s3'),
    private readonly where: S3Location,
    readonly endpoint: string | undefined,
  ) {
    this.display = `s3://${where.bucket}/${where.prefix}`;
  }

  static async open(where: S3Location, options: S3Options = {}): Promise<S3Store> {
    // The SDK warns on stderr that its releases after January 2027 need Node 22: not ours to act on.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = await import('@aws-sdk/client-s3');
    const env = options.env ?? process.env;
    const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    if (endpoint !== undefined) {
      let url: URL;
      try {
        url = new URL(endpoint);
      } catch {
        throw new UsageError(`the S3 endpoint "${endpoint}" is not a URL; give one like https://s3.example.com or http://127.0.0.1:8333`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the S3 endpoint ${endpoint} must be http:// or https://`);
    }
    const host = endpoint ? new URL(endpoint).hostname.replace(/^\[|\]$/g, '') : '';
    const pathStyle = options.pathStyle ?? (endpoint !== undefined && (isIP(host) !== 0 || host === 'localhost'));
    const client = new sdk.S3Client({
      ...(endpoint ? { endpoint } : {}),
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: pathStyle,
      // S3-compatible servers differ on the newer default checksums: send them only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      followRegionRedirects: true,
      maxAttempts: 4,
    });
    return new S3Store(client, sdk, where, endpoint);
  }

  private key(path: string): string {
    return `${this.where.prefix}${path}`;
  }

  /** An SDK failure as the user reads it: which object, what S3 said, what to check. */
  private fail(what: string, path: string, err: unknown): never {
    const e = err as Error & { Code?: string };
    const status = statusOf(err);
    const hint =
      status === 403 || e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch'
        ? ': check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and that they may write this bucket'
        : e.name === 'NoSuchBucket'
          ? `: create the bucket ${this.where.bucket} first`
          : e.name === 'CredentialsProviderError'
            ? ': no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)'
            : (e as NodeJS.ErrnoException).code === 'ECONNREFUSED'
              ? `: nothing answers at ${this.endpoint ?? 'the S3 endpoint'}; check --s3-endpoint or AWS_ENDPOINT_URL`
              : '';
    throw new UsageError(`${what} ${this.display}${path}: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}${hint}`);
  }

  async list(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let token: string | undefined;
    do {
      const r = await this.client
        .send(new this.sdk.ListObjectsV2Command({ Bucket: this.where.bucket, Prefix: this.where.prefix, ContinuationToken: token }))
        .catch((err: unknown) => this.fail('cannot list', '', err));
      for (const o of r.Contents ?? []) if (o.Key) out.set(o.Key.slice(this.where.prefix.length), o.Size ?? 0);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async read(path: string): Promise<Buffer | undefined> {
    try {
      const r = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (err) {
      if (isMissing(err)) return undefined;
      return this.fail('cannot read', path, err);
    }
  }

  async hash(path: string): Promise<string> {
    const r = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) })).catch((err: unknown) => this.fail('cannot read', path, err));
    return sha256Stream(r.Body as AsyncIterable<Uint8Array>);
  }

  async put(path: string, from: { file: string } | { bytes: Uint8Array }): Promise<void> {
    const body = 'file' in from ? createReadStream(from.file) : from.bytes;
    const length = 'file' in from ? (await stat(from.file)).size : from.bytes.length;
    await faultPoint(`feed put ${path}`);
    await this.client
      .send(new this.sdk.PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(path), Body: body, ContentLength: length, ContentType: contentTypeOf(path), CacheControl: cacheControlOf(path) }))
      .catch((err: unknown) => this.fail('cannot write', path, err));
  }

  async download(path: string, to: string): Promise<void> {
    const bytes = await this.read(path);
    if (bytes === undefined) throw new UsageError(`${this.display}${path} is named by the feed's releases.json but not there: the feed is damaged; publish that version again`);
    await writeFileAtomic(to, bytes);
  }

  async remove(path: string): Promise<void> {
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.where.bucket, Key: this.key(path) })).catch((err: unknown) => this.fail('cannot remove', path, err));
  }

  async createLock(record: LockRecord): Promise<boolean> {
    try {
      await this.client.send(
        new this.sdk.PutObjectCommand({ Bucket: this.where.bucket, Key: this.key(FEED_LOCK), Body: serializeLock(record), ContentType: 'application/json', CacheControl: 'no-cache', IfNoneMatch: '*' }),
      );
    } catch (err) {
      // 412: there is one. 409 (ConditionalRequestConflict): another writer raced us for it.
      if (statusOf(err) === 412 || statusOf(err) === 409) return false;
      return this.fail('cannot create the lock', FEED_LOCK, err);
    }
    // Read back: a server that ignored If-None-Match would let a second writer replace it.
    const held = await this.readLock();
    return held?.token === record.token;
  }

  async readLock(): Promise<LockRecord | undefined> {
    const text = await this.read(FEED_LOCK);
    if (text === undefined) return undefined;
    return parseLock(text.toString('utf8')) ?? { owner: 'unknown (the lock object is damaged)', pid: 0, since: '', what: '', token: '' };
  }

  async removeLock(): Promise<void> {
    await this.remove(FEED_LOCK);
  }

  close(): void {
    this.client.destroy();
  }
}
