import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { UsageError } from '../util/errors.js';

// Reading release.yaml as untrusted input: its size is known before a byte is read, a FIFO or a
// device is never opened (opening a FIFO blocks until a writer comes, reading /dev/zero never
// ends), and bytes that are not UTF-8 are refused with their position instead of becoming U+FFFD.

/** A release.yaml is a page or two of settings; a megabyte is far beyond any real one. */
export const CONFIG_SIZE_LIMIT = 1024 * 1024;

const MiB = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

function kindOf(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The text of the config file at `path`, refused (UsageError) unless it is a regular UTF-8 file of at most `limit` bytes. */
export async function readConfigText(path: string, limit = CONFIG_SIZE_LIMIT): Promise<string> {
  const problem = (what: string) => new UsageError(`config ${path}: ${what}`);
  const before = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw problem(`cannot read it (${err.code ?? String(err)})`);
  });
  if (!before.isFile()) throw problem(`is ${kindOf(before)}, not a file; give the path of your release.yaml`);
  if (before.size > limit) throw problem(`is ${MiB(before.size)} (${before.size} bytes); a release.yaml may be at most ${MiB(limit)} (is it the right file?)`);
  // Non-blocking, and checked again once open: the path may have been swapped for a FIFO since.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw problem(`cannot open it (${err.code ?? String(err)})`);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw problem(`is ${kindOf(opened)}, not a file`);
    // One byte more than allowed tells a file that grew past the limit since stat from one that did not.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit) throw problem(`is larger than ${MiB(limit)}; a release.yaml may be at most that`);
    }
    return decodeConfig(buffer.subarray(0, length), basename(path));
  } finally {
    await handle.close();
  }
}

/** UTF-8 text (a BOM is dropped), or a UsageError at the first byte that is not UTF-8. */
export function decodeConfig(bytes: Uint8Array, fileName = 'release.yaml'): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UsageError(`${fileName}:1:1: the file is UTF-16 text; save it as UTF-8`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lines = before.split('\n');
    const line = lines.length;
    const col = [...lines.at(-1)!].length + 1;
    const byte = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
    throw new UsageError(`${fileName}:${line}:${col}: byte 0x${byte} is not UTF-8 text (a binary file, or text saved in another encoding such as Latin-1?); save release.yaml as UTF-8`);
  }
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Grow a prefix one sequence at a time: the first prefix that fails to decode ends at the bad byte.
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0 || i + size > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + size));
    } catch {
      return i;
    }
    i += size;
  }
  return Math.max(0, bytes.length - 1);
}
