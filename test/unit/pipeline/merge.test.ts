import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifacts/kinds.js';
import type { ReleaseState } from '../../../src/artifacts/state.js';
import { mergeStates, type ReleasePart } from '../../../src/pipeline/merge.js';
import type { GoArch } from '../../../src/util/arch.js';

const exe = (arch: GoArch): Artifact => ({ kind: 'binary', name: 'app.exe', path: `app_windows_${arch}/app.exe`, goos: 'windows', goarch: arch, build: 'app', size: 3, sha256: arch.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a') });

function part(dir: string, arch: GoArch, edit: (s: ReleaseState) => void = () => undefined): ReleasePart {
  const state: ReleaseState = {
    schemaVersion: 1,
    writtenBy: '0.1.0',
    project: 'app',
    configDigest: 'd'.repeat(64),
    release: { version: '1.2.3', snapshot: false, versionSource: 'tag', commit: 'c'.repeat(40), shortCommit: 'ccccccc', date: '2026-03-14T15:09:26.000Z', tag: 'v1.2.3', dirty: false },
    tools: { go: 'go1.26.8', wixl: '0.101' },
    targets: [`windows/${arch}`],
    partial: true,
    completed: ['build', 'resources', 'msi', 'archive'],
    artifacts: [exe(arch)],
  };
  edit(state);
  return { dir, state };
}

describe('release merge joins the parts of a split release', () => {
  it('unions targets, files and tools; what every part completed is what the release completed', () => {
    const warnings: string[] = [];
    const merged = mergeStates(
      [part('arm64/', 'arm64', (s) => (s.completed = ['build', 'resources', 'archive'])), part('amd64/', 'amd64', (s) => (s.release.dirty = true))],
      (m) => warnings.push(m),
    );
    expect(merged.partial).toBe(false);
    expect(merged.targets).toEqual(['windows/amd64', 'windows/arm64']);
    expect(merged.artifacts.map((a) => a.path)).toEqual(['app_windows_arm64/app.exe', 'app_windows_amd64/app.exe']);
    expect(merged.completed).toEqual(['build', 'resources', 'archive']);
    expect(merged.release.dirty).toBe(true);
    expect(warnings).toEqual(['amd64/ ran msi, which not every part ran: the merged release counts it as not done']);
  });

  it('refuses parts of different releases, naming both parts and the values', () => {
    const other = (edit: (s: ReleaseState) => void) => () => mergeStates([part('a/', 'amd64'), part('b/', 'arm64', edit)], () => undefined);
    expect(other((s) => (s.release.commit = 'e'.repeat(40)))).toThrow(`a/ and b/ are parts of different releases: commit "${'c'.repeat(40)}" and "${'e'.repeat(40)}"`);
    expect(other((s) => (s.release.version = '1.2.4'))).toThrow('a/ and b/ are parts of different releases: version "1.2.3" and "1.2.4"');
    expect(other((s) => (s.configDigest = 'e'.repeat(64)))).toThrow('a/ and b/ were built with different release.yaml files');
    expect(other((s) => (s.project = 'other'))).toThrow('b/ is project "other", a/ is "app"');
  });

  it('refuses overlapping parts and whole releases', () => {
    expect(() => mergeStates([part('a/', 'amd64'), part('b/', 'amd64')], () => undefined)).toThrow('a/ and b/ both hold windows/amd64');
    expect(() =>
      mergeStates([part('a/', 'amd64'), part('b/', 'arm64', (s) => (s.artifacts = [exe('amd64')]))], () => undefined),
    ).toThrow('a/ and b/ both hold app_windows_amd64/app.exe');
    expect(() => mergeStates([part('a/', 'amd64', (s) => (s.partial = false))], () => undefined)).toThrow('a/ holds a whole release, not a part of one');
    expect(() => mergeStates([], () => undefined)).toThrow('release merge needs the folders');
  });

  it('records both tool versions when the parts differ, and says so', () => {
    const warnings: string[] = [];
    const merged = mergeStates([part('a/', 'amd64'), part('b/', 'arm64', (s) => (s.tools.go = 'go1.26.7'))], (m) => warnings.push(m));
    expect(merged.tools.go).toBe('go1.26.7, go1.26.8');
    expect(warnings[0]).toContain('different go versions');
  });
});
