import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_PATHS, writeFeedFixture, type FeedFixture } from '../support/feedFixture.js';
import { GO_ENV } from '../support/goApplier.js';
import { repoRoot } from '../support/paths.js';
import { startReleaseServe, type RunningServe } from '../support/releaseServe.js';
import { createWinePrefix, haveWine, placeExe } from '../support/wine.js';

// go/update, the Go update client: its own tests (go vet, go test with httptest feeds), then
// examples/hello cross-compiled for windows/amd64 updating itself under Wine, v1 → v3 through
// `release serve` by a chain of two patches, and refusing a feed it must not trust.

const moduleDir = join(repoRoot, 'go', 'update');
const helloDir = join(repoRoot, 'examples', 'hello');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'];

let work: string;
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-goupdate-'));
});

describe('go/update, the Go update client', () => {
  it('passes go vet and its own tests', async () => {
    await execa('go', ['vet', './...'], { cwd: moduleDir, env: GO_ENV });
    const r = await execa('go', ['test', '-count=1', './...'], { cwd: moduleDir, env: GO_ENV, reject: false });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('hello update says so when the build names no feed', async () => {
    const exe = join(work, 'hello-plain');
    await execa('go', ['build', '-trimpath', '-o', exe, '.'], { cwd: helloDir, env: GO_ENV });
    const r = await execa(exe, ['update'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('hello update: this build has no update feed configured (build it with -ldflags "-X main.feedURL=URL -X main.feedKey=KEY"; see README.md)');
    expect((await execa(exe, [])).stdout).toBe('Hello, world! This is hello dev.');
  });
});

describe('hello update under Wine (windows/amd64), through release serve', () => {
  let wine: Awaited<ReturnType<typeof createWinePrefix>>;
  let serve: RunningServe;
  let feed: FeedFixture;
  const feedDir = () => join(work, 'feed');
  const exes: Record<string, Buffer> = {};

  /** A fresh C:\<name>\hello.exe holding `version`'s exe as its release shipped it; returns its Windows path. */
  const install = async (name: string, version: string) => placeExe(wine, name, 'hello.exe', exes[version]!);
  const installed = async (name: string) => readFile(join(wine.driveC, name, 'hello.exe'));

  beforeAll(async () => {
    expect(await haveWine(), 'wine64 is installed by scripts/setup.sh').toBe(true);
    // The server first: its URL is linked into the exes. (It needs a releases.json to start;
    // the real one replaces it below.)
    await mkdir(feedDir(), { recursive: true });
    await writeFile(join(feedDir(), 'releases.json'), '{}\n');
    serve = await startReleaseServe(feedDir());
    const key = (await import('../support/feedFixture.js')).fixtureKey().publicKey;
    const [prefix] = await Promise.all([
      createWinePrefix(join(work, 'wine', 'prefix')),
      (async () => {
        for (const version of VERSIONS) {
          const out = join(work, 'builds', version, 'hello.exe');
          const ldflags = `-s -w -X main.version=${version} -X main.feedURL=${serve.url} -X main.feedKey=${key}`;
          await execa('go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', out, '.'], { cwd: helloDir, env: { ...GO_ENV, GOOS: 'windows', GOARCH: 'amd64' } });
          exes[version] = await readFile(out);
        }
      })(),
    ]);
    wine = prefix;
    feed = await writeFeedFixture(
      feedDir(),
      VERSIONS.map((version) => ({ version, exe: join(work, 'builds', version, 'hello.exe') })),
      [
        ['1.0.0', '1.1.0'],
        ['1.1.0', '1.2.0'],
      ],
    );
  }, 600_000);
  afterAll(async () => {
    await serve?.stop();
  });

  it('updates 1.0.0 to 1.2.0 by two patches, and the new exe runs', async () => {
    const exe = await install('app', '1.0.0');
    expect((await wine.run([exe, '--version'])).stdout).toMatch(/^hello 1\.0\.0 /);
    const before = serve.output().length;
    const started = performance.now();
    const r = await wine.run([exe, 'update'], { reject: false });
    const seconds = (performance.now() - started) / 1000;
    expect(r.exitCode, r.stderr).toBe(0);
    const patches = ['1.0.0', '1.1.0'].map((from, i) => FEED_PATHS.patchPath(from, VERSIONS[i + 1]!));
    const patchBytes = patches.reduce((n, p) => n + feed.files[p]!.size, 0);
    const full = feed.files[FEED_PATHS.exePath('1.2.0')]!.size;
    expect(r.stdout).toBe(`updating hello 1.0.0 to 1.2.0: ${patchBytes} bytes to download (2 patches)\nupdated to hello 1.2.0: it runs from the next start`);
    expect(sha(await installed('app'))).toBe(sha(exes['1.2.0']!));
    // What it asked the server for: the index, its signature, the two patches; not the exe.
    const requests = serve.output().slice(before).trim().split('\n');
    expect(requests).toEqual([
      `200 GET /releases.json ${feed.index.length} bytes`,
      expect.stringMatching(/^200 GET \/releases\.json\.sig 89 bytes$/),
      ...patches.map((p) => `200 GET /${p} ${feed.files[p]!.size} bytes`),
    ]);
    console.log(`hello update under Wine: 1.0.0 → 1.2.0 in ${seconds.toFixed(1)} s, ${patchBytes} bytes of patches (${patches.map((p) => feed.files[p]!.size).join(' + ')}) instead of ${full} (${((100 * patchBytes) / full).toFixed(2)} %)`);
    // The next start runs 1.2.0 and removes the exe it replaced.
    expect((await readdir(join(wine.driveC, 'app'))).sort()).toEqual(['hello.exe', 'hello.exe.old']);
    expect((await wine.run([exe, '--version'])).stdout).toMatch(/^hello 1\.2\.0 \(commit none, built unknown, windows\/amd64\)/);
    expect(await readdir(join(wine.driveC, 'app'))).toEqual(['hello.exe']);
    const again = await wine.run([exe, 'update'], { reject: false });
    expect([again.exitCode, again.stdout], again.stderr).toEqual([0, 'hello 1.2.0 is up to date']);
  });

  it('updates 1.1.0 by the one patch it needs', async () => {
    const exe = await install('app11', '1.1.0');
    const r = await wine.run([exe, 'update'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${feed.files[FEED_PATHS.patchPath('1.1.0', '1.2.0')]!.size} bytes to download (1 patch)`);
    expect(sha(await installed('app11'))).toBe(sha(exes['1.2.0']!));
  });

  it('refuses an index changed after signing, keeps 1.0.0 and exits 1', async () => {
    const exe = await install('tampered', '1.0.0');
    const index = join(feedDir(), 'releases.json');
    // Someone without the key points 1.2.0 at other bytes.
    const text = feed.index.toString().replace(feed.files[FEED_PATHS.exePath('1.2.0')]!.sha256, sha(exes['1.0.0']!));
    expect(text).not.toBe(feed.index.toString());
    await writeFile(index, text);
    try {
      const r = await wine.run([exe, 'update'], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain("hello update: the feed's signature does not verify: releases.json does not match releases.json.sig under this program's feed key");
      expect(r.stderr).toContain(`(${serve.url}releases.json)`);
      expect(sha(await installed('tampered'))).toBe(sha(exes['1.0.0']!));
      expect(await readdir(join(wine.driveC, 'tampered'))).toEqual(['hello.exe']);
      expect((await wine.run([exe, '--version'])).stdout).toMatch(/^hello 1\.0\.0 /);
    } finally {
      await writeFile(index, feed.index);
    }
  });

  it('refuses a patch changed on the server, keeps 1.0.0 and exits 1', async () => {
    const exe = await install('badpatch', '1.0.0');
    const path = join(feedDir(), FEED_PATHS.patchPath('1.1.0', '1.2.0'));
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x10;
    await writeFile(path, bad);
    try {
      const r = await wine.run([exe, 'update'], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`hello update: a download is not what the feed promises: ${serve.url}${FEED_PATHS.patchPath('1.1.0', '1.2.0')} has SHA-256 ${sha(bad)} and the signed index says ${sha(good)}`);
      expect(r.stderr).toContain('C:\\badpatch\\hello.exe (version 1.0.0) is unchanged');
      expect(sha(await installed('badpatch'))).toBe(sha(exes['1.0.0']!));
      expect(await readdir(join(wine.driveC, 'badpatch'))).toEqual(['hello.exe']);
    } finally {
      await writeFile(path, good);
    }
  });
});
