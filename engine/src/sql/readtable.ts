/**
 * A relation's columns read through DuckDB (the embedded runner of the CLI and the desktop server, duckdb-wasm in
 * the web server) into the engine's compact DataTable: numbers as Float64Array, text as factor codes in R's level
 * order. The one SQL → DataTable reader of both runners; values arriving one by one go through columns.ts.
 */
import { MlmError } from '../diagnostics';
import { makeNameR, uniqueNames } from '../data/csv';
import { sortLevelsR } from '../data/rsort';
import type { DataColumn, DataTable } from '../data/types';
import { sqlColumnKind, tableFromSqlColumns } from './columns';
import { DIALECTS } from './dialect';
import type { SqlColumnReader, SqlQueryOptions } from './runner';

const D = DIALECTS.duckdb;

/** Above this many distinct values a text column's levels are coded in JavaScript instead of by an ENUM. */
const MAX_ENUM_LEVELS = 200_000;

/** A non-numeric column as text: BOOLEAN as R's logical labels (FALSE < TRUE), anything else cast to VARCHAR. */
function textExpr(name: string, type: string): string {
  const id = D.ident(name);
  if (sqlColumnKind(type) === 'logical') return `CASE WHEN ${id} IS NULL THEN NULL WHEN ${id} THEN 'TRUE' ELSE 'FALSE' END`;
  return `CAST(${id} AS VARCHAR)`;
}

/**
 * Reads the columns `pick` chooses (by their R names, as make.names() gives them) into a DataTable.
 * BOOLEAN columns become the factor FALSE < TRUE (as a logical column of a CSV), other non-numeric types text.
 * `label` names the source in messages; no rows is an error.
 */
export async function readSqlTable(
  runner: SqlColumnReader,
  relation: string,
  label: string,
  pick: (rNames: string[]) => string[],
  options: SqlQueryOptions = {},
): Promise<DataTable> {
  const described = await runner.describe(relation, options);
  const rNames = uniqueNames(described.map((c) => makeNameR(c.name.trim())));
  const wanted = new Set(pick(rNames));
  const chosen = described.map((c, i) => ({ ...c, rName: rNames[i], numeric: sqlColumnKind(c.type) === 'numeric' })).filter((c) => wanted.has(c.rName));
  // Text columns: their distinct values first, sorted in R's order here, then each row's level index computed
  // by DuckDB (an ENUM of those levels), so that no string crosses into JavaScript per row.
  const levelsOf = new Map<number, string[]>();
  for (let i = 0; i < chosen.length; i++) {
    const c = chosen[i];
    if (c.numeric) continue;
    const expr = textExpr(c.name, c.type);
    const r = await runner.query(`SELECT DISTINCT ${expr} AS v FROM ${relation} WHERE ${expr} IS NOT NULL LIMIT ${MAX_ENUM_LEVELS + 1}`, options);
    if (r.rows.length <= MAX_ENUM_LEVELS) levelsOf.set(i, sortLevelsR(r.rows.map((row) => String(row[0]))));
  }
  const select = chosen.map((c, i) => {
    if (c.numeric) return `CAST(${D.ident(c.name)} AS DOUBLE)`;
    const levels = levelsOf.get(i);
    const expr = textExpr(c.name, c.type);
    if (!levels) return expr;
    return levels.length === 0 ? 'CAST(NULL AS DOUBLE)' : `CAST(enum_code(CAST(${expr} AS ENUM(${levels.map(D.str).join(', ')}))) AS DOUBLE)`;
  });
  const sql = select.length ? `SELECT ${select.join(', ')} FROM ${relation}` : `SELECT CAST(count(*) AS DOUBLE) FROM ${relation}`;
  const read = await runner.readColumns(sql, options);
  const nrow = select.length ? read.nrow : Number(read.columns[0].kind === 'numeric' ? read.columns[0].values[0] : 0);
  if (nrow === 0) throw new MlmError({ code: 'csv-empty', message: `${label} has no data rows`, csv: { file: label, row: 2, column: '' } });
  const columns = new Map<string, DataColumn>();
  chosen.forEach((c, i) => {
    const data = read.columns[i];
    const levels = levelsOf.get(i);
    if (levels && data.kind === 'numeric') {
      const codes = new Int32Array(nrow);
      for (let r = 0; r < nrow; r++) codes[r] = Number.isNaN(data.values[r]) ? -1 : data.values[r];
      columns.set(c.rName, { kind: 'text', name: c.rName, codes, levels, raw: [] });
    } else if (data.kind === 'numeric') columns.set(c.rName, { kind: 'numeric', name: c.rName, values: data.values, raw: [] });
    // more levels than an ENUM takes: coded here (with the strings kept), as any SQL result
    else columns.set(c.rName, tableFromSqlColumns(label, [{ name: c.rName, type: 'VARCHAR', values: data.values }], nrow).columns.get(c.rName)!);
  });
  return { fileName: label, nrow, names: chosen.map((c) => c.rName), columns };
}
