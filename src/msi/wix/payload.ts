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
import { installedName, normaliseRelativePath, normalisedPathKey } from './ids.js';

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
// Name rules

/** One cabinet holds at most 65,535 files (CFHEADER.cFiles is 16-bit); we build one cabinet. */
export const MAX_CABINET_FILES = 65_535;
/** NTFS limit on one path component, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 255;

/** Microsoft "Naming Files, Paths, and Namespaces": reserved device names, also with any
 * extension (`con.txt`) and with trailing spaces before it. Superscript digits count too. */
const RESERVED_BASE = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³])$/i;
/** What Windows refuses in a file or folder name: < > : " / \ | ? * and control characters. */
const FORBIDDEN_CHARS = /[<>:"\/|?*\\\u0000-\u001f]/gu;

/** The characters of `name` that Windows refuses in a file or folder name, each once. */
export function forbiddenNameChars(name: string): string[] {
  return [...new Set(name.match(FORBIDDEN_CHARS) ?? [])];
}

/** Windows drops a trailing dot or space from a name, so a name ending in one cannot be kept. */
export function endsInDotOrSpace(name: string): boolean {
  return name.endsWith('.') || name.endsWith(' ');
}

export interface NameCheckOptions {
  /** Package codepage the names must fit in; DEFAULT_CODEPAGE (1252, Western European) unless set. */
  codepage?: number;
  /**
   * Also refuse what wixl 0.101 cannot build: a `$(` in a name. Its preprocessor reads it as a
   * variable and `$$(` (WiX's escape) breaks its XML parser (measured). A lone `$` is fine
   * once doubled, which the fragment renderer does.
   */
  wixl?: boolean;
}

export type NameRule =
  | 'case-duplicate'
  | 'reserved-name'
  | 'trailing-dot-or-space'
  | 'forbidden-character'
  | 'codepage'
  | 'too-long'
  | 'wix-variable'
  | 'too-many-files';

export interface NameProblem {
  rule: NameRule;
  /** The offending path (for a directory, the directory's own path). */
  path: string;
  detail?: string;
}

const RULE_TITLES: Record<NameRule, string> = {
  'case-duplicate': 'paths that differ only in letter case (Windows treats them as one file)',
  'reserved-name': 'reserved Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without extension)',
  'trailing-dot-or-space': 'names ending in a dot or a space (Windows drops them)',
  'forbidden-character': 'names with characters Windows forbids (< > : " | ? * \\ or control characters)',
  codepage: 'names with characters the package codepage cannot hold',
  'too-long': `names longer than ${MAX_NAME_LENGTH} characters`,
  'wix-variable': 'names that WiX would read as a variable',
  'too-many-files': `more files than one cabinet can hold (${MAX_CABINET_FILES})`,
};

/** Every path an entry brings into the install tree: its own and each parent directory's. */
function allPaths(entries: readonly PayloadEntry[]): string[] {
  const paths = new Set<string>();
  for (const entry of entries) {
    // The path, then its parents up to the first one already seen (its parents are in too).
    for (let p = normaliseRelativePath(entry.relativePath); p !== '' && !paths.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      paths.add(p);
    }
  }
  return [...paths].sort(comparePaths);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Printable ASCII, at most MAX_NAME_LENGTH long, without a character any rule below looks for:
 * the forbidden < > : " | ? * \ (and /, which no name holds), ! (binder variables) and $
 * (preprocessor variables). Such a name is in every supported codepage and is its own NFC.
 */
const PLAIN_NAME = new RegExp(String.raw`^[^\u0000-\u001f\u007f-\uffff<>:"|?*\\/!$]{0,${MAX_NAME_LENGTH}}$`);
/** Every reserved device name starts like this (con, conin$, conout$, com1, ...). */
const RESERVED_PREFIX = /^(?:con|prn|aux|nul|com|lpt)/i;

/**
 * True when no name rule can object to `name`. Most payload names pass this one test and skip
 * the per-rule regexes, splits and normalisation (a third of checking a 50,000-file payload);
 * the others go through every rule as usual.
 */
function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name) && !endsInDotOrSpace(name) && !RESERVED_PREFIX.test(name);
}

