// The key password through a FIFO, the route of osslsigncode before 2.9 on Linux/macOS: with the
// real osslsigncode 2.9 forced onto that route (it reads `-readpass FILE` as 2.2-2.8 do), with
// one that says it is 2.5, and with Debian bookworm's real 2.5 when scripts/setup.sh could
// unpack it. The password is only ever in the kernel's pipe buffer: the FIFO on disk holds 0
// bytes, no file has it, it is gone after the run, and a `kill -9` leaves only an empty FIFO
// that the next run's sweep removes.

import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTempFolder } from '../../src/pipeline/leftovers.js';
import { signFiles, type SignFilesOptions } from '../../src/signing/engine.js';
import { SigningFailedError } from '../../src/signing/failover.js';
import { shippingProblems } from '../../src/signing/report.js';
import { osslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { CancelledError } from '../../src/util/errors.js';
import { runTempDir } from '../../src/util/runId.js';
import { buildTinyWindowsExe, copyOfExe, pfxSignOptions, pfxWithPassword } from '../fixtures/sign/support.js';
import { repoRoot } from '../support/paths.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startProcessScan } from '../support/proc-scan.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

/** Debian bookworm's osslsigncode 2.5, unpacked (not installed) by scripts/setup.sh when apt has it. */
const DEBIAN_2_5 = path.join(repoRoot, '.cache', 'osslsigncode-2.5', 'usr', 'bin', 'osslsigncode');

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let exe: string;
let realOsslsigncode: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-sign-fifo-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'healthy', name: 'healthy' },
    { kind: 'http500', name: 'http500' },
    { kind: 'hang', name: 'hang' },
  ]);
  exe = await buildTinyWindowsExe(path.join(dir, 'build'));
  realOsslsigncode = (await execa('sh', ['-c', 'command -v osslsigncode'])).stdout.trim();
});
afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function options(file: string, pfx: string, password: string, extra: Partial<SignFilesOptions> = {}): SignFilesOptions {
  return pfxSignOptions({ file, pfx, password, servers: [fleet.url('healthy')], roots: pki.rootBundlePath }, { forcePasswordRoute: 'fifo', ...extra });
}

async function expectVerified(file: string): Promise<void> {
  const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
  const { report } = await osslsigncodeVerify(runner, { input: file, caFile: pki.rootBundlePath, tsaCaFile: pki.rootBundlePath }, { timeoutMs: 60_000 });
  expect(shippingProblems(report)).toEqual([]);
}

/** The FIFOs in this process's run temp folder (where the route makes them). */
async function fifosLeft(): Promise<string[]> {
  const tmp = await runTempDir();
  return (await readdir(tmp)).filter((name) => lstatSync(path.join(tmp, name)).isFIFO());
}

/** Regular files under `root` whose bytes contain `secret`. FIFOs are never opened (that could block). */
async function filesHolding(root: string, secret: string): Promise<string[]> {
  const needle = Buffer.from(secret);
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) found.push(file);
  }
  return found;
}

