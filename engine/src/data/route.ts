/**
 * Which reader a `data:` value goes through: the built-in CSV reader (the whole file in memory) or a SQL
 * engine (embedded DuckDB on the desktop): Parquet files, globs (`events/*.parquet`), and CSV files above a
 * size threshold, unless the document's `engine:` key forces a path. Pure: the caller gives the file size.
 */

/** The values of the `engine:` key. */
export type DataEngine = 'memory' | 'duckdb';

/** CSV files from this size on are read through DuckDB by default (the CLI's --sql-threshold, the setting mlm.data.sqlThresholdMB). */
export const DEFAULT_SQL_CSV_THRESHOLD_MB = 100;

export type DataRoute =
  | { kind: 'memory' }
  | { kind: 'sql'; format: 'parquet' | 'csv'; glob: boolean; reason: string }
  | { kind: 'refused'; message: string };

/** Does a path hold glob characters (*, ?, [ ])? */
export function isGlobPath(path: string): boolean {
  return /[*?[\]]/.test(path);
}

/** The file format named by a path's extension (Parquet, or CSV/TSV/text for anything else). */
export function dataFormatOf(path: string): 'parquet' | 'csv' {
  return /\.parquet$/i.test(path) ? 'parquet' : 'csv';
}

/**
 * The route of a `data:` path. `sizeBytes` is the file's size (undefined for a glob or an unknown size),
 * `thresholdMB` the CSV size from which DuckDB reads it.
 */
export function dataRoute(path: string, options: { engine?: DataEngine | null; sizeBytes?: number; thresholdMB?: number }): DataRoute {
  const format = dataFormatOf(path);
  const glob = isGlobPath(path);
  if (options.engine === 'memory') {
    if (format === 'parquet' || glob) {
      return { kind: 'refused', message: `'engine: memory' reads one CSV file; '${path}' needs 'engine: duckdb' (or no engine: line)` };
    }
    return { kind: 'memory' };
  }
  if (options.engine === 'duckdb') return { kind: 'sql', format, glob, reason: "'engine: duckdb'" };
  if (glob) return { kind: 'sql', format, glob, reason: format === 'parquet' ? 'Parquet files matched by a glob' : 'files matched by a glob' };
  if (format === 'parquet') return { kind: 'sql', format, glob, reason: 'a Parquet file' };
  const threshold = (options.thresholdMB ?? DEFAULT_SQL_CSV_THRESHOLD_MB) * 2 ** 20;
  if (options.sizeBytes !== undefined && options.sizeBytes >= threshold) {
    return { kind: 'sql', format, glob, reason: `a CSV file of ${(options.sizeBytes / 2 ** 20).toFixed(0)} MB (from ${options.thresholdMB ?? DEFAULT_SQL_CSV_THRESHOLD_MB} MB on)` };
  }
  return { kind: 'memory' };
}
