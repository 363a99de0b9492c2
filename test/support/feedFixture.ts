import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runRelease } from './cli.js';
import { repoRoot } from './paths.js';
import { sha256 } from '../../src/util/fs.js';

// A feed written by hand, as docs/feed-format.md lays it out, for the tests of `release serve`
// and the Go update client until `release publish` writes feeds (then this becomes a call to
// it): each version's exe, patches made with `release patch create`, releases.json with keys
// in the documented order, and its Ed25519 signature.

export interface FixtureVersion {
  version: string;
  /** The windows/amd64 exe of this version. */
  exe: string;
}

export interface FeedFixture {
  dir: string;
  /** The base64 of the raw 32-byte public key: what a Go program compiles in. */
  publicKey: string;
  privateKey: KeyObject;
  /** releases.json's exact bytes. */
  index: Buffer;
  files: Record<string, { size: number; sha256: string }>;
}

/** A fixed key (seed 32 × 0x2a): the same feed bytes on every run. */
export function fixtureKey(seed = Buffer.alloc(32, 0x2a)): { privateKey: KeyObject; publicKey: string } {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, publicKey: raw.toString('base64') };
}

const exePath = (version: string) => `${version}/hello_windows_amd64/hello.exe`;
// Named as release publish names them (src/artifacts/names.ts).
const patchPath = (from: string, to: string) => `patches/hello_${from}_to_${to}_amd64.exe.patch`;

/** The signature file for `index`: base64, one line, a final newline. */
export function signIndex(index: Uint8Array, privateKey: KeyObject): string {
  return `${sign(null, index, privateKey).toString('base64')}\n`;
}

/**
 * Writes the feed into `dir`: versions oldest first, patches as [from, to] pairs (made with the
 * CLI, which needs lib/ built). Returns what a test needs to check against.
 */
export async function writeFeedFixture(dir: string, versions: FixtureVersion[], patches: [string, string][], date = '2026-11-30T12:00:00Z'): Promise<FeedFixture> {
  const { privateKey, publicKey } = fixtureKey();
  const files: FeedFixture['files'] = {};
  const describe = async (path: string) => {
    const data = await readFile(join(dir, path));
    return (files[path] = { size: data.length, sha256: sha256(data) });
  };
  for (const v of versions) {
    await mkdir(dirname(join(dir, exePath(v.version))), { recursive: true });
    await copyFile(v.exe, join(dir, exePath(v.version)));
    await describe(exePath(v.version));
  }
  await mkdir(join(dir, 'patches'), { recursive: true });
  for (const [from, to] of patches) {
    const r = await runRelease(['patch', 'create', join(dir, exePath(from)), join(dir, exePath(to)), '-o', join(dir, patchPath(from, to))], { cwd: repoRoot });
    if (r.exitCode !== 0) throw new Error(`release patch create ${from} → ${to}: ${r.stderr}`);
    await describe(patchPath(from, to));
  }
  const releases = [...versions].reverse().map((v) => ({
    version: v.version,
    date,
    files: [{ path: exePath(v.version), kind: 'binary', target: 'windows/amd64', ...files[exePath(v.version)]! }],
    patches: patches
      .filter(([, to]) => to === v.version)
      .sort(([a], [b]) => versions.findIndex((x) => x.version === b) - versions.findIndex((x) => x.version === a))
      .map(([from, to]) => ({
        path: patchPath(from, to),
        from,
        to,
        kind: 'binary',
        target: 'windows/amd64',
        ...files[patchPath(from, to)]!,
        oldPath: exePath(from),
        oldSize: files[exePath(from)]!.size,
        oldSha256: files[exePath(from)]!.sha256,
        newPath: exePath(to),
        newSize: files[exePath(to)]!.size,
        newSha256: files[exePath(to)]!.sha256,
      })),
  }));
  const index = Buffer.from(
    `${JSON.stringify({ $schema: 'https://winship.dev/schema/releases.schema.json', schemaVersion: 1, project: 'hello', latest: releases[0]!.version, releases }, null, 2)}\n`,
  );
  // The order of writes the format asks for: files, patches, then the index, then its signature.
  await writeFile(join(dir, 'releases.json'), index);
  await writeFile(join(dir, 'releases.json.sig'), signIndex(index, privateKey));
  return { dir, publicKey, privateKey, index, files };
}

export const FEED_PATHS = { exePath, patchPath };
