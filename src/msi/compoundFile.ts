// A read-only view of a Compound File (MS-CFB), the container an .msi is: enough to find a
// stream and map its bytes to offsets in the file, so that a few bytes can be patched in place
// without rewriting (and re-laying out) the whole package.

export class CompoundFileError extends Error {
  override name = 'CompoundFileError';
}

const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const NOSTREAM = 0xffffffff;
const HEADER_DIFAT_ENTRIES = 109;
const DIRECTORY_ENTRY_SIZE = 128;

export interface DirectoryEntry {
  index: number;
  /** Decoded UTF-16 name; MSI table streams use mangled names (msiinfo decodes them). */
  name: string;
  type: 'storage' | 'stream' | 'root' | 'unknown';
  startSector: number;
  size: number;
}

/** A run of a stream's bytes in the file: stream offset `streamOffset` is file offset `fileOffset`. */
export interface Segment {
  streamOffset: number;
  fileOffset: number;
  length: number;
}

export interface CompoundFile {
  entries: DirectoryEntry[];
  /** Where each byte of the stream lies in the file, in stream order. */
  segments(entry: DirectoryEntry): Segment[];
  /** `length` bytes of the stream from `offset` (fewer at its end). */
  read(entry: DirectoryEntry, offset: number, length: number): Uint8Array;
}

export function openCompoundFile(bytes: Uint8Array): CompoundFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 512 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new CompoundFileError('not a Compound File (no D0 CF 11 E0 signature): not an MSI package');
  }
  const u32 = (offset: number) => {
    if (offset + 4 > bytes.byteLength) throw new CompoundFileError(`truncated: offset ${offset} is past the end of the file`);
    return view.getUint32(offset, true);
  };
  const sectorShift = view.getUint16(0x1e, true);
  const miniShift = view.getUint16(0x20, true);
  if (sectorShift !== 9 && sectorShift !== 12) throw new CompoundFileError(`unsupported sector size 2^${sectorShift}`);
  const sectorSize = 1 << sectorShift;
  const miniSectorSize = 1 << miniShift;
  const miniCutoff = u32(0x38);
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;
  const sectorCount = Math.floor(bytes.byteLength / sectorSize) - 1;

  // FAT sector numbers: 109 in the header, the rest in the DIFAT chain.
  const fatSectors: number[] = [];
  const fatCount = u32(0x2c);
  for (let i = 0; i < HEADER_DIFAT_ENTRIES && fatSectors.length < fatCount; i++) fatSectors.push(u32(0x4c + i * 4));
  let difat = u32(0x44);
  for (let guard = 0; difat !== ENDOFCHAIN && difat !== FREESECT && fatSectors.length < fatCount; guard++) {
    if (guard > sectorCount) throw new CompoundFileError('the DIFAT chain loops');
    const base = sectorOffset(difat);
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector && fatSectors.length < fatCount; i++) fatSectors.push(u32(base + i * 4));
    difat = u32(base + perSector * 4);
  }
  const fatEntry = (sector: number): number => {
    const perSector = sectorSize / 4;
    const fatSector = fatSectors[Math.floor(sector / perSector)];
    if (fatSector === undefined) throw new CompoundFileError(`sector ${sector} is outside the FAT`);
    return u32(sectorOffset(fatSector) + (sector % perSector) * 4);
  };
  const chain = (start: number, next: (s: number) => number, limit: number): number[] => {
    const out: number[] = [];
    for (let s = start; s !== ENDOFCHAIN; s = next(s)) {
      if (s === FREESECT || out.length > limit) throw new CompoundFileError(`broken sector chain from sector ${start}`);
      out.push(s);
    }
    return out;
  };
  const sectorChain = (start: number) => chain(start, fatEntry, sectorCount);

  const directorySectors = sectorChain(u32(0x30));
  const entries: DirectoryEntry[] = [];
  for (const sector of directorySectors) {
    for (let at = sectorOffset(sector); at < sectorOffset(sector) + sectorSize; at += DIRECTORY_ENTRY_SIZE) {
      const nameBytes = Math.min(view.getUint16(at + 0x40, true), 64);
      const typeCode = bytes[at + 0x42];
      const type = typeCode === 1 ? 'storage' : typeCode === 2 ? 'stream' : typeCode === 5 ? 'root' : 'unknown';
      const name = Buffer.from(bytes.subarray(at, at + Math.max(0, nameBytes - 2))).toString('utf16le');
      // Streams over 4 GiB do not occur in MSIs; version 3 files leave the high half undefined.
      entries.push({ index: entries.length, name, type, startSector: u32(at + 0x74), size: u32(at + 0x78) });
    }
  }
  const root = entries[0];
  if (root?.type !== 'root') throw new CompoundFileError('the first directory entry is not the root storage');

  const regularSegments = (entry: DirectoryEntry): Segment[] => {
    if (entry.size === 0) return [];
    return mergeRuns(
      sectorChain(entry.startSector).map((sector, i) => ({
        streamOffset: i * sectorSize,
        fileOffset: sectorOffset(sector),
        length: Math.min(sectorSize, entry.size - i * sectorSize),
      })),
    );
  };
  let miniStream: Segment[] | undefined;
  let miniFat: number[] | undefined;
  const miniSegments = (entry: DirectoryEntry): Segment[] => {
    miniStream ??= regularSegments(root);
    if (miniFat === undefined) {
      const fatBytes = sectorChain(u32(0x3c)).map((s) => bytes.subarray(sectorOffset(s), sectorOffset(s) + sectorSize));
      miniFat = fatBytes.flatMap((b) => Array.from({ length: sectorSize / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(i * 4, true)));
    }
    const fat = miniFat;
    const sectors = chain(entry.startSector, (s) => fat[s] ?? FREESECT, fat.length);
    const host = miniStream;
    return mergeRuns(
      sectors.flatMap((mini, i) => {
        const length = Math.min(miniSectorSize, entry.size - i * miniSectorSize);
        // Mini sectors (64 bytes) never straddle a sector of the mini stream; map through runs anyway.
        return fileRanges(host, mini * miniSectorSize, Math.max(0, length)).map((r) => ({
          streamOffset: i * miniSectorSize + r.at,
          fileOffset: r.fileOffset,
          length: r.length,
        }));
      }),
    );
  };

  const known = new Map<number, Segment[]>();
  const segments = (entry: DirectoryEntry): Segment[] => {
    if (entry.type !== 'stream' && entry.type !== 'root') return [];
    if (entry.type === 'stream' && entry.startSector === NOSTREAM) return [];
    let found = known.get(entry.index);
    if (!found) {
      found = entry.type === 'stream' && entry.size < miniCutoff ? miniSegments(entry) : regularSegments(entry);
      known.set(entry.index, found);
    }
    return found;
  };

  const read = (entry: DirectoryEntry, offset: number, length: number): Uint8Array => {
    const out = new Uint8Array(Math.max(0, Math.min(entry.size, offset + length) - offset));
    for (const r of fileRanges(segments(entry), offset, out.length)) {
      if (r.fileOffset + r.length > bytes.byteLength) throw new CompoundFileError(`stream "${entry.name}" runs past the end of the file`);
      out.set(bytes.subarray(r.fileOffset, r.fileOffset + r.length), r.at);
    }
    return out;
  };

  return { entries, segments, read };
}

