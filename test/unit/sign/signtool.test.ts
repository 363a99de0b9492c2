// signtool adapter: golden argv (there is no signtool here: it is Windows-only) and the parsers
// against output pasted in public repositories and issues (test/fixtures/sign/signtool-*.txt,
// each file says where it came from).

import { describe, expect, it } from 'vitest';
import { toSigntoolCredential } from '../../../src/signing/backends/signtool.js';
import { credentialMismatch, SIGNTOOL_PFX_REFUSED } from '../../../src/signing/credentials.js';
import { signFiles } from '../../../src/signing/engine.js';
import { chooseSigningBackend } from '../../../src/signing/plan.js';
import { shippingProblems } from '../../../src/signing/report.js';
import { UsageError } from '../../../src/util/errors.js';
import { ToolRunner } from '../../../src/tools/runner.js';
import {
  parseSigntoolSignOutput,
  parseSigntoolTime,
  parseSigntoolVerify,
  signtoolSignArgs,
  signtoolVerifyArgs,
} from '../../../src/tools/signtool.js';
import { readRecordedOutput } from '../../fixtures/sign/support.js';

const base = { file: 'dist\\app.exe', digest: 'sha256' as const };

describe('signtoolSignArgs (golden)', () => {
  it('certificate store by thumbprint, description, URL, the relay as RFC 3161 server: /td right after /tr', () => {
    const spec = {
      ...base,
      credential: { kind: 'thumbprint' as const, sha1: 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D' },
      description: 'Hello App',
      url: 'https://example.com/',
      timestampUrl: 'http://127.0.0.1:49152/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    };
    expect(signtoolSignArgs(spec)).toEqual([
      'sign', '/v', '/fd', 'sha256', '/sha1', 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D', '/d', 'Hello App', '/du', 'https://example.com/',
      '/tr', 'http://127.0.0.1:49152/0f1e2d3c4b5a69788796a5b4c3d2e1f0', '/td', 'sha256', 'dist\\app.exe',
    ]);
  });

  it('certificate store by thumbprint, nested (/as)', () => {
    expect(
      signtoolSignArgs({ ...base, credential: { kind: 'thumbprint', sha1: 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D' }, timestampUrl: 'http://ts', nest: true }),
    ).toEqual(['sign', '/v', '/fd', 'sha256', '/sha1', 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D', '/tr', 'http://ts', '/td', 'sha256', '/as', 'dist\\app.exe']);
  });

  it('an MSIX package: the same command, /fd sha256 being the hash method of its block map (signtool requires them to agree)', () => {
    expect(
      signtoolSignArgs({
        file: 'dist\\Example.Hello_1.2.3.0_x64.msix',
        digest: 'sha256',
        credential: { kind: 'azure', dlib: 'C:\\tools\\Azure.CodeSigning.Dlib.dll', metadata: 'C:\\ci\\metadata.json' },
        description: 'Hello',
        timestampUrl: 'http://127.0.0.1:49152/relay',
      }),
    ).toEqual([
      'sign', '/v', '/fd', 'sha256', '/dlib', 'C:\\tools\\Azure.CodeSigning.Dlib.dll', '/dmdf', 'C:\\ci\\metadata.json', '/d', 'Hello',
      '/tr', 'http://127.0.0.1:49152/relay', '/td', 'sha256', 'dist\\Example.Hello_1.2.3.0_x64.msix',
    ]);
  });

  it('certificate store by subject name, no timestamp', () => {
    expect(signtoolSignArgs({ ...base, credential: { kind: 'subject', name: 'Acme Corp' } })).toEqual([
      'sign', '/v', '/fd', 'sha256', '/n', 'Acme Corp', 'dist\\app.exe',
    ]);
  });

  it('Azure Trusted Signing', () => {
    expect(
      signtoolSignArgs({
        ...base,
        credential: { kind: 'azure', dlib: 'C:\\tools\\Azure.CodeSigning.Dlib.dll', metadata: 'metadata.json' },
        timestampUrl: 'http://timestamp.acs.microsoft.com',
      }),
    ).toEqual([
      'sign', '/v', '/fd', 'sha256', '/dlib', 'C:\\tools\\Azure.CodeSigning.Dlib.dll', '/dmdf', 'metadata.json',
      '/tr', 'http://timestamp.acs.microsoft.com', '/td', 'sha256', 'dist\\app.exe',
    ]);
  });

  it('verify', () => {
    expect(signtoolVerifyArgs('dist\\app.msi')).toEqual(['verify', '/pa', '/all', '/v', 'dist\\app.msi']);
  });
});

describe('signtool never gets a password or a server URL', () => {
  it('refuses a PFX (its password would be in argv) and says what to do instead', async () => {
    expect(() => toSigntoolCredential({ kind: 'pkcs12', pfx: 'cs.pfx', password: 'Pa$$w0rd' })).toThrow(UsageError);
    expect(() => toSigntoolCredential({ kind: 'pkcs12', pfx: 'cs.pfx', password: 'Pa$$w0rd' })).toThrow(SIGNTOOL_PFX_REFUSED);
    expect(SIGNTOOL_PFX_REFUSED).toContain('Import-PfxCertificate');
    expect(SIGNTOOL_PFX_REFUSED).toContain('sign.certificate.thumbprint');
    expect(SIGNTOOL_PFX_REFUSED).toContain('sign.backend: osslsigncode');
    expect(credentialMismatch('signtool', 'pkcs12')).toBe(SIGNTOOL_PFX_REFUSED);
    expect(credentialMismatch('signtool', 'pem')).toBe('signtool cannot sign with a pem certificate; use sign.backend: osslsigncode');
    expect(credentialMismatch('osslsigncode', 'thumbprint')).toBe('osslsigncode cannot sign with a thumbprint certificate; use sign.backend: signtool (on Windows)');
    expect(credentialMismatch('signtool', 'thumbprint')).toBeUndefined();
    const printed: string[] = [];
    const runner = new ToolRunner({ dryRun: true, signal: new AbortController().signal, onCommand: (line) => printed.push(line) });
    const err = await signFiles({
      runner,
      files: ['app.exe'],
      backend: 'signtool',
      credential: { kind: 'pkcs12', pfx: 'cs.pfx', password: 'Pa$$w0rd' },
      servers: ['http://ts.example/'],
      timeoutMs: 1000,
      retries: 0,
      backoffMs: 0,
      concurrency: 1,
      verify: {},
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(SIGNTOOL_PFX_REFUSED);
    expect(printed).toEqual([]);
  });

  it('auto picks osslsigncode on Windows for key files, signtool for the store and Azure', () => {
    expect(chooseSigningBackend('auto', 'win32', 'pkcs12')).toBe('osslsigncode');
    expect(chooseSigningBackend('auto', 'win32', 'pem')).toBe('osslsigncode');
    expect(chooseSigningBackend('auto', 'win32', 'pkcs11')).toBe('osslsigncode');
    expect(chooseSigningBackend('auto', 'win32', 'thumbprint')).toBe('signtool');
    expect(chooseSigningBackend('auto', 'win32', 'azure')).toBe('signtool');
    expect(chooseSigningBackend('auto', 'linux', 'thumbprint')).toBe('osslsigncode');
    expect(chooseSigningBackend('signtool', 'linux', 'pkcs12')).toBe('signtool');
  });

  it('a dry run lists /tr as a relay placeholder, without the server\'s credentials', async () => {
    const printed: string[] = [];
    const runner = new ToolRunner({ dryRun: true, signal: new AbortController().signal, onCommand: (line) => printed.push(line) });
    await signFiles({
      runner,
      files: ['dist\\app.exe'],
      backend: 'signtool',
      credential: { kind: 'thumbprint', sha1: 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D' },
      servers: ['http://acct-9f8e:t0ken-77@ts.example/rfc3161'],
      timeoutMs: 1000,
      retries: 0,
      backoffMs: 0,
      concurrency: 1,
      verify: {},
      signal: new AbortController().signal,
    });
    expect(printed).toEqual([
      "signtool sign /v /fd sha256 /sha1 CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D /tr '<relay to http://ts.example/rfc3161>' /td sha256 'dist\\app.exe.signed'",
    ]);
  });

  it('a dry run of an MSIX package lists the same signtool command for it', async () => {
    const printed: string[] = [];
    const runner = new ToolRunner({ dryRun: true, signal: new AbortController().signal, onCommand: (line) => printed.push(line) });
    await signFiles({
      runner,
      files: ['dist/Example.Hello_1.2.3.0_arm64.msix'],
      backend: 'signtool',
      credential: { kind: 'thumbprint', sha1: 'CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D' },
      servers: ['http://ts.example/rfc3161'],
      timeoutMs: 1000,
      retries: 0,
      backoffMs: 0,
      concurrency: 1,
      verify: {},
      signal: new AbortController().signal,
    });
    expect(printed).toEqual([
      "signtool sign /v /fd sha256 /sha1 CB1A55F6AB8CCACEDAB3FCD9DE48BD69BE16B88D /tr '<relay to http://ts.example/rfc3161>' /td sha256 dist/Example.Hello_1.2.3.0_arm64.msix.signed",
    ]);
  });
});

describe('parseSigntoolVerify on recorded output', () => {
  it('success with a timestamp', async () => {
    const rec = await readRecordedOutput('signtool-verify-timestamped.txt');
    expect(rec.comments.some((c) => c.startsWith('source: github.com/protaskin/LowCDC-Win10x64'))).toBe(true);
    const report = parseSigntoolVerify(rec.stdout);
    expect(report.succeeded).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.signatures).toEqual([
      {
        signerSubject: 'createcat.bat autogenerated certificate',
        digest: 'sha1',
        signatureOk: true,
        // signtool prints local time without a zone.
        timestamp: { serverSignatureOk: true, time: new Date(2021, 1, 13, 14, 41, 49) },
      },
    ]);
    expect(shippingProblems(report)).toEqual(['the signature uses sha1, not sha256']);
  });

  it('"File is not timestamped." with "Successfully verified"', async () => {
    const rec = await readRecordedOutput('signtool-verify-not-timestamped.txt');
    const report = parseSigntoolVerify(rec.stdout);
    expect(report.succeeded).toBe(true);
    expect(report.signatures).toEqual([{ signerSubject: 'signtooldemo.hsmdemo.test', digest: 'sha256', signatureOk: true }]);
    expect(shippingProblems(report)).toEqual(['the signature has no timestamp']);
  });

  it('failure: untrusted root, not timestamped, blank lines everywhere', async () => {
    const rec = await readRecordedOutput('signtool-verify-untrusted-root.txt');
    const report = parseSigntoolVerify(rec.stdout);
    expect(report.succeeded).toBe(false);
    expect(report.problems).toEqual([
      'A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.',
    ]);
    expect(report.signatures).toEqual([{ signerSubject: 'Richasy', digest: 'sha256', signatureOk: false }]);
    expect(shippingProblems(report)).toEqual([
      'the signature does not verify',
      'the signature has no timestamp',
      'verifier said: A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider.',
    ]);
  });

  it('older signtool without "Signature Index": the signer is the last certificate of the chain', async () => {
    const rec = await readRecordedOutput('signtool-verify-old-format.txt');
    const report = parseSigntoolVerify(rec.stdout);
    expect(report.succeeded).toBe(true);
    expect(report.signatures).toEqual([
      {
        signerSubject: 'Nuxeo Drive SPC',
        digest: 'sha1',
        signatureOk: true,
        timestamp: { serverSignatureOk: true, time: new Date(2014, 0, 28, 14, 52, 34) },
      },
    ]);
  });

  it('no signature at all', () => {
    const report = parseSigntoolVerify('Verifying: x.exe\nSignTool Error: No signature found.\n\nNumber of files successfully Verified: 0\nNumber of warnings: 0\nNumber of errors: 1\n');
    expect(report).toEqual({ signatures: [], succeeded: false, problems: ['No signature found.'] });
  });

  it('two signatures with /all', () => {
    const block = (i: number, hash: string) => [
      `Signature Index: ${i}${i === 0 ? ' (Primary Signature)' : ''}`,
      `Hash of file (${hash}): 00`,
      '',
      'Signing Certificate Chain:',
      '    Issued to: Root',
      '        Issued to: Acme Corp',
      '',
      'The signature is timestamped: Mon Mar 03 10:00:00 2025',
      'Timestamp Verified by:',
      '    Issued to: TSA Root',
      '',
    ];
    const text = ['Verifying: a.exe', ...block(0, 'sha1'), ...block(1, 'sha256'), 'Successfully verified: a.exe', '', 'Number of files successfully Verified: 1', 'Number of warnings: 0', 'Number of errors: 0'].join('\r\n');
    const report = parseSigntoolVerify(text);
    expect(report.signatures.map((s) => [s.signerSubject, s.digest, s.timestamp?.serverSignatureOk])).toEqual([
      ['Acme Corp', 'sha1', true],
      ['Acme Corp', 'sha256', true],
    ]);
  });

  it('dates', () => {
    expect(parseSigntoolTime('Sat Feb 13 14:41:49 2021')).toEqual(new Date(2021, 1, 13, 14, 41, 49));
    expect(parseSigntoolTime('13.02.2021 14:41')).toBeUndefined();
  });
});

describe('parseSigntoolSignOutput', () => {
  it('timestamp server failed: signed with only a warning is a failure', async () => {
    const rec = await readRecordedOutput('signtool-sign-timestamp-warning.txt');
    for (const exitCode of [undefined, 2]) {
      expect(parseSigntoolSignOutput(rec.stdout, exitCode)).toEqual({
        ok: false,
        signed: true,
        timestampFailed: true,
        problems: [
          'The specified timestamp server either could not be reached or returned an invalid response. This may happen if you specify an RFC 3161 timestamp URL but used the /t option or you specified a legacy Authenticode timestamp URL but used the /tr option.',
          'Signing succeeded, but an error occurred while attempting to timestamp: C:\\TeamCity\\TeamCity8\\buildAgent\\work\\build-nightly-2.0.1841.3\\Level1\\Bin\\Release\\scnetworkgatewayloopedtest.exe',
        ],
      });
    }
  });

  it('a TSA HTTP error or network failure reported only as an HRESULT is still the server\'s fault', () => {
    // The shape signtool prints for SignerSign() failures (AzureSignTool and signtool issue reports).
    const http500 = 'Done Adding Additional Store\nSignTool Error: An unexpected internal error has occurred.\nError information: "Error: SignerSign() failed." (-2145845772/0x801901f4)\n';
    expect(parseSigntoolSignOutput(http500, 1)).toMatchObject({ ok: false, signed: false, timestampFailed: true });
    const noConnect = 'SignTool Error: An unexpected internal error has occurred.\nError information: "Error: SignerTimeStampEx3() failed." (-2147012867/0x80072efd)\n';
    expect(parseSigntoolSignOutput(noConnect, 1).timestampFailed).toBe(true);
    const badPassword = 'SignTool Error: The specified PFX password is not correct.\n\nNumber of files successfully Signed: 0\nNumber of warnings: 0\nNumber of errors: 1\n';
    expect(parseSigntoolSignOutput(badPassword, 1).timestampFailed).toBe(false);
  });

  it('the same warning wrapped over a blank line', async () => {
    const rec = await readRecordedOutput('signtool-sign-timestamp-warning-2.txt');
    const outcome = parseSigntoolSignOutput(rec.stdout);
    expect(outcome).toMatchObject({ ok: false, signed: true, timestampFailed: true });
    expect(outcome.problems[1]).toBe('Signing succeeded, but an error occurred while attempting to timestamp: C:\\codelocal\\chocolatey2\\code_drop\\chocolatey\\console\\choco.exe');
  });

  it('success', async () => {
    const rec = await readRecordedOutput('signtool-sign-ok.txt');
    expect(parseSigntoolSignOutput(rec.stdout, 0)).toEqual({ ok: true, signed: true, timestampFailed: false, problems: [] });
    // The same text with exit code 2 (warnings) is not ok.
    expect(parseSigntoolSignOutput(rec.stdout, 2).ok).toBe(false);
  });

  it('a plain failure', () => {
    const outcome = parseSigntoolSignOutput('SignTool Error: No certificates were found that met all the given criteria.\n\nNumber of errors: 1\n', 1);
    expect(outcome).toEqual({ ok: false, signed: false, timestampFailed: false, problems: ['No certificates were found that met all the given criteria.'] });
  });
});
