import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRegistry } from '../../src/artifacts/registry.js';
import { parseConfigText } from '../../src/config/load.js';
import { ReleaseContext, type ReleaseContextInit, type ReleaseInfo, type RunOptions } from '../../src/context/context.js';
import { ToolRunner } from '../../src/tools/runner.js';
import { SUPPORTED_TARGETS } from '../../src/util/arch.js';
import { parseSemver } from '../../src/version/semver.js';

// A release context for in-process stage tests (GoReleaser's testctx): a parsed release.yaml, fixed
// facts, a fresh dist/ in a temp folder, and a runner that must never start a process unless the
// test says so (a dry run records command lines instead).

export const TEST_RELEASE: ReleaseInfo = {
  version: '1.2.3',
  semver: parseSemver('1.2.3')!,
  snapshot: false,
  versionSource: 'tag',
  commit: '0123456789abcdef0123456789abcdef01234567',
  shortCommit: '0123456',
  date: new Date('2026-03-14T15:09:26Z'),
  tag: 'v1.2.3',
  dirty: false,
};

export interface TestContextOptions {
  /** release.yaml text (default: one build "app" for every target). */
  yaml?: string;
  release?: Partial<ReleaseInfo>;
  options?: Partial<RunOptions>;
  distDir?: string;
  projectDir?: string;
  artifacts?: ArtifactRegistry;
  targets?: ReleaseContextInit['targets'];
  /** Commands the runner was asked to run (in a dry run). */
  commands?: string[];
}

// Every folder a context makes is removed when the test process ends.
const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

export const MINIMAL_YAML = 'project:\n  name: app\n  vendor: Test Vendor\nbuilds:\n  - binary: app\n';

export function testContext(o: TestContextOptions = {}): { ctx: ReleaseContext; warnings: string[]; infos: string[] } {
  const { config, positions } = parseConfigText(o.yaml ?? MINIMAL_YAML);
  const projectDir = o.projectDir ?? tempDir('winship-ctx-project-');
  const distDir = o.distDir ?? tempDir('winship-ctx-dist-');
  const options: RunOptions = { dryRun: false, concurrency: 2, ioConcurrency: 2, json: false, devCert: false, ...o.options };
  const warnings: string[] = [];
  const infos: string[] = [];
  const ctx = new ReleaseContext({
    config,
    configPath: join(projectDir, 'release.yaml'),
    positions,
    projectDir,
    distDir,
    release: { ...TEST_RELEASE, ...o.release },
    targets: o.targets ?? [...SUPPORTED_TARGETS],
    options,
    runner: new ToolRunner({ dryRun: options.dryRun, signal: new AbortController().signal, onCommand: (line) => o.commands?.push(line) }),
    signal: new AbortController().signal,
    logger: { info: (m) => infos.push(m), warn: (m) => warnings.push(m) },
    env: {},
    ...(o.artifacts ? { artifacts: o.artifacts } : {}),
  });
  return { ctx, warnings, infos };
}
