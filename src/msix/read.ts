// Reading an MSIX (or any zip) from its bytes: the central directory, Zip64 or not, and the
// contents of one entry. Enough to read back the AppxManifest.xml of a built or signed package
// (the App Installer file must name exactly the identity the package holds), never to trust an
// untrusted archive's layout beyond what is asked: every offset is checked against the file.

import { inflateRawSync } from 'node:zlib';

export interface ZipDirectoryEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Where the entry's local file header starts. */
  offset: number;
}

export class ZipReadError extends Error {
  override name = 'ZipReadError';
}

const END = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** The central directory of `zip`, in its order. */
export function readZipDirectory(zip: Uint8Array): ZipDirectoryEntry[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const endAt = findEnd(buf);
  let count = buf.readUInt16LE(endAt + 10);
  let cdSize: number = buf.readUInt32LE(endAt + 12);
  let cdOffset: number = buf.readUInt32LE(endAt + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locatorAt = endAt - 20;
    if (locatorAt < 0 || buf.readUInt32LE(locatorAt) !== ZIP64_LOCATOR) throw new ZipReadError('the end record asks for Zip64, but there is no Zip64 locator before it');
    const zip64At = safeNumber(buf.readBigUInt64LE(locatorAt + 8));
    if (zip64At + 56 > locatorAt || buf.readUInt32LE(zip64At) !== ZIP64_END) throw new ZipReadError('the Zip64 locator points at no Zip64 end record');
    count = safeNumber(buf.readBigUInt64LE(zip64At + 32));
    cdSize = safeNumber(buf.readBigUInt64LE(zip64At + 40));
    cdOffset = safeNumber(buf.readBigUInt64LE(zip64At + 48));
  }
  if (cdOffset + cdSize > buf.length) throw new ZipReadError(`the central directory (${cdSize} bytes at ${cdOffset}) lies outside the ${buf.length}-byte file`);
  const entries: ZipDirectoryEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || buf.readUInt32LE(at) !== CENTRAL_HEADER) throw new ZipReadError(`central directory entry ${i + 1} of ${count} is damaged`);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const entry: ZipDirectoryEntry = {
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      crc32: buf.readUInt32LE(at + 16),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      offset: buf.readUInt32LE(at + 42),
    };
    if (extraLength > 0) applyZip64Extra(entry, buf.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of the entry named `name`, or undefined when there is none. */
export function readZipEntry(zip: Uint8Array, name: string, directory = readZipDirectory(zip)): Buffer | undefined {
  const entry = directory.find((e) => e.name === name);
  if (!entry) return undefined;
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  if (entry.offset + 30 > buf.length || buf.readUInt32LE(entry.offset) !== LOCAL_HEADER) throw new ZipReadError(`${name}: its local file header is missing or damaged`);
  const start = entry.offset + 30 + buf.readUInt16LE(entry.offset + 26) + buf.readUInt16LE(entry.offset + 28);
  if (start + entry.compressedSize > buf.length) throw new ZipReadError(`${name}: its data runs past the end of the file`);
  const raw = buf.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
  else throw new ZipReadError(`${name}: compression method ${entry.method} (only stored and deflated entries are read)`);
  if (data.length !== entry.size) throw new ZipReadError(`${name}: ${data.length} bytes where the directory says ${entry.size}`);
  return data;
}

function findEnd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65,535.
  for (let at = buf.length - 22; at >= Math.max(0, buf.length - 22 - 0xffff); at--) {
    if (buf.readUInt32LE(at) === END) return at;
  }
  throw new ZipReadError('not a zip file: no end of central directory record');
}

function applyZip64Extra(entry: ZipDirectoryEntry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        const value = safeNumber(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.offset === 0xffffffff) entry.offset = next();
    }
    at += 4 + size;
  }
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipReadError(`a size or offset of ${value} bytes`);
  return Number(value);
}
