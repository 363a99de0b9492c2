// Signing through the loopback timestamp relay with the real osslsigncode and the local TSA
// fleet: oversized, endless and mismatched replies fail the attempt with the relay's reason and
// the next server signs, with the probe on and off; server credentials reach the server and no
// child's argv or environment. (The relay alone: test/tsa/relay.test.ts.)

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { signFiles, type SignFilesOptions } from '../../src/signing/engine.js';
import { makeSigningPlan, signWithPlan } from '../../src/signing/plan.js';
import { shippingProblems } from '../../src/signing/report.js';
import type { SigningEnv } from '../../src/signing/settings.js';
import { osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { MAX_REPLY_BYTES } from '../../src/tsa/probe.js';
import { startTimestampRelay, type RelayRoute, type TimestampRelay } from '../../src/tsa/relay.js';
import { buildTinyWindowsExe, copyOfExe } from '../fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startProcessScan } from '../support/proc-scan.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

/** What one socket read can add past the cap. */
const ONE_CHUNK = 64 * 1024;
const TOO_LARGE = /^127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply$/;

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let exe: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-sign-relay-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'healthy', name: 'healthy' },
    // Slower than the oversized one by a margin a loaded machine keeps, so the probe ranks that one first.
    { kind: 'healthy', name: 'healthy-slow', extraLatencyMs: 1500 },
    { kind: 'oversized', name: 'oversized' },
    { kind: 'oversized', name: 'oversized-after-probe', honestReplies: 1 },
    { kind: 'endless', name: 'endless' },
    { kind: 'wrong-nonce', name: 'wrong-nonce' },
    { kind: 'wrong-imprint', name: 'wrong-imprint' },
    { kind: 'hang', name: 'hang' },
  ]);
  exe = await buildTinyWindowsExe(path.join(dir, 'build'));
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A relay that remembers the routes it gave out, to see what each attempt read. */
async function watchedRelay(): Promise<{ relay: TimestampRelay; routes: RelayRoute[] }> {
  const real = await startTimestampRelay();
  const routes: RelayRoute[] = [];
  return {
    routes,
    relay: {
      route(upstream, options) {
        const route = real.route(upstream, options);
        routes.push(route);
        return route;
      },
      close: () => real.close(),
    },
  };
}

function options(files: string[], servers: string[], extra: Partial<SignFilesOptions> = {}): SignFilesOptions & { logs: string[] } {
  const logs: string[] = [];
  return {
    runner: new ToolRunner({ dryRun: false, signal: new AbortController().signal }),
    files,
    backend: 'osslsigncode',
    credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword },
    servers,
    timeoutMs: 10_000,
    retries: 0,
    backoffMs: 50,
    concurrency: 2,
    verify: { caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath },
    signal: new AbortController().signal,
    log: (line) => logs.push(line),
    logs,
    ...extra,
  };
}

async function expectVerified(file: string): Promise<void> {
  const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
  const { report } = await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 60_000 });
  expect(report.signatures[0]).toMatchObject({ signatureOk: true, timestamp: { serverSignatureOk: true } });
  expect(shippingProblems(report)).toEqual([]);
}

describe('signing through the relay (probe off)', () => {
  it('a token followed by 8 MiB fails the attempt as "more than 1 MiB"; the next server signs; the relay read at most the cap and a chunk', async () => {
    const file = await copyOfExe(exe, dir);
    const { relay, routes } = await watchedRelay();
    const healthyBefore = fleet.server('healthy').requestCount;
    const opts = options([file], [fleet.url('oversized'), fleet.url('healthy')], { relay });
    try {
      const [record] = await signFiles(opts);
      expect(record!.timestampServer).toBe(fleet.url('healthy'));
      expect(record!.attempts.map((a) => [a.server, a.outcome])).toEqual([
        [fleet.url('oversized'), 'failed'],
        [fleet.url('healthy'), 'ok'],
      ]);
      expect(record!.attempts[0]!.detail).toMatch(TOO_LARGE);
      // The progress line names the server, what happened, and the file.
      expect(opts.logs[0]).toMatch(/^app\.exe: http:\/\/127\.0\.0\.1:\d+\/ failed \(127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply\)$/);
      expect(routes.map((r) => r.requests)).toEqual([1, 1]);
      expect(routes[0]!.bytesReceived).toBeGreaterThan(MAX_REPLY_BYTES);
      expect(routes[0]!.bytesReceived).toBeLessThanOrEqual(MAX_REPLY_BYTES + ONE_CHUNK);
      expect(fleet.server('healthy').requestCount - healthyBefore).toBe(1);
      await expectVerified(file);
    } finally {
      await relay.close();
    }
  });

  it('a server that streams without end: the relay stops reading, the server sees the hang-up, the next server signs', async () => {
    const file = await copyOfExe(exe, dir);
    const endless = fleet.server('endless');
    const before = endless.requestCount;
    const [record] = await signFiles(options([file], [endless.url, fleet.url('healthy')]));
    expect(record!.timestampServer).toBe(fleet.url('healthy'));
    expect(record!.attempts[0]).toMatchObject({ server: endless.url, outcome: 'failed' });
    expect(record!.attempts[0]!.detail).toMatch(TOO_LARGE);
    expect(endless.requestCount - before).toBe(1);
    expect(await endless.requests.at(-1)!.replyEnded).toBe('client-closed');
    await expectVerified(file);
  });

  it('tokens for another request (nonce, imprint) fail their attempts; the next server signs', async () => {
    const file = await copyOfExe(exe, dir);
    const [record] = await signFiles(options([file], [fleet.url('wrong-nonce'), fleet.url('wrong-imprint'), fleet.url('healthy')]));
    expect(record!.timestampServer).toBe(fleet.url('healthy'));
    expect(record!.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'ok']);
    expect(record!.attempts[0]!.detail).toMatch(/^the time-stamp token answers a different request \(nonce\): nonce 0x[0-9A-F]+ does not match 0x[0-9A-F]+$/);
    expect(record!.attempts[1]!.detail).toMatch(/^the time-stamp token answers a different request \(imprint\): imprint [0-9a-f]{64} does not match [0-9a-f]{64}$/);
    await expectVerified(file);
  });
});

