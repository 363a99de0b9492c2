// Reproducible MSIs: the clock a package builder reads is replaced by the release date.
//
// After the PackageCode is derived (stages/msi.ts), what still differs between two builds of
// one commit is time: the summary information's Created / Last saved / Last printed times
// (wixl and msibuild write "now"; wixl 0.101 ignores SOURCE_DATE_EPOCH) and the date of every
// file in the embedded cabinet (gcab copies each source file's mtime). These sit at fixed
// places, so they are overwritten in place; nothing else in the package moves.

import { open, readFile } from 'node:fs/promises';
import { fileRanges, openCompoundFile, type CompoundFile, type DirectoryEntry } from './compoundFile.js';

export interface BytePatch {
  fileOffset: number;
  bytes: Uint8Array;
}

export interface PinnedTimes {
  patches: BytePatch[];
  /** Summary properties set (Created, Last saved, Last printed: those present). */
  summaryProperties: number;
  /** Cabinet file entries dated. */
  cabinetFiles: number;
}

const SUMMARY_STREAM = '\u0005SummaryInformation';
const VT_FILETIME = 0x40;
/** PIDSI_LASTPRINTED, PIDSI_CREATE_DTM, PIDSI_LASTSAVE_DTM (PIDSI_EDITTIME is a duration). */
const SUMMARY_TIME_PIDS = new Set([11, 12, 13]);
const EPOCH_1601_MS = 11_644_473_600_000n;

/** A FILETIME: 100-ns intervals since 1601-01-01 UTC, little-endian. */
export function fileTime(date: Date): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, (BigInt(date.getTime()) + EPOCH_1601_MS) * 10_000n, true);
  return out;
}

const DOS_FIRST = Date.UTC(1980, 0, 1);
const DOS_LAST = Date.UTC(2107, 11, 31, 23, 59, 58);

/** MS-DOS date and time words (little-endian, date first), in UTC as our zips; clamped to 1980-2107. */
export function dosDateTime(date: Date): Uint8Array {
  const d = new Date(Math.min(Math.max(date.getTime(), DOS_FIRST), DOS_LAST));
  const out = new Uint8Array(4);
  const view = new DataView(out.buffer);
  view.setUint16(0, ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(), true);
  view.setUint16(2, (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1), true);
  return out;
}

/** The in-place patches that give an MSI `date` as its summary times and cabinet file dates. */
export function msiTimestampPatches(bytes: Uint8Array, date: Date): PinnedTimes {
  const cfb = openCompoundFile(bytes);
  const patches: BytePatch[] = [];
  const patch = (entry: DirectoryEntry, offset: number, value: Uint8Array) => {
    for (const r of fileRanges(cfb.segments(entry), offset, value.length)) {
      patches.push({ fileOffset: r.fileOffset, bytes: value.subarray(r.at, r.at + r.length) });
    }
  };

  let summaryProperties = 0;
  const summary = cfb.entries.find((e) => e.type === 'stream' && e.name === SUMMARY_STREAM);
  if (summary) {
    const stamp = fileTime(date);
    for (const offset of summaryTimeOffsets(cfb, summary)) {
      patch(summary, offset, stamp);
      summaryProperties++;
    }
  }

  let cabinetFiles = 0;
  const dos = dosDateTime(date);
  for (const entry of cfb.entries) {
    if (entry.type !== 'stream' || entry.size < 36) continue;
    for (const offset of cabinetDateOffsets(cfb, entry)) {
      patch(entry, offset, dos);
      cabinetFiles++;
    }
  }
  return { patches, summaryProperties, cabinetFiles };
}

/** Stream offsets of the FILETIME values of summary properties 11-13 (MS-OLEPS 2.21). */
function summaryTimeOffsets(cfb: CompoundFile, entry: DirectoryEntry): number[] {
  const data = cfb.read(entry, 0, entry.size);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 48 || view.getUint16(0, true) !== 0xfffe) return [];
  const set = view.getUint32(44, true); // offset of the first property set
  if (set + 8 > data.length) return [];
  const count = view.getUint32(set + 4, true);
  const offsets: number[] = [];
  for (let i = 0; i < count && set + 16 + i * 8 <= data.length; i++) {
    const pid = view.getUint32(set + 8 + i * 8, true);
    const at = set + view.getUint32(set + 12 + i * 8, true);
    if (!SUMMARY_TIME_PIDS.has(pid) || at + 12 > data.length) continue;
    if (view.getUint16(at, true) === VT_FILETIME) offsets.push(at + 4);
  }
  return offsets.sort((a, b) => a - b);
}

/** Stream offsets of the date+time words of every CFFILE of a cabinet stream (MS-CAB 2.3). */
function cabinetDateOffsets(cfb: CompoundFile, entry: DirectoryEntry): number[] {
  const head = cfb.read(entry, 0, 36);
  if (head[0] !== 0x4d || head[1] !== 0x53 || head[2] !== 0x43 || head[3] !== 0x46) return []; // "MSCF"
  const view = new DataView(head.buffer);
  const coffFiles = view.getUint32(16, true);
  const cFiles = view.getUint16(28, true);
  // CFFILE: cbFile u32, uoffFolderStart u32, iFolder u16, date u16, time u16, attribs u16, szName.
  const table = cfb.read(entry, coffFiles, cFiles * (16 + 257));
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < cFiles; i++) {
    if (at + 16 > table.length) break;
    offsets.push(coffFiles + at + 10);
    const nameEnd = table.indexOf(0, at + 16);
    if (nameEnd === -1) break;
    at = nameEnd + 1;
  }
  return offsets;
}

/**
 * Pins the times inside the MSI at `file` to `date`, writing only the bytes that change.
 * Returns what was set, so the caller can check that a package had what it expected.
 */
export async function pinMsiTimestamps(file: string, date: Date): Promise<Omit<PinnedTimes, 'patches'>> {
  const { patches, ...counts } = msiTimestampPatches(await readFile(file), date);
  const handle = await open(file, 'r+');
  try {
    for (const p of patches) await handle.write(p.bytes, 0, p.bytes.length, p.fileOffset);
  } finally {
    await handle.close();
  }
  return counts;
}
