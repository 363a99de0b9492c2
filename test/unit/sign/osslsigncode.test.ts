// osslsigncode adapter: golden argv, the verify parser against outputs recorded from
// osslsigncode 2.9 (test/fixtures/sign/capture.ts) and 2.5 (*-2.5.txt), sign-failure summaries,
// the piped password.

import { describe, expect, it } from 'vitest';
import { shippingProblems } from '../../../src/signing/report.js';
import {
  describeOsslsigncodeFailure,
  opensslSlashNameToRfc4514,
  osslsigncodeExtractSignatureArgs,
  osslsigncodeSignArgs,
  osslsigncodeVerifyArgs,
  parseOpensslTime,
  parseOsslsigncodeVerify,
  parseOsslsigncodeVersion,
  osslsigncodeSignInput,
  pipedPasswordProblem,
  reachedTimestampServer,
} from '../../../src/tools/osslsigncode.js';
import { readRecordedOutput } from '../../fixtures/sign/support.js';

const CODE_SIGNING = 'CN=Winship Test Code Signing, O=Winship Tests';

async function verifyFixture(name: string) {
  const rec = await readRecordedOutput(name);
  return { rec, report: parseOsslsigncodeVerify(rec.stdout, rec.stderr) };
}

describe('osslsigncodeSignArgs (golden)', () => {
  it('pkcs12 with a password (on stdin: never in argv), description, URL, one -ts', () => {
    expect(
      osslsigncodeSignArgs({
        input: 'dist/app.exe',
        output: 'dist/.app.exe.tmp',
        credential: { kind: 'pkcs12', pfx: '/keys/cs.pfx', password: 'hunter2!' },
        description: 'Hello App',
        url: 'https://example.com/',
        digest: 'sha256',
        timestampUrl: 'http://timestamp.digicert.com',
      }),
    ).toEqual([
      'sign', '-pkcs12', '/keys/cs.pfx', '-readpass', '-', '-h', 'sha256', '-n', 'Hello App',
      '-i', 'https://example.com/', '-ts', 'http://timestamp.digicert.com', '-in', 'dist/app.exe', '-out', 'dist/.app.exe.tmp',
    ]);
  });

  it('pem key without password, no timestamp, nested', () => {
    expect(
      osslsigncodeSignArgs({
        input: 'a.msi',
        output: 'b.msi',
        credential: { kind: 'pem', cert: 'chain.pem', key: 'key.pem' },
        digest: 'sha256',
        nest: true,
      }),
    ).toEqual(['sign', '-certs', 'chain.pem', '-key', 'key.pem', '-h', 'sha256', '-nest', '-in', 'a.msi', '-out', 'b.msi']);
  });

  it('pem key with a password', () => {
    expect(
      osslsigncodeSignArgs({
        input: 'a.exe',
        output: 'b.exe',
        credential: { kind: 'pem', cert: 'chain.pem', key: 'key.pem', password: 'hunter2!' },
        digest: 'sha256',
        timestampUrl: 'http://ts',
      }),
    ).toEqual(['sign', '-certs', 'chain.pem', '-key', 'key.pem', '-readpass', '-', '-h', 'sha256', '-ts', 'http://ts', '-in', 'a.exe', '-out', 'b.exe']);
  });

  it('pkcs11 with a certificate file, engine and PIN', () => {
    expect(
      osslsigncodeSignArgs({
        input: 'a.exe',
        output: 'b.exe',
        credential: { kind: 'pkcs11', module: '/usr/lib/libeToken.so', keyId: 'pkcs11:id=%01', cert: 'cs.pem', engine: '/usr/lib/engines-3/pkcs11.so', password: '1234' },
        digest: 'sha256',
        timestampUrl: 'http://ts',
      }),
    ).toEqual([
      'sign', '-pkcs11engine', '/usr/lib/engines-3/pkcs11.so', '-pkcs11module', '/usr/lib/libeToken.so', '-certs', 'cs.pem',
      '-key', 'pkcs11:id=%01', '-readpass', '-', '-h', 'sha256', '-ts', 'http://ts', '-in', 'a.exe', '-out', 'b.exe',
    ]);
  });

  it('pkcs11 with the certificate on the token', () => {
    expect(
      osslsigncodeSignArgs({
        input: 'a.exe',
        output: 'b.exe',
        credential: { kind: 'pkcs11', module: 'm.so', keyId: 'k', cert: 'pkcs11:object=cert' },
        digest: 'sha256',
      }),
    ).toEqual(['sign', '-pkcs11module', 'm.so', '-pkcs11cert', 'pkcs11:object=cert', '-key', 'k', '-h', 'sha256', '-in', 'a.exe', '-out', 'b.exe']);
  });

  it('verify and extract-signature', () => {
    expect(osslsigncodeVerifyArgs({ input: 'a.exe', caFile: 'roots.pem', tsaCaFile: 'tsa.pem' })).toEqual([
      'verify', '-CAfile', 'roots.pem', '-TSA-CAfile', 'tsa.pem', '-ignore-crl', '-in', 'a.exe',
    ]);
    expect(osslsigncodeVerifyArgs({ input: 'a.exe' })).toEqual(['verify', '-ignore-crl', '-in', 'a.exe']);
    expect(osslsigncodeVerifyArgs({ input: 'a.exe', onlineRevocation: true })).toEqual(['verify', '-in', 'a.exe']);
    expect(osslsigncodeExtractSignatureArgs('a.exe', 'a.p7s')).toEqual(['extract-signature', '-in', 'a.exe', '-out', 'a.p7s']);
  });
});

