// https:// time-stamp servers behind an HTTP proxy: CONNECT through a real proxy on loopback
// (test/support/connect-proxy.ts), TLS to the test TSA over the tunnel (the fleet with the test
// PKI's server certificate). The proxy resolves `tsa.test`; the client never does.

import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES, probeTimestampServer, requestTimestamp, selectTimestampServers } from '../../src/tsa/probe.js';
import { encodeTimeStampReq } from '../../src/tsa/request.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let proxy: ConnectProxy;
let ca: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-tunnel-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(
    pki,
    [
      { kind: 'healthy', name: 'healthy' },
      { kind: 'hang', name: 'hang' },
      { kind: 'oversized', name: 'oversized' },
    ],
    { tls: { cert: pki.tlsServer, hostname: 'tsa.test' } },
  );
  proxy = await startConnectProxy({
    answer: (authority) => (authority.startsWith('denied.test:') ? 407 : authority.startsWith('broken.test:') ? 502 : undefined),
    hang: (authority) => authority.startsWith('stuck.test:'),
  });
  ca = await readFile(pki.rootBundlePath, 'utf8');
});
afterAll(async () => {
  await proxy?.stop();
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The healthy server's URL under another host name (which the proxy also sends to 127.0.0.1). */
const as = (host: string, name = 'healthy') => fleet.url(name).replace('tsa.test', host);
const proxyHost = () => new URL(proxy.url).host;
const env = () => ({ https_proxy: proxy.url });

describe('an https:// time-stamp server behind https_proxy', () => {
  it('is probed through a CONNECT tunnel: SNI and the certificate name the server, the proxy sees only CONNECT', async () => {
    const before = proxy.connects.length;
    const server = fleet.server('healthy');
    server.resetRequests();
    const withAuth = fleet.url('healthy').replace('https://', 'https://acct:t0ken@');
    const proxyWithAuth = proxy.url.replace('http://', 'http://me:s%40fe@');
    const result = await probeTimestampServer(withAuth, { timeoutMs: 15_000, env: { https_proxy: proxyWithAuth }, ca });
    expect(result).toMatchObject({ verdict: 'ok', tsaSubject: pki.tsa.subject });
    const port = new URL(fleet.url('healthy')).port;
    expect(proxy.connects.slice(before)).toEqual([
      { authority: `tsa.test:${port}`, proxyAuthorization: `Basic ${Buffer.from('me:s@fe').toString('base64')}`, headerNames: ['host', 'user-agent', 'connection'] },
    ]);
    // Inside the tunnel: TLS with SNI tsa.test, and the server's own credentials, which the proxy never saw.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ tlsServername: 'tsa.test', authorization: `Basic ${Buffer.from('acct:t0ken').toString('base64')}` });
    expect(proxy.plainRequests).toEqual([]);
  });

  it('HTTPS_PROXY (upper case) is read too; no_proxy hosts are reached directly', async () => {
    const before = proxy.connects.length;
    expect((await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 15_000, env: { HTTPS_PROXY: proxy.url }, ca })).verdict).toBe('ok');
    expect(proxy.connects.length).toBe(before + 1);
    const direct = await probeTimestampServer(fleet.url('healthy').replace('tsa.test', '127.0.0.1'), { timeoutMs: 15_000, env: { https_proxy: proxy.url, no_proxy: '127.0.0.1' }, ca });
    expect(direct.verdict).toBe('ok');
    expect(proxy.connects.length).toBe(before + 1);
  });

  it.each([
    ['denied.test', 407, 'Proxy Authentication Required'],
    ['broken.test', 502, 'Bad Gateway'],
  ])('a proxy that answers CONNECT to %s with %d fails that server, and the next one is ranked', async (host, status, phrase) => {
    const selection = await selectTimestampServers([as(host), fleet.url('healthy')], { timeoutMs: 15_000, env: env(), ca });
    expect(selection.ranked).toEqual([fleet.url('healthy')]);
    expect(selection.failed).toHaveLength(1);
    expect(selection.failed[0]).toMatchObject({ url: as(host), verdict: 'failed', reason: 'network' });
    expect(selection.failed[0]!.detail).toBe(`proxy ${proxyHost()} refused CONNECT to ${host}:${new URL(fleet.url('healthy')).port} with HTTP ${status} ${phrase}`);
  });

  it('TLS is verified: an untrusted root and a name the certificate lacks both fail, saying so', async () => {
    const authority = `tsa.test:${new URL(fleet.url('healthy')).port}`;
    const untrusted = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 15_000, env: env() });
    expect(untrusted).toMatchObject({ verdict: 'failed', reason: 'network' });
    expect(untrusted.detail).toBe(`TLS with ${authority} through proxy ${proxyHost()} failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    const otherName = await probeTimestampServer(as('other.test'), { timeoutMs: 15_000, env: env(), ca });
    expect(otherName).toMatchObject({ verdict: 'failed', reason: 'network' });
    expect(otherName.detail).toMatch(
      new RegExp(`^TLS with other\\.test:\\d+ through proxy ${proxyHost().replace(/\./g, '\\.')} failed: Hostname/IP does not match certificate's altnames: Host: other\\.test\\. is not in the cert's altnames: DNS:tsa\\.test, DNS:localhost, IP Address:127\\.0\\.0\\.1 \\(ERR_TLS_CERT_ALTNAME_INVALID\\)$`),
    );
  });

  it('one deadline covers CONNECT, TLS and the reply: a hung proxy and a hung server both time out', async () => {
    const stuckProxy = await probeTimestampServer(as('stuck.test'), { timeoutMs: 1000, env: env(), ca });
    expect(stuckProxy).toMatchObject({ verdict: 'failed', reason: 'timeout' });
    expect(stuckProxy.detail).toBe(`stuck.test:${new URL(fleet.url('healthy')).port} (through proxy ${proxyHost()}) did not answer within 1000 ms`);
    const stuckServer = await probeTimestampServer(fleet.url('hang'), { timeoutMs: 1000, env: env(), ca });
    expect(stuckServer).toMatchObject({ verdict: 'failed', reason: 'timeout' });
    expect(fleet.server('hang').requestCount).toBeGreaterThan(0);
  });

  it('the 1 MiB reply cap holds inside the tunnel', async () => {
    const query = encodeTimeStampReq({ imprint: new Uint8Array(32), nonce: 1n, certReq: true });
    const err = await requestTimestamp(fleet.url('oversized'), query, { timeoutMs: 15_000, env: env(), ca }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'too-large' });
    expect((err as { bytesReceived: number }).bytesReceived).toBeLessThanOrEqual(MAX_REPLY_BYTES + 64 * 1024);
  });

  it('a proxy that refuses the connection, and a proxy URL that is not http://, fail with the proxy named', async () => {
    const refused = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 15_000, env: { https_proxy: 'http://127.0.0.1:9' }, ca });
    expect(refused).toMatchObject({ verdict: 'failed', reason: 'connect-refused' });
    expect(refused.detail).toBe(`proxy 127.0.0.1:9 refused the connection (for CONNECT to tsa.test:${new URL(fleet.url('healthy')).port})`);
    const socks = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 15_000, env: { https_proxy: 'socks5://127.0.0.1:1080' }, ca });
    expect(socks).toMatchObject({ verdict: 'failed', reason: 'network' });
    expect(socks.detail).toBe(`the proxy for tsa.test:${new URL(fleet.url('healthy')).port} is a socks5:// URL (127.0.0.1:1080); winship talks to proxies in plain HTTP only: give an http:// proxy URL`);
  });

  it('without a proxy, an https:// server is reached directly with the same trust', async () => {
    const direct = await probeTimestampServer(fleet.url('healthy').replace('tsa.test', '127.0.0.1'), { timeoutMs: 15_000, env: {}, ca });
    expect(direct.verdict).toBe('ok');
  });
});
