// How large a VERSIONINFO resource's strings make it, counted the way resedit writes it
// (resedit/dist/resource/VersionInfo.js, generateStringTable and generateVersionEntryBinary).
//
// Every block of a VS_VERSIONINFO resource starts with its length as a WORD (Microsoft "String
// structure", "StringTable", "StringFileInfo", "VS_VERSIONINFO"): the whole resource holds at
// most 65,535 bytes. Windows stores the strings as UTF-16 with a NUL, each padded to 4 bytes.
// resedit drops, without a word, any string that would take its string table past 65,532 bytes,
// and below that a table larger than the room the rest of the resource leaves would overflow the
// resource's own 16-bit length. So the strings are measured here and refused first.

/** The largest length a block's WORD can hold. */
export const VERSIONINFO_MAX_BYTES = 0xffff;

const roundUp = (n: number) => (n + 3) & ~3;
/** A WCHAR string with its NUL. */
const wchars = (text: string) => 2 * (text.length + 1);

/** Bytes of a StringTable holding `strings`, as resedit lays it out. */
export function stringTableBytes(strings: Readonly<Record<string, string>>): number {
  let size = 24; // header + L"040904b0" key, padded
  for (const [key, value] of Object.entries(strings)) size = roundUp(size + roundUp(6 + wchars(key)) + wchars(value));
  return size;
}

/**
 * What the resource needs around its string table: the VS_VERSIONINFO header and fixed file
 * info (92 bytes), the StringFileInfo header (36) and a VarFileInfo with one translation (68).
 */
const AROUND_ONE_TABLE = 92 + 36 + 68;

/** The most bytes the string table of a one-language resource may take. */
export const STRING_TABLE_MAX_BYTES = VERSIONINFO_MAX_BYTES - AROUND_ONE_TABLE;

/** The size of the strings, and whether they fit; undefined when they do. */
export function versionInfoOverflow(strings: Readonly<Record<string, string>>): { bytes: number; max: number } | undefined {
  const bytes = stringTableBytes(strings);
  return bytes > STRING_TABLE_MAX_BYTES ? { bytes, max: STRING_TABLE_MAX_BYTES } : undefined;
}

/** The texts of a VERSIONINFO string table (what Explorer shows on the Details tab). */
export interface VersionTexts {
  /** Free text shown as the version string ("1.2.4-SNAPSHOT-abc1234"). */
  versionText: string;
  companyName: string;
  productName: string;
  fileDescription: string;
  legalCopyright: string;
  originalFilename: string;
  internalName: string;
}

/** The string table embedResources writes, by VERSIONINFO name. */
export function versionStrings(t: VersionTexts): Record<string, string> {
  return {
    CompanyName: t.companyName,
    FileDescription: t.fileDescription,
    FileVersion: t.versionText,
    InternalName: t.internalName,
    LegalCopyright: t.legalCopyright,
    OriginalFilename: t.originalFilename,
    ProductName: t.productName,
    ProductVersion: t.versionText,
  };
}
