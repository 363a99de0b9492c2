// Tables → the streams of an MSI database: the string pool (_StringPool, _StringData) in the
// package codepage, the system tables _Tables and _Columns, each table column by column, and a
// stream per binary cell. Pure: the same tables give the same streams.
//
// Format (GNOME/msitools libmsi/table.c, string.c; Wine dlls/msi): a table stream holds its
// columns one after another, each as rows × width bytes, little-endian; strings are ids into
// the pool (2 bytes, or 3 when the pool holds 65,535 strings or more, flagged in the pool's
// header), 16-bit integers are stored as value + 0x8000, 32-bit ones as value + 0x80000000,
// and 0 means null. Rows are sorted by their key columns' stored values. The string pool's
// header is the codepage; then each string's byte length and reference count.

import type { CompoundStream } from '../compoundFileWriter.js';
import { encodeInCodepage, unrepresentableChars } from '../wix/codepage.js';
import type { ColumnSpec, TableSpec } from './schema.js';
import { encodeStreamName, MAX_STREAM_NAME_UNITS } from './streamName.js';

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** A cell: a string (null or '' for none), an integer, or a binary stream's bytes. */
export type Cell = string | number | null | Uint8Array;

export interface Table {
  spec: TableSpec;
  rows: Cell[][];
}

const MSITYPE_VALID = 0x0100;
const MSITYPE_LOCALIZABLE = 0x0200;
const MSITYPE_SHORT = 0x0400;
const MSITYPE_STRING = 0x0800;
const MSITYPE_NULLABLE = 0x1000;
const MSITYPE_KEY = 0x2000;

interface ColumnType {
  kind: 'string' | 'int16' | 'int32' | 'binary';
  width: number;
  nullable: boolean;
  localizable: boolean;
}

/** Parses an IDT type (s72, L0, I2, i4, v0). */
export function columnType(idt: string): ColumnType {
  const m = /^([sSlLiIvV])(\d+)$/.exec(idt);
  if (!m) throw new DatabaseError(`column type "${idt}" is not an IDT type (s72, L0, i2, I4, v0)`);
  const letter = m[1]!;
  const width = Number(m[2]);
  const nullable = letter === letter.toUpperCase();
  switch (letter.toLowerCase()) {
    case 's':
    case 'l':
      return { kind: 'string', width, nullable, localizable: letter.toLowerCase() === 'l' };
    case 'i':
      if (width !== 2 && width !== 4) throw new DatabaseError(`integer column type "${idt}" must be i2 or i4`);
      return { kind: width === 2 ? 'int16' : 'int32', width, nullable, localizable: false };
    default:
      return { kind: 'binary', width: 0, nullable, localizable: false };
  }
}

/** The number _Columns stores for a column (MSITYPE_* bits, msitools libmsi/msipriv.h). */
export function columnTypeBits(c: ColumnSpec): number {
  const t = columnType(c.type);
  let bits =
    t.kind === 'string'
      ? MSITYPE_STRING | MSITYPE_SHORT | MSITYPE_VALID | t.width
      : t.kind === 'int16'
        ? MSITYPE_SHORT | MSITYPE_VALID | 2
        : t.kind === 'int32'
          ? MSITYPE_VALID | 4
          : MSITYPE_STRING | MSITYPE_VALID;
  if (t.nullable) bits |= MSITYPE_NULLABLE;
  if (t.localizable) bits |= MSITYPE_LOCALIZABLE;
  if (c.key) bits |= MSITYPE_KEY;
  return bits;
}

const COLUMNS_SPEC: TableSpec = {
  name: '_Columns',
  columns: [
    { name: 'Table', type: 's64', key: true },
    { name: 'Number', type: 'i2', key: true },
    { name: 'Name', type: 's64' },
    { name: 'Type', type: 'i2' },
  ],
};
const TABLES_SPEC: TableSpec = { name: '_Tables', columns: [{ name: 'Name', type: 's64', key: true }] };