/** Poll until `ready()` (no tight bound: the machine is shared), failing after a generous while. */
async function waitFor(what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the key password through a FIFO (osslsigncode 2.9 on the route of 2.2-2.8)', () => {
  it.each([
    ['an empty password', ''],
    ['spaces, quotes, a backslash, shell syntax and non-ASCII', `pa ss "q" 'x' \\ $HOME \`id\` ü€😀`],
  ])('signs with %s, and the FIFO is gone afterwards', async (_what, password) => {
    const pfx = await pfxWithPassword(pki.codeSigning, dir, password);
    const file = await copyOfExe(exe, dir, 'dist');
    const commands: string[] = [];
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal, onCommand: (line) => commands.push(line) });
    const [record] = await signFiles(options(file, pfx, password, { runner }));
    expect(record).toMatchObject({ signerSubject: pki.codeSigning.subject, timestampServer: fleet.url('healthy') });
    await expectVerified(file);
    // mkfifo, then osslsigncode reading the password from what it made.
    const fifo = /^mkfifo -m 600 (\S+)$/.exec(commands[0] ?? '')?.[1];
    expect(fifo).toMatch(/\/winship-\d+-[0-9a-f]{8}\/password-[0-9a-f]{16}\.fifo$/);
    expect(commands[1]).toContain(` -readpass ${fifo} `);
    expect(await fifosLeft()).toEqual([]);
  });

  it('a wrong password is osslsigncode\'s own "Wrong password" failure, and no FIFO stays', async () => {
    const pfx = await pfxWithPassword(pki.codeSigning, dir, 'right one');
    const err = await signFiles(options(await copyOfExe(exe, dir, 'dist'), pfx, 'wrong one')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SigningFailedError);
    expect((err as SigningFailedError).permanent).toMatch(/Wrong password/);
    expect(await fifosLeft()).toEqual([]);
  });

  it('while osslsigncode waits on a server: the FIFO is there with 0 bytes on disk, and no file holds the password', async () => {
    const password = `fifo "pw" ü€😀 ${randomBytes(6).toString('hex')}`;
    const pfx = await pfxWithPassword(pki.codeSigning, dir, password);
    const file = await copyOfExe(exe, dir, 'dist');
    const hangBefore = fleet.server('hang').requestCount;
    const stop = new AbortController();
    const scan = startProcessScan(process.pid);
    const signing = signFiles(options(file, pfx, password, { servers: [fleet.url('hang')], timeoutMs: 600_000, signal: stop.signal })).catch((e: unknown) => e);
    try {
      // osslsigncode reads the password before it loads the key, and asks the server after.
      await waitFor('osslsigncode to ask the hanging server', () => fleet.server('hang').requestCount > hangBefore);
      const fifos = await fifosLeft();
      expect(fifos).toHaveLength(1);
      const fifo = path.join(await runTempDir(), fifos[0]!);
      // The waiting osslsigncode has the FIFO's path in its argv; neither it nor any other child had the password.
      await waitFor('the process scan to see osslsigncode', () => scan.seen.some((p) => p.cmdline.includes(` -readpass ${fifo} `)));
      for (const p of scan.seen) expect(p.cmdline + p.environ).not.toContain(password);
      const stat = lstatSync(fifo);
      expect(stat.isFIFO()).toBe(true);
      expect(stat.size).toBe(0);
      expect(stat.mode & 0o777).toBe(0o600);
      expect(lstatSync(await runTempDir()).mode & 0o777).toBe(0o700);
      expect(await filesHolding(await runTempDir(), password)).toEqual([]);
      expect(await filesHolding(path.dirname(path.dirname(file)), password)).toEqual([]);
    } finally {
      await scan.stop();
      stop.abort();
    }
    expect(await signing).toBeInstanceOf(CancelledError);
    expect(await fifosLeft()).toEqual([]);
  });

  it('a dry run shows a placeholder for the FIFO and makes none', async () => {
    const commands: string[] = [];
    const runner = new ToolRunner({ dryRun: true, signal: new AbortController().signal, onCommand: (line) => commands.push(line) });
    const file = await copyOfExe(exe, dir, 'dist');
    await signFiles(options(file, pki.codeSigning.pfxPath, pki.codeSigning.pfxPassword, { runner }));
    expect(commands).toEqual([`osslsigncode sign -pkcs12 ${pki.codeSigning.pfxPath} -readpass '<password fifo>' -h sha256 -ts '<relay to ${fleet.url('healthy')}>' -in ${file} -out ${file}.signed`]);
    expect(await fifosLeft()).toEqual([]);
  });
});

