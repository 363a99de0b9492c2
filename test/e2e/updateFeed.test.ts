// Issue 12's "Done when", end to end with the real tools and nothing written by hand: examples/hello
// as a git project of its own, its feed URL (a loopback port picked first) and feed key linked in
// through release.yaml's ldflags, signed with the test PKI and TSA; `release build` three times
// (1.0.0, 1.1.0, 1.2.0, each a real change of the program), each followed by `release publish`
// into a folder feed, whose earlier versions the next build makes its patches from
// (patches.from naming the feed). Then `release serve` hosts it and is checked over HTTP as a
// client and App Installer read it, and the 1.0.0 exe updates itself under Wine to 1.2.0 by
// patches, and refuses the feed once its releases.json is changed behind its signature.

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { pinWinshipModules } from '../support/exampleModules.js';
import { filesUnder } from '../support/faults.js';
import { startReleaseServe, type RunningServe } from '../support/releaseServe.js';
import { startSigningFixture, type SigningFixture } from '../support/signing.js';
import { createWinePrefix, haveWine, placeExe, type WinePrefix } from '../support/wine.js';

const example = join(repoRoot, 'examples', 'hello');
const NAME = 'WinshipExample.Hello';
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'] as const;
/** What each version's `hello` says: a change of the program itself, not only of its version string. */
const GREETING = { '1.0.0': 'Hello, %s!', '1.1.0': 'Hi, %s!', '1.2.0': 'Hi there, %s!' } as const;
const EXE = 'hello_windows_amd64/hello.exe';

interface FeedFile { path: string; kind: string; target?: string; size: number; sha256: string }
interface FeedPatch extends FeedFile { from: string; to: string; oldPath: string; oldSha256: string; newPath: string; newSha256: string }
interface Index { project: string; latest: string; releases: { version: string; files: FeedFile[]; patches: FeedPatch[] }[] }

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let work: string;
let signing: SigningFixture;
let project: string;
let feed: string;
let port: number;
let base: string;
let publicKey: string;
let env: Record<string, string>;
let serve: RunningServe;
let wine: WinePrefix;
const builds: Record<string, { stdout: string; stderr: string }> = {};
const publishes: Record<string, { stdout: string; stderr: string }> = {};
/** Each version's signed exe, as its release shipped it. */
const exes: Record<string, Buffer> = {};
const timings: Record<string, number> = {};

/** A loopback port free now: the feed URL is linked into the exes before the server starts. */
/**
 * A free loopback port, held by a listener of ours until `release()`: the exes need the feed's
 * URL before they are built, and nothing else may take the port during the builds.
 */
async function reservePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const config = () => `project:
  name: hello
  description: Says hello
  vendor: Winship Example Authors
builds:
  - id: hello
    main: .
    binary: hello
    targets: [windows/amd64]
    ldflags: -s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.feedURL=${base} -X main.feedKey=${publicKey}
    resources:
      icon: hello.ico
archives:
  files: [README.md]
msix:
  name: ${NAME}
  targets: [windows/amd64]
  appinstaller:
    baseUrl: ${base}
patches:
  from: ../feed
  previous: 2
  publicKey: ${publicKey}
${signing.yaml}`;

