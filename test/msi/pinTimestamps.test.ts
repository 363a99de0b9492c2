// Pinning the times inside real wixl-built MSIs, read back by msitools and gcab.

import { createHash } from 'node:crypto';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompoundFileError, openCompoundFile } from '../../src/msi/compoundFile.js';
import { dosDateTime, fileTime, msiTimestampPatches, pinMsiTimestamps } from '../../src/msi/pinTimestamps.js';
import { tempDir, writeTree } from '../fixtures/wix/support.js';

const RELEASE_DATE = new Date('2026-03-14T15:09:26Z');

const product = (files: string[]) => `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="11111111-2222-3333-4444-555555555555" Name="Pin" Language="1033" Version="1.0.0" Manufacturer="Pin" UpgradeCode="6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <MediaTemplate EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFiles64Folder"><Directory Id="INSTALLFOLDER" Name="Pin">
${files.map((f, i) => `      <Component Id="c${i}" Guid="886313E1-3B8A-5372-9B90-0C9AEE19${String(i).padStart(4, '0')}" Win64="yes"><File Id="f${i}" Name="${f}" Source="payload/${f}" KeyPath="yes"/></Component>`).join('\n')}
    </Directory></Directory></Directory>
    <Feature Id="Main" Level="1">${files.map((_, i) => `<ComponentRef Id="c${i}"/>`).join('')}</Feature>
  </Product>
</Wix>
`;

/** Incompressible but deterministic bytes: SHA-256 in counter mode. */
function noise(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i * 32 < bytes; i++) createHash('sha256').update(String(i)).digest().copy(out, i * 32);
  return out;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('winship-pin-'));
});
afterAll(() => cleanup());

async function wixlBuild(name: string, files: Record<string, string | Buffer>, mtime: Date): Promise<string> {
  const root = path.join(dir, name);
  await writeTree(path.join(root, 'payload'), files);
  for (const f of Object.keys(files)) await utimes(path.join(root, 'payload', f), mtime, mtime);
  await writeFile(path.join(root, 'product.wxs'), product(Object.keys(files)));
  await execa('wixl', ['-a', 'x64', '-o', 'out.msi', 'product.wxs'], { cwd: root });
  // wixl picks a random PackageCode (and ignores Package/@Id): fix it as the msi stage does.
  await execa('msibuild', ['out.msi', '-s', 'Pin', 'Pin', 'x64;1033', '{22222222-3333-4444-5555-666666666666}'], { cwd: root });
  return path.join(root, 'out.msi');
}

async function cabinetListing(msi: string): Promise<string[]> {
  const cab = `${msi}.cab`;
  await writeFile(cab, (await execa('msiinfo', ['extract', msi, 'cab1.cab'], { encoding: 'buffer' })).stdout);
  return (await execa('gcab', ['--list-details', cab])).stdout.trim().split('\n');
}

async function extractedFiles(msi: string): Promise<Record<string, string>> {
  const out = `${msi}.x`;
  await execa('msiextract', ['-C', out, msi]);
  const names = (await execa('find', [out, '-type', 'f'])).stdout.split('\n').sort();
  const hashes: Record<string, string> = {};
  for (const n of names) hashes[path.basename(n)] = createHash('sha256').update(await readFile(n)).digest('hex');
  return hashes;
}

describe('time encodings', () => {
  it('FILETIME counts 100 ns from 1601 and DOS time is UTC, clamped to 1980-2107', () => {
    expect(Buffer.from(fileTime(new Date('2000-01-01T00:00:00Z'))).readBigUInt64LE()).toBe(0x01bf53eb256d4000n);
    const dos = Buffer.from(dosDateTime(RELEASE_DATE));
    expect([dos.readUInt16LE(0), dos.readUInt16LE(2)]).toEqual([(46 << 9) | (3 << 5) | 14, (15 << 11) | (9 << 5) | 13]);
    expect([...dosDateTime(new Date('1970-01-01T00:00:00Z'))]).toEqual([0x21, 0, 0, 0]);
    const last = Buffer.from(dosDateTime(new Date('2200-01-01T00:00:00Z')));
    expect([last.readUInt16LE(0), last.readUInt16LE(2)]).toEqual([(127 << 9) | (12 << 5) | 31, (23 << 11) | (59 << 5) | 29]);
  });
});

