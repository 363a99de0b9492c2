import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BigIntStats } from 'node:fs';
import { contentTypeOf } from './contentType.js';
import { resolveFeedPath } from './feedPath.js';
import { parseRange, type ByteRange } from './ranges.js';

// `release serve`'s HTTP server: the files of one feed folder, read-only, as a CDN would serve
// them — GET and HEAD, single and multiple byte ranges, ETag and Last-Modified validators —
// and nothing else: no listings, no files outside the folder, no dot files.

export interface FeedServerOptions {
  /** The feed folder, through realpath (symlinks are checked against it). */
  root: string;
  /** Called once per answered request with a line such as `200 GET /releases.json 1234 bytes`. */
  log?: (line: string) => void;
}

/** Files whose bytes change from one publish to the next; everything else in a feed is immutable. */
const MUTABLE = /^(releases\.json|releases\.json\.sig|[^/]+\.appinstaller)$/;

const CHUNK = 64 * 1024;

/**
 * A strong validator from what identifies these bytes: the inode (a publish renames a new file
 * in), the size and the modification time in nanoseconds.
 */
export function etagOf(info: BigIntStats): string {
  return `"${info.ino.toString(36)}-${info.size.toString(36)}-${info.mtimeNs.toString(36)}"`;
}

/** If-None-Match's list against our tag, compared weakly (RFC 9110 §13.1.2). */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

/** If-Range: the ranges apply only to the representation it names (strong comparison, or an exact date). */
function ifRangeHolds(header: string | undefined, etag: string, lastModified: string): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  return value.startsWith('"') ? value === etag : value === lastModified;
}

export function createFeedServer(options: FeedServerOptions): Server {
  return createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      if (!res.headersSent) plain(res, 500, `internal error: ${(err as Error).message}`);
      else res.destroy();
      options.log?.(`500 ${req.method} ${req.url} ${(err as Error).message}`);
    });
  });
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): number {
  const body = Buffer.from(`${status} ${text}\n`);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
  return 0;
}

async function handle(options: FeedServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? '';
  const target = req.url ?? '';
  const done = (status: number, bytes: number) => options.log?.(`${status} ${method} ${target} ${bytes} bytes`);
  if (method !== 'GET' && method !== 'HEAD') {
    plain(res, 405, `${method} is not allowed: a feed is read with GET and HEAD`, { Allow: 'GET, HEAD' });
    return done(405, 0);
  }
  const found = await resolveFeedPath(options.root, target);
  if (!found.ok) {
    plain(res, found.status, found.status === 404 ? `not found: ${found.reason}` : `bad request: ${found.reason}`);
    return done(found.status, 0);
  }
  let file: FileHandle;
  try {
    file = await open(found.file, 'r');
  } catch {
    plain(res, 404, 'not found: the file cannot be read');
    return done(404, 0);
  }
  try {
    const info = await file.stat({ bigint: true });
    if (!info.isFile()) {
      plain(res, 404, 'not found: a folder (a feed lists its files in releases.json)');
      return done(404, 0);
    }
    const etag = etagOf(info);
    const lastModified = info.mtime.toUTCString();
    const name = found.segments.join('/');
    const validators = {
      ETag: etag,
      'Last-Modified': lastModified,
      'Cache-Control': MUTABLE.test(name) ? 'no-cache' : 'public, max-age=31536000, immutable',
    };
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const notModified = inm !== undefined ? noneMatch(inm, etag) : ims !== undefined && Number(info.mtimeMs / 1000n) * 1000 <= Date.parse(ims);
    if (notModified) {
      res.writeHead(304, validators);
      res.end();
      return done(304, 0);
    }
    const common = { ...validators, 'Accept-Ranges': 'bytes', 'X-Content-Type-Options': 'nosniff' };
    const type = contentTypeOf(name);
    const size = Number(info.size);
    const request = ifRangeHolds([req.headers['if-range']].flat()[0], etag, lastModified) ? parseRange(req.headers.range, size) : { kind: 'whole' as const };
    const body = method === 'GET';
    if (request.kind === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      res.end();
      return done(416, 0);
    }
    if (request.kind === 'whole') {
      res.writeHead(200, { ...common, 'Content-Type': type, 'Content-Length': String(size) });
      const sent = body ? await send(res, file, { start: 0, end: size - 1 }) : 0;
      res.end();
      return done(200, sent);
    }
    if (request.ranges.length === 1) {
      const range = request.ranges[0]!;
      res.writeHead(206, { ...common, 'Content-Type': type, 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) });
      const sent = body ? await send(res, file, range) : 0;
      res.end();
      return done(206, sent);
    }
    // Several ranges: multipart/byteranges, with a boundary derived from the tag and the ranges,
    // so the same request always gets the same bytes.
    const boundary = `winship-${createHash('sha256').update(`${etag} ${req.headers.range}`).digest('hex').slice(0, 24)}`;
    const heads = request.ranges.map((r) => Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`));
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const length = heads.reduce((n, h, i) => n + h.length + request.ranges[i]!.end - request.ranges[i]!.start + 1, tail.length);
    res.writeHead(206, { ...common, 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': String(length) });
    let sent = 0;
    if (body) {
      for (const [i, range] of request.ranges.entries()) {
        if (!(await write(res, heads[i]!))) break;
        sent += await send(res, file, range);
      }
      await write(res, tail);
    }
    res.end();
    return done(206, sent);
  } finally {
    await file.close();
  }
}

/** Writes, waiting for the socket to drain; false once the client has gone. */
async function write(res: ServerResponse, chunk: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const settle = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Sends bytes start..end (inclusive) of the open file; returns how many went out. */
async function send(res: ServerResponse, file: FileHandle, range: ByteRange): Promise<number> {
  let at = range.start;
  const buffer = Buffer.allocUnsafe(CHUNK);
  while (at <= range.end) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, range.end - at + 1), at);
    if (bytesRead === 0) break; // the file shrank under us: the client sees a short body and retries
    if (!(await write(res, Buffer.from(buffer.subarray(0, bytesRead))))) break;
    at += bytesRead;
  }
  return at - range.start;
}