const isNull = (v: Cell): boolean => v === null || v === '';

function checkCell(table: string, row: number, c: ColumnSpec, v: Cell): void {
  const t = columnType(c.type);
  const where = `${table}.${c.name} (row ${row + 1})`;
  if (isNull(v)) {
    if (!t.nullable) throw new DatabaseError(`${where} must have a value`);
    return;
  }
  if (t.kind === 'string') {
    if (typeof v !== 'string') throw new DatabaseError(`${where} holds a string, not ${typeof v}`);
    if (t.width > 0 && v.length > t.width) throw new DatabaseError(`${where} "${v}" is ${v.length} characters; the column holds ${t.width}`);
  } else if (t.kind === 'binary') {
    if (!(v instanceof Uint8Array)) throw new DatabaseError(`${where} holds bytes`);
  } else {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new DatabaseError(`${where} holds an integer, not ${String(v)}`);
    const limit = t.kind === 'int16' ? 0x7fff : 0x7fffffff;
    // -0x8000 (or -0x80000000) would be stored as 0, which reads back as null.
    if (v < -limit || v > limit) throw new DatabaseError(`${where} ${v} is outside ${-limit}..${limit}`);
  }
}

export interface EncodedDatabase {
  streams: CompoundStream[];
  /** How many strings the pool holds, and the width of a string reference. */
  strings: number;
  stringRefBytes: 2 | 3;
}

/**
 * The database streams for `tables` (their rows in any order) in `codepage`. The system tables
 * are made here; empty tables are left out, as Windows Installer does.
 */