describe('osslsigncode before 2.9', () => {
  it('the password comes from the FIFO named in argv, and nothing goes to stdin', () => {
    const spec = { input: 'a.exe', output: 'b.exe', credential: { kind: 'pkcs12' as const, pfx: 'cs.pfx', password: 'pw' }, digest: 'sha256' as const };
    expect(osslsigncodeSignArgs(spec, '/tmp/winship-1-ab/password-00.fifo')).toEqual([
      'sign', '-pkcs12', 'cs.pfx', '-readpass', '/tmp/winship-1-ab/password-00.fifo', '-h', 'sha256', '-in', 'a.exe', '-out', 'b.exe',
    ]);
    expect(osslsigncodeSignInput(spec.credential, 'fifo')).toBe('');
    expect(osslsigncodeSignInput(spec.credential, 'stdin')).toBe('pw\n');
  });

  it('verify gets no -ignore-crl, which 2.5-2.8 refuse as an unknown option', () => {
    for (const version of [[2, 5], [2, 7], [2, 8]]) {
      expect(osslsigncodeVerifyArgs({ input: 'a.exe', caFile: 'r.pem', version })).toEqual(['verify', '-CAfile', 'r.pem', '-in', 'a.exe']);
    }
    expect(osslsigncodeVerifyArgs({ input: 'a.exe', version: [2, 9] })).toEqual(['verify', '-ignore-crl', '-in', 'a.exe']);
    expect(osslsigncodeVerifyArgs({ input: 'a.exe', version: [3, 0] })).toEqual(['verify', '-ignore-crl', '-in', 'a.exe']);
  });

  it('2.5 verify output: a good, timestamped signature, with its time', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-good-2.5.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]).toMatchObject({ signatureOk: true, signerSubject: CODE_SIGNING, digest: 'sha256', timestamp: { serverSignatureOk: true } });
    expect(report.signatures[0]!.timestamp!.time).toBeInstanceOf(Date);
    expect(shippingProblems(report)).toEqual([]);
  });

  it('2.5 sign failures: the reason is read from stdout, where 2.5 writes it; it never says "Connecting to"', async () => {
    const password = await readRecordedOutput('osslsigncode-sign-bad-password-2.5.txt');
    expect(password.stderr.trim()).toBe('');
    expect(describeOsslsigncodeFailure(password.stdout, password.stderr)).toMatch(/^Failed to parse PKCS#12 file: .*code-signing\.pfx \(Wrong password\?\); mac verify failure$/);
    const http500 = await readRecordedOutput('osslsigncode-sign-http500-2.5.txt');
    expect(describeOsslsigncodeFailure(http500.stdout, http500.stderr)).toMatch(
      /^Failed to convert timestamp reply from http:\/\/127\.0\.0\.1:\d+\/; HTTP status 500; not enough data; RFC 3161 timestamping failed$/,
    );
    // So whether it reached the server is the relay's to say (src/signing/backends/osslsigncode.ts).
    expect(reachedTimestampServer(http500.stdout)).toBe(false);
  });
});

