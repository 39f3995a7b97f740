/**
 * `data:` through the embedded DuckDB: the files a path or glob names (kept inside an allowed folder), the
 * relation that reads them (read_parquet / read_csv), and the compact DataTable of only the columns a
 * document uses (numbers as Float64Array, text as factor codes in R's level order, no raw strings).
 * DuckDB's errors become located messages: on the `data:` line, or at the CSV line and column DuckDB names.
 */
import { statSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { MlmError, CancelledError, type MlmDiagnostic, type SourceRange } from '../diagnostics';
import { makeNameR, MISSING_FIELDS } from '../data/csv';
import { readSqlTable } from '../sql/readtable';
import { dataRoute, dataFormatOf, isGlobPath, type DataEngine, type DataRoute } from '../data/route';
import type { DataTable } from '../data/types';
import { documentColumns } from '../frame/variables';
import type { MlmDocument } from '../mlmfile/types';
import type { SqlQueryOptions } from '../sql/runner';
import { DuckDbRunner, duckDbUnavailable, sqlString, type DuckDbOptions } from './duckdb';

/** The files a `data:` path names: one file, or every match of a glob (sorted). */
export async function dataFiles(runner: DuckDbRunner, absPath: string): Promise<string[]> {
  if (!isGlobPath(absPath)) return [absPath];
  const r = await runner.query(`SELECT file FROM glob(${sqlString(absPath)}) ORDER BY file`);
  return r.rows.map((row) => String(row[0]));
}

/** What follows FROM to read these files. CSV: a header row; empty, NA and NaN fields missing (as R's read.csv). */
export function sqlRelation(format: 'parquet' | 'csv', files: readonly string[]): string {
  const list = `[${files.map(sqlString).join(', ')}]`;
  return format === 'parquet' ? `read_parquet(${list})` : `read_csv(${list}, header = true, nullstr = [${MISSING_FIELDS.map(sqlString).join(', ')}])`;
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
  /** With maxRows: above it, load the first `sampleRows` rows instead of refusing (SqlData.sample says so). */
  sampleRows?: number;
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
  /** Set when `table` holds only the first rows (more than maxRows, options.sampleRows): how many of how many. */
  sample?: { rows: number; of: number };
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
    let sample: SqlData['sample'];
    if (options.maxRows !== undefined || options.allColumnsUpTo !== undefined) {
      const n = Number((await runner.query(`SELECT count(*) FROM ${relation}`, options)).rows[0][0]);
      rowCount = n;
      if (options.maxRows !== undefined && n > options.maxRows && options.sampleRows !== undefined) sample = { rows: Math.min(n, options.sampleRows), of: n };
      else if (options.maxRows !== undefined && n > options.maxRows) {
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
      // a sample: the first rows (levels, previews and checks from them; fits in SQL read every row)
      sample ? `(SELECT * FROM ${relation} LIMIT ${sample.rows})` : relation,
      label,
      (names) => {
        ncol = names.length;
        allNames = names;
        return rowCount <= (options.allColumnsUpTo ?? -1) ? names : documentColumns(doc, names);
      },
      options,
    );
    const rows = sample ? `the first ${sample.rows.toLocaleString('en-US')} of ${sample.of.toLocaleString('en-US')} rows` : `${table.nrow.toLocaleString('en-US')} rows`;
    const note = `read through DuckDB (${route.reason}${files.length > 1 ? `, ${files.length} files` : ''}): ${table.names.length} of ${ncol} columns, ${rows}`;
    return { ...out([], table, note, files), relation, ...(sample ? { sample } : {}) };
  } catch (e) {
    const err = locateDataError(e, label, data.range);
    if (err instanceof CancelledError) throw err;
    const d = err.diagnostic;
    return out([{ ...d, range: d.range ?? data.range }]);
  } finally {
    if (own) await runner?.close();
  }
}
