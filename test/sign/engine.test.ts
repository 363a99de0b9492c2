// signFiles end to end: the real osslsigncode, the test PKI, and a fleet of local TSAs (one per
// failure mode), on a Go-built PE and a wixl-built MSI.

import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingToolError, UsageError } from '../../src/util/errors.js';
import { attemptDeadlineMs, signFiles, type SignFilesOptions, type SignedFileRecord } from '../../src/signing/engine.js';
import { SigningFailedError } from '../../src/signing/failover.js';
import { PeFormatError, isPeFile, readPeSignature } from '../../src/signing/peSignature.js';
import { ServerLimiter } from '../../src/signing/limiter.js';
import { shippingProblems } from '../../src/signing/report.js';
import { osslsigncodeExtractSignature, osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { sha256File } from '../../src/util/fs.js';
import { buildTinyMsi, buildTinyWindowsExe } from '../fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let exe: string;
let msi: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-sign-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'healthy', name: 'healthy' },
    { kind: 'healthy', name: 'healthy-2' },
    { kind: 'healthy', name: 'paced' },
    { kind: 'hang', name: 'hang' },
    { kind: 'http500', name: 'http500' },
    { kind: 'refused', name: 'refused' },
    { kind: 'rejection', name: 'rejection' },
    { kind: 'garbage', name: 'garbage' },
    { kind: 'wrong-imprint', name: 'wrong-imprint' },
    { kind: 'no-eku', name: 'no-eku' },
    { kind: 'clock-ahead', name: 'clock-ahead' },
  ]);
  exe = await buildTinyWindowsExe(path.join(dir, 'build'));
  msi = await buildTinyMsi(path.join(dir, 'msi-build'));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A fresh folder with `count` copies of `source`. */
async function copies(source: string, count: number): Promise<string[]> {
  const folder = path.join(dir, `case-${n++}`);
  await mkdir(folder);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(folder, `app-${i}${path.extname(source)}`);
    await copyFile(source, file);
    files.push(file);
  }
  return files;
}

interface Captured {
  commands: string[];
  logs: string[];
  runner: ToolRunner;
}

function capture(dryRun = false): Captured {
  const commands: string[] = [];
  const logs: string[] = [];
  const runner = new ToolRunner({ dryRun, signal: new AbortController().signal, onCommand: (line) => commands.push(line) });
  return { commands, logs, runner };
}

function opts(c: Captured, files: string[], servers: string[], extra: Partial<SignFilesOptions> = {}): SignFilesOptions {
  return {
    runner: c.runner,
    files,
    backend: 'osslsigncode',
    credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword },
    description: 'Hello',
    url: 'https://example.test/',
    servers,
    timeoutMs: 2000,
    retries: 0,
    backoffMs: 50,
    concurrency: 4,
    verify: { caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath },
    signal: new AbortController().signal,
    log: (line) => c.logs.push(line),
    ...extra,
  };
}

async function independentVerify(file: string) {
  const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
  return (await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 30_000 })).report;
}

function expectRecord(record: SignedFileRecord, file: string, server: string) {
  expect(record).toMatchObject({ file, signerSubject: pki.codeSigning.subject, digest: 'sha256', timestampServer: server });
  const time = Date.parse(record.timestampTime);
  expect(Math.abs(Date.now() - time)).toBeLessThan(5 * 60_000);
}

