// Signing with an https:// time-stamp server behind an HTTP proxy, end to end: the real
// osslsigncode asks the loopback relay, the relay tunnels to the TSA through a real CONNECT proxy
// (test/support/connect-proxy.ts) and checks the reply, `osslsigncode verify` accepts the result.
// A server the proxy refuses fails its attempt with the proxy's answer, and the next one signs.

import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFiles } from '../../src/signing/engine.js';
import { shippingProblems } from '../../src/signing/report.js';
import { osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { startTimestampRelay } from '../../src/tsa/relay.js';
import { buildTinyWindowsExe, pfxSignOptions } from '../fixtures/sign/support.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let proxy: ConnectProxy;
let exe: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-sign-https-proxy-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'healthy' }], { tls: { cert: pki.tlsServer, hostname: 'tsa.test' } });
  proxy = await startConnectProxy({ answer: (authority) => (authority.startsWith('denied.test:') ? 407 : undefined) });
  exe = await buildTinyWindowsExe(path.join(dir, 'build'));
});
afterAll(async () => {
  await proxy?.stop();
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('signing with an https:// time-stamp server behind https_proxy', () => {
  it('tunnels through the proxy, fails over from a server the proxy refuses, and the signature verifies', async () => {
    const folder = path.join(dir, 'case');
    await mkdir(folder);
    const file = path.join(folder, 'app.exe');
    await copyFile(exe, file);
    const healthy = fleet.url('healthy');
    const denied = healthy.replace('tsa.test', 'denied.test');
    const proxyWithAuth = proxy.url.replace('http://', 'http://ci:pr0xy-s3cret@');
    const relay = await startTimestampRelay({ env: { https_proxy: proxyWithAuth }, ca: await readFile(pki.rootBundlePath, 'utf8') });
    const logs: string[] = [];
    const commands: string[] = [];
    try {
      const [record] = await signFiles(
        pfxSignOptions(
          { file, pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword, servers: [denied, healthy], roots: pki.rootBundlePath },
          { runner: new ToolRunner({ dryRun: false, signal: new AbortController().signal, onCommand: (line) => commands.push(line) }), relay, log: (line) => logs.push(line) },
        ),
      );
      const port = new URL(healthy).port;
      expect(record!.timestampServer).toBe(healthy);
      expect(record!.attempts.map((a) => [a.server, a.outcome, a.outcome === 'ok' ? '' : a.detail])).toEqual([
        [denied, 'failed', `proxy ${new URL(proxy.url).host} refused CONNECT to denied.test:${port} with HTTP 407 Proxy Authentication Required`],
        [healthy, 'ok', ''],
      ]);
      expect(proxy.connects.map((c) => c.authority)).toEqual([`denied.test:${port}`, `tsa.test:${port}`]);
      expect(fleet.server('healthy').requests.map((r) => r.tlsServername)).toEqual(['tsa.test']);
    } finally {
      await relay.close();
    }
    // The proxy's credentials went only in Proxy-Authorization: never in a command, log or record.
    expect(proxy.connects.every((c) => c.proxyAuthorization === `Basic ${Buffer.from('ci:pr0xy-s3cret').toString('base64')}`)).toBe(true);
    for (const text of [...commands, ...logs]) expect(text).not.toContain('pr0xy-s3cret');
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    const { report } = await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 60_000 });
    expect(report.signatures[0]).toMatchObject({ signatureOk: true, timestamp: { serverSignatureOk: true } });
    expect(shippingProblems(report)).toEqual([]);
  });
});
