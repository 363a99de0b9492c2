// The loopback timestamp relay against the local TSA fleet, with a plain HTTP client standing in
// for the signing tool: what it passes through, what it refuses and why, how much it reads, and
// that it keeps credentials and leaves nothing listening. (With the real osslsigncode:
// test/sign/relay.test.ts.)

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES, probeTimestampServer } from '../../src/tsa/probe.js';
import { startTimestampRelay, type TimestampRelay } from '../../src/tsa/relay.js';
import { buildTimeStampReq, nonceToBigInt, parseTimeStampResp } from '../../src/tsa/rfc3161.js';
import { repoRoot } from '../support/paths.js';
import { createTestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

/** What one socket read can add past the cap: Node reads a socket 64 KiB at a time. */
const ONE_CHUNK = 64 * 1024;

let dir: string;
let fleet: TsaFleet;
let relay: TimestampRelay;
const never = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-relay-'));
  fleet = await startTsaFleet(await createTestPki(path.join(dir, 'pki')), [
    { kind: 'healthy', name: 'healthy' },
    { kind: 'oversized', name: 'oversized-after-probe', honestReplies: 1 },
    { kind: 'endless', name: 'endless' },
    { kind: 'wrong-nonce', name: 'wrong-nonce' },
    { kind: 'wrong-imprint', name: 'wrong-imprint' },
    { kind: 'no-eku', name: 'no-eku' },
    { kind: 'http500', name: 'http500' },
    { kind: 'garbage', name: 'garbage' },
    { kind: 'hang', name: 'hang' },
  ]);
  relay = await startTimestampRelay();
});
afterAll(async () => {
  await relay?.close();
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/** POST as a signing tool does. */
function post(url: string, body: Uint8Array, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'Content-Type': 'application/timestamp-query' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(Buffer.from(body));
  });
}

function query() {
  const imprint = new Uint8Array(randomBytes(32));
  const nonce = nonceToBigInt(randomBytes(8));
  return { imprint, nonce, der: buildTimeStampReq({ imprint, nonce, certReq: true }) };
}

const routeTo = (upstream: string, timeoutMs = 10_000) => relay.route(upstream, { signal: never, timeoutMs });

