// Names inside an MSIX package. A payload file has three spellings:
//   its install path        docs/Read me.txt     (what the user configured; the payload rules)
//   its OPC part name       docs/Read%20me.txt   (the zip entry; [Content_Types].xml adds a "/")
//   its block map name      docs\Read me.txt     (AppxBlockMap.xml: backslashes, not encoded)
// The encoding is the packaging SDK's (microsoft/msix-packaging src/msix/common/Encoding.cpp):
// a fixed set of ASCII characters and every non-ASCII UTF-8 byte become %XX.
//
// On top of the rules every package format shares (src/payload/names.ts), MSIX reserves the
// names of its own files (the footprint files) and two folders, and refuses segments that start
// with "xn--" (FileNameValidation.cpp).

import type { PayloadProblem, RuleTitles } from '../payload/problems.js';

/** ASCII characters the SDK percent-encodes in part names. */
const ENCODED_ASCII = new Set([' ', '!', '#', '$', '%', '&', "'", '(', ')', '+', ',', ';', '=', '@', '[', ']', '^', '`', '{', '}']);

/** The zip entry name of the payload file at `path` (forward slashes). */
export function partName(path: string): string {
  let out = '';
  for (const ch of path) {
    if (ENCODED_ASCII.has(ch)) out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
    else if (ch.charCodeAt(0) > 0x7e) for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** The name AppxBlockMap.xml gives the file at `path`. */
export function blockMapName(path: string): string {
  return path.split('/').join('\\');
}

export const MANIFEST_FILE = 'AppxManifest.xml';
export const BLOCK_MAP_FILE = 'AppxBlockMap.xml';
export const CONTENT_TYPES_FILE = '[Content_Types].xml';
export const SIGNATURE_FILE = 'AppxSignature.p7x';
export const CODE_INTEGRITY_FILE = 'AppxMetadata/CodeIntegrity.cat';

/** Files the package format itself writes: a payload file may not take their names (any case). */
const FOOTPRINT_FILES = [MANIFEST_FILE, BLOCK_MAP_FILE, CONTENT_TYPES_FILE, SIGNATURE_FILE, CODE_INTEGRITY_FILE];
/** Folders Windows reserves inside a package. */
const RESERVED_FOLDERS = ['AppxMetadata', 'Microsoft.System.Package.Metadata'];

export type MsixNameRule = 'msix-footprint' | 'msix-reserved-folder' | 'msix-xn-prefix';

export const MSIX_RULE_TITLES: RuleTitles = [
  ['msix-footprint', `names of the files the package format writes itself (${FOOTPRINT_FILES.join(', ')})`],
  ['msix-reserved-folder', `paths in a folder Windows reserves in a package (${RESERVED_FOLDERS.join(', ')})`],
  ['msix-xn-prefix', 'names starting with "xn--" (MSIX refuses them: they read as internationalised domain names)'],
];

/** What MSIX refuses in `paths` beyond the shared payload rules. */
export function msixNameProblems(paths: readonly string[]): PayloadProblem<MsixNameRule>[] {
  const problems: PayloadProblem<MsixNameRule>[] = [];
  const footprint = new Set(FOOTPRINT_FILES.map((f) => f.toLowerCase()));
  const folders = new Set(RESERVED_FOLDERS.map((f) => f.toLowerCase()));
  for (const path of paths) {
    const lower = path.toLowerCase();
    const segments = lower.split('/');
    if (footprint.has(lower)) problems.push({ rule: 'msix-footprint', path });
    else if (segments.length > 1 && folders.has(segments[0]!)) problems.push({ rule: 'msix-reserved-folder', path });
    if (segments.some((s) => s.startsWith('xn--'))) problems.push({ rule: 'msix-xn-prefix', path });
  }
  return problems;
}
