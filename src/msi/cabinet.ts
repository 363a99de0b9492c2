// Cabinet files (MS-CAB) with MSZIP compression, the payload an .msi embeds. Each 32 KiB of a
// folder's data is deflated on its own (zlib, raw, on libuv's thread pool, several at once) and
// stored as "CK" + the deflate stream: MSZIP lets a block refer to the one before, but need not,
// and independent blocks compress in parallel. A folder holds at most 65,535 data blocks
// (0x7FFF8000 bytes); a cabinet at most 65,535 files (cFiles is 16-bit): more start a new folder
// or a new cabinet (a new Media row). File dates are the release date, in UTC, so the same files
// always give the same bytes (for one zlib version: Node's own).

import { deflateRaw, constants } from 'node:zlib';
import { promisify } from 'node:util';

const deflate = promisify(deflateRaw);

export class CabinetError extends Error {
  override name = 'CabinetError';
}

export const BLOCK_BYTES = 0x8000;
export const MAX_FOLDER_BLOCKS = 0xffff;
export const MAX_FOLDER_BYTES = BLOCK_BYTES * MAX_FOLDER_BLOCKS;
export const MAX_CABINET_FILES = 0xffff;
const HEADER_BYTES = 36;
const FOLDER_BYTES = 8;
const FILE_FIXED_BYTES = 16;
const DATA_HEADER_BYTES = 8;
const TYPE_MSZIP = 1;
const ATTRIBUTE_ARCHIVE = 0x20;
/** Deflates in flight at once: enough to keep libuv's 4 threads busy. */
const IN_FLIGHT = 8;

export interface Cabinet {
  /** The cabinet's bytes, in order. */
  chunks: Uint8Array[];
  size: number;
  /** How many files it holds: the first `files` not in an earlier cabinet, in the order given. */
  files: number;
}

/** MS-DOS date and time of `date` in UTC (2-second resolution, years 1980-2107). */
export function dosDateTime(date: Date): { date: number; time: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
  };
}

