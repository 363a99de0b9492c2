// Which osslsigncode versions can sign what, and how the key's password reaches each: the
// version gate before any file is touched (src/signing/backends/osslsigncode.ts). A runner that
// only answers `--version` stands in for the real program.

import { describe, expect, it } from 'vitest';
import { checkOsslsigncodeVersion } from '../../../src/signing/backends/osslsigncode.js';
import type { ToolRunner } from '../../../src/tools/runner.js';
import { StageError } from '../../../src/util/errors.js';

/** A runner whose osslsigncode says it is `version` (a new one each time: versions are cached per runner). */
function runnerOf(version: string): ToolRunner {
  const stdout = `osslsigncode ${version}, using:\n\tOpenSSL 3.0.13 30 Jan 2024\n`;
  return { run: async () => ({ exitCode: 0, stdout, stderr: '', raw: { stdout, stderr: '' }, durationMs: 1, dryRun: false }) } as unknown as ToolRunner;
}

const check = (version: string, needs: Parameters<typeof checkOsslsigncodeVersion>[1], platform: NodeJS.Platform = 'linux') =>
  checkOsslsigncodeVersion(runnerOf(version), needs, platform);

describe('checkOsslsigncodeVersion', () => {
  it('2.9 and newer read the password on stdin, everywhere', async () => {
    for (const [version, platform] of [['2.9', 'linux'], ['2.14', 'win32'], ['3.0', 'darwin']] as const) {
      expect(await check(version, { msix: false, password: true }, platform)).toEqual({
        version: version.split('.').map(Number),
        passwordRoute: 'stdin',
        notes: [],
      });
    }
  });

  it('2.2-2.8 read it from a FIFO on Linux and macOS', async () => {
    for (const version of ['2.2', '2.5', '2.7', '2.8']) {
      expect((await check(version, { msix: false, password: true }, 'linux')).passwordRoute).toBe('fifo');
      expect((await check(version, { msix: false, password: true }, 'darwin')).passwordRoute).toBe('fifo');
    }
    // Without a password, nothing to route.
    expect((await check('2.5', { msix: false, password: false })).passwordRoute).toBe('stdin');
  });

  it('refuses 2.8 and older with a password on Windows, which has no FIFOs', async () => {
    const err = await check('2.8', { msix: false, password: true }, 'win32').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageError);
    expect((err as Error).message).toMatch(
      /^osslsigncode 2\.8 cannot be given the key's password on Windows \(-readpass -, the password on a pipe, needs 2\.9 or newer\), and winship never writes a password to a file or puts it in a command line\. Install a newer one: /,
    );
    expect((await check('2.8', { msix: false, password: false }, 'win32')).version).toEqual([2, 8]);
  });

  it('refuses 2.0 and 2.1 with a password: they keep the newline as part of it', async () => {
    const err = await check('2.1', { msix: false, password: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^osslsigncode 2\.1 cannot be given the key's password: .*a named pipe 2\.2 or newer \(older ones keep the line end as part of the password\)/);
  });

  it('MSIX still needs 2.7', async () => {
    await expect(check('2.6', { msix: true, password: false })).rejects.toThrow(/^osslsigncode 2\.6 cannot sign MSIX\/APPX packages: that needs 2\.7 or newer\./);
    expect((await check('2.7', { msix: true, password: true })).passwordRoute).toBe('fifo');
  });

  it('online revocation needs 2.8; 2.8 cannot be told not to fetch CRLs, and says so', async () => {
    await expect(check('2.7', { msix: false, password: false, onlineRevocation: true })).rejects.toThrow(
      /^sign\.verify\.onlineRevocation: osslsigncode 2\.7 does not fetch or check the CRLs that certificates name \(2\.8 or newer does\)\./,
    );
    expect((await check('2.8', { msix: false, password: false, onlineRevocation: true })).notes).toEqual([]);
    expect((await check('2.8', { msix: false, password: false })).notes).toEqual([
      'osslsigncode 2.8 always fetches the CRLs that certificates name when it verifies (-ignore-crl came in 2.9): a CRL server it cannot reach fails the verification',
    ]);
    expect((await check('2.5', { msix: false, password: false })).notes).toEqual([]);
  });

  it('a version it cannot read is refused where the version matters, taken as current elsewhere', async () => {
    const odd = () => ({ run: async () => ({ exitCode: 0, stdout: 'something else\n', stderr: '', raw: { stdout: 'something else\n', stderr: '' }, durationMs: 1, dryRun: false }) }) as unknown as ToolRunner;
    expect(await checkOsslsigncodeVersion(odd(), { msix: false, password: false }, 'linux')).toEqual({ version: undefined, passwordRoute: 'stdin', notes: [] });
    await expect(checkOsslsigncodeVersion(odd(), { msix: false, password: true }, 'linux')).rejects.toThrow(/^osslsigncode something else cannot be given the key's password/);
  });
});