beforeAll(async () => {
  const started = performance.now();
  expect(await haveWine(), 'wine64 is installed by scripts/setup.sh').toBe(true);
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-update-'));
  let reserved: Awaited<ReturnType<typeof reservePort>>;
  [signing, reserved] = await Promise.all([startSigningFixture(work), reservePort()]);
  port = reserved.port;
  base = `http://127.0.0.1:${port}/`;
  const prefix = createWinePrefix(join(work, 'wine', 'prefix')); // beside the builds: it mostly waits on wineserver
  prefix.catch(() => undefined);

  const keygen = await runRelease(['feed', 'keygen', '-o', join(work, 'feed-key.pem')], { cwd: work });
  expect(keygen.exitCode, keygen.stderr).toBe(0);
  publicKey = keygen.stdout.trim();
  // The builds check the feed's index with the public key alone (patches.publicKey); only the
  // publisher holds the private key.
  env = signing.env;
  const publishEnv = { ...signing.env, WINSHIP_FEED_KEY: readFileSync(join(work, 'feed-key.pem'), 'utf8') };

  feed = join(work, 'feed');
  await mkdir(feed); // an empty folder is a new feed, and no earlier releases to patch from
  project = await makeGitProject(example, join(work, 'hello'));
  await pinWinshipModules(project);
  await writeFile(join(project, '.gitignore'), 'dist/\n');
  await writeFile(join(project, 'release.yaml'), config());
  const mainGo = join(project, 'main.go');
  const original = await readFile(mainGo, 'utf8');
  expect(original).toContain(`"${GREETING['1.0.0']} This is hello %s.\\n"`);
  for (const version of VERSIONS) {
    await writeFile(mainGo, original.replace(`"${GREETING['1.0.0']} `, `"${GREETING[version]} `));
    await commitAll(project, `hello ${version}`, { tag: `v${version}` });
    let t = performance.now();
    const b = await runRelease(['build'], { cwd: project, env });
    timings[`build ${version}`] = performance.now() - t;
    expect(b.exitCode, `${b.stdout}\n${b.stderr}`).toBe(0);
    builds[version] = b;
    exes[version] = await readFile(join(project, 'dist', EXE));
    t = performance.now();
    const p = await runRelease(['publish', '--feed', feed, '--base-url', base], { cwd: project, env: publishEnv });
    timings[`publish ${version}`] = performance.now() - t;
    expect(p.exitCode, `${p.stdout}\n${p.stderr}`).toBe(0);
    publishes[version] = p;
  }
  wine = await prefix;
  await reserved.release();
  serve = await startReleaseServe(feed, [], port);
  expect(serve.url).toBe(base);
  timings.setup = performance.now() - started;
}, 900_000);