export function encodeDatabase(tables: readonly Table[], codepage: number): EncodedDatabase {
  const written = tables.filter((t) => t.rows.length > 0);
  const names = new Set<string>();
  for (const t of written) {
    if (names.has(t.spec.name)) throw new DatabaseError(`table ${t.spec.name} is given twice`);
    names.add(t.spec.name);
    if (encodeStreamName(t.spec.name, true).length > MAX_STREAM_NAME_UNITS) throw new DatabaseError(`table name ${t.spec.name} is too long for a stream name`);
    t.rows.forEach((r, i) => {
      if (r.length !== t.spec.columns.length) throw new DatabaseError(`${t.spec.name} row ${i + 1} has ${r.length} cells for ${t.spec.columns.length} columns`);
      t.spec.columns.forEach((c, j) => checkCell(t.spec.name, i, c, r[j]!));
    });
  }
  const tablesRows: Cell[][] = [...names].map((n) => [n]);
  const columnsRows: Cell[][] = written.flatMap((t) => t.spec.columns.map((c, i): Cell[] => [t.spec.name, i + 1, c.name, columnTypeBits(c)]));
  const all: Table[] = [{ spec: TABLES_SPEC, rows: tablesRows }, { spec: COLUMNS_SPEC, rows: columnsRows }, ...written];

  // The pool: every distinct string, sorted (so ids, and rows sorted by them, follow the text).
  const refs = new Map<string, number>();
  for (const t of all) {
    t.spec.columns.forEach((c, j) => {
      if (columnType(c.type).kind !== 'string') return;
      for (const r of t.rows) {
        const v = r[j];
        if (typeof v === 'string' && v !== '') refs.set(v, (refs.get(v) ?? 0) + 1);
      }
    });
  }
  const strings = [...refs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ids = new Map<string, number>(strings.map((s, i) => [s, i + 1]));
  const longRefs = strings.length + 1 > 0xffff;
  const refBytes: 2 | 3 = longRefs ? 3 : 2;

  const pool = new Uint8Array(4 + strings.length * 4);
  const pv = new DataView(pool.buffer);
  pv.setUint16(0, codepage & 0xffff, true);
  pv.setUint16(2, ((codepage >>> 16) & 0x7fff) | (longRefs ? 0x8000 : 0), true);
  const data: Uint8Array[] = [];
  strings.forEach((s, i) => {
    const missing = /^[\x00-\x7f]*$/.test(s) ? [] : unrepresentableChars(s, codepage);
    if (missing.length) throw new DatabaseError(`"${s}" has characters codepage ${codepage} cannot hold: ${missing.join(' ')}`);
    const bytes = encodeInCodepage(s, codepage);
    if (bytes.byteLength > 0xffff) throw new DatabaseError(`a string of ${bytes.byteLength} bytes is longer than the 65,535 an MSI string holds: "${s.slice(0, 40)}…"`);
    pv.setUint16(4 + i * 4, bytes.byteLength, true);
    pv.setUint16(6 + i * 4, Math.min(refs.get(s)!, 0xffff), true);
    data.push(bytes);
  });

  const streams: CompoundStream[] = [
    { name: encodeStreamName('_StringPool', true), data: pool },
    { name: encodeStreamName('_StringData', true), data: concat(data) },
  ];
  for (const t of all) streams.push(...encodeTable(t, ids, refBytes));
  return { streams, strings: strings.length, stringRefBytes: refBytes };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The stored (unsigned) value of a cell, as the key sort and the stream see it. */
function stored(kind: ColumnType['kind'], v: Cell, ids: ReadonlyMap<string, number>): number {
  if (isNull(v)) return 0;
  switch (kind) {
    case 'string':
      return ids.get(v as string)!;
    case 'int16':
      return ((v as number) + 0x8000) & 0xffff;
    case 'int32':
      return ((v as number) + 0x80000000) >>> 0;
    default:
      return 1; // a binary cell refers to its stream, named after the row's keys
  }
}

function encodeTable(t: Table, ids: ReadonlyMap<string, number>, refBytes: 2 | 3): CompoundStream[] {
  const kinds = t.spec.columns.map((c) => columnType(c.type).kind);
  const keyCols = t.spec.columns.map((c, i) => (c.key ? i : -1)).filter((i) => i >= 0);
  const values = t.rows.map((r) => r.map((v, j) => stored(kinds[j]!, v, ids)));
  const order = values.map((_, i) => i);
  const compare = (a: number, b: number): number => {
    for (const k of keyCols) {
      const d = values[a]![k]! - values[b]![k]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  order.sort(compare);
  for (let i = 1; i < order.length; i++) {
    if (compare(order[i - 1]!, order[i]!) === 0) {
      const row = t.rows[order[i]!]!;
      throw new DatabaseError(`${t.spec.name} has two rows with the key ${keyCols.map((k) => String(row[k])).join(', ')}`);
    }
  }
  const widths = kinds.map((k) => (k === 'string' ? refBytes : k === 'int32' ? 4 : 2));
  const rowCount = t.rows.length;
  const out = new Uint8Array(widths.reduce((n, w) => n + w * rowCount, 0));
  let at = 0;
  widths.forEach((w, j) => {
    for (const i of order) {
      const v = values[i]![j]!;
      out[at] = v & 0xff;
      out[at + 1] = (v >>> 8) & 0xff;
      if (w >= 3) out[at + 2] = (v >>> 16) & 0xff;
      if (w === 4) out[at + 3] = (v >>> 24) & 0xff;
      at += w;
    }
  });
  const streams: CompoundStream[] = [{ name: encodeStreamName(t.spec.name, true), data: out }];
  // Binary cells: a stream named Table.Key1.Key2…
  kinds.forEach((k, j) => {
    if (k !== 'binary') return;
    for (const r of t.rows) {
      const v = r[j];
      if (!(v instanceof Uint8Array)) continue;
      const name = [t.spec.name, ...keyCols.map((c) => String(r[c]))].join('.');
      const packed = encodeStreamName(name, false);
      if (packed.length > MAX_STREAM_NAME_UNITS) throw new DatabaseError(`${t.spec.name} key "${name}" is too long for a stream name (at most ${MAX_STREAM_NAME_UNITS} packed units)`);
      streams.push({ name: packed, data: v });
    }
  });
  return streams;
}