/** Finds every name problem; `checkPayloadNames` turns them into one error. */
export function findNameProblems(entries: readonly PayloadEntry[], options: NameCheckOptions = {}): NameProblem[] {
  const codepage = options.codepage ?? DEFAULT_CODEPAGE;
  codepageCharset(codepage); // an unsupported codepage is an error even when every name is ASCII
  const problems: NameProblem[] = [];
  const paths = allPaths(entries);

  // The first spelling of each key; the list of spellings only for keys spelled more than one
  // way (a list per path was most of the allocations here).
  const firstSpelling = new Map<string, string>();
  const spellings = new Map<string, string[]>();
  for (const p of paths) {
    const key = normalisedPathKey(p); // `paths` are already normalised
    const first = firstSpelling.get(key);
    if (first === undefined) {
      firstSpelling.set(key, p);
      continue;
    }
    const group = spellings.get(key);
    if (group) group.push(p);
    else spellings.set(key, [first, p]);
  }
  if (spellings.size > 0) {
    for (const key of firstSpelling.keys()) {
      // In the order the keys were first seen, as `paths` is sorted.
      const group = spellings.get(key);
      if (!group) continue;
      // Only report the shallowest clash: `Docs` vs `docs` implies their children clash too.
      const parentKey = key.slice(0, Math.max(0, key.lastIndexOf('/')));
      const parentClashes = parentKey !== '' && spellings.has(parentKey);
      if (!parentClashes) problems.push({ rule: 'case-duplicate', path: group[0]!, detail: group.join(' <-> ') });
    }
  }

  for (const p of paths) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    if (isPlainName(name)) continue;
    const nfc = installedName(name);
    if (RESERVED_BASE.test(name.split('.')[0]!.trimEnd())) problems.push({ rule: 'reserved-name', path: p });
    if (endsInDotOrSpace(name)) problems.push({ rule: 'trailing-dot-or-space', path: p });
    const forbidden = forbiddenNameChars(name);
    if (forbidden.length > 0) {
      problems.push({ rule: 'forbidden-character', path: p, detail: forbidden.map(describeChar).join(', ') });
    }
    // Printable ASCII is in every supported codepage: skip the lookup for the common case.
    const missing = PRINTABLE_ASCII.test(nfc) ? [] : unrepresentableChars(nfc, codepage);
    if (missing.length > 0) {
      problems.push({ rule: 'codepage', path: p, detail: `codepage ${codepage} lacks ${missing.map(describeChar).join(', ')}` });
    }
    if (name.length > MAX_NAME_LENGTH) problems.push({ rule: 'too-long', path: p, detail: `${name.length} characters` });
    if (holdsBinderVariable(name)) {
      problems.push({ rule: 'wix-variable', path: p, detail: 'holds "!(loc.", "!(wix." or "!(bind." syntax' });
    } else if (options.wixl && wixlCannotEscape(name)) {
      problems.push({ rule: 'wix-variable', path: p, detail: '"$(" cannot be escaped for wixl 0.101' });
    }
  }

  let files = 0;
  for (const entry of entries) if (entry.kind === 'file') files++;
  if (files > MAX_CABINET_FILES) {
    problems.push({ rule: 'too-many-files', path: '', detail: `${files} files` });
  }
  return problems;
}

function section(title: string, lines: readonly string[]): string {
  return `  ${title}:\n${lines.map((l) => `    - ${l}`).join('\n')}`;
}

/** Formats name problems grouped by rule, every offending path listed. */
export function formatNameProblems(problems: readonly NameProblem[]): string {
  const sections: string[] = [];
  for (const rule of Object.keys(RULE_TITLES) as NameRule[]) {
    const hits = problems.filter((p) => p.rule === rule);
    if (hits.length === 0) continue;
    // A case clash is shown as its spellings; the whole-payload count has no path.
    const lines = hits.map((h) =>
      rule === 'case-duplicate' || h.path === '' ? (h.detail ?? h.path) : h.detail ? `${h.path}  (${h.detail})` : h.path,
    );
    sections.push(section(RULE_TITLES[rule], lines));
  }
  return sections.join('\n');
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