/** The CFDATA checksum (the Cabinet SDK's CSUMCompute): 32-bit words XORed, the tail bytes reversed. */
export function cabChecksum(bytes: Uint8Array, seed = 0): number {
  let csum = seed >>> 0;
  const words = bytes.byteLength >>> 2;
  let i = 0;
  for (let w = 0; w < words; w++, i += 4) csum ^= (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
  let tail = 0;
  switch (bytes.byteLength & 3) {
    case 3:
      tail |= bytes[i++]! << 16;
    // falls through
    case 2:
      tail |= bytes[i++]! << 8;
    // falls through
    case 1:
      tail |= bytes[i++]!;
  }
  return (csum ^ tail) >>> 0;
}

interface FolderState {
  blocks: Promise<Uint8Array>[];
  bytes: number;
}

interface FileEntry {
  name: Uint8Array;
  size: number;
  folder: number;
  offset: number;
}

/**
 * Builds cabinets file by file: `add` each file's bytes in the order of the File table's
 * Sequence, then `finish`. Names are the File table keys (ASCII identifiers).
 */
export class CabinetBuilder {
  private readonly stamp: { date: number; time: number };
  private readonly cabinets: Cabinet[] = [];
  private folders: FolderState[] = [];
  private files: FileEntry[] = [];
  private pending = new Uint8Array(BLOCK_BYTES);
  private pendingBytes = 0;
  private inFlight: Promise<Uint8Array>[] = [];

  constructor(
    date: Date,
    private readonly limits: { filesPerCabinet?: number; level?: number } = {},
  ) {
    this.stamp = dosDateTime(date);
  }

  async add(name: string, data: Uint8Array): Promise<void> {
    if (!/^[\x21-\x7e]+$/.test(name) || name.length > 255) throw new CabinetError(`cabinet file name "${name}" must be 1-255 printable ASCII characters (a File table key)`);
    if (data.byteLength > MAX_FOLDER_BYTES) {
      throw new CabinetError(`${name} is ${data.byteLength} bytes; a cabinet folder holds at most ${MAX_FOLDER_BYTES} bytes (2 GiB), and Windows Installer cannot install a file that large from an .msi`);
    }
    if (this.files.length >= (this.limits.filesPerCabinet ?? MAX_CABINET_FILES)) await this.closeCabinet();
    let folder = this.folders.at(-1);
    if (!folder || folder.bytes + data.byteLength > MAX_FOLDER_BYTES) {
      if (folder) await this.flushBlock(folder);
      folder = { blocks: [], bytes: 0 };
      this.folders.push(folder);
    }
    this.files.push({ name: new TextEncoder().encode(name), size: data.byteLength, folder: this.folders.length - 1, offset: folder.bytes });
    folder.bytes += data.byteLength;
    let at = 0;
    while (at < data.byteLength) {
      const take = Math.min(BLOCK_BYTES - this.pendingBytes, data.byteLength - at);
      this.pending.set(data.subarray(at, at + take), this.pendingBytes);
      this.pendingBytes += take;
      at += take;
      if (this.pendingBytes === BLOCK_BYTES) await this.flushBlock(folder);
    }
  }

  /** Every cabinet, the last one closed now. */
  async finish(): Promise<Cabinet[]> {
    await this.closeCabinet();
    return this.cabinets;
  }

  private async flushBlock(folder: FolderState): Promise<void> {
    if (this.pendingBytes === 0) return;
    const raw = this.pending.slice(0, this.pendingBytes);
    this.pendingBytes = 0;
    const block = compressBlock(raw, this.limits.level ?? constants.Z_BEST_COMPRESSION);
    block.catch(() => undefined);
    folder.blocks.push(block);
    this.inFlight.push(block);
    if (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
  }

  private async closeCabinet(): Promise<void> {
    const folder = this.folders.at(-1);
    if (folder) await this.flushBlock(folder);
    if (this.files.length === 0) return;
    const folders = await Promise.all(this.folders.map(async (f) => ({ blocks: await Promise.all(f.blocks) })));
    this.inFlight = [];
    this.cabinets.push(assemble(folders, this.files, this.stamp, this.cabinets.length));
    this.folders = [];
    this.files = [];
  }
}

async function compressBlock(raw: Uint8Array, level: number): Promise<Uint8Array> {
  const deflated = await deflate(raw, { level, windowBits: 15, memLevel: 9 });
  const payload = new Uint8Array(2 + deflated.byteLength);
  payload[0] = 0x43; // C
  payload[1] = 0x4b; // K
  payload.set(deflated, 2);
  const out = new Uint8Array(DATA_HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(4, payload.byteLength, true);
  view.setUint16(6, raw.byteLength, true);
  out.set(payload, DATA_HEADER_BYTES);
  view.setUint32(0, cabChecksum(out.subarray(4, 8), cabChecksum(payload)), true);
  return out;
}

function assemble(folders: { blocks: Uint8Array[] }[], files: FileEntry[], stamp: { date: number; time: number }, index: number): Cabinet {
  const filesBytes = files.reduce((n, f) => n + FILE_FIXED_BYTES + f.name.byteLength + 1, 0);
  const headerEnd = HEADER_BYTES + folders.length * FOLDER_BYTES;
  const dataStart = headerEnd + filesBytes;
  const head = new Uint8Array(dataStart);
  const view = new DataView(head.buffer);
  head.set([0x4d, 0x53, 0x43, 0x46], 0); // MSCF
  const size = dataStart + folders.reduce((n, f) => n + f.blocks.reduce((m, b) => m + b.byteLength, 0), 0);
  if (size > 0xffffffff) throw new CabinetError(`cabinet ${index + 1} would be ${size} bytes, over the 4 GiB a cabinet holds`);
  view.setUint32(8, size, true);
  view.setUint32(16, HEADER_BYTES + folders.length * FOLDER_BYTES, true);
  head[24] = 3; // version 1.3
  head[25] = 1;
  view.setUint16(26, folders.length, true);
  view.setUint16(28, files.length, true);
  view.setUint16(30, 0, true); // flags: no reserve, no previous/next cabinet
  view.setUint16(32, 0, true); // set id
  view.setUint16(34, index, true);
  let dataOffset = dataStart;
  folders.forEach((f, i) => {
    if (f.blocks.length > MAX_FOLDER_BLOCKS) throw new CabinetError(`folder ${i + 1} has ${f.blocks.length} blocks, over ${MAX_FOLDER_BLOCKS}`);
    const o = HEADER_BYTES + i * FOLDER_BYTES;
    view.setUint32(o, dataOffset, true);
    view.setUint16(o + 4, f.blocks.length, true);
    view.setUint16(o + 6, TYPE_MSZIP, true);
    dataOffset += f.blocks.reduce((m, b) => m + b.byteLength, 0);
  });
  let o = headerEnd;
  for (const f of files) {
    view.setUint32(o, f.size, true);
    view.setUint32(o + 4, f.offset, true);
    view.setUint16(o + 8, f.folder, true);
    view.setUint16(o + 10, stamp.date, true);
    view.setUint16(o + 12, stamp.time, true);
    view.setUint16(o + 14, ATTRIBUTE_ARCHIVE, true);
    head.set(f.name, o + FILE_FIXED_BYTES);
    o += FILE_FIXED_BYTES + f.name.byteLength + 1;
  }
  return { chunks: [head, ...folders.flatMap((f) => f.blocks)], size, files: files.length };
}
