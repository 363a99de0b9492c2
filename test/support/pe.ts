import { readFileSync } from 'node:fs';

/** Machine and subsystem straight from the PE headers: an oracle independent of resedit. */
export function readPeHeader(path: string): { machine: number; subsystem: number; pe32plus: boolean } {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 2) !== 'MZ') throw new Error(`${path}: no MZ header`);
  const pe = b.readUInt32LE(0x3c);
  if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') throw new Error(`${path}: no PE signature`);
  const machine = b.readUInt16LE(pe + 4);
  const optional = pe + 24;
  const magic = b.readUInt16LE(optional);
  return { machine, subsystem: b.readUInt16LE(optional + 68), pe32plus: magic === 0x20b };
}
