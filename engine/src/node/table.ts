/**
 * `data:` through the embedded DuckDB: the files a path or glob names (kept inside an allowed folder), the
 * relation that reads them (read_parquet / read_csv), and the compact DataTable of only the columns a
 * document uses (numbers as Float64Array, text as factor codes in R's level order, no raw strings).
 * DuckDB's errors become located messages: on the `data:` line, or at the CSV line and column DuckDB names.
 */
import { statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { MlmError, CancelledError, type MlmDiagnostic, type SourceRange } from '../diagnostics';
import { makeNameR, uniqueNames } from '../data/csv';
import { sortLevelsR } from '../data/rsort';
import { sqlColumnKind, tableFromSqlColumns } from '../sql/columns';
import { dataRoute, dataFormatOf, isGlobPath, type DataEngine, type DataRoute } from '../data/route';
import type { DataColumn, DataTable } from '../data/types';
import { documentColumns } from '../frame/variables';
import type { MlmDocument } from '../mlmfile/types';
import type { SqlQueryOptions } from '../sql/runner';
import { DuckDbRunner, duckDbUnavailable, isNumericSqlType, sqlIdent, sqlString, type DuckDbOptions } from './duckdb';

/** The files a `data:` path names: one file, or every match of a glob (sorted). */
export async function dataFiles(runner: DuckDbRunner, absPath: string): Promise<string[]> {
  if (!isGlobPath(absPath)) return [absPath];
  const r = await runner.query(`SELECT file FROM glob(${sqlString(absPath)}) ORDER BY file`);
  return r.rows.map((row) => String(row[0]));
}

/** What follows FROM to read these files. CSV: a header row, NA and empty fields missing (as R's read.csv). */
export function sqlRelation(format: 'parquet' | 'csv', files: readonly string[]): string {
  const list = `[${files.map(sqlString).join(', ')}]`;
  return format === 'parquet' ? `read_parquet(${list})` : `read_csv(${list}, header = true, nullstr = ['NA', ''])`;
}

/**
 * Reads the columns `pick` chooses (by their R names, as make.names() gives them) into a DataTable.
 * BOOLEAN columns become the factor FALSE < TRUE (as a logical column of a CSV), other non-numeric types text.
 */
export async function readSqlTable(
  runner: DuckDbRunner,
  relation: string,
  label: string,
  pick: (rNames: string[]) => string[],
  options: SqlQueryOptions = {},
): Promise<DataTable> {
  const described = await runner.describe(relation, options);
  const rNames = uniqueNames(described.map((c) => makeNameR(c.name.trim())));
  const wanted = new Set(pick(rNames));
  const chosen = described.map((c, i) => ({ ...c, rName: rNames[i] })).filter((c) => wanted.has(c.rName));
  // Text columns: their distinct values first, sorted in R's order here, then each row's level index computed
  // by DuckDB (an ENUM of those levels), so that no string crosses into JavaScript per row.
  const levelsOf = new Map<number, string[]>();
  for (let i = 0; i < chosen.length; i++) {
    const c = chosen[i];
    if (isNumericSqlType(c.type)) continue;
    const expr = textExpr(c.name, c.type);
    const r = await runner.query(`SELECT DISTINCT ${expr} AS v FROM ${relation} WHERE ${expr} IS NOT NULL LIMIT ${MAX_ENUM_LEVELS + 1}`, options);
    if (r.rows.length <= MAX_ENUM_LEVELS) levelsOf.set(i, sortLevelsR(r.rows.map((row) => String(row[0]))));
  }
  const select = chosen.map((c, i) => {
    if (isNumericSqlType(c.type)) return `CAST(${sqlIdent(c.name)} AS DOUBLE)`;
    const levels = levelsOf.get(i);
    const expr = textExpr(c.name, c.type);
    if (!levels) return expr;
    return levels.length === 0 ? 'CAST(NULL AS DOUBLE)' : `CAST(enum_code(CAST(${expr} AS ENUM(${levels.map(sqlString).join(', ')}))) AS DOUBLE)`;
  });
  const sql = select.length ? `SELECT ${select.join(', ')} FROM ${relation}` : `SELECT count(*) FROM ${relation}`;
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

/** Above this many distinct values a text column's levels are coded in JavaScript instead of by an ENUM. */
const MAX_ENUM_LEVELS = 200_000;

/** A non-numeric column as text: BOOLEAN as R's logical labels (FALSE < TRUE), anything else cast to VARCHAR. */
function textExpr(name: string, type: string): string {
  const id = sqlIdent(name);
  if (sqlColumnKind(type) === 'logical') return `CASE WHEN ${id} IS NULL THEN NULL WHEN ${id} THEN 'TRUE' ELSE 'FALSE' END`;
  return `CAST(${id} AS VARCHAR)`;
}

/**
 * A DuckDB error while reading data, located: a CSV conversion error at its file line and column (a CSV that
 * changes type midway), a Parquet type mismatch between files, anything else on the `data:` line.
 */
export function locateDataError(e: unknown, label: string, range: SourceRange | undefined): MlmError | CancelledError {
  if (e instanceof CancelledError) return e;
  const d: MlmDiagnostic = e instanceof MlmError ? e.diagnostic : { severity: 'error', code: 'sql-error', message: String(e) };
  if (d.csv || d.range) return e instanceof MlmError ? e : new MlmError(d);
  const msg = d.message;
  const line = /CSV Error on Line: (\d+)/.exec(msg);
  const conv = /converting column "([^"]+)"\. Could not convert string "([^"]*)" to '([^']+)'/.exec(msg);
  if (line && conv) {
    const [, column, text, type] = conv;
    return new MlmError({
      code: 'csv-type-change',
      message: `${label}: '${text}' in column '${column}' is not ${/^(DOUBLE|BIGINT|INTEGER|DECIMAL)/.test(type) ? 'a number' : `a ${type}`}, though the rows DuckDB sampled before it were (${type}): correct the value, or write NA for a missing one`,
      csv: { file: label, row: Number(line[1]), column: makeNameR(column) },
    });
  }
  if (line) {
    const first = msg.split('\n').find((l) => l.trim() !== '' && !/CSV Error on Line/.test(l)) ?? msg;
    return new MlmError({ code: 'csv-parse', message: `${label}: ${first.trim()}`, csv: { file: label, row: Number(line[1]), column: '' } });
  }
  const parquet = /In file "([^"]+)" the column "([^"]+)" has type (\S+), but we are trying to read it as type ([^.]+)\./.exec(msg);
  if (parquet) {
    return new MlmError({
      code: 'parquet-type-mismatch',
      message: `column '${parquet[2]}' has type ${parquet[3]} in ${basename(parquet[1])}, but ${parquet[4]} in the first file of '${label}': write the column with one type in every file`,
      range,
    });
  }
  const first = msg.split('\n')[0];
  return new MlmError({ ...d, message: `cannot read '${label}' through DuckDB: ${first}`, range });
}

export interface SqlDataOptions extends DuckDbOptions, SqlQueryOptions {
  /** The folder of the .mlm file (relative paths resolve against it). */
  baseDir: string;
  /** Is this absolute file path one that may be read (inside the workspace; real path)? Default: every path. */
  allowed?: (absPath: string) => boolean;
  /** CSV size from which DuckDB reads it (MB). */
  thresholdMB?: number;
  /** The runner to use (kept open by the caller); otherwise one is opened and closed here. */
  runner?: DuckDbRunner;
  /** Overrides the document's `engine:` line (the CLI's --engine). */
  engine?: DataEngine;
  /** false: find and check the files and give the relation, but read no rows (table null). */
  columns?: boolean;
  /** Refuse to load more rows than this (the language server: its memory is the editor's); counted first. */
  maxRows?: number;
  /** Load every column, not only the document's, when the data have at most this many rows (the data preview). */
  allColumnsUpTo?: number;
}

export interface SqlData {
  route: DataRoute;
  /** The table (only the document's columns) when the route is 'sql' and reading succeeded. */
  table: DataTable | null;
  diagnostics: MlmDiagnostic[];
  /** One line for the user: how the data were read ("read through DuckDB: a Parquet file, 3 of 12 columns, 1,000,000 rows"). */
  note: string;
  /** The files read. */
  files: string[];
  /** Every column of the source (R names), of which `table` holds the document's. */
  allNames: string[];
  /** What follows FROM to read the data again (the collapsed GLMM path). */
  relation?: string;
}

/** The route of the document's data: path (stat for the size of a CSV; globs and missing files have none). */
export function routeOf(doc: MlmDocument, baseDir: string, thresholdMB?: number, engine?: DataEngine): DataRoute {
  if (!doc.data) return { kind: 'memory' };
  const path = doc.data.value;
  let size: number | undefined;
  if (!isGlobPath(path)) {
    try {
      size = statSync(isAbsolute(path) ? path : resolve(baseDir, path)).size;
    } catch {
      size = undefined;
    }
  }
  return dataRoute(path, { engine: engine ?? doc.engine?.value ?? null, sizeBytes: size, thresholdMB });
}

/**
 * Reads the document's `data:` through DuckDB when its route says so ('memory': returns at once with
 * table null, and the caller reads the CSV as before). Errors are diagnostics located on the data: line.
 */
export async function loadSqlData(doc: MlmDocument, options: SqlDataOptions): Promise<SqlData> {
  const route = routeOf(doc, options.baseDir, options.thresholdMB, options.engine);
  const data = doc.data;
  let allNames: string[] = [];
  const out = (diagnostics: MlmDiagnostic[], table: DataTable | null = null, note = '', files: string[] = []): SqlData => ({ route, table, diagnostics, note, files, allNames });
  if (!data || route.kind === 'memory') return out([]);
  if (route.kind === 'refused') return out([{ severity: 'error', code: 'data-engine', message: route.message, range: doc.engine?.range ?? data.range }]);
  const label = data.value;
  let runner = options.runner;
  let own = false;
  try {
    if (!runner) {
      const reason = duckDbUnavailable();
      if (reason) {
        // no native module here: a single CSV file is still read in memory; Parquet and globs need DuckDB
        if (route.format === 'csv' && !route.glob && (options.engine ?? doc.engine?.value) !== 'duckdb') {
          return { route: { kind: 'memory' }, table: null, note: '', files: [], allNames: [], diagnostics: [{ severity: 'warning', code: 'sql-unavailable', message: `${reason}; '${label}' is read in memory instead`, range: data.range }] };
        }
        return out([{ severity: 'error', code: 'sql-unavailable', message: `${reason}; '${label}' cannot be read without it (a CSV file can: 'engine: memory')`, range: data.range }]);
      }
      runner = await DuckDbRunner.open(options);
      own = true;
    }
    const abs = isAbsolute(label) ? label : resolve(options.baseDir, label);
    const files = await dataFiles(runner, abs);
    if (files.length === 0) {
      return out([{ severity: 'error', code: 'data-not-found', message: `no file matches '${label}' (relative to this .mlm file)`, range: data.range }]);
    }
    if (!route.glob) {
      try {
        if (!statSync(abs).isFile()) return out([{ severity: 'error', code: 'data-refused', message: `'${label}' is not a regular file`, range: data.range }]);
      } catch {
        return out([{ severity: 'error', code: 'data-not-found', message: `cannot read the data file '${label}' (relative to this .mlm file)`, range: data.range }]);
      }
    }
    const outside = options.allowed ? files.filter((f) => !options.allowed!(f)) : [];
    if (outside.length) {
      return out([{ severity: 'error', code: 'data-outside', message: `'${label}' reaches outside the workspace folder (${basename(outside[0])})`, range: data.range }]);
    }
    const format = route.format === 'parquet' || files.every((f) => dataFormatOf(f) === 'parquet') ? 'parquet' : dataFormatOf(files[0]);
    const relation = sqlRelation(format, files);
    if (options.columns === false) return { ...out([], null, `read through DuckDB (${route.reason}${files.length > 1 ? `, ${files.length} files` : ''})`, files), relation };
    let rowCount = Infinity;
    if (options.maxRows !== undefined || options.allColumnsUpTo !== undefined) {
      const n = Number((await runner.query(`SELECT count(*) FROM ${relation}`, options)).rows[0][0]);
      rowCount = n;
      if (options.maxRows !== undefined && n > options.maxRows) {
        return out(
          [
            {
              severity: 'error',
              code: 'data-too-large',
              message: `'${label}' has ${n.toLocaleString('en-US')} rows; the editor loads at most ${options.maxRows.toLocaleString('en-US')}: fit it with the command line (\`mlm fit\` fits linear mixed models from SQL cross-product blocks without loading rows)`,
              range: data.range,
            },
          ],
          null,
          '',
          files,
        );
      }
    }
    let ncol = 0;
    const table = await readSqlTable(
      runner,
      relation,
      label,
      (names) => {
        ncol = names.length;
        allNames = names;
        return rowCount <= (options.allColumnsUpTo ?? -1) ? names : documentColumns(doc, names);
      },
      options,
    );
    const note = `read through DuckDB (${route.reason}${files.length > 1 ? `, ${files.length} files` : ''}): ${table.names.length} of ${ncol} columns, ${table.nrow.toLocaleString('en-US')} rows`;
    return { ...out([], table, note, files), relation };
  } catch (e) {
    const err = locateDataError(e, label, data.range);
    if (err instanceof CancelledError) throw err;
    const d = err.diagnostic;
    return out([{ ...d, range: d.range ?? data.range }]);
  } finally {
    if (own) await runner?.close();
  }
}
