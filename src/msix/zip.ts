// The ZIP container of an MSIX package, written byte by byte as the MSIX packaging SDK writes it
// (microsoft/msix-packaging, src/msix/pack/ZipObjectWriter.cpp, ZipObject.cpp, DeflateStream.cpp),
// because the format depends on details a general zip library does not let us choose:
//
// - Every entry is a local file header (version 45, flag bit 3: sizes follow the data) with no
//   extra field, the data, then a Zip64 data descriptor (signature, CRC-32, 8-byte sizes). The
//   block map records each header's size (LfhSize = 30 + name length), so it must be exactly that.
// - A compressed entry is raw deflate cut at every 64 KiB of input with a full flush (the
//   compressor forgets its history there), so each block of the block map can be fetched and
//   inflated on its own (differential updates); a final empty block (03 00) ends the stream.
//   Each block's compressed size goes into the block map.
// - Stored (method 0) or deflated (8) per entry: PNG, JPEG, zip and other already-compressed
//   files are stored, as makeappx does.
// - The central directory lists the entries in file order, without extra fields (osslsigncode
//   rewrites central directory entries without their extra fields: one would be lost), then a
//   Zip64 end of central directory record, its locator, and an end record whose counts say
//   "see Zip64" (0xFFFF, 0xFFFFFFFF) — the SDK always writes Zip64, and osslsigncode keeps the
//   layout it finds when it appends AppxSignature.p7x.
// - Every date is the release date (DOS date and time, UTC), so the same input gives the same
//   bytes on any machine.
//
// archiver (used for the release zips) writes an extra field per entry, decides data
// descriptors itself and compresses each entry as one stream, so it cannot give this layout.

import { crc32, constants, deflateRawSync } from 'node:zlib';

/** Block size of the block map (AppxBlockMap.xml): 64 KiB of uncompressed data. */
export const BLOCK_SIZE = 64 * 1024;

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
/** ZIP 4.5: Zip64 (the data descriptors carry 8-byte sizes). */
const VERSION_ZIP64 = 45;
const FLAG_DATA_DESCRIPTOR = 0x0008;
export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
/** The largest size or offset a 4-byte field holds here; beyond it a Zip64 extra field would be needed. */
const MAX_32 = 0xfffffffe;

export interface ZipInput {
  /** The name inside the zip, forward slashes, already percent-encoded as OPC part names are. */
  name: string;
  data: Uint8Array;
  compress: boolean;
}

export interface ZipBlock {
  /** The block's uncompressed bytes (a view into the entry's data). */
  data: Uint8Array;
  /** Compressed size of the block (deflated entries only). */
  compressedSize?: number;
}

export interface WrittenEntry {
  name: string;
  /** Where its local file header starts. */
  offset: number;
  /** Local file header size (the block map's LfhSize). */
  headerSize: number;
  method: typeof METHOD_STORE | typeof METHOD_DEFLATE;
  crc32: number;
  compressedSize: number;
  size: number;
  /** The 64 KiB blocks of the uncompressed data, in order. */
  blocks: ZipBlock[];
}

export interface ZipOptions {
  /** The date written for every entry. */
  date: Date;
  /** zlib level for deflated entries (default 6). */
  level?: number;
}

/** A zip being written in order: entries, then the central directory. The bytes stay in memory. */
export class MsixZipWriter {
  private readonly chunks: Uint8Array[] = [];
  private readonly written: WrittenEntry[] = [];
  private readonly names = new Set<string>();
  private length = 0;
  private readonly time: number;
  private readonly day: number;

  constructor(private readonly options: ZipOptions) {
    ({ time: this.time, date: this.day } = dosDateTime(options.date));
  }

