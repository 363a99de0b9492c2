// The native backend's shell: reads the WiX sources and the payload, and writes the .msi —
// the WiX reading, tables, cabinets and container are pure functions (compile.ts, tables.ts,
// ../cabinet.ts, ../database/*, ../compoundFileWriter.ts). Each payload file is read once: its
// size, version resource and MD5 are taken from the same bytes that go into the cabinet.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { StageError } from '../../util/errors.js';
import { readPeVersion } from '../../pe/versionInfo.js';
import { CabinetBuilder, CabinetError } from '../cabinet.js';
import { MSI_DATABASE_CLSID, writeCompoundFile, type CompoundStream } from '../compoundFileWriter.js';
import { DatabaseError, encodeDatabase } from '../database/encode.js';
import { encodeStreamName } from '../database/streamName.js';
import { encodeSummary, SUMMARY_STREAM } from '../database/summary.js';
import type { HarvestModel } from '../wix/harvest.js';
import { PAYLOAD_WXS } from '../wix/sources.js';
import { compileWix } from './compile.js';
import type { PackageModel } from './model.js';
import { packageSummary, packageTables, type FileFacts } from './tables.js';

/** Windows Installer cannot open a package of 2 GiB or more. */
export const MAX_PACKAGE_BYTES = 0x7fffffff;
/**
 * Payload files are read synchronously — a promise-based readFile costs four thread-pool round
 * trips per file, most of the time of a package of small files — but the event loop gets a turn
 * every READ_SLICE files, so timers and sockets of other stages are not starved.
 */
const READ_SLICE = 256;

export interface NativeBuild {
  workDir: string;
  sources: readonly string[];
  output: string;
  arch: 'x86' | 'x64' | 'arm64';
  packageCode: string;
  /** The release date: the summary's dates and every cabinet file's. */
  date: Date;
  /**
   * The harvest that payload.wxs was rendered from: read directly instead of parsing that file
   * (the same package, without the XML round trip; see compile.ts harvestElements).
   */
  payload?: HarvestModel;
  /** At most this many files per cabinet (tests make it small); default 65,535. */
  filesPerCabinet?: number;
  signal?: AbortSignal;
}

export interface NativeResult {
  files: number;
  cabinets: number;
  bytes: number;
}

export async function buildNativeMsi(b: NativeBuild): Promise<NativeResult> {
  const texts: Record<string, string> = {};
  for (const s of b.sources) if (!(b.payload && s === PAYLOAD_WXS)) texts[s] = await readFile(path.join(b.workDir, s), 'utf8');
  const model = compileWix(texts, b.payload);
  checkArch(model, b.arch);
  const codepage = model.product.codepage || 1252;

  const files = model.components.flatMap((c) => c.files);
  const facts = new Map<string, FileFacts>();
  const cab = new CabinetBuilder(b.date, b.filesPerCabinet ? { filesPerCabinet: b.filesPerCabinet } : {});
  const read = (i: number): Uint8Array => {
    try {
      return readFileSync(path.resolve(b.workDir, files[i]!.source));
    } catch (err) {
      throw new StageError(`msi: cannot read ${files[i]!.source} (File ${files[i]!.id}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  for (let i = 0; i < files.length; i++) {
    if (i % READ_SLICE === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      b.signal?.throwIfAborted();
    }
    const data = read(i);
    const version = data.byteLength > 64 && data[0] === 0x4d && data[1] === 0x5a ? readPeVersion(data) : undefined;
    const f: FileFacts = { size: data.byteLength };
    if (version) {
      f.version = version.fileVersion;
      f.language = String(version.language);
    } else f.md5 = createHash('md5').update(data).digest();
    facts.set(files[i]!.id, f);
    try {
      await cab.add(files[i]!.id, data);
    } catch (err) {
      throw err instanceof CabinetError ? new StageError(`msi: ${err.message}`) : err;
    }
  }
  const cabinets = await cab.finish();
  let last = 0;
  const media = cabinets.map((c, i) => ({ name: `cab${i + 1}.cab`, lastSequence: (last += c.files) }));

  const icons = new Map<string, Uint8Array>();
  for (const [id, source] of model.icons) icons.set(id, await readFile(path.resolve(b.workDir, source)));

  let streams: CompoundStream[];
  try {
    const tables = packageTables({ model, fileOrder: files.map((f) => f.id), facts, media: { cabinets: media }, icons });
    streams = encodeDatabase(tables, codepage).streams;
  } catch (err) {
    throw err instanceof DatabaseError ? new StageError(`msi: ${err.message}`) : err;
  }
  cabinets.forEach((c, i) => streams.push({ name: encodeStreamName(media[i]!.name, false), data: c.chunks }));
  const summaryCodepage = model.package.summaryCodepage || codepage;
  streams.push({ name: SUMMARY_STREAM, data: encodeSummary(packageSummary(model, b.arch, b.packageCode, b.date, summaryCodepage)) });

  const chunks = writeCompoundFile(streams, MSI_DATABASE_CLSID);
  const bytes = chunks.reduce((n, c) => n + c.byteLength, 0);
  if (bytes > MAX_PACKAGE_BYTES) {
    throw new StageError(`msi: the package would be ${(bytes / 2 ** 30).toFixed(2)} GiB; Windows Installer cannot open an .msi of 2 GiB or more. Leave large files out of msi.files, or ship them in the zip.`);
  }
  await writeChunks(b.output, chunks);
  return { files: files.length, cabinets: cabinets.length, bytes };
}

async function writeChunks(file: string, chunks: readonly Uint8Array[]): Promise<void> {
  const handle = await open(file, 'w');
  try {
    // writev takes at most IOV_MAX (1024) buffers at a time.
    for (let i = 0; i < chunks.length; i += 1024) await handle.writev(chunks.slice(i, i + 1024) as Uint8Array[]);
  } finally {
    await handle.close();
  }
}

/** A 64-bit package marks its components 64-bit, an x86 one none; mixing them is a template error. */
function checkArch(model: PackageModel, arch: NativeBuild['arch']): void {
  const wrong = model.components.filter((c) => c.win64 !== (arch !== 'x86'));
  if (wrong.length) {
    const shown = wrong.slice(0, 5).map((c) => c.id).join(', ');
    throw new StageError(`msi (${arch}): ${wrong.length} component(s) are marked Win64="${arch === 'x86' ? 'yes' : 'no'}" in a${arch === 'x86' ? 'n x86' : ` ${arch}`} package (${shown}${wrong.length > 5 ? ', …' : ''}); set Win64="{{win64}}" in the template`);
  }
}
