// The probe takes the route the signing tool takes: proxy settings from the environment, here
// through a real local proxy. (Which proxy a URL takes, proxyFor: test/unit/tsa/proxy.test.ts.)

import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTimestampServer } from '../../src/tsa/probe.js';
import { createTestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

describe('probeTimestampServer through a proxy', () => {
  let dir: string;
  let fleet: TsaFleet;
  let proxy: http.Server;
  let proxyUrl: string;
  const seen: string[] = [];
  const authSeen: Array<string | undefined> = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'winship-proxy-'));
    fleet = await startTsaFleet(await createTestPki(path.join(dir, 'pki')), [{ kind: 'healthy', name: 'healthy' }]);
    // A forward proxy: takes absolute-form requests and passes them on.
    proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} auth=${req.headers['proxy-authorization'] ?? '-'}`);
      authSeen.push(req.headers.authorization);
      const { 'proxy-authorization': _auth, ...headers } = req.headers;
      const upstream = http.request(req.url!, { method: req.method, headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await fleet?.stop();
    await new Promise((resolve) => proxy?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('goes through http_proxy (with its credentials), or directly for no_proxy hosts', async () => {
    const before = fleet.server('healthy').requestCount;
    const via = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 5000, env: { http_proxy: proxyUrl.replace('http://', 'http://me:s%40fe@') } });
    expect(via.verdict).toBe('ok');
    expect(seen).toEqual([`POST ${fleet.url('healthy')} auth=Basic ${Buffer.from('me:s@fe').toString('base64')}`]);
    const direct = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 5000, env: { http_proxy: proxyUrl, no_proxy: '127.0.0.1' } });
    expect(direct.verdict).toBe('ok');
    expect(seen).toHaveLength(1);
    expect(fleet.server('healthy').requestCount - before).toBe(2);
  });

  it('keeps the server\'s own credentials out of the request line sent to the proxy', async () => {
    seen.length = 0;
    const withAuth = fleet.url('healthy').replace('http://', 'http://acct:t0ken@');
    const result = await probeTimestampServer(withAuth, { timeoutMs: 5000, env: { http_proxy: proxyUrl } });
    expect(result.verdict).toBe('ok');
    expect(seen).toEqual([`POST ${fleet.url('healthy')} auth=-`]);
    expect(authSeen.at(-1)).toBe(`Basic ${Buffer.from('acct:t0ken').toString('base64')}`);
  });

  it('a proxy that cannot be reached fails the server, as it would fail signing', async () => {
    const result = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 5000, env: { http_proxy: 'http://127.0.0.1:9' } });
    expect(result).toMatchObject({ verdict: 'failed', reason: 'connect-refused' });
    expect(result.detail).toMatch(/^127\.0\.0\.1:\d+ \(through proxy 127\.0\.0\.1:9\) refused the connection$/);
  });
});
