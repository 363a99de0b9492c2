// Update feeds with the real CLI: examples/hello (windows/amd64, a zip, an MSIX package with its
// App Installer file), signed with the test PKI and TSA, released three times. Each release is
// published by the publish stage into a folder feed and by `release publish` into S3 on a real
// S3-compatible server on loopback (SeaweedFS, test/support/s3server.ts); 1.1.0 makes its
// patches from the folder feed, 1.2.0 from the S3 one. Then the feeds are checked as a client
// would (schema, signature in Node and in Go, every file's digest, the .appinstaller Uris, the
// patch applied), and the refusals, the crash consistency and the lock with the real process.

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { pinWinshipModules } from '../support/exampleModules.js';
import { filesHolding, filesUnder, startRun } from '../support/faults.js';
import { startS3Server, type S3Server } from '../support/s3server.js';
import { startSigningFixture, type SigningFixture } from '../support/signing.js';

const example = join(repoRoot, 'examples', 'hello');
const BASE = 'https://downloads.example.com/hello/';
const NAME = 'WinshipExample.Hello';
const S3_FEED = 's3://feeds/hello/';
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'] as const;

let work: string;
let signing: SigningFixture;
let s3: S3Server;
let project: string;
let keyFile: string;
let publicKey: string;
let folderFeed: string;
/** dist/ of each version, kept as built. */
const dists: Record<string, string> = {};
const builds: Record<string, { stdout: string; stderr: string }> = {};
const publishes: Record<string, { stdout: string; stderr: string }> = {};
let feedAfter110: string;

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
interface Index {
  project: string;
  latest: string;
  releases: { version: string; date: string; files: { path: string; kind: string; target?: string; size: number; sha256: string }[]; patches: { path: string; from: string; to: string; sha256: string; oldPath: string; newPath: string; newSha256: string }[] }[];
}

const config = (patchesFrom?: string) => `project:
  name: hello
  description: Says hello
  vendor: Winship Example Authors
builds:
  - id: hello
    main: .
    binary: hello
    targets: [windows/amd64]
    resources:
      icon: hello.ico
archives:
  files: [README.md]
msix:
  name: ${NAME}
  targets: [windows/amd64]
  appinstaller:
    baseUrl: https://example.invalid/not-the-feed/
${patchesFrom ? `patches:\n  from: ${patchesFrom}\n  previous: 2\n` : ''}publish:
  feed: ${folderFeed}
  baseUrl: ${BASE}
  keep: 2
  feedKey: ${keyFile}
  publicKey: ${publicKey}
${signing.yaml}`;

/** The environment of a run: the PFX password and the S3 server (endpoint, credentials). */
const env = () => ({ ...signing.env, ...s3.env });
const s3Publish = (dist: string, extra: string[] = []) => runRelease(['publish', '--feed', S3_FEED, '--base-url', BASE, '--keep', '2', '--feed-key', keyFile, dist, ...extra], { cwd: work, env: env() });
const folderPublish = (feed: string, dist: string, extra: string[] = []) => runRelease(['publish', '--feed', feed, '--base-url', BASE, '--keep', '2', '--feed-key', keyFile, dist, ...extra], { cwd: work, env: env() });