describe('parseOsslsigncodeVerify on osslsigncode 2.9 output', () => {
  it('good signature and timestamp', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-good.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(report.signatures).toHaveLength(1);
    const [sig] = report.signatures;
    expect(sig).toMatchObject({ signerSubject: CODE_SIGNING, digest: 'sha256', signatureOk: true, timestamp: { serverSignatureOk: true } });
    expect(sig!.timestamp!.time).toBeInstanceOf(Date);
    expect(sig!.timestamp!.time!.toISOString()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(report.problems).toEqual([]);
    expect(shippingProblems(report)).toEqual([]);
  });

  it('no timestamp: exit 0 and "Succeeded", but not shippable', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-no-timestamp.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(report.signatures[0]).toEqual({ signerSubject: CODE_SIGNING, digest: 'sha256', signatureOk: true });
    expect(shippingProblems(report)).toEqual(['the signature has no timestamp']);
  });

  it('wrong-imprint timestamp: exit 0 and "Succeeded", timestamp failed', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-wrong-imprint.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(report.signatures[0]).toMatchObject({ signatureOk: true, timestamp: { serverSignatureOk: false } });
    expect(report.problems).toEqual([
      'timestamp: the imprint does not match the signature (Hash value mismatch)',
      "File's message digest verification: failed",
      'Timestamp Server Signature verification: failed',
    ]);
    expect(shippingProblems(report)[0]).toBe('the timestamp on the signature does not verify');
  });

  it('expired signing certificate: signature failed, timestamp itself ok', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-expired.txt');
    expect(rec.exitCode).toBe(1);
    expect(report.succeeded).toBe(false);
    expect(report.signatures[0]).toMatchObject({
      signerSubject: 'CN=Winship Test Expired Code Signing, O=Winship Tests',
      signatureOk: false,
      timestamp: { serverSignatureOk: true },
    });
    expect(report.problems).toContain('certificate has expired');
    expect(report.problems).toContain('Signature verification: failed');
    expect(shippingProblems(report)[0]).toBe('the signature does not verify');
  });

  it('TSA without timeStamping EKU: osslsigncode finds nothing wrong', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-no-eku.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.signatures[0]).toMatchObject({ signatureOk: true, timestamp: { serverSignatureOk: true } });
    expect(rec.stdout).toContain('Subject: /O=Winship Tests/CN=Winship Test TSA Without EKU');
    expect(report.problems).toEqual([]);
    // Why the engine reads the token itself (src/signing/timestampToken.ts).
    expect(shippingProblems(report)).toEqual([]);
  });

  it('unsigned file', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-unsigned.txt');
    expect(rec.exitCode).toBe(1);
    expect(report).toEqual({ signatures: [], succeeded: false, problems: ['No signature found', 'Unable to extract existing signature'] });
    expect(shippingProblems(report)).toEqual(['no signature found (No signature found)']);
  });

  it('nested signature: two signatures, each timestamped', async () => {
    const { report } = await verifyFixture('osslsigncode-verify-nested.txt');
    expect(report.succeeded).toBe(true);
    expect(report.signatures).toHaveLength(2);
    for (const sig of report.signatures) {
      expect(sig).toMatchObject({ signerSubject: CODE_SIGNING, digest: 'sha256', signatureOk: true, timestamp: { serverSignatureOk: true } });
    }
    expect(shippingProblems(report)).toEqual([]);
  });

  it('MSI: DigitalSignature lines instead of PE digests', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-msi.txt');
    expect(rec.stdout).toContain('Calculated DigitalSignature');
    expect(report.succeeded).toBe(true);
    expect(report.signatures[0]).toMatchObject({ signerSubject: CODE_SIGNING, digest: 'sha256', signatureOk: true, timestamp: { serverSignatureOk: true } });
    expect(shippingProblems(report)).toEqual([]);
  });

  it('TSA root not trusted: exit 0 and "Succeeded", timestamp failed', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-untrusted-tsa.txt');
    expect(rec.exitCode).toBe(0);
    expect(report.succeeded).toBe(true);
    expect(report.signatures[0]).toMatchObject({ signatureOk: true, timestamp: { serverSignatureOk: false } });
    expect(report.problems).toEqual(['unable to get local issuer certificate', 'Timestamp Server Signature verification: failed']);
  });

  it('nothing trusted', async () => {
    const { rec, report } = await verifyFixture('osslsigncode-verify-untrusted.txt');
    expect(rec.exitCode).toBe(1);
    expect(report.succeeded).toBe(false);
    expect(report.signatures[0]).toMatchObject({ signatureOk: false, timestamp: { serverSignatureOk: false } });
    expect(report.problems).toContain('Certificate not found in local repository: self-signed certificate in certificate chain');
  });

  it('a digest mismatch makes the signature bad even if the tool said ok', () => {
    const text = [
      'Signature Index: 0  (Primary Signature)',
      'Message digest algorithm  : SHA256',
      'Current message digest    : AAAA ',
      'Calculated message digest : BBBB ',
      "Signer's certificate:",
      '\tSubject: /C=US/O=Acme, Inc./CN=Acme',
      'Timestamp is not available',
      'Signature verification: ok',
      'Succeeded',
    ].join('\n');
    const report = parseOsslsigncodeVerify(text);
    expect(report.signatures[0]).toEqual({ signerSubject: 'CN=Acme, O=Acme\\, Inc., C=US', digest: 'sha256', signatureOk: false });
    expect(report.problems).toEqual(["the file's digest BBBB does not match the signed digest AAAA"]);
  });
});

