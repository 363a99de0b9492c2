import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeGitProject, repoRoot, runRelease } from './cli.js';

export interface FixtureBuild {
  dir: string;
  dist: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixture: { root: string; a: FixtureBuild; b: FixtureBuild };
  }
}

/**
 * Builds the Go fixture once per test run, twice, in two different clean directories (same
 * commit, same tag): the build tests read both, the reproducibility test compares them.
 */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'winship-test-'));
  const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
  const build = async (name: string): Promise<FixtureBuild> => {
    const dir = await makeGitProject(fixture, join(root, name, 'src'), { tag: 'v1.2.3' });
    const started = performance.now();
    const r = await runRelease(['build', '--json'], { cwd: dir });
    return { dir, dist: join(dir, 'dist'), ...r, ms: performance.now() - started };
  };
  const a = await build('a');
  const b = await build('b');
  project.provide('fixture', { root, a, b });
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
