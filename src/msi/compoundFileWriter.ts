// Writes a Compound File (MS-CFB version 3, 512-byte sectors), the container an .msi is: every
// stream at the root, small ones (< 4096 bytes) in the mini stream, a balanced red-black
// directory tree, the FAT extended through DIFAT sectors past 109 FAT sectors (~7 MB).
//
// Our own rather than SheetJS `cfb` (checked, 1.2.2): it adds a marker stream of its own
// ("\x01Sh33tJ5") to every file it writes, lays the directory out as a list instead of a
// red-black tree, and builds the whole container in one buffer the size of the file. Here the
// layout is computed first and the bytes come out as a list of chunks that share the callers'
// buffers, so a 1 GB cabinet is never copied. Timestamps and CLSIDs of streams are zero, so the
// same streams always give the same bytes. src/msi/compoundFile.ts reads what this writes.

export class CompoundFileWriteError extends Error {
  override name = 'CompoundFileWriteError';
}

export interface CompoundStream {
  /** The directory entry name (already mangled for MSI tables); at most 31 UTF-16 units. */
  name: string;
  /** The bytes, as one buffer or several pieces written one after another. */
  data: Uint8Array | readonly Uint8Array[];
}

const SECTOR = 512;
const MINI_SECTOR = 64;
const MINI_CUTOFF = 4096;
const ENTRIES_PER_SECTOR = SECTOR / 4;
const HEADER_DIFAT = 109;
const DIR_ENTRY = 128;
const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const FATSECT = 0xfffffffd;
const DIFSECT = 0xfffffffc;
const NOSTREAM = 0xffffffff;
/** A stream's size is a 32-bit field in version 3 files (the high half must be zero). */
const MAX_STREAM = 0xffffffff;

/** The CLSID Windows Installer gives a database's root storage: {000C1084-0000-0000-C000-000000000046}. */
export const MSI_DATABASE_CLSID = Uint8Array.from([0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46]);

const pieces = (data: CompoundStream['data']): readonly Uint8Array[] => (data instanceof Uint8Array ? [data] : data);
const sizeOf = (data: CompoundStream['data']): number => pieces(data).reduce((n, p) => n + p.byteLength, 0);
const sectorsFor = (bytes: number, unit: number): number => Math.ceil(bytes / unit);

/** MS-CFB 2.6.4: shorter names sort first, equal lengths compare code unit by code unit, upper-cased. */
export function compareEntryNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  for (let i = 0; i < ua.length; i++) {
    const d = ua.charCodeAt(i) - ub.charCodeAt(i);
    if (d !== 0) return d;
  }
  return 0;
}

interface TreeNode {
  left: number;
  right: number;
  red: boolean;
}

/**
 * A balanced binary search tree over `count` sorted entries (index = sort position), coloured so
 * that it is a valid red-black tree: every path from the root to a leaf has the same number of
 * black nodes, the nodes of the last, partly filled level being red. Returns the root's index.
 */
function balancedTree(count: number, nodes: TreeNode[]): number {
  const fullLevels = Math.floor(Math.log2(count + 1));
  const build = (lo: number, hi: number, depth: number): number => {
    if (lo > hi) return -1;
    const mid = (lo + hi) >>> 1;
    nodes[mid] = { left: build(lo, mid - 1, depth + 1), right: build(mid + 1, hi, depth + 1), red: depth >= fullLevels };
    return mid;
  };
  return build(0, count - 1, 0);
}

function utf16Name(name: string, into: DataView, offset: number): void {
  for (let i = 0; i < name.length; i++) into.setUint16(offset + i * 2, name.charCodeAt(i), true);
}

/**
 * The container's bytes, in order, for `streams` at the root of a storage whose CLSID is `clsid`.
 * The returned pieces are the header, tables and padding this writer makes, and the streams'
 * own buffers (not copied).
 */
