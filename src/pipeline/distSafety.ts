import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, parse, relative, resolve, sep } from 'node:path';
import { CONFIG_NAMES } from '../config/load.js';

// dist/ is written into, and emptied by --clean. Markers say whether a folder is ours, but a
// marker can be copied, left over or made by hand: these rules say which folders are never
// dist/, whatever markers they hold — the project, any folder holding it, the git work tree's
// root, the home folder (or one holding it), the root of the file system, and any folder that
// holds a repository or a release.yaml.

export interface ProtectedFolders {
  /** The folder holding release.yaml. */
  projectDir: string;
  /** The root of the git work tree holding the project, if any. */
  gitRoot?: string;
  home?: string;
  /** What the candidate folder holds now (when it exists). */
  holds?: { git?: boolean; config?: boolean };
  /** Compare paths ignoring case (Windows, macOS). */
  caseInsensitive?: boolean;
}

/**
 * Why `distDir` can never be winship's output folder, or undefined. Pure: paths absolute, with
 * symlinks already resolved (checkDistFolder does both).
 */
export function distFolderProblem(distDir: string, p: ProtectedFolders): string | undefined {
  const key = (path: string) => {
    const r = resolve(path);
    return p.caseInsensitive ? r.toLowerCase() : r;
  };
  const dist = key(distDir);
  const same = (other: string) => key(other) === dist;
  /** dist is `other` or a folder holding it. */
  const holds = (other: string) => {
    const rel = relative(dist, key(other));
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !parse(rel).root);
  };
  if (parse(dist).root === dist) return 'is the root of the file system';
  if (same(p.projectDir)) return `is the project folder itself (${p.projectDir}, which holds release.yaml)`;
  if (p.gitRoot !== undefined && same(p.gitRoot)) return `is the root of the git work tree holding the project (${p.gitRoot})`;
  if (holds(p.projectDir)) return `holds the project (${p.projectDir} is inside it)`;
  if (p.home !== undefined && same(p.home)) return `is your home folder (${p.home})`;
  if (p.home !== undefined && holds(p.home)) return `holds your home folder (${p.home})`;
  if (p.holds?.git) return 'holds a .git folder: it is a repository, not an output folder';
  if (p.holds?.config) return 'holds a release.yaml: it is a project, not an output folder';
  return undefined;
}

/** The real path of `path`, or of its nearest existing parent with the rest appended (dist/ may not exist yet). */
async function realOrNearest(path: string): Promise<string> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const real = await realpath(p).catch(() => undefined);
    if (real !== undefined) return join(real, ...missing.reverse());
    if (dirname(p) === p) return resolve(path);
    missing.push(basename(p));
  }
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** The nearest folder at or above `dir` holding .git (a folder, or a file in a linked work tree). */
export async function findGitRoot(dir: string): Promise<string | undefined> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (await exists(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** distFolderProblem with the facts read from disk: real paths, the git root, the home folder, what dist holds. */
export async function checkDistFolder(distDir: string, projectDir: string): Promise<string | undefined> {
  const [dist, project, home] = await Promise.all([realOrNearest(distDir), realOrNearest(projectDir), realOrNearest(homedir())]);
  const [gitRoot, git, config] = await Promise.all([
    findGitRoot(project),
    exists(join(dist, '.git')),
    Promise.all(CONFIG_NAMES.map((n) => exists(join(dist, n)))).then((found) => found.some(Boolean)),
  ]);
  return distFolderProblem(dist, {
    projectDir: project,
    ...(gitRoot !== undefined ? { gitRoot } : {}),
    home,
    holds: { git, config },
    caseInsensitive: process.platform === 'win32' || process.platform === 'darwin',
  });
}
