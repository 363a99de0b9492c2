// The rules every package format (MSI, zip, later MSIX) puts on the install-relative names of
// its payload: what Windows can create, what stays inside the folder the package is installed or
// extracted into, and what stays one file per name. Pure: names in, every problem out.
//
// A path is forward slashes between segments, relative to the install (or extraction) folder:
// `docs/README.md`. The rules, each with the id a problem carries:
//   absolute              a leading "/" or a drive ("C:", "a:b"): would land outside the folder
//   dot-segment           a "." or ".." segment: ".." climbs out of the folder (zip-slip)
//   empty-segment         "a//b", a trailing "/", an empty path
//   backslash             a "\" in a name (a Linux file may hold one): Windows and unzip tools
//                         read it as a separator, so `..\..\evil.txt` would climb out
//   case-duplicate        two paths equal under Windows case folding (also a file `a` and a
//                         folder `A/`); the shallowest clash is reported, with every spelling
//   file-and-folder       one path used for a file and for a folder (`a` and `a/b`)
//   duplicate             one file path listed twice
//   reserved-name         CON PRN AUX NUL CONIN$ CONOUT$ COM1-9 LPT1-9 (also ¹²³), any case, with
//                         or without an extension ("con.txt", "nul .txt")
//   trailing-dot-or-space a segment ending in "." or " " (Windows drops them)
//   forbidden-character   < > : " | ? * and control characters U+0000-U+001F
//   too-long              a segment over MAX_SEGMENT_LENGTH (255) UTF-16 code units (NTFS)
//   path-too-long         a path over MAX_PATH_LENGTH (200) UTF-16 code units (see below)
// A path breaking one of the first four (its shape) is not placed in the tree: it is checked
// for nothing else, since its segments and twins mean nothing until its shape is fixed.

import { compareOrdinal } from '../util/compare.js';
import type { PayloadProblem, RuleTitles } from './problems.js';

/** NTFS limit on one path component, in UTF-16 code units. */
export const MAX_SEGMENT_LENGTH = 255;
/**
 * Limit on a whole install-relative path, in UTF-16 code units. Windows MAX_PATH is 260 with
 * the drive, the folder the package lands in and the terminating NUL; Windows Installer and
 * Explorer's zip extraction fail beyond it. 200 leaves 59 characters for that folder
 * (`C:\Program Files (x86)\Example Corp\Hello\` is 41; `C:\Users\<name>\Downloads\<zip>\`
 * about 50).
 */
export const MAX_PATH_LENGTH = 200;

export type PathRule =
  | 'absolute'
  | 'dot-segment'
  | 'empty-segment'
  | 'backslash'
  | 'reserved-name'
  | 'forbidden-character'
  | 'trailing-dot-or-space'
  | 'case-duplicate'
  | 'file-and-folder'
  | 'duplicate'
  | 'too-long'
  | 'path-too-long';

export type PathProblem = PayloadProblem<PathRule>;

/** Section titles of the path rules, in report order. */
export const PATH_RULE_TITLES: RuleTitles = [
  ['absolute', 'absolute paths or paths with a drive (a leading "/" or "C:"): they would land outside the folder'],
  ['dot-segment', 'paths with a "." or ".." segment (".." climbs out of the folder)'],
  ['empty-segment', 'paths with an empty segment ("a//b", a trailing "/")'],
  ['backslash', 'names holding a backslash, which Windows and unzip tools read as a folder separator'],
  ['case-duplicate', 'paths that differ only in letter case (Windows treats them as one file)'],
  ['file-and-folder', 'paths used both for a file and for a folder'],
  ['duplicate', 'files listed twice under one name'],
  ['reserved-name', 'reserved Windows device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1-9, LPT1-9, with or without extension)'],
  ['trailing-dot-or-space', 'names ending in a dot or a space (Windows drops them)'],
  ['forbidden-character', 'names with characters Windows forbids (< > : " | ? * or control characters)'],
  ['too-long', `names longer than ${MAX_SEGMENT_LENGTH} characters (the NTFS limit)`],
  ['path-too-long', `paths longer than ${MAX_PATH_LENGTH} characters (Windows paths stop at 260 with the folder they land in)`],
];

