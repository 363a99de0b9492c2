// The key password reaches the real osslsigncode through its stdin (-readpass -) intact, for
// passwords a shell or a file would mangle; an osslsigncode too old to be given one is refused.
// (Through a FIFO, the route before 2.9: test/sign/passwordFifo.test.ts.)

import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFiles, type SignFilesOptions } from '../../src/signing/engine.js';
import { SigningFailedError } from '../../src/signing/failover.js';
import { shippingProblems } from '../../src/signing/report.js';
import { osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { StageError, UsageError } from '../../src/util/errors.js';
import { buildTinyWindowsExe, copyOfExe, pfxSignOptions, pfxWithPassword } from '../fixtures/sign/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let exe: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-sign-password-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'healthy' }]);
  exe = await buildTinyWindowsExe(path.join(dir, 'build'));
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function options(file: string, pfx: string, password: string): SignFilesOptions {
  return pfxSignOptions({ file, pfx, password, servers: [fleet.url('healthy')], roots: pki.rootBundlePath });
}

describe('the key password on osslsigncode\'s stdin', () => {
  it.each([
    ['spaces, quotes, a backslash, shell syntax and non-ASCII', `pa ss "q" 'x' \\ $HOME \`id\` ü€😀`],
    ['an empty password', ''],
    ['leading and inner spaces', '  two  words'],
  ])('signs with %s', async (_what, password) => {
    const pfx = await pfxWithPassword(pki.codeSigning, dir, password);
    const file = await copyOfExe(exe, dir);
    const [record] = await signFiles(options(file, pfx, password));
    expect(record).toMatchObject({ signerSubject: pki.codeSigning.subject, timestampServer: fleet.url('healthy') });
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    const { report } = await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 60_000 });
    expect(shippingProblems(report)).toEqual([]);
    // The password that arrived is the one given: one character off does not open the PFX.
    if (password) {
      const err = await signFiles(options(await copyOfExe(exe, dir), pfx, `${password}x`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SigningFailedError);
      expect((err as SigningFailedError).permanent).toMatch(/Wrong password/);
    }
  });

  it('refuses a password osslsigncode would read as another one, before signing anything', async () => {
    const file = await copyOfExe(exe, dir);
    const err = await signFiles(options(file, pki.codeSigning.pfxPath, 'ends with a newline\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe('sign.certificate: the password cannot be given to osslsigncode: it ends with a line break, which osslsigncode strips. Change the password of the key.');
    expect(await readdir(path.dirname(file))).toEqual(['app.exe']);
  });

  it('refuses an osslsigncode older than 2.2, which would keep the newline as part of the password', async () => {
    // 2.2-2.8 get it through a FIFO instead (test/sign/passwordFifo.test.ts); 2.8 and older on
    // Windows are refused too (test/unit/sign/osslsigncodeVersion.test.ts).
    const bin = path.join(dir, 'old-osslsigncode');
    await mkdir(bin);
    await writeFile(path.join(bin, 'osslsigncode'), "#!/bin/sh\necho 'osslsigncode 2.1, using:'\n");
    await chmod(path.join(bin, 'osslsigncode'), 0o755);
    const before = fleet.server('healthy').requestCount;
    const original = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${original}`;
    try {
      const err = await signFiles(options(await copyOfExe(exe, dir), pki.codeSigning.pfxPath, pki.codeSigning.pfxPassword)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StageError);
      expect((err as Error).message).toMatch(
        /^osslsigncode 2\.1 cannot be given the key's password: -readpass -, the password on a pipe, needs 2\.9 or newer, and a named pipe 2\.2 or newer \(older ones keep the line end as part of the password\); winship never writes a password to a file or puts it in a command line\. Install a newer one: /,
      );
    } finally {
      process.env.PATH = original;
    }
    expect(fleet.server('healthy').requestCount).toBe(before);
  });
});