  /** Append one entry; returns what was written (offset, header size, blocks). */
  add(input: ZipInput): WrittenEntry {
    if (this.names.has(input.name)) throw new Error(`internal: zip entry ${input.name} added twice`);
    if (!/^[\x21-\x7e]+$/.test(input.name) || input.name.startsWith('/') || input.name.includes('\\')) {
      throw new Error(`internal: zip entry name ${JSON.stringify(input.name)} is not an encoded part name`);
    }
    this.names.add(input.name);
    const name = Buffer.from(input.name, 'ascii');
    const offset = this.length;
    const blocks = splitBlocks(input.data);
    let body: Uint8Array[];
    if (input.compress) {
      body = blocks.map((b) => {
        const out = deflateRawSync(b.data, { level: this.options.level ?? 6, finishFlush: constants.Z_FULL_FLUSH });
        b.compressedSize = out.length;
        return out;
      });
      body.push(FINAL_EMPTY_BLOCK);
    } else body = [input.data];
    const compressedSize = body.reduce((n, b) => n + b.length, 0);
    const crc = crc32(input.data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(VERSION_ZIP64, 4);
    header.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 6);
    header.writeUInt16LE(input.compress ? METHOD_DEFLATE : METHOD_STORE, 8);
    header.writeUInt16LE(this.time, 10);
    header.writeUInt16LE(this.day, 12);
    // CRC-32 and sizes (14-25) stay 0: they are in the data descriptor.
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    const descriptor = Buffer.alloc(24);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(input.data.length), 16);
    if (offset > MAX_32 || compressedSize > MAX_32 || input.data.length > MAX_32) {
      throw new Error(`${input.name}: MSIX packages over 4 GiB (or files over 4 GiB) are not supported`);
    }
    for (const chunk of [header, name, ...body, descriptor]) this.push(chunk);
    const entry: WrittenEntry = {
      name: input.name,
      offset,
      headerSize: 30 + name.length,
      method: input.compress ? METHOD_DEFLATE : METHOD_STORE,
      crc32: crc,
      compressedSize,
      size: input.data.length,
      blocks,
    };
    this.written.push(entry);
    return entry;
  }

  /** The central directory and end records; then the whole file, in order. */
  finish(): { chunks: Uint8Array[]; entries: WrittenEntry[]; size: number } {
    const cdStart = this.length;
    for (const e of this.written) {
      const name = Buffer.from(e.name, 'ascii');
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CENTRAL_HEADER, 0);
      h.writeUInt16LE(VERSION_ZIP64, 4); // made by: MS-DOS (0) << 8 | 4.5
      h.writeUInt16LE(VERSION_ZIP64, 6);
      h.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(this.time, 12);
      h.writeUInt16LE(this.day, 14);
      h.writeUInt32LE(e.crc32, 16);
      h.writeUInt32LE(e.compressedSize, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(name.length, 28);
      // extra field length, comment length, disk number, internal and external attributes: 0
      h.writeUInt32LE(e.offset, 42);
      this.push(h);
      this.push(name);
    }
    const cdSize = this.length - cdStart;
    const zip64End = this.length;
    const z = Buffer.alloc(56);
    z.writeUInt32LE(ZIP64_END, 0);
    z.writeBigUInt64LE(44n, 4); // the record's size after this field
    z.writeUInt16LE(VERSION_ZIP64, 12);
    z.writeUInt16LE(VERSION_ZIP64, 14);
    // this disk, the disk the central directory starts on: 0
    z.writeBigUInt64LE(BigInt(this.written.length), 24);
    z.writeBigUInt64LE(BigInt(this.written.length), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdStart), 48);
    this.push(z);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR, 0);
    locator.writeBigUInt64LE(BigInt(zip64End), 8);
    locator.writeUInt32LE(1, 16); // one disk
    this.push(locator);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END, 0);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    this.push(end);
    return { chunks: this.chunks, entries: this.written, size: this.length };
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
}

/** What Z_FINISH on no input adds after a full flush: a final, empty fixed-Huffman block. */
const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);

function splitBlocks(data: Uint8Array): ZipBlock[] {
  const blocks: ZipBlock[] = [];
  for (let at = 0; at < data.length; at += BLOCK_SIZE) blocks.push({ data: data.subarray(at, Math.min(at + BLOCK_SIZE, data.length)) });
  return blocks;
}

/** DOS date and time fields of `date`, in UTC (two seconds resolution; 1980-2107). */
export function dosDateTime(date: Date): { date: number; time: number } {
  const year = date.getUTCFullYear();
  if (year < 1980 || year > 2107) throw new Error(`internal: ${date.toISOString()} cannot be a zip date (1980-2107)`);
  return {
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
  };
}
