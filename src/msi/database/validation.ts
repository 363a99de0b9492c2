// The _Validation table: for every column of the tables written, whether it may be null, its
// range, the table it refers to, its category and set — what ICE validation (Orca, WiX's
// light -sval off, smoke) checks a package against. Windows Installer does not need it to
// install; validation tools do, and a package without it cannot be validated at all.

import type { Cell, Table } from './encode.js';
import { columnType } from './encode.js';
import { TABLES, type TableSpec } from './schema.js';

export function validationTable(specs: readonly TableSpec[]): Table {
  const rows: Cell[][] = [];
  for (const spec of [...specs, TABLES.Validation]) {
    for (const c of spec.columns) {
      rows.push([
        spec.name,
        c.name,
        columnType(c.type).nullable ? 'Y' : 'N',
        c.min ?? null,
        c.max ?? null,
        c.keyTable ?? null,
        c.keyColumn ?? null,
        c.category ?? null,
        c.set ?? null,
        null,
      ]);
    }
  }
  return { spec: TABLES.Validation, rows };
}
