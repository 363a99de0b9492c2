import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRelease } from '../support/cli.js';
import { startReleaseServe, type RunningServe } from '../support/releaseServe.js';

// `release serve` over real HTTP, checked with Node's fetch and with curl: content types,
// HEAD, byte ranges, validators, and that nothing outside the feed is ever served.

let work: string;
let feed: string;
let serve: RunningServe;
const SECRET = 'outside the feed: never served\n';

/** Bytes that are the same on every run and differ at every offset. */
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed + (i >> 8)) & 0xff));

const FILES: Record<string, { data: Buffer; type: string }> = {
  'releases.json': { data: Buffer.from('{\n  "schemaVersion": 1,\n  "project": "hello",\n  "latest": "1.0.0",\n  "releases": []\n}\n'), type: 'application/json' },
  'releases.json.sig': { data: Buffer.from(`${'A'.repeat(86)}==\n`), type: 'text/plain; charset=utf-8' },
  'hello.appinstaller': { data: Buffer.from('<?xml version="1.0" encoding="utf-8"?>\n<AppInstaller/>\n'), type: 'application/appinstaller' },
  '1.0.0/hello_1.0.0_x64.msix': { data: bytes(70_000, 1), type: 'application/msix' },
  '1.0.0/hello_1.0.0.msixbundle': { data: bytes(3000, 2), type: 'application/msixbundle' },
  '1.0.0/hello_1.0.0_x64.msi': { data: bytes(5000, 3), type: 'application/x-msi' },
  '1.0.0/hello_1.0.0_checksums.txt': { data: Buffer.from('0123  hello.exe\n'), type: 'text/plain; charset=utf-8' },
  '1.0.0/hello_windows_amd64/hello.exe': { data: bytes(200_000, 4), type: 'application/octet-stream' },
  'patches/hello_0.9.0_to_1.0.0_windows_amd64.exe.patch': { data: bytes(900, 5), type: 'application/octet-stream' },
  '1.0.0/empty.bin': { data: Buffer.alloc(0), type: 'application/octet-stream' },
};
const exe = FILES['1.0.0/hello_windows_amd64/hello.exe']!.data;
const exePath = '1.0.0/hello_windows_amd64/hello.exe';

async function curl(args: string[]) {
  const r = await execa('curl', ['-sS', '--path-as-is', ...(args.includes('-I') ? [] : ['-D', '-']), ...args], { encoding: 'buffer', reject: false, stripFinalNewline: false });
  const out = Buffer.from(r.stdout);
  const split = out.indexOf('\r\n\r\n');
  const head = out.subarray(0, split).toString('latin1');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { exitCode: r.exitCode, status: Number(statusLine!.split(' ')[1]), headers, body: out.subarray(split + 4) };
}

