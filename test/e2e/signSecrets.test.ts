import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, releaseBin, repoRoot } from '../support/cli.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startProcessScan, type SeenProcess } from '../support/proc-scan.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

// Secrets during a real `release build` with signing: the PFX password and a timestamp server's
// user:password are watched for in the argv and environment of every process the CLI starts
// (polled through /proc every ~50 ms), in its output and --json summary, in dist/ and in every
// file under its temp folder, during and after the run; and `kill -9` while osslsigncode waits
// on a hung server leaves no password anywhere and no osslsigncode behind.

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
const ACCOUNT = 'acct-9f8e';
const TOKEN = 't0k%40en-77';
let work: string;
let pki: TestPki;
let fleet: TsaFleet;
let secrets: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-secrets-'));
  pki = await createTestPki(join(work, 'pki'));
  fleet = await startTsaFleet(pki, [
    { kind: 'hang', name: 'hang' },
    { kind: 'healthy', name: 'healthy' },
  ]);
  secrets = [pki.codeSigning.pfxPassword, ACCOUNT, TOKEN, decodeURIComponent(TOKEN)];
});
afterAll(async () => {
  await fleet?.stop();
});

const withAccount = (name: string) => fleet.url(name).replace('http://', `http://${ACCOUNT}:${TOKEN}@`);

/** Probe off, the hung server first: every file's first attempt waits out its deadline. */
const config = (timeoutSeconds: number) => `project:
  name: goapp
  vendor: Fixture & Sons
builds:
  - binary: goapp
    targets: [windows/amd64]
sign:
  certificate:
    pfx: ${pki.codeSigning.pfxPath}
  verify:
    caFile: ${pki.rootBundlePath}
    tsaCaFile: ${pki.rootBundlePath}
timestamp:
  servers: [${withAccount('hang')}, ${withAccount('healthy')}]
  timeoutSeconds: ${timeoutSeconds}
  retries: 0
  probe: false
`;