describe('small parsers', () => {
  it('OpenSSL times, with a space-padded day', () => {
    expect(parseOpensslTime('Nov 23 08:39:50 2026 GMT')?.toISOString()).toBe('2026-11-23T08:39:50.000Z');
    expect(parseOpensslTime('Jan  5 01:47:26 2025 GMT')?.toISOString()).toBe('2025-01-05T01:47:26.000Z');
    expect(parseOpensslTime('yesterday')).toBeUndefined();
  });

  it('slash names → "CN=…, O=…"', () => {
    expect(opensslSlashNameToRfc4514('/O=Winship Tests/CN=Winship Test TSA')).toBe('CN=Winship Test TSA, O=Winship Tests');
    expect(opensslSlashNameToRfc4514('/C=US/ST=Oregon/O=Ross R. Smith/CN=Ross R. Smith')).toBe('CN=Ross R. Smith, O=Ross R. Smith, ST=Oregon, C=US');
  });

  it('version', () => {
    expect(parseOsslsigncodeVersion('osslsigncode 2.9, using:\n\tOpenSSL 3.0.13')).toEqual([2, 9]);
    expect(parseOsslsigncodeVersion('osslsigncode 2.5')).toEqual([2, 5]);
    expect(parseOsslsigncodeVersion('something else')).toBeUndefined();
  });
});

