// The payload of an MSI: the files (and empty folders) installed under the install folder,
// collected from a staging directory and checked against the rules Windows and MSI put on
// names before anything is built.

import { accessSync, constants as fsConstants, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { StageError } from '../../util/errors.js';
import { compareOrdinal } from '../../util/compare.js';
import { codepageCharset, DEFAULT_CODEPAGE, describeChar, unrepresentableChars } from './codepage.js';
import { holdsBinderVariable, wixlCannotEscape } from './escape.js';
import { installedName } from './ids.js';
import { checkInstallPaths, endsInDotOrSpace, forbiddenNameChars, MAX_SEGMENT_LENGTH, PATH_RULE_TITLES, type PathRule } from '../../payload/names.js';
import { formatPayloadProblems, section, type PayloadProblem, type RuleTitles } from '../../payload/problems.js';

export interface PayloadEntry {
  /** Install-relative path, forward slashes, e.g. `bin/app.exe`. */
  relativePath: string;
  /** Absolute path of the file on this machine. */
  sourcePath: string;
  /** `dir` entries are folders to create even if no file lands in them. */
  kind: 'file' | 'dir';
}

export interface CollectOptions {
  /** Globs (relative to the root) of what to ship; default everything (`**`, dot files too). */
  include?: string[];
  /** Globs of what to leave out; a directory pattern (`docs`) leaves out its whole tree. */
  exclude?: string[];
}

/** Ordinal comparison: the same order on every machine and locale. */
export const comparePaths = compareOrdinal;

/**
 * path.join(dir, name) for a normalised absolute `dir` and a name readdir returned (no
 * separator, never `.` or `..`), without join's normalising pass over the whole path: the walk
 * makes one per payload entry.
 */
function childPath(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Lists what an MSI built from `rootDir` installs: every regular file matching `include` and
 * not `exclude`, plus a `dir` entry for every included directory that is empty on disk. Sorted
 * by path (ordinal). Symbolic links are followed only while they stay inside the root.
 * Throws StageError listing every offending path: links leaving the root, broken links,
 * directory links that loop back into their own ancestors, special files (FIFOs, sockets,
 * devices), entries that cannot be read.
 *
 * One synchronous walk with the types readdir already reports (no stat per file): a 50,000-file
 * tree is listed in a fraction of a second, where a glob walk plus a stat and an open per entry
 * took over 6 s.
 */
export async function collectPayload(rootDir: string, options: CollectOptions = {}): Promise<PayloadEntry[]> {
  const root = path.resolve(rootDir);
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    if (!statSync(realRoot).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new StageError(`The payload folder ${root} does not exist or is not a directory.`);
  }
  const include = picomatch(options.include?.length ? options.include : ['**'], { dot: true });
  const exclude = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false;
  const problems = { leaving: [] as string[], broken: [] as string[], looping: [] as string[], special: [] as string[], unreadable: [] as string[] };
  const entries: PayloadEntry[] = [];
  const isRoot = process.getuid?.() === 0;

  // `ancestors` holds the real paths of the folders being walked: a directory link into one of
  // them would make the tree endless.
  const walk = (dir: string, rel: string, realDir: string, ancestors: Set<string>): void => {
    let dirents: Dirent[];
    try {
      dirents = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      problems.unreadable.push(`${rel || '.'}/ (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return;
    }
    // Each listing in name order: the walk then yields the entries nearly sorted, and the sort
    // at the end (still needed: "a-b" sorts before "a/c") has little left to do.
    dirents.sort((a, b) => comparePaths(a.name, b.name));
    if (dirents.length === 0 && rel !== '' && include(rel)) entries.push({ relativePath: rel, sourcePath: dir, kind: 'dir' });
    for (const d of dirents) {
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const child = childPath(dir, d.name);
      let isDir = d.isDirectory();
      let isFile = d.isFile();
      let real: string | undefined;
      if (d.isSymbolicLink()) {
        try {
          real = realpathSync(child);
        } catch {
          problems.broken.push(childRel);
          continue;
        }
        if (!isInside(realRoot, real)) {
          problems.leaving.push(`${childRel} -> ${real}`);
          continue;
        }
        const st = statSync(real);
        isDir = st.isDirectory();
        isFile = st.isFile();
        if (isDir && ancestors.has(real)) {
          problems.looping.push(childRel);
          continue;
        }
      }
      if (isDir) {
        if (exclude(childRel)) continue;
        const realChild = real ?? childPath(realDir, d.name);
        ancestors.add(realChild);
        walk(child, childRel, realChild, ancestors);
        ancestors.delete(realChild);
      } else if (isFile) {
        if (!include(childRel) || exclude(childRel)) continue;
        try {
          if (!isRoot) accessSync(child, fsConstants.R_OK); // root reads everything: skip 50k syscalls
        } catch (err) {
          problems.unreadable.push(`${childRel} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
          continue;
        }
        entries.push({ relativePath: childRel, sourcePath: child, kind: 'file' });
      } else if (include(childRel) && !exclude(childRel)) {
        problems.special.push(childRel);
      }
    }
  };
  walk(root, '', realRoot, new Set([realRoot]));

  const sections: string[] = [];
  if (problems.leaving.length > 0) sections.push(section('symbolic links that leave the payload folder', problems.leaving.sort(comparePaths)));
  if (problems.broken.length > 0) sections.push(section('symbolic links whose target does not exist', problems.broken.sort(comparePaths)));
  if (problems.looping.length > 0) sections.push(section('directory links that loop back into themselves', problems.looping.sort(comparePaths)));
  if (sections.length > 0) {
    throw new StageError(
      `The payload folder ${root} has symbolic links that cannot be packaged:\n${sections.join('\n')}\n` +
        `Copy the files into the folder instead, or exclude the links.`,
    );
  }
  if (problems.special.length > 0) sections.push(section('not regular files (FIFOs, sockets, devices)', problems.special.sort(comparePaths)));
  if (problems.unreadable.length > 0) sections.push(section('cannot be read', problems.unreadable.sort(comparePaths)));
  if (sections.length > 0) {
    throw new StageError(
      `The payload folder ${root} has entries that cannot be packaged:\n${sections.join('\n')}\n` +
        `Fix their permissions, or exclude them.`,
    );
  }
  return entries.sort((a, b) => comparePaths(a.relativePath, b.relativePath));
}

// ---------------------------------------------------------------------------------------------
// Name rules: the ones every package format shares (payload/names.ts), then what an MSI adds
// (its codepage, WiX variable syntax, one cabinet), reported the same way.

/** One cabinet holds at most 65,535 files (CFHEADER.cFiles is 16-bit); we build one cabinet. */
export const MAX_CABINET_FILES = 65_535;
/** NTFS limit on one path component, in UTF-16 code units. */
export const MAX_NAME_LENGTH = MAX_SEGMENT_LENGTH;

export { endsInDotOrSpace, forbiddenNameChars };

export interface NameCheckOptions {
  /** Package codepage the names must fit in; DEFAULT_CODEPAGE (1252, Western European) unless set. */
  codepage?: number;
  /**
   * Also refuse what wixl 0.101 cannot build: a `$(` in a name. Its preprocessor reads it as a
   * variable and `$$(` (WiX's escape) breaks its XML parser (measured). A lone `$` is fine
   * once doubled, which the fragment renderer does.
   */
  wixl?: boolean;
  /** The backend starts a new cabinet past 65,535 files (the native one): no file-count limit. */
  splitCabinets?: boolean;
}

export type NameRule = PathRule | 'codepage' | 'wix-variable' | 'too-many-files';

export type NameProblem = PayloadProblem<NameRule>;

/** The shared rules' sections, then the MSI's own. */
export const MSI_RULE_TITLES: RuleTitles = [
  ...PATH_RULE_TITLES,
  ['codepage', 'names with characters the package codepage cannot hold'],
  ['wix-variable', 'names that WiX would read as a variable'],
  ['too-many-files', `more files than one cabinet can hold (${MAX_CABINET_FILES})`],
];

/**
 * Printable ASCII without ! (binder variables) or $ (preprocessor variables): in every
 * supported codepage, its own NFC, and nothing WiX reads as syntax. Most names pass this one
 * test and skip the MSI's per-rule work.
 */
const PLAIN_FOR_WIX = /^[\x20-\x7e]*$/;
const WIX_SIGILS = /[!$]/;

/** Finds every name problem; `checkPayloadNames` turns them into one error. */
export function findNameProblems(entries: readonly PayloadEntry[], options: NameCheckOptions = {}): NameProblem[] {
  const codepage = options.codepage ?? DEFAULT_CODEPAGE;
  codepageCharset(codepage); // an unsupported codepage is an error even when every name is ASCII
  const { problems, placed } = checkInstallPaths(entries.map((e) => ({ path: e.relativePath, kind: e.kind })));
  const found: NameProblem[] = [...problems];
  for (const p of placed) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (PLAIN_FOR_WIX.test(name) && !WIX_SIGILS.test(name)) continue;
    const nfc = installedName(name);
    const missing = unrepresentableChars(nfc, codepage);
    if (missing.length > 0) {
      found.push({ rule: 'codepage', path: p, detail: `codepage ${codepage} lacks ${missing.map(describeChar).join(', ')}` });
    }
    if (holdsBinderVariable(name)) {
      found.push({ rule: 'wix-variable', path: p, detail: 'holds "!(loc.", "!(wix." or "!(bind." syntax' });
    } else if (options.wixl && wixlCannotEscape(name)) {
      found.push({ rule: 'wix-variable', path: p, detail: '"$(" cannot be escaped for wixl 0.101' });
    }
  }
  let files = 0;
  for (const entry of entries) if (entry.kind === 'file') files++;
  if (!options.splitCabinets && files > MAX_CABINET_FILES) found.push({ rule: 'too-many-files', path: '', detail: `${files} files` });
  return found;
}

/** Formats name problems grouped by rule, every offending path listed. */
export function formatNameProblems(problems: readonly NameProblem[]): string {
  return formatPayloadProblems(problems, MSI_RULE_TITLES);
}

/**
 * Refuses a payload an MSI cannot install faithfully. The StageError lists every offending path,
 * grouped by rule, so one run shows everything to rename or exclude.
 */
export function checkPayloadNames(entries: readonly PayloadEntry[], options: NameCheckOptions = {}): void {
  const problems = findNameProblems(entries, options);
  if (problems.length === 0) return;
  throw new StageError(
    `The payload has ${problems.length} name problem${problems.length === 1 ? '' : 's'} an MSI cannot carry:\n` +
      `${formatNameProblems(problems)}\nRename these files or exclude them from the package.`,
  );
}
