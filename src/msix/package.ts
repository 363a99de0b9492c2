// One MSIX package from its payload and manifest, in memory: the payload files (sorted by
// name), AppxManifest.xml, AppxBlockMap.xml and [Content_Types].xml, in that order (as the
// packaging SDK writes them: AppxPackageWriter.cpp), each compressed or stored by its type.
// The same input gives the same bytes. Signing appends AppxSignature.p7x later and adds its
// content type; nothing here is touched by it.

import { compareOrdinal } from '../util/compare.js';
import { blockMapFileOf, renderBlockMap, type BlockMapFile } from './blockMap.js';
import { compressesFile, renderContentTypes } from './contentTypes.js';
import { BLOCK_MAP_FILE, CONTENT_TYPES_FILE, MANIFEST_FILE, partName } from './names.js';
import { MsixZipWriter, type WrittenEntry } from './zip.js';

export interface MsixPayloadFile {
  /** Install path inside the package, forward slashes (already checked by the payload rules). */
  path: string;
  data: Uint8Array;
}

export interface MsixPackageInput {
  payload: readonly MsixPayloadFile[];
  /** AppxManifest.xml, rendered. */
  manifest: string;
  /** The release date: every entry's date. */
  date: Date;
  /** zlib level (default 6). */
  level?: number;
}

export interface BuiltMsix {
  /** The package file, in order. */
  chunks: Uint8Array[];
  size: number;
  blockMap: string;
  contentTypes: string;
  /** The files of the block map (payload and manifest), as it lists them. */
  files: BlockMapFile[];
  entries: WrittenEntry[];
}

export function buildMsix(input: MsixPackageInput): BuiltMsix {
  const payload = [...input.payload].sort((a, b) => compareOrdinal(a.path, b.path));
  const zip = new MsixZipWriter({ date: input.date, ...(input.level !== undefined ? { level: input.level } : {}) });
  const files: BlockMapFile[] = [];
  for (const file of payload) {
    const entry = zip.add({ name: partName(file.path), data: file.data, compress: compressesFile(file.path) });
    files.push(blockMapFileOf(file.path, entry));
  }
  const manifest = zip.add({ name: MANIFEST_FILE, data: Buffer.from(input.manifest, 'utf8'), compress: true });
  files.push(blockMapFileOf(MANIFEST_FILE, manifest));
  const blockMap = renderBlockMap(files);
  zip.add({ name: BLOCK_MAP_FILE, data: Buffer.from(blockMap, 'utf8'), compress: true });
  const contentTypes = renderContentTypes(payload.map((f) => f.path));
  zip.add({ name: CONTENT_TYPES_FILE, data: Buffer.from(contentTypes, 'utf8'), compress: true });
  const { chunks, entries, size } = zip.finish();
  return { chunks, size, blockMap, contentTypes, files, entries };
}