describe('sign failures, from recorded osslsigncode 2.9 output', () => {
  const failure = async (name: string) => {
    const rec = await readRecordedOutput(name);
    return { rec, reason: describeOsslsigncodeFailure(rec.stdout, rec.stderr), reached: reachedTimestampServer(rec.stdout) };
  };

  it('two -ts: both errors are there, and the server was reached', async () => {
    const { rec, reason, reached } = await failure('osslsigncode-sign-http500-refused.txt');
    expect(rec.exitCode).toBe(1);
    expect(reached).toBe(true);
    expect(reason).toContain('received error (code=500, reason=Internal Server Error)');
    expect(reason).toContain('Connection refused (calling connect())');
    expect(reason).toContain('RFC 3161 timestamping failed');
    expect(reason).not.toContain('Use the "-t" option');
  });

  it('rejection, garbage and wrong content type', async () => {
    const rejection = await failure('osslsigncode-sign-rejection.txt');
    expect(rejection.reached).toBe(true);
    expect(rejection.reason).toMatch(/^Timestamping failed: status 2; bad request; Failed to convert timestamp reply from http:\/\/127\.0\.0\.1:\d+\/; RFC 3161 timestamping failed$/);
    const garbage = await failure('osslsigncode-sign-garbage.txt');
    expect(garbage.reached).toBe(true);
    expect(garbage.reason).toMatch(/^Failed to convert timestamp reply from http:\/\/127\.0\.0\.1:\d+\/; wrong tag; RFC 3161 timestamping failed$/);
    const contentType = await failure('osslsigncode-sign-wrong-content-type.txt');
    expect(contentType.reason).toContain('unexpected content type (expected=application/timestamp-reply, actual=application/octet-stream)');
  });

  it('wrong password and non-PE input fail before the server: not its fault', async () => {
    const password = await failure('osslsigncode-sign-bad-password.txt');
    expect(password.rec.exitCode).toBe(255);
    expect(password.reached).toBe(false);
    expect(password.reason).toMatch(/^Failed to parse PKCS#12 file: .*code-signing\.pfx \(Wrong password\?\); Failed to read key or certificates; mac verify failure$/);
    const notPe = await failure('osslsigncode-sign-not-pe.txt');
    expect(notPe.reached).toBe(false);
    expect(notPe.reason).toBe('Initialization error or unsupported input file type.; wrong tag');
  });
});

describe('the password on osslsigncode\'s stdin', () => {
  it('goes to stdin with a newline (osslsigncode strips it), or stdin stays empty', () => {
    expect(osslsigncodeSignInput({ kind: 'pkcs12', pfx: 'a.pfx', password: 's3cr3t pass' })).toBe('s3cr3t pass\n');
    // The newline is what lets an empty password through: osslsigncode refuses an empty read.
    expect(osslsigncodeSignInput({ kind: 'pkcs12', pfx: 'a.pfx', password: '' })).toBe('\n');
    expect(osslsigncodeSignInput({ kind: 'pem', cert: 'c.pem', key: 'k.pem' })).toBe('');
  });

  it('refuses passwords that osslsigncode would read as another one', () => {
    expect(pipedPasswordProblem('pa ss "q\' ü€😀')).toBeUndefined();
    expect(pipedPasswordProblem('')).toBeUndefined();
    expect(pipedPasswordProblem('a\0b')).toBe('it contains a NUL character');
    expect(pipedPasswordProblem('abc\n')).toBe('it ends with a line break, which osslsigncode strips');
    expect(pipedPasswordProblem('abc\r')).toBe('it ends with a line break, which osslsigncode strips');
    expect(pipedPasswordProblem('\uFEFFabc')).toBe('it starts with a byte order mark (U+FEFF), which osslsigncode strips');
    expect(pipedPasswordProblem('a\uFEFFbc')).toBeUndefined();
    expect(pipedPasswordProblem('é'.repeat(2047))).toBeUndefined(); // 4094 bytes
    expect(pipedPasswordProblem('é'.repeat(2048))).toBe('it is longer than 4094 bytes, more than osslsigncode reads');
    expect(pipedPasswordProblem('a\rb', 'linux')).toBeUndefined();
    expect(pipedPasswordProblem('a\rb', 'win32')).toBe('it contains a carriage return or Ctrl-Z, which Windows text-mode input changes');
    expect(pipedPasswordProblem('a\x1ab', 'win32')).toBe('it contains a carriage return or Ctrl-Z, which Windows text-mode input changes');
  });
});