afterAll(async () => {
  const stopped = await serve?.stop();
  if (stopped) console.log(`release serve's log:\n${stopped.stdout}`);
  // WINSHIP_WALKTHROUGH=DIR keeps what each command printed, for README's walkthrough.
  const keep = process.env.WINSHIP_WALKTHROUGH;
  if (keep && work) {
    await mkdir(keep, { recursive: true });
    const scrub = (t: string) => t.replaceAll(work, '<work>').replaceAll(String(port), '<port>');
    for (const v of VERSIONS) {
      if (builds[v]) await writeFile(join(keep, `build-${v}.txt`), scrub(`${builds[v].stdout}\n--- stderr\n${builds[v].stderr}`));
      if (publishes[v]) await writeFile(join(keep, `publish-${v}.txt`), scrub(`${publishes[v].stdout}\n--- stderr\n${publishes[v].stderr}`));
    }
    if (stopped) await writeFile(join(keep, 'serve.txt'), scrub(stopped.stdout));
    await writeFile(join(keep, 'release.yaml'), scrub(readFileSync(join(project, 'release.yaml'), 'utf8')));
  }
  await signing?.stop();
  console.log(`timings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
  if (work) await rm(work, { recursive: true, force: true });
});

const index = (): Index => JSON.parse(readFileSync(join(feed, 'releases.json'), 'utf8'));
const get = (path: string, init?: RequestInit) => fetch(new URL(path, base), init);

describe('three releases, each built and then published into a folder feed', () => {
  it('1.1.0 and 1.2.0 made their patches from the versions already in the feed, checked against its signed index', () => {
    const log = (v: string) => `${builds[v]!.stdout}\n${builds[v]!.stderr}`;
    expect(log('1.0.0')).not.toContain('earlier release');
    expect(log('1.1.0'), log('1.1.0')).toContain(`earlier release 1.0.0 from ${feed}`);
    expect(log('1.2.0'), log('1.2.0')).toMatch(new RegExp(`earlier release 1\\.1\\.0 from ${feed}[^\\n]*\\n(.*\\n)*.*earlier release 1\\.0\\.0 from ${feed}`));
    const doc = index();
    expect(doc.latest).toBe('1.2.0');
    expect(doc.releases.map((r) => r.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    const patchesOf = (v: string) => doc.releases.find((r) => r.version === v)!.patches.map((p) => `${p.from}→${p.to} ${p.kind} ${p.target} ${p.oldPath} → ${p.newPath}`);
    expect(patchesOf('1.2.0')).toEqual([`1.1.0→1.2.0 binary windows/amd64 1.1.0/${EXE} → 1.2.0/${EXE}`, `1.0.0→1.2.0 binary windows/amd64 1.0.0/${EXE} → 1.2.0/${EXE}`]);
    expect(patchesOf('1.1.0')).toEqual([`1.0.0→1.1.0 binary windows/amd64 1.0.0/${EXE} → 1.1.0/${EXE}`]);
    expect(patchesOf('1.0.0')).toEqual([]);
    // Each patch applies to the exe the feed holds for its old version and makes the new one's.
    for (const p of doc.releases.flatMap((r) => r.patches)) {
      expect(p.oldSha256, p.path).toBe(sha(exes[p.from]!));
      expect(p.newSha256, p.path).toBe(sha(exes[p.to]!));
    }
    console.log(`release publish (1.2.0):\n${publishes['1.2.0']!.stdout}${publishes['1.2.0']!.stderr ? `\n${publishes['1.2.0']!.stderr}` : ''}`);
  });
});

describe('release serve hosts the feed', () => {
  it('serves releases.json, valid against its schema and signed by the feed key, and its signature', async () => {
    const r = await get('releases.json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.equals(readFileSync(join(feed, 'releases.json')))).toBe(true);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schema', 'releases.schema.json'), 'utf8')));
    expect(validate(JSON.parse(bytes.toString())), JSON.stringify(validate.errors)).toBe(true);
    const s = await get('releases.json.sig');
    expect(s.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey, 'base64')]), format: 'der', type: 'spki' });
    const sig = Buffer.from((await s.text()).trim(), 'base64');
    expect(edVerify(null, bytes, key, sig)).toBe(true);
    expect(edVerify(null, Buffer.from(bytes.toString().replace('"latest": "1.2.0"', '"latest": "1.1.0"')), key, sig)).toBe(false);
  });

  it('serves every file releases.json lists, with its size, its SHA-256 and its content type', async () => {
    const types: Record<string, string> = { msix: 'application/msix', appinstaller: 'application/appinstaller', archive: 'application/zip', checksums: 'text/plain; charset=utf-8', artifacts: 'application/json', patches: 'application/json', binary: 'application/octet-stream' };
    const all = index().releases.flatMap((r) => [...r.files, ...r.patches.map((p) => ({ ...p, kind: 'patch' }))]);
    expect(all.length).toBeGreaterThan(20);
    for (const f of all) {
      const r = await get(f.path);
      expect(r.status, f.path).toBe(200);
      expect(r.headers.get('content-type'), f.path).toBe(types[f.kind] ?? 'application/octet-stream');
      expect(Number(r.headers.get('content-length')), f.path).toBe(f.size);
      expect(sha(Buffer.from(await r.arrayBuffer())), f.path).toBe(f.sha256);
    }
    const head = await get(`1.2.0/${EXE}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), head.headers.get('cache-control')]).toEqual([200, String(exes['1.2.0']!.length), 'public, max-age=31536000, immutable']);
    const range = await get(`1.2.0/${EXE}`, { headers: { range: 'bytes=0-1' } });
    expect([range.status, await range.text()]).toEqual([206, 'MZ']);
  });

  it('the root .appinstaller is served at its own Uri and its package Uri resolves through the server to 1.2.0\'s package', async () => {
    const name = `${NAME}_x64.appinstaller`;
    expect(filesUnder(feed).filter((f) => !f.includes('/'))).toEqual([name, 'releases.json', 'releases.json.sig']);
    const xml = readFileSync(join(feed, name), 'utf8');
    const uri = /<AppInstaller\b[^>]*\sUri="([^"]*)"/.exec(xml)?.[1];
    const packageUri = /<MainPackage\b[^>]*\sUri="([^"]*)"/.exec(xml)?.[1];
    expect(uri).toBe(`${base}${name}`);
    expect(packageUri).toBe(`${base}1.2.0/${NAME}_1.2.0.0_x64.msix`);
    expect(xml).toMatch(/<MainPackage\b[^>]*\sVersion="1\.2\.0\.0"/);
    const a = await fetch(uri!);
    expect([a.status, a.headers.get('content-type')]).toEqual([200, 'application/appinstaller']);
    expect(Buffer.from(await a.arrayBuffer()).equals(Buffer.from(xml))).toBe(true);
    const p = await fetch(packageUri!);
    expect([p.status, p.headers.get('content-type')]).toEqual([200, 'application/msix']);
    const pkg = Buffer.from(await p.arrayBuffer());
    expect(pkg.equals(readFileSync(join(feed, '1.2.0', `${NAME}_1.2.0.0_x64.msix`)))).toBe(true);
    expect(sha(pkg)).toBe(index().releases[0]!.files.find((f) => f.kind === 'msix')!.sha256);
  });
});

