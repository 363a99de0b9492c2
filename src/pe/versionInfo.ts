// Reads a PE file's version resource (RT_VERSION, VS_VERSIONINFO): the file version of its
// VS_FIXEDFILEINFO and the language of its resource, which an MSI's File table records so that
// Windows Installer compares versions when it replaces a file (an unversioned exe is replaced
// only by date and hash rules). Returns undefined for a file that is not a PE or has none.

const RT_VERSION = 16;
const FIXED_SIGNATURE = 0xfeef04bd;

export interface PeVersion {
  /** "major.minor.build.revision" from dwFileVersionMS/LS. */
  fileVersion: string;
  /** The resource's language id (LCID), e.g. 1033; 0 = neutral. */
  language: number;
}

export function readPeVersion(bytes: Uint8Array): PeVersion | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => (o + 2 <= bytes.byteLength ? view.getUint16(o, true) : undefined);
  const u32 = (o: number) => (o + 4 <= bytes.byteLength ? view.getUint32(o, true) : undefined);
  if (u16(0) !== 0x5a4d) return undefined;
  const pe = u32(0x3c);
  if (pe === undefined || u32(pe) !== 0x00004550) return undefined;
  const sections = u16(pe + 6) ?? 0;
  const optionalSize = u16(pe + 20) ?? 0;
  const optional = pe + 24;
  const magic = u16(optional);
  const dataDirs = magic === 0x20b ? optional + 112 : magic === 0x10b ? optional + 96 : undefined;
  if (dataDirs === undefined) return undefined;
  const resourceRva = u32(dataDirs + 2 * 8);
  if (!resourceRva) return undefined;
  const sectionTable = optional + optionalSize;
  const toOffset = (rva: number): number | undefined => {
    for (let i = 0; i < sections; i++) {
      const s = sectionTable + i * 40;
      const va = u32(s + 12) ?? 0;
      const rawSize = u32(s + 16) ?? 0;
      const raw = u32(s + 20) ?? 0;
      const vsize = Math.max(u32(s + 8) ?? 0, rawSize);
      if (rva >= va && rva < va + vsize) return raw + (rva - va);
    }
    return undefined;
  };
  const root = toOffset(resourceRva);
  if (root === undefined) return undefined;
  // A resource directory: 16-byte header, then named and id entries of 8 bytes.
  const entries = (dir: number): { id: number; target: number; isDir: boolean }[] => {
    const named = u16(dir + 12) ?? 0;
    const ids = u16(dir + 14) ?? 0;
    const out = [];
    for (let i = 0; i < named + ids && i < 4096; i++) {
      const e = dir + 16 + i * 8;
      const name = u32(e) ?? 0;
      const target = u32(e + 4) ?? 0;
      out.push({ id: name & 0x80000000 ? -1 : name, target: target & 0x7fffffff, isDir: (target & 0x80000000) !== 0 });
    }
    return out;
  };
  const type = entries(root).find((e) => e.id === RT_VERSION && e.isDir);
  if (!type) return undefined;
  const name = entries(root + type.target).find((e) => e.isDir);
  if (!name) return undefined;
  const lang = entries(root + name.target).find((e) => !e.isDir);
  if (!lang) return undefined;
  const dataEntry = root + lang.target;
  const dataRva = u32(dataEntry);
  const dataSize = u32(dataEntry + 4) ?? 0;
  const data = dataRva === undefined ? undefined : toOffset(dataRva);
  if (data === undefined || dataSize < 92) return undefined;
  // VS_VERSIONINFO: wLength, wValueLength, wType, "VS_VERSION_INFO\0" (UTF-16), padding to 4, VS_FIXEDFILEINFO.
  const fixed = data + ((6 + 32 + 3) & ~3);
  if (u32(fixed) !== FIXED_SIGNATURE) return undefined;
  const ms = u32(fixed + 8)!;
  const ls = u32(fixed + 12)!;
  return { fileVersion: `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`, language: lang.id };
}