describe('an osslsigncode that says it is 2.5', () => {
  it('gets the password through a FIFO and is verified without -ignore-crl, which 2.5 does not know', async () => {
    const bin = path.join(dir, 'says-2.5');
    await mkdir(bin);
    const log = path.join(dir, 'says-2.5.log');
    // Answers --version as 2.5 and runs the real one otherwise, logging the argv it got.
    await writeFile(
      path.join(bin, 'osslsigncode'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo 'osslsigncode 2.5, using:'; exit 0; fi\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realOsslsigncode}' "$@"\n`,
    );
    await chmod(path.join(bin, 'osslsigncode'), 0o755);
    await appendFile(log, '');
    const original = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${original}`;
    try {
      const file = await copyOfExe(exe, dir, 'dist');
      // No forced route: the version decides.
      const [record] = await signFiles(options(file, pki.codeSigning.pfxPath, pki.codeSigning.pfxPassword, { forcePasswordRoute: undefined }));
      expect(record!.timestampServer).toBe(fleet.url('healthy'));
    } finally {
      process.env.PATH = original;
    }
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines.find((l) => l.startsWith('sign '))).toMatch(/ -readpass \/\S+\/password-[0-9a-f]{16}\.fifo /);
    expect(lines.find((l) => l.startsWith('verify '))).not.toContain('-ignore-crl');
    expect(lines.join('\n')).not.toContain(pki.codeSigning.pfxPassword);
    expect(await fifosLeft()).toEqual([]);
  });
});

describe.skipIf(!existsSync(DEBIAN_2_5))("Debian bookworm's real osslsigncode 2.5", () => {
  const withDebian25 = async <T>(use: () => Promise<T>): Promise<T> => {
    const bin = path.join(dir, `debian-2.5-${n++}`);
    await mkdir(bin);
    await symlink(DEBIAN_2_5, path.join(bin, 'osslsigncode'));
    const original = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${original}`;
    try {
      return await use();
    } finally {
      process.env.PATH = original;
    }
  };

  it('signs with a password from the FIFO, fails over from a server that failed, and its signature verifies', async () => {
    const password = `two words "q" ü ${randomBytes(4).toString('hex')}`;
    const pfx = await pfxWithPassword(pki.codeSigning, dir, password);
    const file = await copyOfExe(exe, dir, 'dist');
    const [record] = await withDebian25(() =>
      signFiles(options(file, pfx, password, { forcePasswordRoute: undefined, servers: [fleet.url('http500'), fleet.url('healthy')] })),
    );
    // 2.5 says no "Connecting to": the relay's count shows the failure was the server's, so the next one was tried.
    expect(record!.attempts.map((a) => [a.server, a.outcome])).toEqual([
      [fleet.url('http500'), 'failed'],
      [fleet.url('healthy'), 'ok'],
    ]);
    expect(record!.attempts[0]!.detail).toBe('the server answered HTTP 500 Internal Server Error');
    await expectVerified(file);
    expect(await fifosLeft()).toEqual([]);
  });

  it('a wrong password fails at once as its "Wrong password" (read from its stdout), not the server\'s fault', async () => {
    const pfx = await pfxWithPassword(pki.codeSigning, dir, 'right one');
    const before = fleet.server('healthy').requestCount;
    const file = await copyOfExe(exe, dir, 'dist');
    const err = await withDebian25(() => signFiles(options(file, pfx, 'wrong one', { forcePasswordRoute: undefined }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SigningFailedError);
    expect((err as SigningFailedError).permanent).toMatch(/Wrong password/);
    expect(fleet.server('healthy').requestCount).toBe(before);
  });
});

describe('a run killed with SIGKILL while a password waits in its FIFO', () => {
  it('leaves an empty FIFO in its temp folder, which the next run\'s sweep removes', async () => {
    const tmp = await mkdtemp(path.join(dir, 'tmp-'));
    const password = `killed ${randomBytes(6).toString('hex')}`;
    // The built module (npx tsc -p tsconfig.build.json), in a process of its own: it makes the
    // FIFO, writes the password, says where, and waits until it is killed.
    const script = [
      `import { withPasswordInFifo } from ${JSON.stringify(path.join(repoRoot, 'lib', 'tools', 'passwordFifo.js'))};`,
      `import { ToolRunner } from ${JSON.stringify(path.join(repoRoot, 'lib', 'tools', 'runner.js'))};`,
      'const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });',
      `await withPasswordInFifo(runner, ${JSON.stringify(password)}, {}, (fifo) => { console.log(fifo); return new Promise(() => setInterval(() => {}, 1000)); });`,
    ].join('\n');
    const child = execa('node', ['--input-type=module', '-e', script], { env: { TMPDIR: tmp }, reject: false });
    let fifo = '';
    child.stdout!.on('data', (chunk: Buffer) => (fifo += chunk.toString()));
    await waitFor('the child to make its FIFO', () => fifo.includes('\n'));
    fifo = fifo.trim();
    child.kill('SIGKILL');
    await child;
    expect(path.dirname(path.dirname(fifo))).toBe(tmp);
    const stat = lstatSync(fifo);
    expect(stat.isFIFO()).toBe(true);
    expect(stat.size).toBe(0);
    expect(await filesHolding(tmp, password)).toEqual([]);
    expect(await sweepTempFolder(tmp)).toEqual([path.dirname(fifo)]);
    expect(existsSync(path.dirname(fifo))).toBe(false);
  });
});
