// The probe against a fleet of local time-stamp servers (one per failure mode), the ranking,
// and osslsigncode signing with the same fleet and test PKI.

import { getEventListeners } from 'node:events';
import { access, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/util/errors.js';
import {
  TsaTransportError,
  probeTimestampServer,
  requestTimestamp,
  selectTimestampServers,
} from '../../src/tsa/probe.js';
import { buildTimeStampReq, parseTimeStampResp, type TsaFailure } from '../../src/tsa/rfc3161.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { ALL_TSA_KINDS, startTsaFleet, type TsaFleet, type TsaKind } from '../support/tsa-fleet.js';
import { warningsDuring } from '../support/warnings.js';
import { buildTinyWindowsExe } from '../fixtures/sign/support.js';

const SLOW_DELAY_MS = 800;
const TSA_SUBJECT = 'CN=Winship Test TSA, O=Winship Tests';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let helloExe: string;

/** One server per kind, named after the kind; plus a second healthy one that is 600 ms slower. */
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-probe-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [
    ...ALL_TSA_KINDS.map((kind) => ({ kind, name: kind, ...(kind === 'slow' ? { delayMs: SLOW_DELAY_MS } : {}) })),
    { kind: 'healthy', name: 'healthy-plus-600', extraLatencyMs: 600 },
  ]);
  helloExe = await buildTinyWindowsExe(path.join(dir, 'hello'));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function url(name: string): string {
  return fleet.url(name);
}

// ---------------------------------------------------------------------------------------------