describe('the timestamp relay', () => {
  it('passes a good reply through byte for byte, and serves a route once', async () => {
    const route = routeTo(fleet.url('healthy'));
    expect(route.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    const q = query();
    const answer = await post(route.url, q.der);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/timestamp-reply');
    const token = parseTimeStampResp(answer.body).token!;
    expect(Buffer.from(token.tstInfo.imprint).equals(Buffer.from(q.imprint))).toBe(true);
    expect(token.tstInfo.nonce).toBe(q.nonce);
    expect(route).toMatchObject({ requests: 1, failure: undefined, bytesReceived: answer.body.byteLength });

    // One request per route (a tool sends one per server); other paths and methods: nothing.
    const before = fleet.server('healthy').requestCount;
    expect((await post(route.url, query().der)).status).toBe(404);
    const port = new URL(route.url).port;
    expect((await post(`http://127.0.0.1:${port}/${'0'.repeat(32)}`, query().der)).status).toBe(404);
    const other = routeTo(fleet.url('healthy'));
    expect((await post(other.url, query().der, 'PUT')).status).toBe(404);
    other.close();
    expect((await post(other.url, query().der)).status).toBe(404);
    expect(fleet.server('healthy').requestCount).toBe(before);
    route.close();
  });

  it('a server that passed the probe and then sends a token and 8 MiB: refused after reading at most the cap and one chunk', async () => {
    const server = fleet.server('oversized-after-probe');
    // The first request gets an honest reply: the probe passes.
    expect((await probeTimestampServer(server.url, { timeoutMs: 10_000 })).verdict).toBe('ok');
    const route = routeTo(server.url);
    const answer = await post(route.url, query().der);
    expect(answer.status).toBe(502);
    expect(answer.body.toString()).toMatch(/^winship timestamp relay: 127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply\n$/);
    expect(route.failure).toMatch(/^127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply$/);
    expect(route.bytesReceived).toBeGreaterThan(MAX_REPLY_BYTES);
    expect(route.bytesReceived).toBeLessThanOrEqual(MAX_REPLY_BYTES + ONE_CHUNK);
    route.close();
  });

  it('a server that streams without end: the relay stops reading and hangs up', async () => {
    const server = fleet.server('endless');
    const route = routeTo(server.url);
    const answer = await post(route.url, query().der);
    expect(answer.status).toBe(502);
    expect(route.failure).toMatch(/sent more than 1 MiB/);
    expect(route.bytesReceived).toBeLessThanOrEqual(MAX_REPLY_BYTES + ONE_CHUNK);
    // The server only stops when its client goes away: that it stopped proves we did.
    const record = server.requests.at(-1)!;
    expect(await record.replyEnded).toBe('client-closed');
    // What it managed to write is what the kernel's socket buffers took, not an endless stream.
    expect(record.sentBytes).toBeLessThan(64 * 1024 * 1024);
    route.close();
  });

  it('a declared Content-Length over the cap fails before the body is read', async () => {
    const sockets = new Set<Socket>();
    const liar = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': String(2 * MAX_REPLY_BYTES) });
      res.write(Buffer.alloc(16)); // and then nothing: a reader that waited for the body would hang
    });
    liar.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => liar.listen(0, '127.0.0.1', resolve));
    try {
      const route = routeTo(`http://127.0.0.1:${(liar.address() as AddressInfo).port}/`, 60_000);
      const answer = await post(route.url, query().der);
      expect(answer.status).toBe(502);
      expect(route.failure).toMatch(/sent more than 1 MiB/);
      expect(route.bytesReceived).toBe(0);
      route.close();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => liar.close(resolve));
    }
  });

  it.each([
    ['wrong-nonce', /^the time-stamp token answers a different request \(nonce\): nonce 0x[0-9A-F]+ does not match 0x[0-9A-F]+$/],
    ['wrong-imprint', /^the time-stamp token answers a different request \(imprint\): imprint [0-9a-f]{64} does not match [0-9a-f]{64}$/],
    ['no-eku', /^the time-stamp server's certificate is not valid for timestamping: the signer certificate has no extendedKeyUsage extension/],
    ['http500', /^the server answered HTTP 500 Internal Server Error$/],
    ['garbage', /^the reply \(256 bytes\) is not a TimeStampResp: /],
  ])('refuses the reply of a %s server with HTTP 502 and says why', async (name, why) => {
    const route = routeTo(fleet.url(name));
    const answer = await post(route.url, query().der);
    expect(answer.status).toBe(502);
    expect(route.failure).toMatch(why);
    route.close();
  });

  it('checks the nonce only when the tool sent one', async () => {
    // openssl ts -query -no_nonce: a request without a nonce, answered without one.
    const file = path.join(dir, 'no-nonce.tsq');
    await execa('openssl', ['ts', '-query', '-digest', randomBytes(32).toString('hex'), '-sha256', '-no_nonce', '-cert', '-out', file]);
    const route = routeTo(fleet.url('healthy'));
    const answer = await post(route.url, new Uint8Array(await readFile(file)));
    expect(answer.status).toBe(200);
    expect(parseTimeStampResp(answer.body).token!.tstInfo.nonce).toBeUndefined();
    route.close();
  });

  it('sends nothing upstream for a request that is not a TimeStampReq', async () => {
    const before = fleet.server('healthy').requestCount;
    const route = routeTo(fleet.url('healthy'));
    expect((await post(route.url, new Uint8Array(randomBytes(40)))).status).toBe(502);
    expect(route.failure).toMatch(/^the signing tool's request is not a time-stamp request \(.+\); nothing was sent to the server$/);
    const big = routeTo(fleet.url('healthy'));
    await post(big.url, new Uint8Array(128 * 1024)).catch(() => undefined); // the relay may hang up mid-upload
    expect(big.failure).toMatch(/more than 64 KiB/);
    expect(fleet.server('healthy').requestCount).toBe(before);
    route.close();
    big.close();
  });

  it('gives the server the URL\'s credentials; the route URL carries none', async () => {
    const server = fleet.server('healthy');
    const route = routeTo(server.url.replace('http://', 'http://acct-9f8e:t0k%40en-77@'));
    expect(route.url).not.toMatch(/acct|t0k/);
    expect((await post(route.url, query().der)).status).toBe(200);
    expect(server.requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from('acct-9f8e:t0k@en-77').toString('base64')}`);
    route.close();
  });

  it('an attempt that ends (its deadline) stops the upstream exchange and hangs up on the tool', async () => {
    const server = fleet.server('hang');
    const before = server.requestCount;
    const attempt = new AbortController();
    const route = relay.route(server.url, { signal: attempt.signal, timeoutMs: 60_000 });
    const answer = post(route.url, query().der);
    while (server.requestCount === before) await new Promise((resolve) => setTimeout(resolve, 20));
    attempt.abort();
    await expect(answer).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await server.requests.at(-1)!.replyEnded).toBe('client-closed');
    // Not the server's failure: the attempt was stopped (failover calls that a timeout).
    expect(route.failure).toBeUndefined();
    route.close();
  });

  it('close() drops live exchanges and stops listening', async () => {
    const own = await startTimestampRelay();
    const server = fleet.server('hang');
    const before = server.requestCount;
    const route = own.route(server.url, { signal: never, timeoutMs: 60_000 });
    const answer = post(route.url, query().der);
    while (server.requestCount === before) await new Promise((resolve) => setTimeout(resolve, 20));
    await own.close();
    await expect(answer).rejects.toThrow();
    expect(await server.requests.at(-1)!.replyEnded).toBe('client-closed');
    await expect(post(route.url, query().der)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(() => own.route(server.url, { signal: never, timeoutMs: 1000 })).toThrow(/closed/);
  });

  it('a relay nobody closed does not keep the process alive', async () => {
    // The compiled module (npm run build / tsc -p tsconfig.build.json), as the CLI runs it.
    const script = `import { startTimestampRelay } from ${JSON.stringify(path.join(repoRoot, 'lib', 'tsa', 'relay.js'))}; const r = await startTimestampRelay(); console.log(r.route('http://127.0.0.1:9/', { signal: new AbortController().signal, timeoutMs: 1000 }).url);`;
    const run = await execa(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}$/);
    expect(run.timedOut).toBe(false);
  });
});
