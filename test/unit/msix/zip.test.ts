import { createHash, randomBytes } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readZipDirectory, readZipEntry, ZipReadError } from '../../../src/msix/read.js';
import { BLOCK_SIZE, dosDateTime, MsixZipWriter } from '../../../src/msix/zip.js';

// The MSIX container, read back field by field: the layout the packaging SDK writes (local
// headers without extra fields, Zip64 data descriptors, Zip64 end records), and deflated
// blocks that inflate one by one.

const DATE = new Date('2026-03-14T15:09:26Z');

function zipOf(entries: { name: string; data: Uint8Array; compress: boolean }[]) {
  const w = new MsixZipWriter({ date: DATE });
  const written = entries.map((e) => w.add(e));
  const { chunks, size } = w.finish();
  return { bytes: Buffer.concat(chunks), written, size };
}

/** Compressible, but not trivially: repeated words with random ones in between. */
function textLike(bytes: number): Buffer {
  const words = ['alpha ', 'beta ', 'gamma ', 'delta '];
  let s = '';
  while (s.length < bytes) s += Math.random() < 0.1 ? randomBytes(3).toString('hex') : words[s.length % 4];
  return Buffer.from(s.slice(0, bytes));
}

describe('the MSIX zip container', () => {
  it('writes local headers of 30 bytes plus the name (version 4.5, bit 3, no sizes), then the data and a Zip64 data descriptor', () => {
    const data = Buffer.from('hello\n');
    const { bytes, written } = zipOf([{ name: 'docs/a.txt', data, compress: false }]);
    const e = written[0]!;
    expect(e).toMatchObject({ offset: 0, headerSize: 30 + 'docs/a.txt'.length, method: 0, size: 6, compressedSize: 6 });
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(bytes.readUInt16LE(4)).toBe(45);
    expect(bytes.readUInt16LE(6)).toBe(0x0008);
    expect(bytes.readUInt16LE(8)).toBe(0);
    expect([bytes.readUInt32LE(14), bytes.readUInt32LE(18), bytes.readUInt32LE(22)]).toEqual([0, 0, 0]);
    expect(bytes.readUInt16LE(28)).toBe(0); // no extra field
    expect(bytes.toString('ascii', 30, 40)).toBe('docs/a.txt');
    expect(bytes.subarray(40, 46)).toEqual(data);
    const dd = 46;
    expect(bytes.readUInt32LE(dd)).toBe(0x08074b50);
    expect(bytes.readUInt32LE(dd + 4)).toBe(e.crc32);
    expect(bytes.readBigUInt64LE(dd + 8)).toBe(6n);
    expect(bytes.readBigUInt64LE(dd + 16)).toBe(6n);
  });

  it('ends with a central directory without extra fields, a Zip64 end record and locator, and an end record pointing to them', () => {
    const { bytes, size, written } = zipOf([
      { name: 'a.txt', data: Buffer.from('a'), compress: true },
      { name: 'b.png', data: Buffer.from('b'), compress: false },
    ]);
    expect(bytes.length).toBe(size);
    const end = bytes.length - 22;
    expect(bytes.readUInt32LE(end)).toBe(0x06054b50);
    expect([bytes.readUInt16LE(end + 8), bytes.readUInt16LE(end + 10), bytes.readUInt32LE(end + 12), bytes.readUInt32LE(end + 16)]).toEqual([0xffff, 0xffff, 0xffffffff, 0xffffffff]);
    const locator = end - 20;
    expect(bytes.readUInt32LE(locator)).toBe(0x07064b50);
    const zip64 = Number(bytes.readBigUInt64LE(locator + 8));
    expect(bytes.readUInt32LE(zip64)).toBe(0x06064b50);
    expect(bytes.readBigUInt64LE(zip64 + 4)).toBe(44n);
    expect(bytes.readBigUInt64LE(zip64 + 32)).toBe(2n);
    const cdSize = Number(bytes.readBigUInt64LE(zip64 + 40));
    const cdStart = Number(bytes.readBigUInt64LE(zip64 + 48));
    expect(cdStart + cdSize).toBe(zip64);
    expect(cdSize).toBe(46 + 5 + 46 + 5);
    for (const at of [cdStart, cdStart + 51]) {
      expect(bytes.readUInt32LE(at)).toBe(0x02014b50);
      expect(bytes.readUInt16LE(at + 30)).toBe(0); // extra field length
      expect(bytes.readUInt16LE(at + 8)).toBe(0x0008);
    }
    expect(readZipDirectory(bytes).map((e) => [e.name, e.method, e.offset])).toEqual([
      ['a.txt', 8, 0],
      ['b.png', 0, 30 + 5 + written[0]!.compressedSize + 24],
    ]);
  });

  it('deflates each 64 KiB block on its own (a full flush), so every block inflates alone; the block sizes plus the final 03 00 are the data', () => {
    const data = textLike(3 * BLOCK_SIZE + 1234);
    const { bytes, written } = zipOf([{ name: 'big.txt', data, compress: true }]);
    const e = written[0]!;
    expect(e.blocks.map((b) => b.data.length)).toEqual([BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE, 1234]);
    const sizes = e.blocks.map((b) => b.compressedSize!);
    expect(sizes.reduce((a, b) => a + b, 0) + 2).toBe(e.compressedSize);
    const body = bytes.subarray(e.headerSize, e.headerSize + e.compressedSize);
    expect([...body.subarray(-2)]).toEqual([0x03, 0x00]);
    let at = 0;
    e.blocks.forEach((block, i) => {
      // A block alone, with the final empty block after it, is a whole deflate stream.
      const alone = inflateRawSync(Buffer.concat([body.subarray(at, at + sizes[i]!), Buffer.from([3, 0])]));
      expect(createHash('sha256').update(alone).digest('hex')).toBe(createHash('sha256').update(block.data).digest('hex'));
      at += sizes[i]!;
    });
    expect(readZipEntry(bytes, 'big.txt')).toEqual(data);
  });

  it('stores an empty file as no block; a deflated empty file is the final block alone', () => {
    const { written } = zipOf([
      { name: 'empty.png', data: new Uint8Array(), compress: false },
      { name: 'empty.txt', data: new Uint8Array(), compress: true },
    ]);
    expect(written.map((e) => [e.blocks.length, e.compressedSize])).toEqual([
      [0, 0],
      [0, 2],
    ]);
  });

  it('gives the same bytes for the same input, and the release date as DOS time in UTC', () => {
    const entries = [{ name: 'x.txt', data: textLike(100_000), compress: true }];
    expect(zipOf(entries).bytes.equals(zipOf(entries).bytes)).toBe(true);
    expect(dosDateTime(DATE)).toEqual({ date: ((2026 - 1980) << 9) | (3 << 5) | 14, time: (15 << 11) | (9 << 5) | 13 });
    const { bytes } = zipOf(entries);
    expect(bytes.readUInt16LE(10)).toBe(dosDateTime(DATE).time);
    expect(bytes.readUInt16LE(12)).toBe(dosDateTime(DATE).date);
    expect(() => dosDateTime(new Date('1970-01-01T00:00:00Z'))).toThrow('cannot be a zip date');
  });

  it('refuses a name twice, a name that is not an encoded part name, and reads back only what is there', () => {
    const w = new MsixZipWriter({ date: DATE });
    w.add({ name: 'a', data: new Uint8Array(), compress: false });
    expect(() => w.add({ name: 'a', data: new Uint8Array(), compress: false })).toThrow('added twice');
    for (const bad of ['a b', '/abs', 'a\\b', 'é']) expect(() => w.add({ name: bad, data: new Uint8Array(), compress: false })).toThrow('is not an encoded part name');
    const { bytes } = zipOf([{ name: 'a', data: Buffer.from('x'), compress: false }]);
    expect(readZipEntry(bytes, 'b')).toBeUndefined();
    expect(() => readZipDirectory(Buffer.from('not a zip at all, no end record here'))).toThrow(ZipReadError);
  });
});
