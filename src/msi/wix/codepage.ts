// Which characters an MSI database codepage can hold.
//
// An MSI stores every string (file names, ProductName, registry values...) in one ANSI
// codepage. A character the codepage lacks cannot be stored: wixl 0.101 then writes an empty
// FileName (pure Greek/Japanese names, measured) or crashes with SIGSEGV (a name mixing
// cp1252 and non-cp1252 letters such as "Œελ.txt", measured), and WiX fails at link time.
// So names and texts are checked before anything is built.

import { StageError } from '../../util/errors.js';
import { describeChar } from '../../payload/names.js';

/** Windows-1252 bytes 0x80-0x9F (the part that differs from Latin-1). 0x81, 0x8D, 0x8F, 0x90
 * and 0x9D are unassigned. Source: unicode.org MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT. */
const CP1252_HIGH = [
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e,
  0x0178,
];

/** Codepages we can check, and the WHATWG encoding label used to learn the non-1252 ones. */
const DECODED_CODEPAGES: Record<number, string> = {
  874: 'windows-874',
  1250: 'windows-1250',
  1251: 'windows-1251',
  1253: 'windows-1253',
  1254: 'windows-1254',
  1255: 'windows-1255',
  1256: 'windows-1256',
  1257: 'windows-1257',
  1258: 'windows-1258',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
};

/** The package codepage when none is given: Windows-1252 (Western European). */
export const DEFAULT_CODEPAGE = 1252;

export const SUPPORTED_CODEPAGES: readonly number[] = [1252, ...Object.keys(DECODED_CODEPAGES).map(Number)].sort(
  (a, b) => a - b,
);

const tables = new Map<number, ReadonlyMap<number, readonly number[]>>();
const charsets = new Map<number, ReadonlySet<number>>();

const CP1252_UNASSIGNED = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

/**
 * Code point → the bytes `codepage` stores it as. 1252 from its table; the others learned from
 * the platform's decoder: every byte (and, for the double-byte codepages, every byte pair) that
 * decodes to exactly one character other than U+FFFD, the first spelling of each kept.
 * Throws for codepages we cannot check.
 */
function codepageTable(codepage: number): ReadonlyMap<number, readonly number[]> {
  const cached = tables.get(codepage);
  if (cached) return cached;
  const map = new Map<number, number[]>();
  if (codepage === 1252) {
    for (let b = 0; b <= 0xff; b++) if (b < 0x80 || b >= 0xa0) map.set(b, [b]);
    // CP1252_HIGH lists the assigned bytes of 0x80-0x9F in order; place each at its byte.
    let i = 0;
    for (let b = 0x80; b <= 0x9f; b++) if (!CP1252_UNASSIGNED.includes(b)) map.set(CP1252_HIGH[i++]!, [b]);
  } else {
    const label = DECODED_CODEPAGES[codepage];
    if (label === undefined) {
      throw new StageError(`Codepage ${codepage} is not supported for MSI packages; use one of ${SUPPORTED_CODEPAGES.join(', ')}.`);
    }
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(label, { fatal: false });
    } catch {
      throw new StageError(`Codepage ${codepage} (${label}) is not available in this Node.js build (it lacks full ICU).`);
    }
    const learn = (bytes: number[]): void => {
      const chars = [...decoder.decode(Uint8Array.from(bytes))];
      const c = chars.length === 1 ? chars[0]!.codePointAt(0)! : -1;
      // C1 controls come from unassigned bytes in the WHATWG tables; Windows has no letters there.
      if (c >= 0 && c !== 0xfffd && !(c >= 0x80 && c <= 0x9f) && !map.has(c)) map.set(c, bytes);
    };
    for (let b = 0; b <= 0xff; b++) learn([b]);
    if (codepage >= 932 && codepage <= 950) {
      for (let lead = 0x81; lead <= 0xfe; lead++) for (let trail = 0x40; trail <= 0xfe; trail++) learn([lead, trail]);
    }
  }
  tables.set(codepage, map);
  return map;
}

/** The set of code points codepage `codepage` can store. Throws for codepages we cannot check. */
export function codepageCharset(codepage: number): ReadonlySet<number> {
  const cached = charsets.get(codepage);
  if (cached) return cached;
  const set = new Set(codepageTable(codepage).keys());
  charsets.set(codepage, set);
  return set;
}

/** The distinct characters of `text` that `codepage` cannot store, in order of appearance. */
export function unrepresentableChars(text: string, codepage: number): string[] {
  const charset = codepageCharset(codepage);
  const bad: string[] = [];
  for (const ch of text) {
    if (!charset.has(ch.codePointAt(0)!) && !bad.includes(ch)) bad.push(ch);
  }
  return bad;
}

export function isRepresentable(text: string, codepage: number): boolean {
  return unrepresentableChars(text, codepage).length === 0;
}

/** `text` in `codepage`'s bytes; throws for a character it cannot hold (check with unrepresentableChars first). */
export function encodeInCodepage(text: string, codepage: number): Uint8Array {
  if (/^[\x00-\x7f]*$/.test(text)) return Buffer.from(text, 'latin1');
  const map = codepageTable(codepage);
  const out: number[] = [];
  for (const ch of text) {
    const bytes = map.get(ch.codePointAt(0)!);
    if (!bytes) throw new StageError(`"${text}" has a character codepage ${codepage} cannot hold: ${describeChar(ch)}`);
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

/** The ANSI codepage a Windows language (LCID) uses, for the languages whose scripts need one. */
const LANGUAGE_CODEPAGES: Record<number, number> = {
  1029: 1250, 1038: 1250, 1045: 1250, 1050: 1250, 1051: 1250, 1060: 1250,
  1049: 1251, 1058: 1251, 1026: 1251, 1059: 1251, 3098: 1251,
  1032: 1253, 1055: 1254, 1037: 1255, 1025: 1256, 1061: 1257, 1062: 1257, 1063: 1257, 1066: 1258,
  1054: 874, 1041: 932, 2052: 936, 1042: 949, 1028: 950,
};

/**
 * The codepage for a package holding `texts`: the language's own when it holds them all, else
 * 1252, else the first ANSI codepage that does; undefined when none holds them all. UTF-8 (65001)
 * is never chosen: Windows Installer supports it only unofficially (WiX v3 docs: "not officially
 * supported because of user interface issues"; Microsoft's setup blog: strings convert, but
 * dialogs may not display them).
 */
export function chooseCodepage(texts: readonly string[], language?: number): number | undefined {
  const wanted = new Set<number>();
  for (const t of texts) for (const ch of t) if (ch.codePointAt(0)! >= 0x80) wanted.add(ch.codePointAt(0)!);
  if (wanted.size === 0) return DEFAULT_CODEPAGE;
  const preferred = language === undefined ? undefined : LANGUAGE_CODEPAGES[language];
  // Single-byte codepages before the double-byte ones (932 also holds Greek and Cyrillic letters).
  const rest = SUPPORTED_CODEPAGES.filter((c) => c !== DEFAULT_CODEPAGE && c !== preferred);
  const order = [...(preferred ? [preferred] : []), DEFAULT_CODEPAGE, ...rest.filter((c) => c >= 1250 || c === 874), ...rest.filter((c) => c < 1250 && c !== 874)];
  return order.find((cp) => {
    const set = codepageCharset(cp);
    for (const c of wanted) if (!set.has(c)) return false;
    return true;
  });
}

// How a character is named in error messages: one definition for every payload rule.
export { describeChar };
