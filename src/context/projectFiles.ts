import { realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { StageError } from '../util/errors.js';
import type { ReleaseContext } from './context.js';
import { compareOrdinal } from '../util/compare.js';

export type FileSpec = string | { glob: string; required: boolean };

export interface ProjectFile {
  /** Path relative to release.yaml, forward slashes: where it goes inside a zip or install folder. */
  name: string;
  sourcePath: string;
}

/**
 * Files named by globs relative to release.yaml (archives.files, msi.files), sorted. A glob that
 * matches nothing warns (fails when marked required); dist/ is never matched; a symlink that
 * leads out of the project is refused, so a release never packs files from elsewhere.
 */
export async function collectProjectFiles(ctx: ReleaseContext, specs: readonly FileSpec[], key: string, exclude: readonly string[] = []): Promise<ProjectFile[]> {
  const { globby } = await import('globby'); // only when a stage collects files (~40 ms to load)
  const found = new Map<string, ProjectFile>();
  const distRel = relative(ctx.projectDir, ctx.distDir).split(sep).join('/');
  const realProject = await realpath(ctx.projectDir);
  const escaping: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const { glob, required } = typeof spec === 'string' ? { glob: spec, required: false } : spec;
    const matches = await globby(glob, {
      cwd: ctx.projectDir,
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: false,
      ignore: [...exclude, ...(distRel && !distRel.startsWith('..') ? [`${distRel}/**`] : [])],
    });
    if (matches.length === 0) {
      const message = `${key}[${i}]: "${glob}" matches no file under ${ctx.projectDir}`;
      if (required) throw new StageError(`${message} (marked required)`);
      ctx.warn(message);
    }
    for (const name of matches) {
      const sourcePath = ctx.project(name);
      const real = await realpath(sourcePath);
      if (real !== realProject && !real.startsWith(realProject + sep)) escaping.push(`${name} -> ${real}`);
      found.set(name, { name, sourcePath });
    }
  }
  if (escaping.length) {
    throw new StageError(`${key}: these symlinks lead out of the project (${ctx.projectDir}); copy the files in instead:\n  ${escaping.join('\n  ')}`);
  }
  return [...found.values()].sort((a, b) => compareOrdinal(a.name, b.name));
}