describe('probeTimestampServer', () => {
  const expected: Array<[TsaKind, TsaFailure, string | RegExp]> = [
    ['http500', 'http-status', 'HTTP 500 Internal Server Error'],
    ['garbage', 'bad-der', /^the reply \(256 bytes\) is not a TimeStampResp: /],
    ['wrong-content-type', 'content-type', 'Content-Type is "application/octet-stream", not application/timestamp-reply'],
    ['wrong-nonce', 'nonce-mismatch', /^nonce 0x[0-9A-F]+ does not match 0x[0-9A-F]+$/],
    ['wrong-imprint', 'imprint-mismatch', /^imprint [0-9a-f]{64} does not match [0-9a-f]{64}$/],
    ['rejection', 'rejected', 'status 2 (rejection): "bad request" [badRequest]'],
    ['no-eku', 'missing-eku', 'the signer certificate has no extendedKeyUsage extension (RFC 3161 §2.3)'],
    ['refused', 'connect-refused', /^127\.0\.0\.1:\d+ refused the connection$/],
    ['clock-ahead', 'clock-skew', /^genTime \S+ is .* ahead of our clock \S+ \(tolerance 5 min\)$/],
    // A correct token followed by 8 MiB, or by zeros without end: the probe reads at most 1 MiB.
    ['oversized', 'too-large', /^127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply$/],
    ['endless', 'too-large', /^127\.0\.0\.1:\d+ sent more than 1 MiB; not a time-stamp reply$/],
  ];

  it.each(expected)('classifies a %s server as %s', async (kind, reason, detail) => {
    const before = fleet.server(kind).requestCount;
    const result = await probeTimestampServer(url(kind), { timeoutMs: 5000 });
    expect(result).toMatchObject({ url: url(kind), verdict: 'failed', reason });
    if (typeof detail === 'string') expect(result.detail).toBe(detail);
    else expect(result.detail).toMatch(detail);
    expect(result.tsaSubject).toBeUndefined();
    // Every server but the closed port saw exactly this one request.
    expect(fleet.server(kind).requestCount - before).toBe(kind === 'refused' ? 0 : 1);
  });

  it('accepts a healthy server and reports its subject, genTime and latency', async () => {
    const started = Date.now();
    const startedMs = performance.now();
    const result = await probeTimestampServer(url('healthy'), { timeoutMs: 5000 });
    expect(result).toMatchObject({ url: url('healthy'), verdict: 'ok', tsaSubject: TSA_SUBJECT });
    expect(result.reason).toBeUndefined();
    expect(result.detail).toBeUndefined();
    expect(Math.abs(result.genTime!.getTime() - started)).toBeLessThan(60_000);
    expect(result.latencyMs).toBeGreaterThan(0);
    // Measured inside the call (on the same clock; latencyMs is rounded).
    expect(result.latencyMs).toBeLessThanOrEqual(Math.round(performance.now() - startedMs));
  });

  it('accepts a slow server and measures its delay', async () => {
    const result = await probeTimestampServer(url('slow'), { timeoutMs: 5000 });
    expect(result.verdict).toBe('ok');
    expect(result.latencyMs).toBeGreaterThanOrEqual(SLOW_DELAY_MS);
  });

  it('gives up on a hanging server with "timeout" within timeoutMs', async () => {
    const before = fleet.server('hang').requestCount;
    const started = performance.now();
    const result = await probeTimestampServer(url('hang'), { timeoutMs: 700 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ verdict: 'failed', reason: 'timeout' });
    expect(result.detail).toMatch(/^127\.0\.0\.1:\d+ did not answer within 700 ms$/);
    // Real time: a real socket to a server that never answers. Not before the deadline (a
    // timer may fire a millisecond early by performance.now), and not for ever: the upper
    // bound is wide on purpose, a loaded machine runs the timer late.
    expect(elapsed).toBeGreaterThanOrEqual(695);
    expect(elapsed).toBeLessThan(30_000);
    expect(result.latencyMs).toBeGreaterThanOrEqual(695);
    // The server got (and read) the request: the hang is after the request, as with real TSAs.
    expect(fleet.server('hang').requestCount - before).toBe(1);
  });

  it('times out a slow server when its delay exceeds timeoutMs', async () => {
    const result = await probeTimestampServer(url('slow'), { timeoutMs: 300 });
    expect(result).toMatchObject({ verdict: 'failed', reason: 'timeout' });
  });

  it('checks genTime against the injected clock', async () => {
    const result = await probeTimestampServer(url('healthy'), {
      timeoutMs: 5000,
      now: () => new Date(Date.now() + 10 * 60_000),
    });
    expect(result).toMatchObject({ verdict: 'failed', reason: 'clock-skew' });
    expect(result.detail).toMatch(/behind our clock .*\(tolerance 5 min\)$/);
  });

  it('rejects with CancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    // CancelledError, not a 'timeout' result, already says the abort ended it; the bound only
    // says it did so well before the 60 s deadline (wide on purpose: real sockets, real time).
    const started = performance.now();
    await expect(probeTimestampServer(url('hang'), { timeoutMs: 60_000, signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});

describe('requestTimestamp', () => {
  const query = () => buildTimeStampReq({ imprint: new Uint8Array(32).fill(7), nonce: 42n, certReq: true });

  it('returns the raw reply of a healthy server', async () => {
    const reply = await requestTimestamp(url('healthy'), query(), { timeoutMs: 5000 });
    expect(reply.httpStatus).toBe(200);
    expect(reply.httpStatusText).toBe('OK');
    expect(reply.contentType).toBe('application/timestamp-reply');
    expect(parseTimeStampResp(reply.body).token?.tstInfo.nonce).toBe(42n);
    expect(reply.latencyMs).toBeGreaterThan(0);
  });

  it('returns non-200 replies as they are (classification is not its job)', async () => {
    const reply = await requestTimestamp(url('http500'), query(), { timeoutMs: 5000 });
    expect(reply.httpStatus).toBe(500);
    expect(Buffer.from(reply.body).toString()).toBe('Internal Server Error\n');
  });

  it('throws typed transport errors without credentials from the URL', async () => {
    const withSecret = (u: string) => u.replace('http://', 'http://user:s3cret@') + '?token=s3cret';
    const refused = await requestTimestamp(withSecret(url('refused')), query(), { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TsaTransportError);
    expect(refused).toMatchObject({ reason: 'connect-refused' });
    expect(String((refused as Error).message)).not.toContain('s3cret');

    const hung = await requestTimestamp(withSecret(url('hang')), query(), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(hung).toMatchObject({ name: 'TsaTransportError', reason: 'timeout' });
    expect(String((hung as Error).message)).not.toContain('s3cret');

    const scheme = await requestTimestamp('ftp://user:s3cret@example.test/tsa', query(), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(scheme).toMatchObject({ reason: 'network', message: 'unsupported URL scheme ftp: (use http or https)' });
  });

  it('reports a connection closed mid-reply as a network error', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': '1000' });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await requestTimestamp(`http://127.0.0.1:${port}/`, query(), { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TsaTransportError', reason: 'network' });
    } finally {
      server.close();
    }
  });
});

describe('selectTimestampServers', () => {
  it('probes all servers at once and ranks the healthy ones by latency', async () => {
    const urls = [url('slow'), url('http500'), url('healthy-plus-600'), url('refused'), url('healthy'), url('healthy')];
    const selection = await selectTimestampServers(urls, { timeoutMs: 5000 });
    expect(selection.ranked).toEqual([url('healthy'), url('healthy-plus-600'), url('slow')]);
    expect(selection.failed.map((r) => [r.url, r.reason])).toEqual([
      [url('http500'), 'http-status'],
      [url('refused'), 'connect-refused'],
    ]);
    expect(selection.results.map((r) => r.url)).toEqual([url('slow'), url('http500'), url('healthy-plus-600'), url('refused'), url('healthy')]);
  });

  it('probes at once: a server that answers only when every probe has arrived answers them all', async () => {
    // Parallelism without a clock: probed one after another, the first probe would wait for
    // the others, which never come, and time out.
    const held: http.ServerResponse[] = [];
    const gate = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        held.push(res);
        if (held.length === 3) for (const r of held) r.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = gate.address() as AddressInfo;
      const urls = ['a', 'b', 'c'].map((p) => `http://127.0.0.1:${port}/${p}`);
      const selection = await selectTimestampServers(urls, { timeoutMs: 10_000 });
      expect(selection.results.map((r) => [r.url, r.reason])).toEqual(urls.map((u) => [u, 'http-status']));
    } finally {
      gate.close();
    }
  });

  it('probes 20 servers at once under one signal without adding a listener to it', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(500).end(), 50));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const signal = new AbortController().signal;
      const urls = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1:${port}/${i}`);
      let during = -1;
      const warnings = await warningsDuring(async () => {
        const selection = selectTimestampServers(urls, { timeoutMs: 10_000, signal });
        during = getEventListeners(signal, 'abort').length;
        expect((await selection).failed).toHaveLength(20);
      });
      expect(warnings).toEqual([]);
      expect(during).toBe(0);
    } finally {
      server.close();
    }
  });

  it('applies the fleet-wide extraLatencyMs to every reply', async () => {
    const delayed = await startTsaFleet(pki, [{ kind: 'healthy', name: 'h' }, { kind: 'rejection', name: 'r' }], {
      extraLatencyMs: 200,
    });
    try {
      const selection = await selectTimestampServers([delayed.url('h'), delayed.url('r')], { timeoutMs: 5000 });
      expect(selection.ranked).toEqual([delayed.url('h')]);
      for (const result of selection.results) expect(result.latencyMs).toBeGreaterThanOrEqual(200);
      expect(delayed.server('h').requests).toHaveLength(1);
      expect(delayed.server('h').requests[0]!.bytes).toBeGreaterThan(50);
      delayed.server('h').resetRequests();
      expect(delayed.server('h').requestCount).toBe(0);
    } finally {
      await delayed.stop();
    }
  });
});

describe('osslsigncode 2.9 with the test PKI and fleet', () => {
  let n = 0;
  const sign = async (tsUrls: string[], cert = pki.codeSigning, timeout = 30_000) => {
    const out = path.join(dir, `signed-${n++}.exe`);
    const result = await execa(
      'osslsigncode',
      ['sign', '-pkcs12', cert.pfxPath, '-readpass', cert.pfxPasswordFile, '-h', 'sha256', '-n', 'Hello',
        '-i', 'https://example.test/', ...tsUrls.flatMap((u) => ['-ts', u]), '-in', helloExe, '-out', out],
      { reject: false, timeout, stdin: 'ignore' },
    );
    return { ...result, out };
  };
  const verify = (file: string) =>
    execa('osslsigncode', ['verify', '-CAfile', pki.rootBundlePath, '-TSA-CAfile', pki.rootBundlePath, '-in', file], {
      reject: false,
      stdin: 'ignore',
    });

  it('reads the PFX, which uses PBES2/AES-256-CBC and a SHA-256 MAC (no -legacy)', async () => {
    const info = await execa('openssl', ['pkcs12', '-in', pki.codeSigning.pfxPath, '-info', '-noout', '-passin', `file:${pki.codeSigning.pfxPasswordFile}`], {
      reject: false,
    });
    expect(info.exitCode).toBe(0);
    expect(info.stderr).toContain('MAC: sha256');
    expect(info.stderr).toContain('PBES2, PBKDF2, AES-256-CBC');
  });

  it('signs a PE with -ts <healthy fleet server> and verifies the timestamp', async () => {
    const before = fleet.server('healthy').requestCount;
    const signed = await sign([url('healthy')]);
    expect(signed.exitCode).toBe(0);
    expect(fleet.server('healthy').requestCount - before).toBe(1);
    const verified = await verify(signed.out);
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toContain('Timestamp Server Signature verification: ok');
    expect(verified.stdout).toContain('Signature verification: ok');
    expect(verified.stdout).toContain('Subject: /O=Winship Tests/CN=Winship Test TSA');
    expect(verified.stdout).toMatch(/Succeeded\s*$/);
  });

  it('fails over across repeated -ts in order', async () => {
    const before = { http500: fleet.server('http500').requestCount, healthy: fleet.server('healthy').requestCount };
    const signed = await sign([url('refused'), url('http500'), url('healthy')]);
    expect(signed.exitCode).toBe(0);
    expect(fleet.server('http500').requestCount - before.http500).toBe(1);
    expect(fleet.server('healthy').requestCount - before.healthy).toBe(1);
    expect((await verify(signed.out)).stdout).toContain('Timestamp Server Signature verification: ok');
  });

  it('fails and writes no file when every server fails', async () => {
    const before = { rejection: fleet.server('rejection').requestCount, garbage: fleet.server('garbage').requestCount };
    const signed = await sign([url('rejection'), url('garbage')]);
    expect(signed.exitCode).toBe(1);
    expect(fleet.server('rejection').requestCount - before.rejection).toBe(1);
    expect(fleet.server('garbage').requestCount - before.garbage).toBe(1);
    // Only the last server's error is printed; the rejection's status text is lost.
    expect(signed.stderr).toContain('RFC 3161 timestamping failed');
    expect(signed.stdout + signed.stderr).not.toContain('bad request');
    await expect(access(signed.out)).rejects.toThrow(/ENOENT/);
  });

  // The behaviours below are why winship probes servers itself before handing them over.
  it('signs with an expired certificate; only verify notices', async () => {
    const signed = await sign([url('healthy')], pki.expiredCodeSigning);
    expect(signed.exitCode).toBe(0);
    const verified = await verify(signed.out);
    expect(verified.exitCode).toBe(1);
    expect(verified.stdout + verified.stderr).toContain('certificate has expired');
  });

  it('accepts a token from a TSA without the timeStamping EKU, at sign and at verify time', async () => {
    const signed = await sign([url('no-eku')]);
    expect(signed.exitCode).toBe(0);
    const verified = await verify(signed.out);
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toContain('Timestamp Server Signature verification: ok');
  });

  it('accepts a wrong nonce, and a wrong imprint that verify then reports while still exiting 0', async () => {
    expect((await sign([url('wrong-nonce')])).exitCode).toBe(0);
    const signed = await sign([url('wrong-imprint')]);
    expect(signed.exitCode).toBe(0);
    const verified = await verify(signed.out);
    expect(verified.exitCode).toBe(0);
    expect(verified.stdout).toContain('Timestamp Server Signature verification: failed');
    expect(verified.stdout).toContain('Signature verification: ok');
  });

  it('has no timeout: it is still waiting on a hanging server after 1.5 s', async () => {
    const signed = await sign([url('hang'), url('healthy')], pki.codeSigning, 1500);
    expect(signed.timedOut).toBe(true);
  });
});