describe('signing through the relay (probe on)', () => {
  it('a server that answers the probe well and then sends 8 MiB is ranked first, fails, and the next server signs', async () => {
    const file = await copyOfExe(exe, dir);
    const infos: string[] = [];
    const warnings: string[] = [];
    const config = parseConfig(`project: {name: app, vendor: Tests}
builds: [{binary: app}]
sign:
  certificate: {pfx: ${pki.codeSigning.pfxPath}}
  verify: {caFile: ${pki.rootBundlePath}, tsaCaFile: ${pki.rootBundlePath}}
timestamp:
  servers: [${fleet.url('healthy-slow')}, ${fleet.url('oversized-after-probe')}]
  timeoutSeconds: 10
  retries: 0
  probe: true
`);
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    const env: SigningEnv = {
      config,
      runner,
      signal: new AbortController().signal,
      logger: { info: (m) => infos.push(m), warn: (m) => warnings.push(m) },
      options: { devCert: false, ioConcurrency: 2 },
      env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword },
      project: (...parts) => path.resolve(dir, ...parts),
      warn: (m) => warnings.push(m),
    };
    const plan = await makeSigningPlan(env, config.sign!);
    // Both passed the probe; the one that will misbehave answered it faster.
    expect(warnings).toEqual([]);
    expect(plan.servers).toEqual([fleet.url('oversized-after-probe'), fleet.url('healthy-slow')]);
    const [record] = await signWithPlan(env, plan, [file]);
    expect(record!.timestampServer).toBe(fleet.url('healthy-slow'));
    expect(record!.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('oversized-after-probe'), 'failed'],
      [fleet.url('healthy-slow'), 'ok'],
    ]);
    expect(record!.attempts[0]!.detail).toMatch(TOO_LARGE);
    expect(fleet.server('oversized-after-probe').requestCount).toBe(2); // the probe, then the signing request
    await expectVerified(file);
  });
});

describe('credentials in server URLs', () => {
  it('reach the server as Basic auth, and never a child\'s argv or environment', async () => {
    const auth = (name: string) => fleet.url(name).replace('http://', 'http://acct-9f8e:t0k%40en-77@');
    const secrets = ['acct-9f8e', 't0k%40en-77', 't0k@en-77', pki.codeSigning.pfxPassword];
    const file = await copyOfExe(exe, dir);
    const healthy = fleet.server('healthy');
    const hangBefore = fleet.server('hang').requestCount;
    // The hanging server first keeps an osslsigncode running for the scan to see.
    const scan = startProcessScan(process.pid);
    let records;
    try {
      records = await signFiles(options([file], [auth('hang'), auth('healthy')], { timeoutMs: 2000 }));
    } finally {
      await scan.stop();
    }
    const [record] = records;
    expect(record!.timestampServer).toBe(fleet.url('healthy'));
    expect(record!.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('hang'), 'timeout'],
      [fleet.url('healthy'), 'ok'],
    ]);
    expect(fleet.server('hang').requestCount - hangBefore).toBe(1);
    expect(fleet.server('hang').requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from('acct-9f8e:t0k@en-77').toString('base64')}`);
    expect(healthy.requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from('acct-9f8e:t0k@en-77').toString('base64')}`);

    // The scan saw at least the run stuck on the hanging server (a quick one may slip between
    // two polls), pointed at a relay route, not at the server.
    const signs = scan.seen.filter((p) => p.cmdline.startsWith('osslsigncode sign '));
    expect(signs.length).toBeGreaterThanOrEqual(1);
    for (const p of signs) {
      expect(p.cmdline).toMatch(/ -readpass - .* -ts http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32} /);
      expect(p.environ).not.toMatch(/^(http|https|no)_proxy=/im);
    }
    for (const p of scan.seen) for (const secret of secrets) expect(`${p.cmdline}\n${p.environ}`, p.cmdline).not.toContain(secret);
    for (const secret of secrets) expect(JSON.stringify(records)).not.toContain(secret);
    await expectVerified(file);
  });
});
