import { constants as fsConstants } from 'node:fs';
import { access, lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import { closestName } from '../util/similar.js';
import type { ReleaseContext } from './context.js';
import { compareOrdinal } from '../util/compare.js';
import { describeFileType, type FileType, type SourceProblem } from '../payload/sources.js';

export type FileSpec = string | { glob: string; required: boolean };

export interface ProjectFile {
  /** Path relative to release.yaml, forward slashes: where it goes inside a zip or install folder. */
  name: string;
  /** The file read when packing it: its real path (a followed link's target), inside the project. */
  sourcePath: string;
}

export interface CollectedFiles {
  /** The files to pack, sorted by name. */
  files: ProjectFile[];
  /** Everything matched that cannot be packed, each with its path: the caller reports them together. */
  problems: SourceProblem[];
}

/**
 * Files named by globs relative to release.yaml (archives.files, msi.files), sorted. A path
 * without wildcards that matches nothing is a problem, as is a glob marked required; another glob
 * that matches nothing warns. dist/ and dot files are never matched.
 * Nothing matched is dropped in silence: what cannot be packed comes back as a problem.
 * - A symbolic link to a file inside the project is followed: packed under the link's name,
 *   with the target's contents. A link out of the project, a dangling (or looping) link and a
 *   link to a folder are problems. A glob does not descend into a linked folder (no loops); a
 *   glob whose fixed part goes through one (`docs/linked/**`) reads it, each file still checked
 *   to be inside the project.
 * - FIFOs, sockets and devices are problems, known from their directory entry or lstat/stat:
 *   they are never opened (opening a FIFO blocks until a writer comes, beyond any signal).
 */
export async function collectProjectFiles(ctx: ReleaseContext, specs: readonly FileSpec[], key: string, exclude: readonly string[] = []): Promise<CollectedFiles> {
  const found = new Map<string, ProjectFile>();
  const problems: SourceProblem[] = [];
  const seen = new Set<string>();
  const distRel = relative(ctx.projectDir, ctx.distDir).split(sep).join('/');
  const realProject = await realpath(ctx.projectDir);
  for (const [i, spec] of specs.entries()) {
    const { glob, required } = typeof spec === 'string' ? { glob: spec, required: false } : spec;
    const ignore = [...exclude, ...(distRel && !distRel.startsWith('..') ? [`${distRel}/**`] : [])];
    const matches = (exclude.length === 0 && (await literalMatch(ctx, glob, distRel))) || (await globMatches(ctx, glob, ignore));
    const matched = matches.filter((m) => !m.dirent.isDirectory()); // a folder comes with its files
    if (matched.length === 0) {
      const unmatched = await unmatchedProblem(ctx, glob, required, [...key.split('.'), i, ...(typeof spec === 'string' ? [] : ['glob'])]);
      if (unmatched) problems.push(unmatched);
      else ctx.warn(`${ctx.positions.at([...key.split('.'), i])}: "${glob}" matches no file under ${ctx.projectDir}`);
    }
    for (const { path: name, dirent } of matched) {
      if (seen.has(name)) continue; // matched by an earlier glob too
      seen.add(name);
      const verdict = await classify(ctx.project(name), dirent, realProject);
      if ('rule' in verdict) problems.push({ ...verdict, path: name });
      else found.set(name, { name, sourcePath: verdict.real });
    }
  }
  return {
    files: [...found.values()].sort((a, b) => compareOrdinal(a.name, b.name)),
    problems: problems.sort((a, b) => compareOrdinal(a.path, b.path)),
  };
}

/** Wildcards, braces, classes, extglobs or a negation: a pattern, not a path. */
const GLOB_SYNTAX = /[*?[\]{}]|[!@+]\(|^!/;

/**
 * A spec that matched nothing: an error when it names one file (a literal path: the typo of
 * LICENCE for LICENSE must not ship a package without its licence) or is marked required, with
 * the position and a near name when the folder holds one; undefined for a wildcard (a warning).
 */
async function unmatchedProblem(ctx: ReleaseContext, glob: string, required: boolean, keyPath: readonly (string | number)[]): Promise<SourceProblem | undefined> {
  const literal = !GLOB_SYNTAX.test(glob);
  if (!literal && !required) return undefined;
  const at = ctx.positions.at(keyPath);
  if (!literal) return { rule: 'missing', path: `${at}: ${glob}`, detail: 'required: true, and the pattern matches no file' };
  const own = await stat(ctx.project(glob)).catch(() => undefined);
  if (own?.isDirectory()) return { rule: 'missing', path: `${at}: ${glob}`, detail: `a folder, not a file: name its files with "${glob.replace(/\/+$/, '')}/**"` };
  if (own) return { rule: 'missing', path: `${at}: ${glob}`, detail: 'it exists, but is inside dist/ or excluded (exclude:), so nothing would ship it' };
  const near = await nearName(ctx, glob);
  return { rule: 'missing', path: `${at}: ${glob}`, detail: near ? `no such file; did you mean ${near}?` : 'no such file' };
}

/** The name in the same folder closest to `glob`'s (a case or one- or two-letter slip), as written, if any. */
async function nearName(ctx: ReleaseContext, glob: string): Promise<string | undefined> {
  const names = await readdir(dirname(ctx.project(glob))).catch(() => [] as string[]);
  const found = closestName(basename(glob), names);
  if (found === undefined) return undefined;
  const folder = dirname(glob);
  return folder === '.' ? found : `${folder}/${found}`;
}

/** A plain relative path without glob syntax: README.md, docs/guide.txt. */
const LITERAL = /^(?!\.{1,2}(?:\/|$))(?:[^*?[\]{}()!+@\\/]+)(?:\/(?!\.{1,2}(?:\/|$))[^*?[\]{}()!+@\\/]+)*$/;

/**
 * What a literal path (most archives.files are) matches, found with one lstat instead of
 * loading the glob library (about 50 ms, which a run's preflight would wait for); undefined
 * when the path is not a plain literal and the glob library must decide.
 */
async function literalMatch(ctx: ReleaseContext, glob: string, distRel: string): Promise<{ path: string; dirent: FileType }[] | undefined> {
  if (!LITERAL.test(glob) || glob.startsWith('.') || glob.includes('/.')) return undefined; // dotfiles: glob rules (dot: false)
  if (distRel && !distRel.startsWith('..') && (glob === distRel || glob.startsWith(`${distRel}/`))) return [];
  const own = await lstat(ctx.project(glob)).catch(() => undefined);
  // A folder matches no file, as with the glob library (its files come with "folder/**").
  return own && !own.isDirectory() ? [{ path: glob, dirent: own }] : [];
}

async function globMatches(ctx: ReleaseContext, glob: string, ignore: string[]): Promise<{ path: string; dirent: FileType }[]> {
  const { globby } = await import('globby'); // only when a glob needs it (~40 ms to load)
  // Folders, links and special files too (onlyFiles would drop links and FIFOs unseen); the
  // types come from the directory listing, so nothing is opened to learn them.
  return globby(glob, { cwd: ctx.projectDir, onlyFiles: false, objectMode: true, dot: false, followSymbolicLinks: false, ignore });
}

/**
 * A file that gets embedded or shipped on its own (an icon, msi.license, msi.template): a
 * regular file inside the project folder, after links. Checked with lstat/stat/realpath only.
 * The problem's path reads `key: path as written`.
 */
export async function checkProjectInput(ctx: ReleaseContext, path: string, key: string): Promise<SourceProblem | undefined> {
  const abs = ctx.project(path);
  let own: FileType;
  try {
    own = await lstat(abs);
  } catch (err) {
    return { rule: 'missing', path: `${key}: ${path}`, detail: errorCode(err) };
  }
  const verdict = await classify(abs, own, await realpath(ctx.projectDir));
  return 'rule' in verdict ? { ...verdict, path: `${key}: ${path}` } : undefined;
}

type Verdict = { real: string } | Omit<SourceProblem, 'path'>;

/** Whether the entry at `abs` (its own type from readdir or lstat: `own`) can be packed. */
async function classify(abs: string, own: FileType, realProject: string): Promise<Verdict> {
  if (!own.isFile() && !own.isSymbolicLink()) return { rule: 'special-file', detail: describeFileType(own) };
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    const target = await readlink(abs).catch(() => undefined);
    return { rule: 'link-dangling', detail: `${target === undefined ? '' : `-> ${target}, `}${errorCode(err)}` };
  }
  // Also for a regular file: a linked folder on its way (a glob's fixed part) may lead out.
  if (!isInside(realProject, real)) return { rule: 'outside-project', detail: `-> ${real}` };
  if (own.isSymbolicLink()) {
    const target = await stat(real);
    if (target.isDirectory()) return { rule: 'link-to-folder', detail: `-> ${relative(realProject, real).split(sep).join('/') || '.'}` };
    if (!target.isFile()) return { rule: 'special-file', detail: `a link to ${describeFileType(target)}` };
  }
  try {
    await access(real, fsConstants.R_OK);
  } catch (err) {
    return { rule: 'unreadable', detail: errorCode(err) };
  }
  return { real };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
