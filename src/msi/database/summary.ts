// The summary information stream ("\x05SummaryInformation"), an OLE property set (MS-OLEPS):
// what `msiinfo suminfo` shows and Windows reads before opening the database — the platform and
// language (Template), the PackageCode (Revision number), the minimum installer version (Page
// count), whether files are compressed (Word count). Every date is the release date.

import { encodeInCodepage } from '../wix/codepage.js';

export const SUMMARY_STREAM = '\u0005SummaryInformation';

/** {F29F85E0-4FF9-1068-AB91-08002B27B3D9}, the summary information format id, as stored. */
const FMTID_SUMMARY = Uint8Array.from([0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10, 0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9]);

const VT_I2 = 2;
const VT_I4 = 3;
const VT_LPSTR = 30;
const VT_FILETIME = 64;

/** Word count bits (Windows Installer "Word Count Summary"): 2 = compressed source, 8 = no elevation needed. */
export const WORD_COUNT_COMPRESSED = 2;
export const WORD_COUNT_NO_ELEVATION = 8;

export interface SummaryInfo {
  codepage: number;
  title: string;
  subject: string;
  author: string;
  keywords: string;
  comments: string;
  /** "x64;1033", "Intel;1033", "Arm64;1033". */
  template: string;
  /** The PackageCode, "{GUID}" upper-case. */
  revision: string;
  created: Date;
  /** Minimum installer version, e.g. 200 or 500. */
  pageCount: number;
  wordCount: number;
  appName: string;
  /** 2: read-only recommended. */
  security: number;
}

type Value = { type: typeof VT_I2 | typeof VT_I4; value: number } | { type: typeof VT_LPSTR; value: string } | { type: typeof VT_FILETIME; value: Date };

/** 100-ns intervals since 1601-01-01 UTC. */
export function fileTime(date: Date): bigint {
  return (BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n;
}

export function encodeSummary(s: SummaryInfo): Uint8Array {
  const props: [number, Value][] = [
    [1, { type: VT_I2, value: s.codepage }],
    [2, { type: VT_LPSTR, value: s.title }],
    [3, { type: VT_LPSTR, value: s.subject }],
    [4, { type: VT_LPSTR, value: s.author }],
    [5, { type: VT_LPSTR, value: s.keywords }],
    [6, { type: VT_LPSTR, value: s.comments }],
    [7, { type: VT_LPSTR, value: s.template }],
    [9, { type: VT_LPSTR, value: s.revision }],
    [12, { type: VT_FILETIME, value: s.created }],
    [13, { type: VT_FILETIME, value: s.created }],
    [14, { type: VT_I4, value: s.pageCount }],
    [15, { type: VT_I4, value: s.wordCount }],
    [18, { type: VT_LPSTR, value: s.appName }],
    [19, { type: VT_I4, value: s.security }],
  ];
  const values = props.map(([, v]) => encodeValue(v, s.codepage));
  const tableBytes = 8 + props.length * 8;
  const sectionSize = tableBytes + values.reduce((n, v) => n + v.byteLength, 0);
  const out = new Uint8Array(48 + sectionSize);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, 0, true);
  view.setUint32(4, 0x00020006, true); // Windows, version 6.2 (what WiX and msi.dll write)
  view.setUint32(24, 1, true);
  out.set(FMTID_SUMMARY, 28);
  view.setUint32(44, 48, true);
  view.setUint32(48, sectionSize, true);
  view.setUint32(52, props.length, true);
  let offset = tableBytes;
  props.forEach(([id], i) => {
    view.setUint32(56 + i * 8, id, true);
    view.setUint32(60 + i * 8, offset, true);
    out.set(values[i]!, 48 + offset);
    offset += values[i]!.byteLength;
  });
  return out;
}

function encodeValue(v: Value, codepage: number): Uint8Array {
  switch (v.type) {
    case VT_I2:
    case VT_I4: {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      view.setUint32(0, v.type, true);
      if (v.type === VT_I2) view.setInt16(4, v.value, true);
      else view.setInt32(4, v.value, true);
      return out;
    }
    case VT_LPSTR: {
      const text = encodeInCodepage(v.value, codepage);
      const count = text.byteLength + 1;
      const out = new Uint8Array(8 + Math.ceil(count / 4) * 4);
      const view = new DataView(out.buffer);
      view.setUint32(0, VT_LPSTR, true);
      view.setUint32(4, count, true);
      out.set(text, 8);
      return out;
    }
    case VT_FILETIME: {
      const out = new Uint8Array(12);
      const view = new DataView(out.buffer);
      view.setUint32(0, VT_FILETIME, true);
      view.setBigUint64(4, fileTime(v.value), true);
      return out;
    }
  }
}
