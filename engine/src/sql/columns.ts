/**
 * Columns read through a SqlRunner (a Parquet file, a CSV read by DuckDB, a table) -> the engine's DataTable,
 * so that the in-memory path (model frame, fit, previews, hovers) runs on them unchanged. Column types come
 * from the database, not from guessing: numeric SQL types become numeric columns, BOOLEAN becomes R's
 * logical (a factor FALSE < TRUE), everything else text with levels in R's order. Names follow the CSV
 * reader's rule (R's make.names, made unique), so a `.mlm` names a column the same way whatever the file.
 */
import type { DataColumn, DataTable, NumericColumn, TextColumn } from '../data/types';
import { logicalColumn, makeNameR, uniqueNames } from '../data/csv';
import { sortLevelsR } from '../data/rsort';
import type { SqlValue } from './runner';

/** How a column of a SQL type enters the DataTable. */
export type SqlColumnKind = 'numeric' | 'logical' | 'text';

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|INT[1248]|U?INT(8|16|32|64|128|256)|FLOAT(32|64)|DECIMAL(32|64|128|256)?)$/i;

/**
 * The kind of a column from its database type name (DuckDB's `DOUBLE`, `DECIMAL(10,2)`, `BIGINT`; ClickHouse's
 * `Float64`, `Nullable(Int32)`, `LowCardinality(String)`).
 */
export function sqlColumnKind(type: string): SqlColumnKind {
  let t = type.trim();
  for (let m = /^(Nullable|LowCardinality)\((.*)\)$/i.exec(t); m; m = /^(Nullable|LowCardinality)\((.*)\)$/i.exec(t)) t = m[2].trim();
  const base = t.replace(/\(.*\)$/, '').trim();
  if (NUMERIC_TYPE.test(base)) return 'numeric';
  if (/^(BOOLEAN|BOOL)$/i.test(base)) return 'logical';
  return 'text';
}

/** One column of a query result, column-major: the database's type name and one value per row (null = missing). */
export interface SqlColumnValues {
  name: string;
  type: string;
  values: ArrayLike<SqlValue>;
}

function numericColumn(name: string, values: ArrayLike<SqlValue>, nrow: number): NumericColumn {
  const out = new Float64Array(nrow);
  const raw = new Array<string>(nrow);
  for (let i = 0; i < nrow; i++) {
    const v = values[i];
    const x = v === null || v === undefined ? NaN : typeof v === 'number' ? v : Number(v);
    out[i] = x;
    raw[i] = Number.isNaN(x) ? '' : String(x);
  }
  return { kind: 'numeric', name, values: out, raw };
}

function textColumn(name: string, values: ArrayLike<SqlValue>, nrow: number): TextColumn {
  const raw = new Array<string>(nrow);
  const present = new Set<string>();
  for (let i = 0; i < nrow; i++) {
    const v = values[i];
    const s = v === null || v === undefined ? '' : String(v);
    raw[i] = s;
    if (v !== null && v !== undefined) present.add(s);
  }
  const levels = sortLevelsR(present);
  const index = new Map<string, number>();
  levels.forEach((l, i) => index.set(l, i));
  const codes = new Int32Array(nrow);
  for (let i = 0; i < nrow; i++) {
    const v = values[i];
    codes[i] = v === null || v === undefined ? -1 : index.get(raw[i])!;
  }
  return { kind: 'text', name, codes, levels, raw };
}

function logicalOf(name: string, values: ArrayLike<SqlValue>, nrow: number): TextColumn {
  const raw = new Array<string>(nrow);
  for (let i = 0; i < nrow; i++) {
    const v = values[i];
    raw[i] = v === null || v === undefined ? '' : v === true || v === 1 || v === 'true' ? 'TRUE' : 'FALSE';
  }
  return logicalColumn(name, raw);
}

/**
 * A DataTable from columns read through SQL. `fileName` names the source in messages; rows are numbered from 1
 * (a message's "data row 3" is the third row of the result, as a Parquet viewer counts).
 */
export function tableFromSqlColumns(fileName: string, columns: SqlColumnValues[], nrow: number): DataTable {
  const names = uniqueNames(columns.map((c) => makeNameR(c.name)));
  const map = new Map<string, DataColumn>();
  columns.forEach((c, k) => {
    const name = names[k];
    const kind = sqlColumnKind(c.type);
    map.set(name, kind === 'numeric' ? numericColumn(name, c.values, nrow) : kind === 'logical' ? logicalOf(name, c.values, nrow) : textColumn(name, c.values, nrow));
  });
  const lines = new Int32Array(nrow);
  for (let i = 0; i < nrow; i++) lines[i] = i + 1;
  return { fileName, nrow, names, columns: map, lines };
}
