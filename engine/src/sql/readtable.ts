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
 * One column of a relation to read into a DataTable: `expr` (SQL over the relation) gives a number (read as DOUBLE,
 * NULL = missing) or a text value (NULL = missing) whose levels are `levels` when known (in R's order, every
 * non-NULL value among them) or the expression's distinct values sorted in R's order.
 */
export type SqlColumnPlan = { rName: string; kind: 'numeric'; expr: string } | { rName: string; kind: 'text'; expr: string; levels?: string[] };

/**
 * Reads the planned columns of `relation` into a DataTable (the core of readSqlTable and of the CSV reader through
 * SQL, csvread.ts). Text columns: their distinct values first, sorted in R's order here, then each row's level index
 * computed by DuckDB (an ENUM of those levels), so that no string crosses into JavaScript per row. No rows is an error.
 */
export async function readSqlColumns(
  runner: SqlColumnReader,
  relation: string,
  label: string,
  plans: readonly SqlColumnPlan[],
  options: SqlQueryOptions = {},
): Promise<DataTable> {
  const levelsOf = new Map<number, string[]>();
  for (let i = 0; i < plans.length; i++) {
    const c = plans[i];
    if (c.kind === 'numeric') continue;
    if (c.levels) {
      levelsOf.set(i, c.levels);
      continue;
    }
    const r = await runner.query(`SELECT DISTINCT ${c.expr} AS v FROM ${relation} WHERE ${c.expr} IS NOT NULL LIMIT ${MAX_ENUM_LEVELS + 1}`, options);
    if (r.rows.length <= MAX_ENUM_LEVELS) levelsOf.set(i, sortLevelsR(r.rows.map((row) => String(row[0]))));
  }
  const select = plans.map((c, i) => {
    if (c.kind === 'numeric') return `CAST(${c.expr} AS DOUBLE)`;
    const levels = levelsOf.get(i);
    if (!levels) return c.expr;
    return levels.length === 0 ? 'CAST(NULL AS DOUBLE)' : `CAST(enum_code(CAST(${c.expr} AS ENUM(${levels.map(D.str).join(', ')}))) AS DOUBLE)`;
  });
  const sql = select.length ? `SELECT ${select.join(', ')} FROM ${relation}` : `SELECT CAST(count(*) AS DOUBLE) FROM ${relation}`;
  const read = await runner.readColumns(sql, options);
  const nrow = select.length ? read.nrow : Number(read.columns[0].kind === 'numeric' ? read.columns[0].values[0] : 0);
  if (nrow === 0) throw new MlmError({ code: 'csv-empty', message: `${label} has no data rows`, csv: { file: label, row: 2, column: '' } });
  const columns = new Map<string, DataColumn>();
  plans.forEach((c, i) => {
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
  return { fileName: label, nrow, names: plans.map((c) => c.rName), columns };
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
  const plans = described
    .map((c, i): SqlColumnPlan => (sqlColumnKind(c.type) === 'numeric' ? { rName: rNames[i], kind: 'numeric', expr: D.ident(c.name) } : { rName: rNames[i], kind: 'text', expr: textExpr(c.name, c.type) }))
    .filter((c) => wanted.has(c.rName));
  return readSqlColumns(runner, relation, label, plans, options);
}
