// MSI stream names. Windows Installer stores each table, and each binary cell (Icon, Binary,
// an embedded cabinet), as a stream whose name is packed: characters of the 64-letter alphabet
// 0-9 A-Z a-z . _ go two per UTF-16 unit (0x3800 + a + 64·b), or one (0x4800 + a) when the next
// is not in the alphabet; anything else is kept as it is. Table streams start with U+4840.
// (Wine dlls/msi/table.c encode_streamname; mdsteele/rust-msi src/internal/streamname.rs.)

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._';
const TABLE_PREFIX = 0x4840;
/** A Compound File entry name holds 31 UTF-16 units. */
export const MAX_STREAM_NAME_UNITS = 31;

const indexOf = (ch: string | undefined): number => (ch === undefined ? -1 : ALPHABET.indexOf(ch));

/** The packed name of `name`: a table's (`table: true`) or a binary cell's / cabinet's. */
export function encodeStreamName(name: string, table: boolean): string {
  const out: number[] = table ? [TABLE_PREFIX] : [];
  for (let i = 0; i < name.length; i++) {
    const a = indexOf(name[i]);
    if (a < 0) {
      out.push(name.charCodeAt(i));
      continue;
    }
    const b = indexOf(name[i + 1]);
    if (b >= 0) {
      out.push(0x3800 + a + (b << 6));
      i++;
    } else {
      out.push(0x4800 + a);
    }
  }
  return String.fromCharCode(...out);
}

/** The name `encodeStreamName` packed, and whether it is a table's. */
export function decodeStreamName(packed: string): { name: string; table: boolean } {
  let name = '';
  let table = false;
  for (let i = 0; i < packed.length; i++) {
    const u = packed.charCodeAt(i);
    if (i === 0 && u === TABLE_PREFIX) table = true;
    else if (u >= 0x3800 && u < 0x4800) name += ALPHABET[(u - 0x3800) & 0x3f]! + ALPHABET[((u - 0x3800) >> 6) & 0x3f]!;
    else if (u >= 0x4800 && u < 0x4840) name += ALPHABET[u - 0x4800]!;
    else name += packed[i];
  }
  return { name, table };
}