let client: S3Client;
async function s3Object(key: string): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: 'feeds', Key: `hello/${key}` }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-e2e-feed-'));
  [signing, s3] = await Promise.all([startSigningFixture(work), startS3Server(work)]);
  await s3.bucket('feeds');
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  keyFile = join(work, 'feed-key.pem');
  const keygen = await runRelease(['feed', 'keygen', '-o', keyFile], { cwd: work });
  expect(keygen.exitCode, keygen.stderr).toBe(0);
  publicKey = keygen.stdout.trim();
  folderFeed = join(work, 'feed');
  project = await makeGitProject(example, join(work, 'hello'));
  await pinWinshipModules(project); // its go.mod finds go/update and go/patch by relative paths
  await writeFile(join(project, '.gitignore'), 'dist/\n');
  for (const [i, version] of VERSIONS.entries()) {
    const from = i === 0 ? undefined : i === 1 ? folderFeed : S3_FEED;
    await writeFile(join(project, 'release.yaml'), config(from));
    await appendFile(join(project, 'README.md'), `\nRelease ${version}.\n`);
    await commitAll(project, `release ${version}`, { tag: `v${version}` });
    const b = await runRelease(['build'], { cwd: project, env: env() });
    expect(b.exitCode, `${b.stdout}\n${b.stderr}`).toBe(0);
    builds[version] = b;
    dists[version] = join(work, 'dists', version);
    await cp(join(project, 'dist'), dists[version], { recursive: true });
    const p = await s3Publish(dists[version]);
    expect(p.exitCode, `${p.stdout}\n${p.stderr}`).toBe(0);
    publishes[version] = p;
    if (version === '1.1.0') {
      feedAfter110 = join(work, 'feed-after-1.1.0');
      await cp(folderFeed, feedAfter110, { recursive: true });
    }
  }
}, 900_000);
afterAll(async () => {
  client?.destroy();
  await Promise.all([signing?.stop(), s3?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every file of a folder feed with its digest: the feed's whole content. */
const treeOf = (dir: string) => Object.fromEntries(filesUnder(dir).map((f) => [f, sha(join(dir, f))]));

/** What a client may see in a folder feed at any moment: an index naming only files that are there with its digests. */
function feedProblems(dir: string): string[] {
  const problems: string[] = [];
  if (!existsSync(join(dir, 'releases.json'))) return problems;
  const index: Index = json(join(dir, 'releases.json'));
  for (const r of index.releases) {
    for (const f of [...r.files, ...r.patches]) {
      if (!existsSync(join(dir, f.path))) problems.push(`releases.json names ${f.path}, which is not there`);
      else if (sha(join(dir, f.path)) !== f.sha256) problems.push(`releases.json names ${f.path} with other bytes`);
    }
    for (const p of r.patches) if (!existsSync(join(dir, p.oldPath))) problems.push(`patch ${p.path}: its old file ${p.oldPath} is not there`);
  }
  for (const f of filesUnder(dir).filter((f) => f.endsWith('.appinstaller') && !f.includes('/'))) {
    const uri = /<MainPackage\b[^>]*\sUri="([^"]*)"/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? '';
    if (!uri.startsWith(BASE) || !existsSync(join(dir, decodeURIComponent(uri.slice(BASE.length))))) problems.push(`${f} points at ${uri}, which is not in the feed`);
  }
  return problems;
}

const verifies = (bytes: Buffer, sigText: string) =>
  edVerify(null, bytes, createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey, 'base64')]), format: 'der', type: 'spki' }), Buffer.from(sigText.trim(), 'base64'));

describe('release feed keygen', () => {
  it('writes the private key 0600, prints the 32-byte public key, and never overwrites a key', async () => {
    expect(Buffer.from(publicKey, 'base64')).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const again = await runRelease(['feed', 'keygen', '-o', keyFile], { cwd: work });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`${keyFile} already exists; a feed key is never overwritten`);
  });
});

