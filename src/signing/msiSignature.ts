// Read the Authenticode signature of an MSI straight out of the package: a Windows Installer
// database is a Compound File, and its signature (PKCS #7 SignedData, DER) is the root stream
// "\u0005DigitalSignature" — the same bytes `osslsigncode extract-signature` writes (checked on
// signed packages). Saves starting a process for every signed MSI, on the release's critical path.

import { open, readFile } from 'node:fs/promises';
import { openCompoundFile } from '../msi/compoundFile.js';

const COMPOUND_FILE_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const SIGNATURE_STREAM = '\u0005DigitalSignature';
/** Larger packages are read by osslsigncode instead of into memory here. */
export const MAX_IN_PROCESS_MSI_BYTES = 512 * 1024 * 1024;

/** Does the file start like a Compound File (an MSI)? */
export async function isCompoundFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return bytesRead === 8 && head.equals(COMPOUND_FILE_SIGNATURE);
  } finally {
    await handle.close();
  }
}

/** The package's signature, or undefined when it has none. */
export async function readMsiSignature(path: string): Promise<Uint8Array | undefined> {
  const cfb = openCompoundFile(new Uint8Array(await readFile(path)));
  const stream = cfb.entries.find((e) => e.type === 'stream' && e.name === SIGNATURE_STREAM);
  return stream ? cfb.read(stream, 0, stream.size) : undefined;
}