describe('pinMsiTimestamps on wixl packages', () => {
  it('makes two builds at different times from files with different mtimes byte-identical, changing nothing else', async () => {
    const files = { 'app.exe': 'MZ fake\n', 'readme.txt': 'hello\n' };
    const a = await wixlBuild('a', files, new Date('2001-02-03T04:05:06Z'));
    await sleep(1100); // "now" must move on for the unpinned packages to differ
    const b = await wixlBuild('b', files, new Date('2011-02-03T04:05:06Z'));
    const [rawA, rawB] = [await readFile(a), await readFile(b)];
    expect(rawA.equals(rawB)).toBe(false);

    const pinnedA = await pinMsiTimestamps(a, RELEASE_DATE);
    expect(pinnedA).toEqual({ summaryProperties: 2, cabinetFiles: 2 }); // wixl writes Created and Last saved
    await pinMsiTimestamps(b, RELEASE_DATE);
    const [outA, outB] = [await readFile(a), await readFile(b)];
    expect(outA.equals(outB)).toBe(true);
    expect(outA.length).toBe(rawA.length);
    const changed = [...outA.keys()].filter((i) => outA[i] !== rawA[i]).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(2 * 8 + 2 * 4);

    const summary = (await execa('msiinfo', ['suminfo', a], { env: { TZ: 'UTC' } })).stdout;
    expect(summary).toContain('Created: Sat Mar 14 15:09:26 2026');
    expect(summary).toContain('Last saved: Sat Mar 14 15:09:26 2026');
    expect(await cabinetListing(a)).toEqual(['f0 8 2026-03-14 15:09:26 0x20', 'f1 6 2026-03-14 15:09:26 0x20']);
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(await extractedFiles(a)).toEqual({ 'app.exe': sha(files['app.exe']), 'readme.txt': sha(files['readme.txt']) });
    // Pinning again is a no-op.
    await pinMsiTimestamps(a, RELEASE_DATE);
    expect((await readFile(a)).equals(outA)).toBe(true);
  });

  it('follows the FAT past the header (DIFAT) and cabinets in regular sectors, in an 8 MB package', async () => {
    const big = noise(8 * 1024 * 1024);
    const msi = await wixlBuild('big', { 'data.bin': big, 'small.txt': 'x\n' }, new Date('2005-05-05T05:05:05Z'));
    const header = await readFile(msi);
    expect(header.readUInt32LE(0x2c)).toBeGreaterThan(109); // FAT sectors beyond the header's 109
    expect(header.readUInt32LE(0x48)).toBeGreaterThan(0); // so at least one DIFAT sector
    expect(await pinMsiTimestamps(msi, RELEASE_DATE)).toEqual({ summaryProperties: 2, cabinetFiles: 2 });
    expect(await cabinetListing(msi)).toEqual([`f0 ${big.length} 2026-03-14 15:09:26 0x20`, 'f1 2 2026-03-14 15:09:26 0x20']);
    const files = await extractedFiles(msi);
    expect(files['data.bin']).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('refuses what is not a compound file, or is cut short, with CompoundFileError', async () => {
    expect(() => msiTimestampPatches(Buffer.from('MZ not an msi'.padEnd(600, '.')), RELEASE_DATE)).toThrow(CompoundFileError);
    const whole = await readFile(await wixlBuild('cut', { 'a.txt': 'a\n' }, RELEASE_DATE));
    expect(() => msiTimestampPatches(whole.subarray(0, 1024), RELEASE_DATE)).toThrow(CompoundFileError);
    expect(openCompoundFile(whole).entries[0]!.type).toBe('root');
  });
});
