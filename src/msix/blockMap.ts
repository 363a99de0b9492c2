// AppxBlockMap.xml: for every file of the package but the footprint files, its name, size and
// local file header size, and the SHA-256 of each 64 KiB block of its uncompressed data, with
// the block's compressed size when the file is deflated. Windows checks every block it reads
// against this map, and App Installer's differential update fetches only the blocks whose hash
// changed (namespace http://schemas.microsoft.com/appx/2010/blockmap, BlockMapSchema.xsd).
//
// osslsigncode reads the hash method with a plain text search: the first "HashMethod" of the
// file, its value between the first and the last quote before the next ">". So HashMethod is
// the root's last attribute.

import { createHash } from 'node:crypto';
import { blockMapName } from './names.js';
import { xmlDocument, type XmlElement } from './xml.js';
import type { WrittenEntry } from './zip.js';

export const BLOCK_MAP_NAMESPACE = 'http://schemas.microsoft.com/appx/2010/blockmap';
export const HASH_METHOD_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';

export interface BlockMapFile {
  /** Install path, forward slashes (written with backslashes). */
  path: string;
  size: number;
  /** Size of the file's local file header in the zip. */
  lfhSize: number;
  /** Base64 SHA-256 of each 64 KiB block, and its compressed size when the file is deflated. */
  blocks: { hash: string; size?: number }[];
}

/** The block map entry of a zip entry holding the file at `path`. */
export function blockMapFileOf(path: string, entry: WrittenEntry): BlockMapFile {
  return {
    path,
    size: entry.size,
    lfhSize: entry.headerSize,
    blocks: entry.blocks.map((b) => ({
      hash: createHash('sha256').update(b.data).digest('base64'),
      ...(b.compressedSize !== undefined ? { size: b.compressedSize } : {}),
    })),
  };
}

export function renderBlockMap(files: readonly BlockMapFile[]): string {
  const root: XmlElement = {
    name: 'BlockMap',
    attributes: { xmlns: BLOCK_MAP_NAMESPACE, HashMethod: HASH_METHOD_SHA256 },
    children: files.map((f) => ({
      name: 'File',
      attributes: { Name: blockMapName(f.path), Size: f.size, LfhSize: f.lfhSize },
      children: f.blocks.map((b) => ({ name: 'Block', attributes: { Hash: b.hash, Size: b.size } })),
    })),
  };
  return xmlDocument(root, { version: '1.0', encoding: 'UTF-8', standalone: 'no' });
}