describe('three releases published to a folder (publish stage) and to S3 (release publish)', () => {
  it('keeps the newest two versions, with the patch between them; 1.0.0 and the patches from it are gone', () => {
    const index: Index = json(join(folderFeed, 'releases.json'));
    expect(index.project).toBe('hello');
    expect(index.latest).toBe('1.2.0');
    expect(index.releases.map((r) => r.version)).toEqual(['1.2.0', '1.1.0']);
    expect(index.releases[0]!.patches.map((p) => `${p.path} ${p.from}→${p.to}`)).toEqual(['patches/hello_1.1.0_to_1.2.0_amd64.exe.patch 1.1.0→1.2.0']);
    expect(index.releases[1]!.patches).toEqual([]); // its patch from 1.0.0 left with 1.0.0
    expect(existsSync(join(folderFeed, '1.0.0'))).toBe(false);
    expect(filesUnder(join(folderFeed, 'patches'))).toEqual(['hello_1.1.0_to_1.2.0_amd64.exe.patch']);
    const kinds = index.releases[0]!.files.map((f) => `${f.kind} ${f.path}`);
    expect(kinds).toEqual([
      'msix 1.2.0/WinshipExample.Hello_1.2.0.0_x64.msix',
      'appinstaller 1.2.0/WinshipExample.Hello_x64.appinstaller',
      'artifacts 1.2.0/artifacts.json',
      'checksums 1.2.0/hello_1.2.0_checksums.txt',
      'archive 1.2.0/hello_1.2.0_windows_amd64.zip',
      'binary 1.2.0/hello_windows_amd64/hello.exe',
      'patches 1.2.0/patches.json',
    ]);
    expect(feedProblems(folderFeed)).toEqual([]);
    // Only the feed's own files: no temp names, no lock left behind.
    expect(filesUnder(folderFeed).filter((f) => !/^(1\.1\.0|1\.2\.0|patches)\//.test(f))).toEqual(['WinshipExample.Hello_x64.appinstaller', 'releases.json', 'releases.json.sig']);
    // 1.2.0 made a patch from 1.0.0 too; retention left it out of the feed, and said so.
    expect(publishes['1.2.0']!.stderr).toContain('patches/hello_1.0.0_to_1.2.0_amd64.exe.patch is not published: its old file\'s version 1.0.0 leaves the feed (keep 2)');
  });

  it('releases.json validates against schema/releases.schema.json, in both feeds, and they are the same bytes', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(json(join(repoRoot, 'schema', 'releases.schema.json')));
    const local = readFileSync(join(folderFeed, 'releases.json'));
    expect(validate(JSON.parse(local.toString())), JSON.stringify(validate.errors)).toBe(true);
    expect((await s3Object('releases.json')).equals(local)).toBe(true);
    expect((await s3Object('releases.json.sig')).equals(readFileSync(join(folderFeed, 'releases.json.sig')))).toBe(true);
  });

  it('the signature verifies in Node and in Go with the public key keygen printed, and not over other bytes', async () => {
    const bytes = readFileSync(join(folderFeed, 'releases.json'));
    const sig = readFileSync(join(folderFeed, 'releases.json.sig'), 'utf8');
    expect(sig).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    expect(verifies(bytes, sig)).toBe(true);
    expect(verifies(Buffer.concat([bytes, Buffer.from('\n')]), sig)).toBe(false);
    const dir = join(work, 'goverify');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'go.mod'), 'module verify\n\ngo 1.21\n');
    await writeFile(
      join(dir, 'main.go'),
      `package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

func main() {
	pub, _ := base64.StdEncoding.DecodeString(os.Args[1])
	index, _ := os.ReadFile(os.Args[2])
	sigText, _ := os.ReadFile(os.Args[3])
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(ed25519.PublicKey(pub), index, sig) {
		fmt.Println("BAD")
		os.Exit(1)
	}
	fmt.Println("OK")
}
`,
    );
    const goEnv = { GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
    const good = await execa('go', ['run', '.', publicKey, join(folderFeed, 'releases.json'), join(folderFeed, 'releases.json.sig')], { cwd: dir, env: goEnv, reject: false });
    expect(good.stdout.trim(), good.stderr).toBe('OK');
    await writeFile(join(work, 'tampered.json'), bytes.toString().replace('"1.2.0"', '"1.2.1"'));
    const bad = await execa('go', ['run', '.', publicKey, join(work, 'tampered.json'), join(folderFeed, 'releases.json.sig')], { cwd: dir, env: goEnv, reject: false });
    expect(bad.stdout.trim()).toBe('BAD');
  });

  it('the S3 feed holds exactly the folder feed\'s files, with its bytes and the types App Installer needs', async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'feeds', Prefix: 'hello/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!.slice('hello/'.length)).sort();
    expect(keys).toEqual(filesUnder(folderFeed));
    for (const key of keys) expect(createHash('sha256').update(await s3Object(key)).digest('hex'), key).toBe(sha(join(folderFeed, key)));
    const type = async (key: string) => (await client.send(new HeadObjectCommand({ Bucket: 'feeds', Key: `hello/${key}` }))).ContentType;
    expect(await type(`${NAME}_x64.appinstaller`)).toBe('application/appinstaller');
    expect(await type(`1.2.0/${NAME}_1.2.0.0_x64.msix`)).toBe('application/msix');
    expect(await type('releases.json')).toBe('application/json');
  });

  it('the .appinstaller file at the root is served at base URL + its name and installs 1.2.0 from the version folder', () => {
    const xml = readFileSync(join(folderFeed, `${NAME}_x64.appinstaller`), 'utf8');
    expect(/<AppInstaller\b[^>]*\sUri="([^"]*)"/.exec(xml)?.[1]).toBe(`${BASE}${NAME}_x64.appinstaller`);
    expect(/<MainPackage\b[^>]*\sUri="([^"]*)"/.exec(xml)?.[1]).toBe(`${BASE}1.2.0/${NAME}_1.2.0.0_x64.msix`);
    expect(/<MainPackage\b[^>]*\sVersion="([^"]*)"/.exec(xml)?.[1]).toBe('1.2.0.0');
    // The release's own file (in its version folder) keeps what the release shipped.
    expect(readFileSync(join(folderFeed, '1.2.0', `${NAME}_x64.appinstaller`), 'utf8')).toContain('https://example.invalid/not-the-feed/');
  });

  it('made 1.1.0\'s patches from the folder feed and 1.2.0\'s from S3, and the patch turns the feed\'s 1.1.0 exe into 1.2.0\'s', async () => {
    expect(builds['1.0.0']!.stdout).toContain('Make delta patches [skipped: no earlier releases to patch from');
    expect(builds['1.1.0']!.stdout).toContain(`earlier release 1.0.0 from ${folderFeed} (checked against its signed releases.json)`);
    expect(builds['1.2.0']!.stdout).toContain(`earlier release 1.1.0 from ${S3_FEED} (checked against its signed releases.json)`);
    expect(builds['1.2.0']!.stdout).toContain(`earlier release 1.0.0 from ${S3_FEED} (checked against its signed releases.json)`);
    const index: Index = json(join(folderFeed, 'releases.json'));
    const p = index.releases[0]!.patches[0]!;
    const out = join(work, 'patched.exe');
    const r = await runRelease(['patch', 'apply', join(folderFeed, p.oldPath), join(folderFeed, p.path), '-o', out], { cwd: work });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(sha(out)).toBe(p.newSha256);
    expect(sha(join(folderFeed, p.newPath))).toBe(p.newSha256);
  });

  it('the publish stage ran last, and the feed key is in no file of the feeds, dists or logs', async () => {
    expect(builds['1.2.0']!.stdout).toMatch(/published hello 1\.2\.0: \d+ written, 0 unchanged, \d+ removed \(version 1\.0\.0 left the feed\); latest is 1\.2\.0/);
    const pem = readFileSync(keyFile, 'utf8');
    const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
    const seed = der.subarray(der.length - 32).toString('base64');
    const body = pem.split('\n')[1]!;
    for (const secret of [body, seed]) {
      expect(await filesHolding(secret, [folderFeed, join(work, 'dists'), join(project, 'dist')])).toEqual([]);
      for (const log of [...Object.values(builds), ...Object.values(publishes)]) expect(log.stdout + log.stderr).not.toContain(secret);
    }
  });
});