export function writeCompoundFile(streams: readonly CompoundStream[], clsid: Uint8Array = new Uint8Array(16)): Uint8Array[] {
  const seen = new Set<string>();
  for (const s of streams) {
    if (s.name.length === 0 || s.name.length > 31) throw new CompoundFileWriteError(`stream name "${s.name}" must be 1 to 31 UTF-16 units`);
    if (/[/\\:!]/.test(s.name)) throw new CompoundFileWriteError(`stream name "${s.name}" holds one of / \\ : !`);
    const key = s.name.toUpperCase();
    if (seen.has(key)) throw new CompoundFileWriteError(`two streams are named "${s.name}" (names compare without case)`);
    seen.add(key);
    if (sizeOf(s.data) > MAX_STREAM) throw new CompoundFileWriteError(`stream "${s.name}" is ${sizeOf(s.data)} bytes; a stream holds at most 4 GiB`);
  }
  const sorted = [...streams].sort((a, b) => compareEntryNames(a.name, b.name));
  const sizes = sorted.map((s) => sizeOf(s.data));
  const isMini = sizes.map((n) => n < MINI_CUTOFF);

  // Mini stream: each small stream from a 64-byte boundary.
  const miniStart: number[] = [];
  let miniSectors = 0;
  sorted.forEach((_, i) => {
    if (!isMini[i]) return;
    miniStart[i] = sizes[i] === 0 ? ENDOFCHAIN : miniSectors;
    miniSectors += sectorsFor(sizes[i]!, MINI_SECTOR);
  });
  const miniFatSectors = sectorsFor(miniSectors * 4, SECTOR);
  const miniStreamSectors = sectorsFor(miniSectors * MINI_SECTOR, SECTOR);
  const dirSectors = sectorsFor((sorted.length + 1) * DIR_ENTRY, SECTOR);
  const bigSectors = sorted.reduce((n, _, i) => n + (isMini[i] ? 0 : sectorsFor(sizes[i]!, SECTOR)), 0);

  // FAT and DIFAT sectors also need FAT entries: grow them until they cover everything.
  const payloadSectors = dirSectors + miniFatSectors + miniStreamSectors + bigSectors;
  let fatSectors = 0;
  let difatSectors = 0;
  for (;;) {
    const needFat = sectorsFor(payloadSectors + fatSectors + difatSectors, ENTRIES_PER_SECTOR);
    const needDifat = needFat <= HEADER_DIFAT ? 0 : sectorsFor(needFat - HEADER_DIFAT, ENTRIES_PER_SECTOR - 1);
    if (needFat === fatSectors && needDifat === difatSectors) break;
    fatSectors = Math.max(fatSectors, needFat);
    difatSectors = Math.max(difatSectors, needDifat);
  }

  // Sector map: FAT, DIFAT, directory, mini FAT, mini stream, then each large stream.
  const fatStart = 0;
  const difatStart = fatStart + fatSectors;
  const dirStart = difatStart + difatSectors;
  const miniFatStart = dirStart + dirSectors;
  const miniStreamStart = miniFatStart + miniFatSectors;
  let next = miniStreamStart + miniStreamSectors;
  const bigStart: number[] = [];
  sorted.forEach((_, i) => {
    if (isMini[i]) return;
    bigStart[i] = next;
    next += sectorsFor(sizes[i]!, SECTOR);
  });
  const totalSectors = next;

  const fat = new Uint32Array(fatSectors * ENTRIES_PER_SECTOR).fill(FREESECT);
  const chain = (start: number, count: number) => {
    for (let s = start; s < start + count; s++) fat[s] = s === start + count - 1 ? ENDOFCHAIN : s + 1;
  };
  for (let s = fatStart; s < fatStart + fatSectors; s++) fat[s] = FATSECT;
  for (let s = difatStart; s < difatStart + difatSectors; s++) fat[s] = DIFSECT;
  chain(dirStart, dirSectors);
  chain(miniFatStart, miniFatSectors);
  chain(miniStreamStart, miniStreamSectors);
  sorted.forEach((_, i) => {
    if (!isMini[i]) chain(bigStart[i]!, sectorsFor(sizes[i]!, SECTOR));
  });

  const miniFat = new Uint32Array(miniFatSectors * ENTRIES_PER_SECTOR).fill(FREESECT);
  sorted.forEach((_, i) => {
    if (!isMini[i] || sizes[i] === 0) return;
    const n = sectorsFor(sizes[i]!, MINI_SECTOR);
    for (let k = 0; k < n; k++) miniFat[miniStart[i]! + k] = k === n - 1 ? ENDOFCHAIN : miniStart[i]! + k + 1;
  });

  // Directory: entry 0 is the root; stream i is entry i + 1.
  const nodes: TreeNode[] = [];
  const rootChild = balancedTree(sorted.length, nodes);
  const dir = new Uint8Array(dirSectors * SECTOR);
  const dirView = new DataView(dir.buffer);
  const writeEntry = (index: number, e: { name: string; type: 1 | 2 | 5; red: boolean; left: number; right: number; child: number; clsid?: Uint8Array; start: number; size: number }) => {
    const o = index * DIR_ENTRY;
    utf16Name(e.name, dirView, o);
    dirView.setUint16(o + 0x40, (e.name.length + 1) * 2, true);
    dir[o + 0x42] = e.type;
    dir[o + 0x43] = e.red ? 0 : 1;
    dirView.setUint32(o + 0x44, e.left, true);
    dirView.setUint32(o + 0x48, e.right, true);
    dirView.setUint32(o + 0x4c, e.child, true);
    if (e.clsid) dir.set(e.clsid, o + 0x50);
    dirView.setUint32(o + 0x74, e.start, true);
    dirView.setUint32(o + 0x78, e.size, true);
  };
  const ref = (i: number) => (i < 0 ? NOSTREAM : i + 1);
  writeEntry(0, {
    name: 'Root Entry',
    type: 5,
    red: false,
    left: NOSTREAM,
    right: NOSTREAM,
    child: ref(rootChild),
    clsid,
    start: miniSectors === 0 ? ENDOFCHAIN : miniStreamStart,
    size: miniSectors * MINI_SECTOR,
  });
  sorted.forEach((s, i) => {
    const node = nodes[i]!;
    writeEntry(i + 1, {
      name: s.name,
      type: 2,
      red: node.red,
      left: ref(node.left),
      right: ref(node.right),
      child: NOSTREAM,
      start: isMini[i] ? miniStart[i]! : bigStart[i]!,
      size: sizes[i]!,
    });
  });
  for (let i = sorted.length + 1; i < dirSectors * (SECTOR / DIR_ENTRY); i++) {
    const o = i * DIR_ENTRY;
    dirView.setUint32(o + 0x44, NOSTREAM, true);
    dirView.setUint32(o + 0x48, NOSTREAM, true);
    dirView.setUint32(o + 0x4c, NOSTREAM, true);
  }

  // Header, with the first 109 FAT sector numbers; the rest go in the DIFAT sectors.
  const header = new Uint8Array(SECTOR);
  const hv = new DataView(header.buffer);
  header.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 0);
  hv.setUint16(0x18, 0x003e, true);
  hv.setUint16(0x1a, 0x0003, true);
  hv.setUint16(0x1c, 0xfffe, true);
  hv.setUint16(0x1e, 9, true);
  hv.setUint16(0x20, 6, true);
  hv.setUint32(0x2c, fatSectors, true);
  hv.setUint32(0x30, dirStart, true);
  hv.setUint32(0x38, MINI_CUTOFF, true);
  hv.setUint32(0x3c, miniFatSectors ? miniFatStart : ENDOFCHAIN, true);
  hv.setUint32(0x40, miniFatSectors, true);
  hv.setUint32(0x44, difatSectors ? difatStart : ENDOFCHAIN, true);
  hv.setUint32(0x48, difatSectors, true);
  for (let i = 0; i < HEADER_DIFAT; i++) hv.setUint32(0x4c + i * 4, i < fatSectors ? fatStart + i : FREESECT, true);
  const difat = new Uint32Array(difatSectors * ENTRIES_PER_SECTOR).fill(FREESECT);
  for (let d = 0; d < difatSectors; d++) {
    const base = d * ENTRIES_PER_SECTOR;
    for (let k = 0; k < ENTRIES_PER_SECTOR - 1; k++) {
      const fatIndex = HEADER_DIFAT + d * (ENTRIES_PER_SECTOR - 1) + k;
      if (fatIndex < fatSectors) difat[base + k] = fatStart + fatIndex;
    }
    difat[base + ENTRIES_PER_SECTOR - 1] = d === difatSectors - 1 ? ENDOFCHAIN : difatStart + d + 1;
  }

  const le = (words: Uint32Array): Uint8Array => {
    const out = new Uint8Array(words.length * 4);
    const v = new DataView(out.buffer);
    words.forEach((w, i) => v.setUint32(i * 4, w, true));
    return out;
  };
  const out: Uint8Array[] = [header, le(fat), le(difat), dir, le(miniFat)];
  // The mini stream: small streams at their 64-byte slots, padded to whole sectors.
  const mini = new Uint8Array(miniStreamSectors * SECTOR);
  sorted.forEach((s, i) => {
    if (!isMini[i] || sizes[i] === 0) return;
    let at = miniStart[i]! * MINI_SECTOR;
    for (const p of pieces(s.data)) {
      mini.set(p, at);
      at += p.byteLength;
    }
  });
  out.push(mini);
  sorted.forEach((s, i) => {
    if (isMini[i]) return;
    out.push(...pieces(s.data));
    const pad = sectorsFor(sizes[i]!, SECTOR) * SECTOR - sizes[i]!;
    if (pad) out.push(new Uint8Array(pad));
  });
  const total = out.reduce((n, p) => n + p.byteLength, 0);
  if (total !== (totalSectors + 1) * SECTOR) throw new CompoundFileWriteError(`layout error: wrote ${total} bytes for ${totalSectors + 1} sectors`);
  return out;
}