/** A raw request (no client normalises the path): for targets fetch and curl would rewrite. */
function raw(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const url = new URL(serve.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-serve-'));
  feed = join(work, 'feed');
  for (const [path, { data }] of Object.entries(FILES)) {
    await mkdir(dirname(join(feed, path)), { recursive: true });
    await writeFile(join(feed, path), data);
  }
  await mkdir(join(work, 'outside'));
  await writeFile(join(work, 'outside', 'secret.txt'), SECRET);
  await writeFile(join(work, 'secret.txt'), SECRET);
  await writeFile(join(feed, '.winship-feed.lock'), 'a publisher holds the feed\n');
  await symlink(join(work, 'secret.txt'), join(feed, 'leak.txt'));
  await symlink(join(work, 'outside'), join(feed, 'leakdir'));
  await symlink('../secret.txt', join(feed, '1.0.0', 'relative-leak.txt'));
  await symlink('hello_1.0.0_x64.msi', join(feed, '1.0.0', 'latest.msi')); // inside the feed: served
  serve = await startReleaseServe(feed);
});
afterAll(async () => {
  await serve?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('release serve: files', () => {
  it('prints where it listens, with what the feed holds', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serve.output()).toContain(`serving ${feed} (project hello, latest 1.0.0, 0 versions) at ${serve.url}`);
  });

  it('serves every file with its content type, length and bytes (fetch)', async () => {
    for (const [path, { data, type }] of Object.entries(FILES)) {
      const r = await fetch(serve.url + path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe(type);
      expect(r.headers.get('content-length'), path).toBe(String(data.length));
      expect(r.headers.get('accept-ranges'), path).toBe('bytes');
      expect(Buffer.from(await r.arrayBuffer()).equals(data), path).toBe(true);
    }
    const linked = await fetch(`${serve.url}1.0.0/latest.msi`);
    expect(Buffer.from(await linked.arrayBuffer()).equals(FILES['1.0.0/hello_1.0.0_x64.msi']!.data)).toBe(true);
  });

  it('serves the same with curl, and tells immutable files from the index', async () => {
    const r = await curl([serve.url + exePath]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(createHash('sha256').update(r.body).digest('hex')).toBe(createHash('sha256').update(exe).digest('hex'));
    const index = await curl([`${serve.url}releases.json`]);
    expect(index.headers['content-type']).toBe('application/json');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body.toString()).toBe(FILES['releases.json']!.data.toString());
  });

  it('answers HEAD with the GET headers and no body (fetch and curl)', async () => {
    const r = await fetch(serve.url + exePath, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-length')).toBe(String(exe.length));
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
    expect((await r.arrayBuffer()).byteLength).toBe(0);
    const c = await curl(['-I', `${serve.url}1.0.0/hello_1.0.0_x64.msix`]);
    expect(c.status).toBe(200);
    expect(c.headers['content-type']).toBe('application/msix');
    expect(c.headers['content-length']).toBe('70000');
    expect(c.headers['last-modified']).toMatch(/ GMT$/);
    expect(c.body.length).toBe(0);
  });
});

describe('release serve: ranges', () => {
  it('answers a range with 206, Content-Range and exactly those bytes (fetch)', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      ['bytes=199990-', 199_990, 199_999],
      ['bytes=-10', 199_990, 199_999],
      ['bytes=150000-999999', 150_000, 199_999],
    ];
    for (const [range, start, end] of cases) {
      const r = await fetch(serve.url + exePath, { headers: { Range: range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/200000`);
      expect(r.headers.get('content-length'), range).toBe(String(end - start + 1));
      expect(Buffer.from(await r.arrayBuffer()).equals(exe.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('answers 416 with the size when no range is satisfiable (fetch and curl)', async () => {
    for (const range of ['bytes=200000-', 'bytes=300000-300010', 'bytes=-0']) {
      const r = await fetch(serve.url + exePath, { headers: { Range: range } });
      expect(r.status, range).toBe(416);
      expect(r.headers.get('content-range'), range).toBe('bytes */200000');
    }
    const empty = await fetch(`${serve.url}1.0.0/empty.bin`, { headers: { Range: 'bytes=0-' } });
    expect(empty.status).toBe(416);
    expect(empty.headers.get('content-range')).toBe('bytes */0');
    const c = await curl(['-r', '200000-200001', serve.url + exePath]);
    expect(c.status).toBe(416);
    expect(c.headers['content-range']).toBe('bytes */200000');
  });

  it('answers a range to curl -r with the bytes, and a HEAD with the range length', async () => {
    const c = await curl(['-r', '65536-131071', `${serve.url}1.0.0/hello_1.0.0_x64.msix`]);
    expect(c.status).toBe(206);
    expect(c.headers['content-range']).toBe('bytes 65536-69999/70000');
    expect(c.body.equals(FILES['1.0.0/hello_1.0.0_x64.msix']!.data.subarray(65_536))).toBe(true);
    const h = await curl(['-I', '-r', '0-9', serve.url + exePath]);
    expect(h.status).toBe(206);
    expect(h.headers['content-length']).toBe('10');
  });

  it('answers several ranges as multipart/byteranges, with each part its bytes (curl)', async () => {
    const c = await curl(['-r', '0-9,1000-1009,-5', serve.url + exePath]);
    expect(c.status).toBe(206);
    const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(c.headers['content-type']!)![1]!;
    expect(c.headers['content-length']).toBe(String(c.body.length));
    const parts = c.body.toString('latin1').split(`--${boundary}`);
    expect(parts.at(-1)).toBe('--\r\n');
    const got = parts.slice(1, -1).map((p) => {
      const [head, data] = p.split('\r\n\r\n');
      return { range: /Content-Range: (.*)/.exec(head!)![1], data: Buffer.from(data!.slice(0, -2), 'latin1') };
    });
    expect(got.map((g) => g.range)).toEqual(['bytes 0-9/200000', 'bytes 1000-1009/200000', 'bytes 199995-199999/200000']);
    expect(got[1]!.data.equals(exe.subarray(1000, 1010))).toBe(true);
    expect(got[2]!.data.equals(exe.subarray(199_995))).toBe(true);
    // The same request again: the same bytes (the boundary is derived, not random).
    expect((await curl(['-r', '0-9,1000-1009,-5', serve.url + exePath])).body.equals(c.body)).toBe(true);
  });

  it('serves the whole file for a Range it ignores (overlapping, not bytes, malformed)', async () => {
    for (const range of ['bytes=0-100,50-60', 'items=0-1', 'bytes=5-2', 'bytes=x-']) {
      const r = await fetch(serve.url + exePath, { headers: { Range: range } });
      expect(r.status, range).toBe(200);
      expect(r.headers.get('content-length'), range).toBe('200000');
      await r.arrayBuffer();
    }
  });
});

describe('release serve: validators', () => {
  it('answers If-None-Match with its ETag by 304, any other tag by 200 (fetch and curl)', async () => {
    const first = await fetch(serve.url + exePath);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(serve.url + exePath, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    expect((await fetch(serve.url + exePath, { headers: { 'If-None-Match': `"other", W/${etag}` } })).status).toBe(304);
    const other = await fetch(serve.url + exePath, { headers: { 'If-None-Match': '"other"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const c = await curl(['-H', `If-None-Match: ${etag}`, serve.url + exePath]);
    expect(c.status).toBe(304);
    expect(c.body.length).toBe(0);
    const since = await curl(['-H', `If-Modified-Since: ${first.headers.get('last-modified')}`, serve.url + exePath]);
    expect(since.status).toBe(304);
  });

  it('gives a new ETag when a file is replaced (a publish renames a new releases.json in)', async () => {
    const before = (await fetch(`${serve.url}releases.json`, { method: 'HEAD' })).headers.get('etag');
    await writeFile(join(feed, 'releases.json.new'), FILES['releases.json']!.data);
    await execa('mv', [join(feed, 'releases.json.new'), join(feed, 'releases.json')]);
    const after = (await fetch(`${serve.url}releases.json`, { method: 'HEAD' })).headers.get('etag');
    expect(after).not.toBe(before);
  });

  it('applies a Range only while If-Range still names the file', async () => {
    const etag = (await fetch(serve.url + exePath, { method: 'HEAD' })).headers.get('etag')!;
    const same = await fetch(serve.url + exePath, { headers: { Range: 'bytes=0-3', 'If-Range': etag } });
    expect(same.status).toBe(206);
    await same.arrayBuffer();
    const changed = await fetch(serve.url + exePath, { headers: { Range: 'bytes=0-3', 'If-Range': '"an-older-one"' } });
    expect(changed.status).toBe(200);
    expect((await changed.arrayBuffer()).byteLength).toBe(200_000);
  });
});

describe('release serve: never outside the feed', () => {
  it('refuses ".." and encoded dots, slashes, backslashes, colons and NUL with 400', async () => {
    for (const path of ['/../secret.txt', '/1.0.0/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/1.0.0/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/releases.json%00.txt', '/C:%5cWindows', '/%', '/a/./releases.json']) {
      const r = await raw(path);
      expect(r.status, path).toBe(400);
      expect(r.body, path).not.toContain('never served');
    }
    const c = await curl([`${serve.url}../secret.txt`]);
    expect(c.status).toBe(400);
  });

  it('does not follow a link out of the feed, nor serve dot files, folders or the root (404)', async () => {
    for (const path of ['/leak.txt', '/leakdir/secret.txt', '/1.0.0/relative-leak.txt', '/.winship-feed.lock', '/1.0.0', '/1.0.0/', '/', '/patches/', '/missing.json', '//releases.json']) {
      const r = await raw(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('never served');
      expect(r.body, path).not.toContain('hello_');
    }
  });

  it('answers other methods with 405 and Allow', async () => {
    const r = await fetch(`${serve.url}releases.json`, { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    expect((await raw('/releases.json', 'DELETE')).status).toBe(405);
  });

  it('logs one line per request', () => {
    expect(serve.output()).toContain(`200 GET /${exePath} 200000 bytes`);
    expect(serve.output()).toContain('400 GET /../secret.txt 0 bytes');
  });
});

describe('release serve: the command', () => {
  it('refuses a folder that is not a feed, a missing one, and a bad port, saying what to do', async () => {
    const notFeed = join(work, 'outside');
    const r = await runRelease(['serve', '--feed', notFeed, '--port', '0'], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--feed ${notFeed}: not a feed: it has no releases.json (release publish --feed ${notFeed} writes one`);
    const missing = await runRelease(['serve', '--feed', 'nowhere'], { cwd: work });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--feed nowhere: no such folder');
    const port = await runRelease(['serve', '--feed', feed, '--port', '70000'], { cwd: work });
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toContain('--port 70000: not a port');
    expect((await runRelease(['serve'], { cwd: work })).stderr).toContain('release serve needs --feed DIR');
  });

  it('says so when the port is taken', async () => {
    const port = new URL(serve.url).port;
    const r = await runRelease(['serve', '--feed', feed, '--port', port], { cwd: work });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use; choose another with --port, or --port 0 for a free one`);
  });

  it('stops on SIGTERM, also with a keep-alive connection open', async () => {
    const other = await startReleaseServe(feed);
    const r = await fetch(`${other.url}releases.json`); // undici keeps the connection open
    await r.arrayBuffer();
    const stopped = await other.stop();
    expect(stopped.stdout).toMatch(/stopped\n$/);
    expect(stopped.stderr).toContain('SIGTERM: stopping…');
    expect(stopped.exitCode).toBe(143);
  });

  it('stops on Ctrl-C (SIGINT) with the shell\'s exit code for it', async () => {
    const other = await startReleaseServe(feed);
    const stopped = await other.stop('SIGINT');
    expect(stopped.stdout).toMatch(/press Ctrl-C to stop\nstopped\n$/);
    expect(stopped.exitCode).toBe(130);
  });
});