describe('signFiles with osslsigncode', () => {
  it('signs an exe and an MSI; both verify with signature and timestamp ok', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const [pkg] = await copies(msi, 1);
    const before = await sha256File(file!);
    const records = await signFiles(opts(c, [file!, pkg!], [fleet.url('healthy')]));
    expect(records).toHaveLength(2);
    for (const [i, f] of [file!, pkg!].entries()) {
      expectRecord(records[i]!, f, fleet.url('healthy'));
      expect(records[i]!.attempts).toEqual([{ server: fleet.url('healthy'), outcome: 'ok', detail: '', ms: expect.any(Number) }]);
      const report = await independentVerify(f);
      expect(report.signatures).toHaveLength(1);
      expect(report.signatures[0]).toMatchObject({ signatureOk: true, digest: 'sha256', signerSubject: pki.codeSigning.subject, timestamp: { serverSignatureOk: true } });
      expect(shippingProblems(report)).toEqual([]);
    }
    expect(await sha256File(file!)).not.toBe(before);
    // Nothing left behind: no temp siblings, no extracted signatures.
    expect((await readdir(path.dirname(file!))).sort()).toEqual(['app-0.exe']);
    expect(c.logs.filter((l) => l.startsWith('signed '))).toHaveLength(2);
  });

  it('signs with a PFX that has an empty password', async () => {
    const pfx = path.join(dir, 'empty-password.pfx');
    await execa('openssl', ['pkcs12', '-export', '-in', pki.codeSigning.certPath, '-inkey', pki.codeSigning.keyPath, '-passout', 'pass:', '-out', pfx]);
    const c = capture();
    const [file] = await copies(exe, 1);
    const records = await signFiles(opts(c, [file!], [fleet.url('healthy')], { credential: { kind: 'pkcs12', pfx, password: '' } }));
    expectRecord(records[0]!, file!, fleet.url('healthy'));
    expect(shippingProblems(await independentVerify(file!))).toEqual([]);
  });

  it('does not fetch CRLs while verifying unless asked: a certificate naming an unreachable CRL still ships', async () => {
    const credential = { kind: 'pkcs12' as const, pfx: pki.codeSigningWithCrl.pfxPath, password: pki.codeSigningWithCrl.pfxPassword };
    const [file, online] = await copies(exe, 2);
    const records = await signFiles(opts(capture(), [file!], [fleet.url('healthy')], { credential }));
    expect(records[0]).toMatchObject({ signerSubject: pki.codeSigningWithCrl.subject, timestampServer: fleet.url('healthy') });
    // Asked to check revocation online, the same signature fails on the CRL fetch.
    const err = await signFiles(opts(capture(), [online!], [fleet.url('healthy')], { credential, verify: { caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath, onlineRevocation: true } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SigningFailedError);
    expect((err as Error).message).toMatch(/CRL/);
  });

  it('a server with a wrong clock is failed over, not taken for a bad certificate', async () => {
    // The relay compares the token's genTime with our clock before osslsigncode sees it (which
    // would judge the certificate at the token's time, six years on: expired).
    const [file] = await copies(exe, 1);
    const [record] = await signFiles(opts(capture(), [file!], [fleet.url('clock-ahead'), fleet.url('healthy')]));
    expect(record!.timestampServer).toBe(fleet.url('healthy'));
    expect(record!.attempts[0]).toMatchObject({ server: fleet.url('clock-ahead'), outcome: 'failed' });
    expect(record!.attempts[0]!.detail).toMatch(/^the server's clock is wrong: genTime \S+ is 219\d days ahead of our clock \S+ \(tolerance 5 min\)$/);
  });

  it('a hanging first server: stopped at its deadline, signed by the healthy one', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const timeoutMs = 2000;
    const started = performance.now();
    const [record] = await signFiles(opts(c, [file!], [fleet.url('hang'), fleet.url('healthy')], { timeoutMs }));
    const elapsed = performance.now() - started;
    // Real time, because a real osslsigncode must be killed. The hanging server never answers,
    // so without the deadline this would wait until the runner's backstop; the bound only says
    // it did not, and is wide on purpose (signing and verifying take seconds on a loaded
    // machine). The exact deadline logic is tested on fake time in test/unit/sign/.
    expect(elapsed).toBeLessThan(30_000);
    expectRecord(record!, file!, fleet.url('healthy'));
    expect(record!.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('hang'), 'timeout'],
      [fleet.url('healthy'), 'ok'],
    ]);
    expect(record!.attempts[0]!.ms).toBeGreaterThanOrEqual(timeoutMs);
    // The deadline is the timeout plus a little time to hash this 1.3 MB file (attemptDeadlineMs).
    expect(c.logs[0]).toMatch(/^app-0\.exe: http:\/\/127\.0\.0\.1:\d+\/ timed out \(no result within 20\d\d ms; stopped\)$/);
    expect(shippingProblems(await independentVerify(file!))).toEqual([]);
  });

  it('every server broken: fails, lists every attempt, leaves the original untouched', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const before = await sha256File(file!);
    const servers = [fleet.url('http500'), fleet.url('refused'), fleet.url('rejection'), fleet.url('garbage')];
    const err = (await signFiles(opts(c, [file!], servers, { retries: 1, backoffMs: 50 })).catch((e: unknown) => e)) as SigningFailedError;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err.file).toBe(file);
    expect(err.attempts).toHaveLength(8);
    expect(err.attempts.map((a) => a.server)).toEqual([...servers, ...servers]);
    expect(err.attempts.every((a) => a.outcome === 'failed')).toBe(true);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe(`Could not sign ${file} with a valid timestamp: all 8 attempts on 4 time-stamp servers failed:`);
    // Each in the relay's words, which checked the reply before osslsigncode got it.
    expect(lines[1]).toMatch(/^ {2}1\. http:\/\/127\.0\.0\.1:\d+\/: failed: the server answered HTTP 500 Internal Server Error \(\d+ ms\)$/);
    expect(lines[2]).toMatch(/^ {2}2\. http:\/\/127\.0\.0\.1:\d+\/: failed: 127\.0\.0\.1:\d+ refused the connection \(\d+ ms\)$/);
    expect(lines[3]).toMatch(/^ {2}3\. .*: failed: the server refused to time-stamp: status 2 \(rejection\): "bad request" \[badRequest\] \(\d+ ms\)$/);
    expect(lines[4]).toMatch(/^ {2}4\. .*: failed: the reply \(256 bytes\) is not a TimeStampResp: /);
    expect(lines[9]).toMatch(/^Next: /);
    expect(await sha256File(file!)).toBe(before);
    expect(await readdir(path.dirname(file!))).toEqual(['app-0.exe']);
  });

  it('a wrong-imprint timestamp is caught by the relay and the next server is used', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const [record] = await signFiles(opts(c, [file!], [fleet.url('wrong-imprint'), fleet.url('healthy')]));
    expectRecord(record!, file!, fleet.url('healthy'));
    expect(record!.attempts[0]).toMatchObject({ server: fleet.url('wrong-imprint'), outcome: 'failed' });
    expect(record!.attempts[0]!.detail).toMatch(/^the time-stamp token answers a different request \(imprint\): imprint [0-9a-f]{64} does not match [0-9a-f]{64}$/);
    expect(shippingProblems(await independentVerify(file!))).toEqual([]);

    // With only that server, the file is not signed at all.
    const [alone] = await copies(exe, 1);
    const before = await sha256File(alone!);
    await expect(signFiles(opts(capture(), [alone!], [fleet.url('wrong-imprint')]))).rejects.toBeInstanceOf(SigningFailedError);
    expect(await sha256File(alone!)).toBe(before);
  });

  it('a TSA without the timeStamping EKU is caught although osslsigncode accepts it', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const [record] = await signFiles(opts(c, [file!], [fleet.url('no-eku'), fleet.url('healthy')]));
    expectRecord(record!, file!, fleet.url('healthy'));
    expect(record!.attempts[0]).toMatchObject({
      server: fleet.url('no-eku'),
      outcome: 'failed',
      detail: "the time-stamp server's certificate is not valid for timestamping: the signer certificate has no extendedKeyUsage extension (RFC 3161 §2.3)",
    });
  });

  it('an expired signing certificate fails at once: no server can fix it', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const before = fleet.server('healthy-2').requestCount;
    const err = (await signFiles(
      opts(c, [file!], [fleet.url('healthy'), fleet.url('healthy-2')], {
        credential: { kind: 'pkcs12', pfx: pki.expiredCodeSigning.pfxPath, password: pki.expiredCodeSigning.pfxPassword },
        retries: 2,
      }),
    ).catch((e: unknown) => e)) as SigningFailedError;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err.attempts).toHaveLength(1);
    expect(err.permanent).toContain('the signature does not verify');
    expect(err.permanent).toContain('certificate has expired');
    expect(err.message).toContain('This is not a time-stamp server problem');
    expect(fleet.server('healthy-2').requestCount).toBe(before);
  });

  it('a wrong password fails at once without contacting any server', async () => {
    const c = capture();
    const [file] = await copies(exe, 1);
    const before = fleet.server('healthy').requestCount;
    const err = (await signFiles(
      opts(c, [file!], [fleet.url('healthy'), fleet.url('healthy-2')], {
        credential: { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: 'not-the-password' },
      }),
    ).catch((e: unknown) => e)) as SigningFailedError;
    expect(err).toBeInstanceOf(SigningFailedError);
    expect(err.permanent).toMatch(/Failed to parse PKCS#12 file: .* \(Wrong password\?\)/);
    expect(fleet.server('healthy').requestCount).toBe(before);
  });

  it('honours the per-server minimum interval across parallel workers', async () => {
    const c = capture();
    const files = await copies(exe, 6);
    const server = fleet.server('paced');
    server.resetRequests();
    const interval = 400;
    const records = await signFiles(opts(c, files, [server.url], { concurrency: 4, minIntervalMs: { [server.url]: interval } }));
    expect(records.map((r) => r.timestampServer)).toEqual(Array(6).fill(server.url));
    const arrivals = server.requests.map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(6);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // We space the starts of osslsigncode runs (exactly: see test/unit/sign/); the server
    // sees each request after the run's start-up and hashing, which varies from run to run, by
    // hundreds of ms on a loaded machine. So this only tells paced from unpaced: unpaced, the
    // four workers would arrive within a few milliseconds of each other.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(interval / 2);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(4 * interval);
  });

  it('shares one limiter across calls: a hanging server is skipped by the next call', async () => {
    const limiter = new ServerLimiter();
    const hangBefore = fleet.server('hang').requestCount;
    await signFiles(opts(capture(), await copies(exe, 1), [fleet.url('hang'), fleet.url('healthy')], { limiter, timeoutMs: 1000 }));
    // No time limit asserted: one attempt per file, and no second request to the hanging server, say it.
    const records = await signFiles(opts(capture(), await copies(exe, 3), [fleet.url('hang'), fleet.url('healthy')], { limiter, timeoutMs: 1000 }));
    expect(records.every((r) => r.attempts.length === 1 && r.timestampServer === fleet.url('healthy'))).toBe(true);
    expect(fleet.server('hang').requestCount - hangBefore).toBe(1);
  });

  it('the password never appears in commands, logs, errors, records or temp files', async () => {
    const password = pki.codeSigning.pfxPassword;
    const seen: string[] = [];
    const c = capture();
    const ok = await signFiles(opts(c, await copies(exe, 2), [fleet.url('hang'), fleet.url('wrong-imprint'), fleet.url('healthy')], { timeoutMs: 1000 }));
    seen.push(JSON.stringify(ok), ...c.commands, ...c.logs);

    const c2 = capture();
    const failed = (await signFiles(opts(c2, await copies(exe, 1), [fleet.url('http500'), fleet.url('no-eku')])).catch((e: unknown) => e)) as SigningFailedError;
    expect(failed).toBeInstanceOf(SigningFailedError);
    seen.push(failed.message, failed.details ?? '', JSON.stringify(failed.attempts), ...c2.commands, ...c2.logs);

    const c3 = capture();
    const badPem = await signFiles(
      opts(c3, await copies(exe, 1), [fleet.url('healthy')], { credential: { kind: 'pem', cert: pki.codeSigning.certPath, key: pki.codeSigning.keyPath, password } }),
    ).catch((e: unknown) => e);
    seen.push(String(badPem), JSON.stringify(badPem), ...c3.commands, ...c3.logs);

    expect(seen.join('\n').length).toBeGreaterThan(1000);
    // The password goes to osslsigncode's stdin ("-readpass -"): there is no password file to show.
    expect(c.commands.filter((l) => l.includes('-readpass -')).length).toBeGreaterThan(3);
    for (const text of seen) expect(text).not.toContain(password);
    // No password file under the name older versions used (test/e2e/signSecrets.test.ts reads every file a run makes).
    const leftovers = (await readdir(os.tmpdir())).filter((name) => name.startsWith(`.winship-secret.tmp-${process.pid}-`));
    expect(leftovers).toEqual([]);
  });

  it('dry run: prints the commands, changes nothing', async () => {
    const c = capture(true);
    const [file] = await copies(exe, 1);
    const before = await sha256File(file!);
    const records = await signFiles(opts(c, [file!], [fleet.url('healthy')]));
    expect(records).toEqual([{ file, signerSubject: '', digest: 'sha256', timestampServer: fleet.url('healthy'), timestampTime: '', attempts: [] }]);
    expect(c.commands).toHaveLength(1);
    // Fixed placeholders: the same listing on every run; the password would come on stdin.
    expect(c.commands[0]).toBe(
      `osslsigncode sign -pkcs12 ${pki.codeSigning.pfxPath} -readpass - -h sha256 -n Hello -i https://example.test/ -ts '<relay to ${fleet.url('healthy')}>' -in ${file} -out ${file}.signed`,
    );
    expect(await sha256File(file!)).toBe(before);
  });

  it('rejects a credential the backend cannot use, and an empty server list', async () => {
    await expect(signFiles(opts(capture(), [exe], [fleet.url('healthy')], { credential: { kind: 'thumbprint', sha1: 'AB' } }))).rejects.toBeInstanceOf(UsageError);
    await expect(
      signFiles(opts(capture(), [exe], [fleet.url('healthy')], { backend: 'signtool', credential: { kind: 'pem', cert: 'c', key: 'k' } })),
    ).rejects.toThrow('signtool cannot sign with a pem credential; it takes thumbprint, subject, azure.');
    await expect(signFiles(opts(capture(), [exe], []))).rejects.toBeInstanceOf(UsageError);
  });

  it('reports missing, special and duplicate files before signing anything, never opening a FIFO', async () => {
    const [file] = await copies(exe, 1);
    const before = fleet.server('healthy').requestCount;
    await expect(signFiles(opts(capture(), [file!, path.join(dir, 'nope.exe')], [fleet.url('healthy')]))).rejects.toThrow(
      `Cannot sign this file: ${path.join(dir, 'nope.exe')} (does not exist)`,
    );
    const fifo = path.join(dir, 'fifo.exe');
    await execa('mkfifo', [fifo]);
    await expect(signFiles(opts(capture(), [fifo, dir], [fleet.url('healthy')]))).rejects.toThrow(
      `Cannot sign these files: ${fifo} (a FIFO, not a regular file), ${dir} (a folder, not a regular file)`,
    );
    await expect(signFiles(opts(capture(), [file!, `${path.dirname(file!)}/./app-0.exe`], [fleet.url('healthy')]))).rejects.toBeInstanceOf(UsageError);
    expect(fleet.server('healthy').requestCount).toBe(before);
  });

  it('a missing osslsigncode fails at once with the install hint, not once per server', async () => {
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    const [file] = await copies(exe, 1);
    const original = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await signFiles({ ...opts(capture(), [file!], [fleet.url('healthy'), fleet.url('healthy-2')]), runner }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingToolError);
      expect((err as Error).message).toMatch(/^osslsigncode was not found on PATH\. Install it with: apt-get install osslsigncode/);
    } finally {
      process.env.PATH = original;
    }
  });

  it('gives large files more time to hash', () => {
    expect(attemptDeadlineMs(2000, 0)).toBe(2000);
    expect(attemptDeadlineMs(2000, 1024 * 1024)).toBe(2000 + 60);
    expect(attemptDeadlineMs(2000, 300 * 1024 * 1024)).toBe(2000 + 18_000);
  });
});

describe('readPeSignature', () => {
  it('reads the same bytes osslsigncode extract-signature writes, for one and for nested signatures', async () => {
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    const [file] = await copies(exe, 1);
    expect(await isPeFile(file!)).toBe(true);
    expect(await readPeSignature(file!)).toBeUndefined();
    await signFiles(opts(capture(), [file!], [fleet.url('healthy')]));
    const extracted = path.join(dir, `extract-${n++}.p7s`);
    await osslsigncodeExtractSignature(runner, file!, extracted, { timeoutMs: 30_000 });
    const ours = await readPeSignature(file!);
    expect(ours).toBeDefined();
    expect(Buffer.from(ours!).equals(await readFile(extracted))).toBe(true);
  });

  it('MSI is not a PE; garbage with an MZ header is an error', async () => {
    expect(await isPeFile(msi)).toBe(false);
    const bogus = path.join(dir, `bogus-${n++}.exe`);
    await writeFile(bogus, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62, 0xff)]));
    await expect(readPeSignature(bogus)).rejects.toBeInstanceOf(PeFormatError);
  });
});
