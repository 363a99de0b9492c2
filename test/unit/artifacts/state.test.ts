import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifacts/kinds.js';
import { manifestJsonSchemas } from '../../../src/artifacts/manifest.js';
import {
  configDigest,
  parseState,
  readState,
  serializeState,
  stateJsonSchema,
  STATE_SCHEMA_VERSION,
  statePath,
  writeState,
  type ReleaseState,
} from '../../../src/artifacts/state.js';
import { repoRoot } from '../../support/paths.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function stateWith(artifacts: Artifact[]): ReleaseState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    writtenBy: '0.1.0',
    project: 'app',
    configDigest: 'a'.repeat(64),
    release: { version: '1.2.3', snapshot: false, versionSource: 'tag', commit: 'c'.repeat(40), shortCommit: 'ccccccc', date: '2026-03-14T15:09:26.000Z', tag: 'v1.2.3', dirty: false },
    tools: { wixl: '0.101', go: 'go1.26.8' },
    targets: ['windows/arm64', 'windows/amd64'],
    partial: false,
    completed: ['build', 'archive'],
    artifacts,
  };
}

async function distWith(files: Record<string, string>): Promise<{ dir: string; artifacts: Artifact[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'winship-state-'));
  const artifacts: Artifact[] = [];
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
    artifacts.push({ kind: 'binary', name: path.split('/').at(-1)!, path, goos: 'windows', goarch: 'amd64', build: 'app', size: Buffer.byteLength(text), sha256: sha(text) });
  }
  return { dir, artifacts };
}

describe('the release state', () => {
  it('round-trips, and the same state is the same bytes (sorted tools, targets and artifacts)', () => {
    const a: Artifact = { kind: 'archive', name: 'b.zip', path: 'b.zip', goos: 'windows', goarch: 'amd64', size: 1, sha256: sha('b'), format: 'zip', entries: ['app.exe'], packs: [{ path: 'x/app.exe', sha256: sha('x') }] };
    const b: Artifact = { kind: 'binary', name: 'app.exe', path: 'x/app.exe', goos: 'windows', goarch: 'amd64', build: 'app', size: 1, sha256: sha('x') };
    const text = serializeState(stateWith([a, b]));
    expect(serializeState(stateWith([b, a]))).toBe(text);
    const parsed = parseState(text, 'state.json', '0.1.0');
    expect(parsed.artifacts.map((x) => x.kind)).toEqual(['binary', 'archive']);
    expect(parsed.targets).toEqual(['windows/amd64', 'windows/arm64']);
    expect(Object.keys(parsed.tools)).toEqual(['go', 'wixl']);
    expect(JSON.parse(text).$schema).toBe('https://winship.dev/schema/state.schema.json');
  });

  it('refuses a state from a newer winship, naming both versions', () => {
    const newer = JSON.stringify({ ...stateWith([]), schemaVersion: 2, writtenBy: '0.9.0' });
    expect(() => parseState(newer, 'dist/.winship/state.json', '0.1.0')).toThrow(
      'dist/.winship/state.json was written by winship 0.9.0 (state schema 2); this is winship 0.1.0 (state schema 1)',
    );
  });

  it('refuses damaged or hand-edited states with the key path of each problem', () => {
    expect(() => parseState('{"schemaVersion": 1, ', 'S', '0.1.0')).toThrow(/^S is not valid JSON/);
    const edited = stateWith([{ kind: 'binary', name: 'a.exe', path: '../../etc/a.exe', goos: 'windows', goarch: 'mips' as 'amd64', build: 'app', size: -1, sha256: 'XYZ' }]);
    let message = '';
    try {
      parseState(JSON.stringify(edited), 'S', '0.1.0');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('S is not a release state winship can use');
    expect(message).toContain('artifacts[0].path: must be a path inside dist/');
    expect(message).toContain('artifacts[0].goarch');
    expect(message).toContain('artifacts[0].size');
    expect(message).toContain('artifacts[0].sha256: must be a SHA-256 digest');
    expect(message).toContain('release build --clean');
    const twice = stateWith([]);
    twice.artifacts = ([
      { kind: 'binary', name: 'a.exe', path: 'a.exe', goos: 'windows', goarch: 'amd64', build: 'app', size: 1, sha256: sha('a') },
      { kind: 'binary', name: 'a.exe', path: 'a.exe', goos: 'windows', goarch: 'amd64', build: 'app', size: 1, sha256: sha('a') },
    ] as Artifact[]);
    expect(() => parseState(JSON.stringify(twice), 'S', '0.1.0')).toThrow('S lists a.exe twice');
    // Nor does winship write one: a stage recording something invalid fails at once.
    expect(() => serializeState(edited)).toThrow();
  });

  it('checks every recorded file when read: changed, missing or replaced by a link is an error naming it', async () => {
    const { dir, artifacts } = await distWith({ 'app_windows_amd64/app.exe': 'exe', 'notes.txt': 'notes', 'c.zip': 'zip' });
    await writeState(dir, stateWith(artifacts));
    expect((await readState(dir, '0.1.0'))?.artifacts).toHaveLength(3);
    await writeFile(join(dir, 'app_windows_amd64', 'app.exe'), 'EXE'); // same size, other bytes
    await writeFile(join(dir, 'notes.txt'), 'longer notes');
    await writeFile(join(dir, 'c.zip.real'), 'zip');
    await import('node:fs/promises').then((fs) => fs.rm(join(dir, 'c.zip')));
    await symlink(join(dir, 'c.zip.real'), join(dir, 'c.zip'));
    let message = '';
    await readState(dir, '0.1.0').catch((err: Error) => (message = err.message));
    expect(message).toContain(`3 files in ${dir} no longer match the release state (${statePath(dir)})`);
    expect(message).toContain(`app_windows_amd64/app.exe: changed after winship recorded it (sha256 ${sha('exe').slice(0, 12)}… recorded, ${sha('EXE').slice(0, 12)}… now)`);
    expect(message).toContain('notes.txt: changed after winship recorded it (5 bytes recorded, 12 now)');
    expect(message).toContain('c.zip: not a regular file any more');
    await import('node:fs/promises').then((fs) => fs.rm(join(dir, 'notes.txt')));
    await readState(dir, '0.1.0').catch((err: Error) => (message = err.message));
    expect(message).toContain('notes.txt: missing');
  });

  it('is written atomically: no temp file is left, and absent means undefined', async () => {
    const { dir, artifacts } = await distWith({ 'a.exe': 'a' });
    expect(await readState(dir, '0.1.0')).toBeUndefined();
    await writeState(dir, stateWith(artifacts));
    await writeState(dir, stateWith(artifacts));
    const files = (await import('node:fs/promises').then((fs) => fs.readdir(join(dir, '.winship'))));
    expect(files).toEqual(['state.json']);
    expect(JSON.parse(await readFile(statePath(dir), 'utf8')).artifacts[0].path).toBe('a.exe');
  });

  it('digests a config by content, not by key order', () => {
    expect(configDigest({ b: 1, a: { d: [1, 2], c: undefined } })).toBe(configDigest({ a: { d: [1, 2] }, b: 1 }));
    expect(configDigest({ a: [1, 2] })).not.toBe(configDigest({ a: [2, 1] }));
  });

  it('has committed JSON Schemas that match the code (npm run schema)', () => {
    const committed = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'schema', name), 'utf8'));
    expect(committed('state.schema.json')).toEqual(stateJsonSchema());
    expect(committed('artifacts.schema.json')).toEqual(manifestJsonSchemas().artifacts);
    expect(committed('metadata.schema.json')).toEqual(manifestJsonSchemas().metadata);
  });
});
