// Without roots from the caller, an https:// time-stamp server is trusted as osslsigncode would
// trust it: the system bundle OpenSSL reads (here SSL_CERT_FILE names the test root, which
// Node's own bundled roots do not hold), on top of Node's. Its own file: the trust is built once
// per process, on the first https request.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTimestampServer } from '../../src/tsa/probe.js';
import { systemBundleCandidates } from '../../src/tsa/trust.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let proxy: ConnectProxy;
const original = process.env.SSL_CERT_FILE;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-trust-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'healthy' }], { tls: { cert: pki.tlsServer, hostname: 'tsa.test' } });
  proxy = await startConnectProxy();
  process.env.SSL_CERT_FILE = pki.rootBundlePath;
});
afterAll(async () => {
  if (original === undefined) delete process.env.SSL_CERT_FILE;
  else process.env.SSL_CERT_FILE = original;
  await proxy?.stop();
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the roots https:// time-stamp servers are checked against', () => {
  it('include the system bundle (SSL_CERT_FILE first), through a tunnel and directly', async () => {
    expect(systemBundleCandidates({ SSL_CERT_FILE: '/x.pem' })[0]).toBe('/x.pem');
    expect(systemBundleCandidates({})).toContain('/etc/ssl/certs/ca-certificates.crt');
    const tunnelled = await probeTimestampServer(fleet.url('healthy'), { timeoutMs: 15_000, env: { https_proxy: proxy.url } });
    expect(tunnelled).toMatchObject({ verdict: 'ok' });
    const direct = await probeTimestampServer(fleet.url('healthy').replace('tsa.test', '127.0.0.1'), { timeoutMs: 15_000, env: {} });
    expect(direct).toMatchObject({ verdict: 'ok' });
  });
});