describe('hello 1.0.0 updates itself from the served feed under Wine', () => {
  /** A fresh C:\<name>\hello.exe holding `version`'s exe as its release shipped it; returns its Windows path. */
  const install = async (name: string, version: string) => placeExe(wine, name, 'hello.exe', exes[version]!);
  const installed = async (name: string) => readFile(join(wine.driveC, name, 'hello.exe'));

  it('updates 1.0.0 to 1.2.0 downloading patches only, and the new exe is 1.2.0', async () => {
    const exe = await install('app', '1.0.0');
    const v1 = await wine.run([exe, '--version']);
    expect(v1.stdout).toMatch(/^hello 1\.0\.0 \(commit [0-9a-f]{7,}, built 2026-03-14T15:09:26Z, windows\/amd64\)$/);
    expect((await wine.run([exe, 'world'])).stdout).toBe('Hello, world! This is hello 1.0.0.');
    const before = serve.output().length;
    const started = performance.now();
    const r = await wine.run([exe, 'update'], { reject: false });
    timings['hello update'] = performance.now() - started;
    expect(r.exitCode, r.stderr).toBe(0);
    // What it asked the server for: the index, its signature, then patches, never an exe.
    const requests = serve.output().slice(before).trim().split('\n');
    expect(requests.slice(0, 2)).toEqual([expect.stringMatching(/^200 GET \/releases\.json \d+ bytes$/), '200 GET /releases.json.sig 89 bytes']);
    const downloads = requests.slice(2);
    expect(downloads.length).toBeGreaterThan(0);
    for (const line of downloads) expect(line).toMatch(/^200 GET \/patches\/hello_1\.[01]\.0_to_1\.[12]\.0_amd64\.exe\.patch \d+ bytes$/);
    const patchBytes = downloads.reduce((n, line) => n + Number(/ (\d+) bytes$/.exec(line)![1]), 0);
    const full = exes['1.2.0']!.length;
    // The cheapest chain of what publish wrote: the direct patch, or 1.0.0 → 1.1.0 → 1.2.0.
    const doc = index();
    const size = (from: string, to: string) => doc.releases.find((x) => x.version === to)!.patches.find((p) => p.from === from)!.size;
    const cheapest = Math.min(size('1.0.0', '1.2.0'), size('1.0.0', '1.1.0') + size('1.1.0', '1.2.0'));
    expect(patchBytes).toBe(cheapest);
    const n = downloads.length;
    expect(r.stdout).toBe(`updating hello 1.0.0 to 1.2.0: ${patchBytes} bytes to download (${n} patch${n === 1 ? '' : 'es'})\nupdated to hello 1.2.0: it runs from the next start`);
    expect(patchBytes).toBeLessThan(full / 20);
    console.log(`hello update under Wine: 1.0.0 → 1.2.0 in ${(timings['hello update'] / 1000).toFixed(1)} s, ${patchBytes} bytes of patches (${downloads.length}) instead of the ${full}-byte exe (${((100 * patchBytes) / full).toFixed(2)} %); direct patch ${size('1.0.0', '1.2.0')} B, chain ${size('1.0.0', '1.1.0')} + ${size('1.1.0', '1.2.0')} B\n${[v1.stdout, r.stdout].join('\n')}`);
    expect(sha(await installed('app'))).toBe(sha(exes['1.2.0']!));
    const v3 = await wine.run([exe, '--version']);
    expect(v3.stdout).toMatch(/^hello 1\.2\.0 \(commit [0-9a-f]{7,}, built 2026-03-14T15:09:26Z, windows\/amd64\)$/);
    expect((await wine.run([exe, 'world'])).stdout).toBe('Hi there, world! This is hello 1.2.0.');
    expect(await readdir(join(wine.driveC, 'app'))).toEqual(['hello.exe']); // the next start removed hello.exe.old
    const again = await wine.run([exe, 'update'], { reject: false });
    expect([again.exitCode, again.stdout]).toEqual([0, 'hello 1.2.0 is up to date']);
    console.log(`${v3.stdout}\n${again.stdout}`);
  });

  it('refuses a releases.json changed behind its signature: exit 1, 1.0.0 kept', async () => {
    const exe = await install('tampered', '1.0.0');
    const path = join(feed, 'releases.json');
    const good = await readFile(path);
    // Someone without the key points 1.2.0's exe at other bytes (the 1.1.0 exe's digest).
    const bad = good.toString().replace(`"sha256": "${sha(exes['1.2.0']!)}"`, `"sha256": "${sha(exes['1.1.0']!)}"`);
    expect(bad).not.toBe(good.toString());
    await writeFile(path, bad);
    try {
      const before = serve.output().length;
      const r = await wine.run([exe, 'update'], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`hello update: the feed's signature does not verify: releases.json does not match releases.json.sig under this program's feed key (the feed was changed by someone without the key, is signed with another key, or is being published: try again later) (${base}releases.json)`);
      // It read the index and its signature, and downloaded nothing else.
      expect(serve.output().slice(before).trim().split('\n').map((l) => l.replace(/ \d+ bytes$/, ''))).toEqual(['200 GET /releases.json', '200 GET /releases.json.sig']);
      expect(sha(await installed('tampered'))).toBe(sha(exes['1.0.0']!));
      expect(await readdir(join(wine.driveC, 'tampered'))).toEqual(['hello.exe']);
      expect((await wine.run([exe, '--version'])).stdout).toMatch(/^hello 1\.0\.0 /);
      console.log(`tampered feed:\n${r.stderr} (exit ${r.exitCode})`);
    } finally {
      await writeFile(path, good);
    }
  });

  it('refuses a patch changed on the server behind the signed index: exit 1, 1.0.0 kept', async () => {
    const exe = await install('badpatch', '1.0.0');
    const patch = index().releases[0]!.patches.find((p) => p.from === '1.0.0')!;
    const path = join(feed, patch.path);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x10;
    await writeFile(path, bad);
    try {
      const r = await wine.run([exe, 'update'], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`hello update: a download is not what the feed promises: ${base}${patch.path} has SHA-256 ${sha(bad)} and the signed index says ${patch.sha256}`);
      expect(r.stderr).toContain('C:\\badpatch\\hello.exe (version 1.0.0) is unchanged');
      expect(sha(await installed('badpatch'))).toBe(sha(exes['1.0.0']!));
      expect(await readdir(join(wine.driveC, 'badpatch'))).toEqual(['hello.exe']);
    } finally {
      await writeFile(path, good);
    }
  });
});