/** Files under `dir` (recursively), with their content when small: a password file is. */
function smallFiles(dir: string, maxBytes = 1024 * 1024): Array<{ path: string; text: Buffer }> {
  const out: Array<{ path: string; text: Buffer }> = [];
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(e.parentPath, e.name);
    try {
      if (e.isFile() && statSync(p).size <= maxBytes) out.push({ path: p, text: readFileSync(p) });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** Polls `dirs` while the run goes on and remembers every file that ever held a secret. */
function watchFiles(dirs: string[]): { stop(): string[] } {
  const hits = new Set<string>();
  const poll = () => {
    for (const dir of dirs) {
      for (const f of smallFiles(dir, 64 * 1024)) for (const s of secrets) if (f.text.includes(s)) hits.add(`${f.path} holds ${s === pki.codeSigning.pfxPassword ? 'the password' : s}`);
    }
  };
  const timer = setInterval(poll, 50);
  return {
    stop() {
      clearInterval(timer);
      poll();
      return [...hits];
    },
  };
}

function startRelease(dir: string, temp: string, args: string[]) {
  return execa(process.execPath, [releaseBin, ...args], {
    cwd: dir,
    env: { CI: 'true', NO_COLOR: '1', TMPDIR: temp, WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword },
    reject: false,
    timeout: 600_000,
  });
}

/** Still running: exists and is not a zombie waiting for its (new) parent to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function expectNoSecretIn(seen: readonly SeenProcess[]): void {
  for (const p of seen) {
    for (const s of secrets) expect(`${p.cmdline}\n${p.environ}`, `process ${p.pid}: ${p.cmdline}`).not.toContain(s);
    expect(p.environ, `process ${p.pid}: ${p.cmdline}`).not.toMatch(/^WINSHIP_PFX_PASSWORD=/m);
  }
}

describe('secrets during a signed release build', () => {
  it('never reach a child\'s argv or environment, our output, dist/ or a temp file', async () => {
    const dir = await makeGitProject(fixture, join(work, 'scan'));
    await writeFile(join(dir, 'release.yaml'), config(3));
    await commitAll(dir, 'scan', { tag: 'v1.0.0' });
    const temp = await mkdtemp(join(work, 'tmp-'));
    const files = watchFiles([temp, join(dir, 'dist')]);
    const run = startRelease(dir, temp, ['build', '--json', '--skip', 'msi']);
    const scan = startProcessScan(run.pid!);
    const result = await run;
    const seen = await scan.stop();
    expect(result.exitCode, String(result.stderr)).toBe(0);

    // The scan saw the whole run: go from the start (the password was scrubbed before the
    // first child), and osslsigncode pointed at the relay with the password on its stdin.
    expect(seen.some((p) => /^go build /.test(p.cmdline)), seen.map((p) => p.cmdline).join('\n')).toBe(true);
    const signs = seen.filter((p) => p.cmdline.startsWith('osslsigncode sign '));
    expect(signs.length).toBeGreaterThanOrEqual(1);
    for (const p of signs) expect(p.cmdline).toMatch(/ -readpass - .* -ts http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32} /);
    expectNoSecretIn(seen);

    // Our output, the --json summary, dist/ and the temp folder.
    const summary = JSON.parse(String(result.stdout));
    expect(summary.ok).toBe(true);
    for (const s of secrets) expect(`${result.stdout}\n${result.stderr}`).not.toContain(s);
    expect(files.stop()).toEqual([]);
    const dist = smallFiles(join(dir, 'dist'), Infinity);
    expect(dist.length).toBeGreaterThan(3);
    for (const f of dist) for (const s of secrets) expect(f.text.includes(s), f.path).toBe(false);
    expect(readdirSync(temp)).toEqual([]);

    // Every binary signed, with the healthy server's timestamp; the server got the account.
    const doc = JSON.parse(readFileSync(join(dir, 'dist', 'artifacts.json'), 'utf8'));
    const binaries = doc.artifacts.filter((a: { kind: string }) => a.kind === 'binary');
    expect(binaries.length).toBeGreaterThanOrEqual(1);
    for (const a of binaries) expect(a.signature.timestampServer).toBe(fleet.url('healthy'));
    expect(fleet.server('healthy').requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${decodeURIComponent(TOKEN)}`).toString('base64')}`);
  });

  it('kill -9 while osslsigncode waits on a hung server: no password left anywhere, no osslsigncode left running', async () => {
    const dir = await makeGitProject(fixture, join(work, 'kill'));
    // A deadline far away: only the relay's end (our process dying) can end osslsigncode soon.
    await writeFile(join(dir, 'release.yaml'), config(120));
    await commitAll(dir, 'kill', { tag: 'v1.0.0' });
    const temp = await mkdtemp(join(work, 'tmp-'));
    const files = watchFiles([temp, join(dir, 'dist')]);
    const hangBefore = fleet.server('hang').requestCount;
    const run = startRelease(dir, temp, ['build', '--skip', 'msi']);
    const scan = startProcessScan(run.pid!);
    // Event-driven, with a wide bound: wait until osslsigncode's request reached the hung server.
    const waitUntil = Date.now() + 300_000;
    while (fleet.server('hang').requestCount === hangBefore && Date.now() < waitUntil && run.exitCode === null) await sleep(50);
    expect(fleet.server('hang').requestCount).toBeGreaterThan(hangBefore);
    // The scan samples /proc every 50 ms: on a loaded machine the request can reach the server
    // before the scan's next look. osslsigncode is waiting (its deadline is 120 s away), so
    // give the scan its next samples instead of reading it at once.
    const stuckPids = () => scan.seen.filter((p) => p.cmdline.startsWith('osslsigncode sign ')).map((p) => p.pid);
    const seenBy = Date.now() + 30_000;
    while (stuckPids().length === 0 && Date.now() < seenBy) await sleep(50);
    const stuck = stuckPids();
    expect(stuck.length).toBeGreaterThanOrEqual(1);
    process.kill(run.pid!, 'SIGKILL');
    const result = await run;
    expect(result.signal).toBe('SIGKILL');
    // osslsigncode talked to our relay, which died with us: it fails at once instead of
    // waiting on the hung server for ever (a wide bound; its own deadline was 120 s away).
    const goneBy = Date.now() + 20_000;
    while (stuck.some(running) && Date.now() < goneBy) await sleep(100);
    expect(stuck.filter(running)).toEqual([]);
    expectNoSecretIn(await scan.stop());
    expect(files.stop()).toEqual([]);
    for (const f of smallFiles(temp, Infinity)) for (const s of secrets) expect(f.text.includes(s), f.path).toBe(false);

    // The next run takes over the dead run's lock and signs (with a short deadline for the hung server).
    await writeFile(join(dir, 'release.yaml'), config(3));
    await commitAll(dir, 'short deadline');
    const again = await execa(process.execPath, [releaseBin, 'build', '--skip', 'msi'], {
      cwd: dir,
      env: { CI: 'true', NO_COLOR: '1', TMPDIR: temp, WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword },
      reject: false,
    });
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