/** Joins segments that continue each other in the file: a stream written in one go is one run. */
function mergeRuns(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    if (s.length <= 0) continue;
    const last = out.at(-1);
    if (last && last.streamOffset + last.length === s.streamOffset && last.fileOffset + last.length === s.fileOffset) last.length += s.length;
    else out.push({ ...s });
  }
  return out;
}

/**
 * File offsets of `length` stream bytes from `offset`, as runs (`at` is the run's position in
 * the requested range). Segments are in stream order, so the first one is found by bisection:
 * a cabinet of 50,000 files asks this 50,000 times.
 */
export function fileRanges(segments: readonly Segment[], offset: number, length: number): Array<{ fileOffset: number; length: number; at: number }> {
  const out: Array<{ fileOffset: number; length: number; at: number }> = [];
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.streamOffset + segments[mid]!.length <= offset) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < segments.length && segments[i]!.streamOffset < offset + length; i++) {
    const s = segments[i]!;
    const from = Math.max(offset, s.streamOffset);
    const to = Math.min(offset + length, s.streamOffset + s.length);
    if (from < to) out.push({ fileOffset: s.fileOffset + (from - s.streamOffset), length: to - from, at: from - offset });
  }
  if (out.reduce((n, r) => n + r.length, 0) !== length) throw new CompoundFileError(`bytes ${offset}..${offset + length} are past the end of the stream`);
  return out;
}