/** Microsoft "Naming Files, Paths, and Namespaces": reserved device names, also with any
 * extension (`con.txt`) and with trailing spaces before it. Superscript digits count too. */
const RESERVED_BASE = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³])$/i;
/** Every reserved device name starts like this (con, conin$, conout$, com1, ...). */
const RESERVED_PREFIX = /^(?:con|prn|aux|nul|com|lpt)/i;
/** What Windows refuses in a file or folder name: < > : " / \ | ? * and control characters. */
const FORBIDDEN_CHARS = /[<>:"\/|?*\\\u0000-\u001f]/gu;
/** A drive: `C:`, `C:/x`, `a:b` (drive-relative on Windows; Python's zipfile strips it). */
const DRIVE = /^[A-Za-z]:/;
/**
 * Printable ASCII (no character any segment rule looks for), not too long: most names pass
 * this one test and skip the per-rule work (a 50,000-file payload is checked in milliseconds).
 */
const PLAIN_SEGMENT = new RegExp(String.raw`^[^\u0000-\u001f\u007f-\uffff<>:"|?*\\/]{1,${MAX_SEGMENT_LENGTH}}$`);
const ASCII = /^[\x00-\x7f]*$/;

/** The characters of `name` that Windows refuses in a file or folder name, each once. */
export function forbiddenNameChars(name: string): string[] {
  return [...new Set(name.match(FORBIDDEN_CHARS) ?? [])];
}

/** Windows drops a trailing dot or space from a name, so a name ending in one cannot be kept. */
export function endsInDotOrSpace(name: string): boolean {
  return name.endsWith('.') || name.endsWith(' ');
}

/** `CON`, `con.txt`, `Lpt9.tar.gz`, `nul .txt`: a name Windows opens as a device. */
export function isReservedDeviceName(name: string): boolean {
  return RESERVED_PREFIX.test(name) && RESERVED_BASE.test(name.split('.')[0]!.trimEnd());
}

/** `'ε' (U+03B5)` — how a character is named in error messages. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? `U+${hex}` : `'${ch}' (U+${hex})`;
}

/**
 * The key two spellings of one Windows name share. NTFS compares names through its upcase
 * table (a simple upper-case mapping per character); Windows Installer Ids fold to lower
 * case. The key is NFC, lower-cased (the MSI Id key, msi/wix/ids.ts normalisedPathKey), then
 * each character upper- and lower-cased again where that maps it to one character: so `σ` and
 * `ς` (one upper case), `K` (Kelvin sign) and `k` meet, and since it is a function of the MSI
 * Id key, two spellings with one Id are always twins here. It may call twins a pair NTFS keeps
 * apart (Kelvin sign and k, NFC and NFD): refusing those is the safe side.
 */
export function caseFoldKey(path: string): string {
  const lower = path.normalize('NFC').toLowerCase();
  if (ASCII.test(lower)) return lower;
  let key = '';
  for (const ch of lower) {
    const upper = ch.toUpperCase();
    const one = [...upper].length === 1 ? upper : ch;
    const back = one.toLowerCase();
    key += [...back].length === 1 ? back : one;
  }
  return key;
}

/**
 * The shape rules a path breaks (absolute, dot-segment, empty-segment, backslash), in that
 * order; none for a path that can be placed under a folder. Also the zip writer's last check.
 */
export function pathShapeProblems(path: string): PathRule[] {
  const rules: PathRule[] = [];
  if (path.startsWith('/') || DRIVE.test(path)) rules.push('absolute');
  const segments = path.split('/');
  if (path.startsWith('/')) segments.shift(); // the empty segment before a leading "/" is the absolute part
  if (segments.some((s) => s === '.' || s === '..')) rules.push('dot-segment');
  if (segments.some((s) => s === '')) rules.push('empty-segment');
  if (path.includes('\\')) rules.push('backslash');
  return rules;
}

/** One path of a payload: a file, or a folder to create even if no file lands in it. */
export interface InstallPath {
  path: string;
  kind: 'file' | 'dir';
}

export interface PathCheck {
  /** Every problem, sorted by rule order then path. */
  problems: PathProblem[];
  /**
   * Every file and folder path the well-shaped entries bring into the tree (each parent folder
   * too), sorted: what a format's own rules (the MSI codepage) check next.
   */
  placed: string[];
}

/** The rules of one segment (its own path `path`, ending in it). */
function segmentProblems(path: string, name: string, into: PathProblem[]): void {
  if (PLAIN_SEGMENT.test(name) && !endsInDotOrSpace(name) && !RESERVED_PREFIX.test(name)) return;
  if (isReservedDeviceName(name)) into.push({ rule: 'reserved-name', path });
  const forbidden = forbiddenNameChars(name);
  if (forbidden.length > 0) into.push({ rule: 'forbidden-character', path, detail: forbidden.map(describeChar).join(', ') });
  if (endsInDotOrSpace(name)) into.push({ rule: 'trailing-dot-or-space', path });
  if (name.length > MAX_SEGMENT_LENGTH) into.push({ rule: 'too-long', path, detail: `${name.length} characters` });
}

/** Checks every path of a payload against every rule (see the top of this file). */
export function checkInstallPaths(entries: readonly InstallPath[]): PathCheck {
  const problems: PathProblem[] = [];
  const files = new Set<string>();
  const folders = new Set<string>();
  const duplicates = new Set<string>();
  const leaves = new Set<string>();
  for (const entry of entries) {
    const shape = pathShapeProblems(entry.path);
    if (shape.length > 0) {
      for (const rule of shape) problems.push({ rule, path: entry.path });
      continue;
    }
    leaves.add(entry.path);
    if (entry.kind === 'file') {
      if (files.has(entry.path)) duplicates.add(entry.path);
      files.add(entry.path);
    } else {
      folders.add(entry.path);
    }
    // Each parent folder, up to the first one already known (its parents are in too).
    for (let p = parentOf(entry.path); p !== '' && !folders.has(p); p = parentOf(p)) folders.add(p);
  }
  for (const p of duplicates) problems.push({ rule: 'duplicate', path: p });
  for (const p of files) if (folders.has(p)) problems.push({ rule: 'file-and-folder', path: p });

  const placed = [...new Set([...files, ...folders])].sort(compareOrdinal);
  problems.push(...caseTwins(placed, files, folders));
  for (const p of placed) segmentProblems(p, p.slice(p.lastIndexOf('/') + 1), problems);
  for (const path of leaves) {
    if (path.length > MAX_PATH_LENGTH) problems.push({ rule: 'path-too-long', path, detail: `${path.length} characters` });
  }
  return { problems: sortProblems(problems), placed };
}

function parentOf(path: string): string {
  return path.slice(0, Math.max(0, path.lastIndexOf('/')));
}

/**
 * Paths (sorted) equal under caseFoldKey but spelled differently. Only the shallowest clash is
 * reported: `Docs` vs `docs` implies their children clash too. When a group mixes a file and a
 * folder, folders are shown with a trailing "/".
 */
function caseTwins(placed: readonly string[], files: ReadonlySet<string>, folders: ReadonlySet<string>): PathProblem[] {
  const first = new Map<string, string>();
  const groups = new Map<string, string[]>(); // only keys spelled more than one way
  for (const p of placed) {
    const key = caseFoldKey(p);
    const seen = first.get(key);
    if (seen === undefined) first.set(key, p);
    else (groups.get(key) ?? groups.set(key, [seen]).get(key)!).push(p);
  }
  const twins: PathProblem[] = [];
  for (const [key, group] of groups) {
    if (groups.has(parentOf(key))) continue;
    const mixed = group.some((p) => files.has(p)) && group.some((p) => folders.has(p));
    const shown = group.map((p) => (mixed && folders.has(p) ? `${p}/` : p));
    twins.push({ rule: 'case-duplicate', path: group[0]!, detail: shown.join(' <-> ') });
  }
  return twins;
}

const RULE_ORDER = new Map(PATH_RULE_TITLES.map(([rule], i) => [rule, i]));

/** By rule (report order), then path (ordinal). */
export function sortProblems<P extends PayloadProblem>(problems: P[]): P[] {
  return problems.sort((a, b) => (RULE_ORDER.get(a.rule) ?? 99) - (RULE_ORDER.get(b.rule) ?? 99) || compareOrdinal(a.path, b.path));
}