describe('publishing again, and bad input', () => {
  it('the same release again is a no-op: nothing is written', async () => {
    const before = treeOf(folderFeed);
    const r = await folderPublish(folderFeed, dists['1.2.0']!);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to do: 1.2.0 is in the feed with these files');
    expect(r.stdout).toContain('published hello 1.2.0: 0 written');
    expect(treeOf(folderFeed)).toEqual(before);
    const s = await s3Publish(dists['1.2.0']!);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout).toContain('nothing to do');
  });

  it('refuses other bytes for a version in the feed unless --force', async () => {
    // The feed's 1.2.0 says its zip has other bytes (index re-signed with the feed key, as if another build of 1.2.0 had been published).
    const feed = join(work, 'feed-other-bytes');
    await cp(folderFeed, feed, { recursive: true });
    const index = readFileSync(join(feed, 'releases.json'), 'utf8');
    const zip = `1.2.0/hello_1.2.0_windows_amd64.zip`;
    const real = sha(join(feed, zip));
    await writeFile(join(feed, zip), 'another build');
    const changed = index.replace(real, createHash('sha256').update('another build').digest('hex'));
    await writeFile(join(feed, 'releases.json'), changed);
    await writeFile(join(feed, 'releases.json.sig'), `${edSign(null, Buffer.from(changed), createPrivateKey(readFileSync(keyFile))).toString('base64')}\n`);
    const r = await folderPublish(feed, dists['1.2.0']!);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('version 1.2.0 is already in the feed with other files, and a published version never changes');
    expect(r.stderr).toContain(`  - ${zip}: other bytes`);
    expect(r.stderr).toContain('replace it with --force');
    expect(readFileSync(join(feed, zip), 'utf8')).toBe('another build');
    const forced = await folderPublish(feed, dists['1.2.0']!, ['--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`put ${zip} (replaced (--force)`);
    expect(treeOf(feed)).toEqual(treeOf(folderFeed));
  });

  it('refuses a version older than the newest unless --allow-older, which leaves the .appinstaller files on the newest', async () => {
    const feed = join(work, 'feed-older');
    await cp(folderFeed, feed, { recursive: true });
    const r = await runRelease(['publish', '--feed', feed, '--base-url', BASE, '--feed-key', keyFile, dists['1.0.0']!], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("version 1.0.0 is older than the feed's newest, 1.2.0: installed programs would never move to it. To add it anyway (the App Installer files keep naming 1.2.0), publish with --allow-older");
    const appinstaller = readFileSync(join(feed, `${NAME}_x64.appinstaller`));
    const ok = await runRelease(['publish', '--feed', feed, '--base-url', BASE, '--feed-key', keyFile, '--allow-older', dists['1.0.0']!], { cwd: work });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const index: Index = json(join(feed, 'releases.json'));
    expect(index.releases.map((r) => r.version)).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    expect(readFileSync(join(feed, `${NAME}_x64.appinstaller`)).equals(appinstaller)).toBe(true);
    expect(feedProblems(feed)).toEqual([]);
  });

  it('refuses a folder that is not a feed, a base URL that is not http(s), a --dev-cert release, and a missing key', async () => {
    const notFeed = join(work, 'not-a-feed');
    await mkdir(notFeed, { recursive: true });
    await writeFile(join(notFeed, 'index.html'), '<h1>my site</h1>');
    const r = await folderPublish(notFeed, dists['1.0.0']!);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${notFeed} is not a feed: it holds index.html and no releases.json. Give an empty folder (or prefix) for a new feed, or the feed itself`);
    expect(filesUnder(notFeed)).toEqual(['index.html']);

    const ftp = await runRelease(['publish', '--feed', join(work, 'new-feed'), '--base-url', 'ftp://files.example.com/hello/', '--feed-key', keyFile, dists['1.0.0']!], { cwd: work });
    expect(ftp.exitCode).toBe(2);
    expect(ftp.stderr).toContain('--base-url ftp://files.example.com/hello/: a feed is served over http(s)');
    expect(existsSync(join(work, 'new-feed'))).toBe(false);

    // A release whose metadata.json says --dev-cert (copied without its state).
    const dev = join(work, 'dev-dist');
    await cp(dists['1.0.0']!, dev, { recursive: true });
    await rm(join(dev, '.winship'), { recursive: true });
    const meta = json(join(dev, 'metadata.json'));
    await writeFile(join(dev, 'metadata.json'), JSON.stringify({ ...meta, devCert: true }));
    const d = await folderPublish(join(work, 'dev-feed'), dev);
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toMatch(/release publish: release 1\.0\.0 is signed with --dev-cert \(metadata.json says so\), a throwaway certificate that no Windows trusts/);
    expect(existsSync(join(work, 'dev-feed'))).toBe(false);

    const nokey = await runRelease(['publish', '--feed', join(work, 'new-feed'), '--base-url', BASE, dists['1.0.0']!], { cwd: work, env: { WINSHIP_FEED_KEY: '' } });
    expect(nokey.exitCode).toBe(2);
    expect(nokey.stderr).toContain('no feed key: releases.json is signed with it. Give it with --feed-key FILE or the WINSHIP_FEED_KEY environment variable; make one with: release feed keygen');
  });
});

describe('the publish stage', () => {
  it('refuses a --dev-cert build before the first go build, and the feed is left as it was', async () => {
    const copy = join(work, 'hello-dev');
    await cp(project, copy, { recursive: true });
    await rm(join(copy, 'dist'), { recursive: true, force: true });
    const before = treeOf(folderFeed);
    const r = await runRelease(['build', '--dev-cert'], { cwd: copy, env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/release\.yaml:\d+:\d+: publish: a --dev-cert release is never published \(no Windows trusts its certificate\); build without --dev-cert, or with --skip publish/);
    expect(r.stdout + r.stderr).not.toContain('Build Go binaries (');
    expect(treeOf(folderFeed)).toEqual(before);
  });
});

describe('an interrupted publish (kill -9 after every step)', () => {
  it('leaves a feed whose index names only files that are there, and a re-run completes it', async () => {
    // The steps of publishing 1.2.0 onto the feed as it was after 1.1.0, as --dry-run lists them.
    const probe = join(work, 'crash-probe');
    await cp(feedAfter110, probe, { recursive: true });
    const dry = await folderPublish(probe, dists['1.2.0']!, ['--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(treeOf(probe)).toEqual(treeOf(feedAfter110));
    const steps = [...dry.stdout.matchAll(/^ {2}(put|remove) (\S+)/gm)].map((m) => ({ verb: m[1]!, path: m[2]! }));
    const kindOf = (s: { verb: string; path: string }) =>
      s.verb === 'remove' ? 'remove' : s.path === 'releases.json' ? 'index' : s.path === 'releases.json.sig' ? 'signature' : s.path.startsWith('patches/') ? 'patch' : s.path.includes('/') ? 'file' : 'appinstaller';
    expect(steps.map(kindOf)).toEqual([...steps.map(kindOf)].sort((a, b) => ['file', 'patch', 'index', 'signature', 'appinstaller', 'remove'].indexOf(a) - ['file', 'patch', 'index', 'signature', 'appinstaller', 'remove'].indexOf(b)));
    expect(steps.length).toBeGreaterThan(10);
    const expected = treeOf(folderFeed);
    const oldSig = readFileSync(join(feedAfter110, 'releases.json.sig'), 'utf8');
    // Every step, and once in the middle of a file's write (its temp file complete, not renamed).
    const points = [...steps.map((s) => `feed after ${kindOf(s)} ${s.path}`), `feed rename 1.2.0/${NAME}_1.2.0.0_x64.msix`];
    for (const [i, point] of points.entries()) {
      const feed = join(work, `crash-${i}`);
      await cp(feedAfter110, feed, { recursive: true });
      const run = startRun(work, ['publish', '--feed', feed, '--base-url', BASE, '--keep', '2', '--feed-key', keyFile, dists['1.2.0']!], {}, point);
      await run.waitForOutput(`winship-fault: paused at ${point}`);
      process.kill(run.pid, 'SIGKILL');
      await run.child;
      expect(feedProblems(feed), point).toEqual([]);
      // The index and its signature: both old, both new, or (killed between them) the new index with the old signature, which a client refuses.
      const sig = readFileSync(join(feed, 'releases.json.sig'), 'utf8');
      const signedNow = verifies(readFileSync(join(feed, 'releases.json')), sig);
      expect(signedNow || (point === 'feed after index releases.json' && sig === oldSig), point).toBe(true);
      expect(existsSync(join(feed, '.winship-feed.lock')), point).toBe(true);
      const again = await folderPublish(feed, dists['1.2.0']!);
      expect(again.exitCode, `${point}\n${again.stdout}\n${again.stderr}`).toBe(0);
      expect(again.stderr).toMatch(/breaking the lock of .*: held by .* \(pid \d+\), release publish hello 1\.2\.0 since .*, a process of this machine that is gone/);
      expect(treeOf(feed), point).toEqual(expected);
    }
  });
});

describe('an interrupted publish to S3', () => {
  /** The objects under `prefix` with their digests. */
  async function s3Tree(prefix: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const o of (await client.send(new ListObjectsV2Command({ Bucket: 'feeds', Prefix: prefix }))).Contents ?? []) {
      const r = await client.send(new GetObjectCommand({ Bucket: 'feeds', Key: o.Key! }));
      out[o.Key!.slice(prefix.length)] = createHash('sha256').update(await r.Body!.transformToByteArray()).digest('hex');
    }
    return out;
  }

  it('killed after each step, the S3 index names only objects that are there, and a re-run completes it', async () => {
    const dry = await folderPublish(join(work, 'crash-probe'), dists['1.2.0']!, ['--dry-run']);
    const steps = [...dry.stdout.matchAll(/^ {2}(put|remove) (\S+)/gm)].map((m) => ({ verb: m[1]!, path: m[2]! }));
    const kindOf = (s: { verb: string; path: string }) =>
      s.verb === 'remove' ? 'remove' : s.path === 'releases.json' ? 'index' : s.path === 'releases.json.sig' ? 'signature' : s.path.startsWith('patches/') ? 'patch' : s.path.includes('/') ? 'file' : 'appinstaller';
    const expected = treeOf(folderFeed);
    // One of each kind of step (the folder test above kills after every one).
    const points = ['file', 'patch', 'index', 'signature', 'appinstaller', 'remove'].map((k) => steps.find((s) => kindOf(s) === k)!).map((s) => `feed after ${kindOf(s)} ${s.path}`);
    for (const [i, point] of points.entries()) {
      const prefix = `crash-${i}/`;
      for (const f of filesUnder(feedAfter110)) await client.send(new PutObjectCommand({ Bucket: 'feeds', Key: prefix + f, Body: readFileSync(join(feedAfter110, f)) }));
      const args = ['publish', '--feed', `s3://feeds/${prefix}`, '--base-url', BASE, '--keep', '2', '--feed-key', keyFile, dists['1.2.0']!];
      const run = startRun(work, args, s3.env, point);
      await run.waitForOutput(`winship-fault: paused at ${point}`);
      process.kill(run.pid, 'SIGKILL');
      await run.child;
      const tree = await s3Tree(prefix);
      const index: Index = JSON.parse(await (await client.send(new GetObjectCommand({ Bucket: 'feeds', Key: `${prefix}releases.json` }))).Body!.transformToString());
      for (const r of index.releases) for (const f of [...r.files, ...r.patches]) expect(tree[f.path], `${point}: ${f.path}`).toBe(f.sha256);
      expect(tree['.winship-feed.lock'], point).toBeDefined();
      const again = await runRelease(args, { cwd: work, env: s3.env });
      expect(again.exitCode, `${point}\n${again.stdout}\n${again.stderr}`).toBe(0);
      expect(await s3Tree(prefix), point).toEqual(expected);
    }
  });
});

describe('patches from a feed that was changed behind its index', () => {
  it('refuses a feed file whose bytes are not the ones the signed releases.json lists, and an index the key does not verify', async () => {
    const { earlierReleasesFromFeed } = await import('../../src/feed/earlier.js');
    const { parsePublicKey, generateFeedKey } = await import('../../src/feed/key.js');
    const { parseSemver } = await import('../../src/version/semver.js');
    const feed = join(work, 'feed-tampered');
    await cp(folderFeed, feed, { recursive: true });
    const logger = { info: () => undefined, warn: () => undefined };
    const options = { feed, cwd: work, project: 'hello', current: parseSemver('1.3.0')!, count: 2, kinds: ['binary'], cacheDir: join(work, 'feed-cache'), publicKey: parsePublicKey(publicKey, 'publicKey'), logger };
    const ok = await earlierReleasesFromFeed(options);
    expect(ok.map((r) => r.version)).toEqual(['1.2.0', '1.1.0']);
    expect(sha(join(work, 'feed-cache', '1.2.0', 'hello_windows_amd64', 'hello.exe'))).toBe(sha(join(feed, '1.2.0', 'hello_windows_amd64', 'hello.exe')));
    await writeFile(join(feed, '1.1.0', 'hello_windows_amd64', 'hello.exe'), 'replaced behind the index');
    await expect(earlierReleasesFromFeed({ ...options, cacheDir: join(work, 'feed-cache-2') })).rejects.toThrow(/1\.1\.0\/hello_windows_amd64\/hello\.exe is not the file releases\.json lists .*publish 1\.1\.0 again/);
    await expect(earlierReleasesFromFeed({ ...options, publicKey: parsePublicKey(generateFeedKey().publicBase64, 'other') })).rejects.toThrow(/releases\.json does not verify with the feed key \(releases\.json\.sig\)/);
  });

  it('release publish refuses a feed signed with another key, unless --force re-signs it', async () => {
    const feed = join(work, 'feed-other-key');
    await cp(folderFeed, feed, { recursive: true });
    const otherKey = join(work, 'other-key.pem');
    expect((await runRelease(['feed', 'keygen', '-o', otherKey], { cwd: work })).exitCode).toBe(0);
    const r = await runRelease(['publish', '--feed', feed, '--base-url', BASE, '--feed-key', otherKey, dists['1.2.0']!], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${feed}: releases.json.sig does not verify with this feed key: the feed was signed with another key, or releases.json was changed.`);
    expect(treeOf(feed)).toEqual(treeOf(folderFeed));
    const forced = await runRelease(['publish', '--feed', feed, '--base-url', BASE, '--feed-key', otherKey, '--force', dists['1.2.0']!], { cwd: work });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('releases.json.sig does not verify with this feed key: signing releases.json with it (--force); programs built with the old public key will refuse this feed');
    const otherPublic = createPublicKey(createPrivateKey(readFileSync(otherKey)));
    expect(edVerify(null, readFileSync(join(feed, 'releases.json')), otherPublic, Buffer.from(readFileSync(join(feed, 'releases.json.sig'), 'utf8').trim(), 'base64'))).toBe(true);
  });
});

describe('two publishers at once', () => {
  it('on a folder: the second is refused naming the first, a lock of another machine is broken only with --break-lock', async () => {
    const feed = join(work, 'lock-feed');
    await cp(feedAfter110, feed, { recursive: true });
    const first = startRun(work, ['publish', '--feed', feed, '--base-url', BASE, '--keep', '2', '--feed-key', keyFile, dists['1.2.0']!], {}, 'feed after file');
    await first.waitForOutput('winship-fault: paused at');
    const second = await folderPublish(feed, dists['1.2.0']!);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`${feed} is locked by \\S+@\\S+ \\(pid ${first.pid}\\), release publish hello 1\\.2\\.0 since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(\\d+ s\\): another publish is writing the feed \\(\\.winship-feed\\.lock\\)\\. Wait for it to finish; if that publisher is gone \\(killed, its machine lost\\), run this again with --break-lock`));
    process.kill(first.pid, 'SIGTERM');
    await first.child;

    // A lock left by a publisher on another machine: only --break-lock takes it.
    await writeFile(join(feed, '.winship-feed.lock'), JSON.stringify({ owner: 'ci@build-7', pid: 4242, since: '2026-11-30T09:00:00Z', what: 'release publish hello 1.2.0', token: 'x' }));
    const refused = await folderPublish(feed, dists['1.2.0']!);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`${feed} is locked by ci@build-7 (pid 4242), release publish hello 1.2.0 since 2026-11-30T09:00:00Z (`);
    const broken = await folderPublish(feed, dists['1.2.0']!, ['--break-lock']);
    expect(broken.exitCode, broken.stderr).toBe(0);
    expect(broken.stderr).toContain('breaking the lock of');
    expect(broken.stderr).toContain('held by ci@build-7 (pid 4242), release publish hello 1.2.0 since 2026-11-30T09:00:00Z');
    expect(treeOf(feed)).toEqual(treeOf(folderFeed));
  });

  it('on S3: the lock is a conditional write, so the second publisher is refused naming the first', async () => {
    const feed = 's3://feeds/locked/';
    const args = (dist: string, extra: string[] = []) => ['publish', '--feed', feed, '--base-url', BASE, '--feed-key', keyFile, dist, ...extra];
    const first = startRun(work, args(dists['1.0.0']!), s3.env, 'feed after file');
    await first.waitForOutput('winship-fault: paused at');
    // The server itself refuses a second lock object (If-None-Match: *): 412.
    const raw = await client.send(new PutObjectCommand({ Bucket: 'feeds', Key: 'locked/.winship-feed.lock', Body: '{}', IfNoneMatch: '*' })).then(
      () => 200,
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
    );
    expect(raw).toBe(412);
    const second = await runRelease(args(dists['1.0.0']!), { cwd: work, env: s3.env });
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`s3://feeds/locked/ is locked by \\S+ \\(pid ${first.pid}\\), release publish hello 1\\.0\\.0 since .*--break-lock`));
    process.kill(first.pid, 'SIGKILL');
    await first.child;
    const broken = await runRelease(args(dists['1.0.0']!, ['--break-lock']), { cwd: work, env: s3.env });
    expect(broken.exitCode, broken.stderr).toBe(0);
    const index: Index = JSON.parse((await client.send(new GetObjectCommand({ Bucket: 'feeds', Key: 'locked/releases.json' })).then((r) => r.Body!.transformToString())) as string);
    expect(index.releases.map((r) => r.version)).toEqual(['1.0.0']);
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'feeds', Prefix: 'locked/' }))).Contents ?? []).map((o) => o.Key);
    expect(keys).not.toContain('locked/.winship-feed.lock');
  });
});
