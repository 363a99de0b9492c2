// Read the Authenticode signature (PKCS #7 SignedData, DER) straight out of a PE file's
// certificate table, the same bytes `osslsigncode extract-signature` writes, without starting a
// process for every signed file. Other formats (MSI, MSIX) still go through osslsigncode.
//
// PE/COFF specification: the DOS header's e_lfanew (offset 0x3C) points at "PE\0\0"; the optional
// header follows the 20-byte COFF header; data directory 4 (IMAGE_DIRECTORY_ENTRY_SECURITY) holds
// a *file offset* and size of the attribute certificate table, a list of WIN_CERTIFICATE
// { dwLength u32, wRevision u16, wCertificateType u16, bCertificate[] } padded to 8 bytes.

import { open } from 'node:fs/promises';

const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
const SECURITY_DIRECTORY = 4;

/** Thrown when the file is a PE but its certificate table is not what the format says. */
export class PeFormatError extends Error {
  override name = 'PeFormatError';
}

/** Does the file start like a PE ("MZ")? */
export async function isPeFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head.toString('latin1') === 'MZ';
  } finally {
    await handle.close();
  }
}

/** The first PKCS #7 signature in the PE's certificate table, or undefined when unsigned. */
export async function readPeSignature(path: string): Promise<Uint8Array | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (offset: number, length: number): Promise<Buffer> => {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new PeFormatError(`${path}: the PE headers point outside the file (offset ${offset}, ${length} bytes)`);
      }
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, offset);
      return buf;
    };
    const dos = await read(0, 64);
    if (dos.toString('latin1', 0, 2) !== 'MZ') throw new PeFormatError(`${path} is not a PE file (no MZ header)`);
    const peOffset = dos.readUInt32LE(0x3c);
    const pe = await read(peOffset, 24 + 2);
    if (pe.toString('latin1', 0, 4) !== 'PE\0\0') throw new PeFormatError(`${path} is not a PE file (no PE signature)`);
    const optionalHeader = peOffset + 24;
    const magic = pe.readUInt16LE(24);
    // NumberOfRvaAndSizes, then the directories: PE32 at 92/96, PE32+ at 108/112.
    const [countAt, directoriesAt] = magic === 0x20b ? [108, 112] : magic === 0x10b ? [92, 96] : [0, 0];
    if (countAt === 0) throw new PeFormatError(`${path}: unknown optional header magic 0x${magic.toString(16)}`);
    const count = (await read(optionalHeader + countAt, 4)).readUInt32LE(0);
    if (count <= SECURITY_DIRECTORY) return undefined;
    const entry = await read(optionalHeader + directoriesAt + SECURITY_DIRECTORY * 8, 8);
    const tableOffset = entry.readUInt32LE(0);
    const tableSize = entry.readUInt32LE(4);
    if (tableOffset === 0 || tableSize === 0) return undefined;

    const header = await read(tableOffset, 8);
    const length = header.readUInt32LE(0);
    const type = header.readUInt16LE(6);
    if (length < 8 || length > tableSize) throw new PeFormatError(`${path}: bad WIN_CERTIFICATE length ${length}`);
    if (type !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) throw new PeFormatError(`${path}: certificate type ${type} is not PKCS #7 signed data`);
    const body = await read(tableOffset + 8, length - 8);
    return new Uint8Array(body.subarray(0, derLength(body, path)));
  } finally {
    await handle.close();
  }
}

/** Length of the DER element at the start of `der` (the table entry may carry padding after it). */
function derLength(der: Buffer, path: string): number {
  if (der.length < 2 || der[0] !== 0x30) throw new PeFormatError(`${path}: the signature is not a DER SEQUENCE`);
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) throw new PeFormatError(`${path}: unsupported DER length encoding`);
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]!;
  const total = 2 + octets + length;
  if (total > der.length) throw new PeFormatError(`${path}: the signature is cut short`);
  return total;
}
