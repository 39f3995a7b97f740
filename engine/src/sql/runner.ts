/**
 * How the engine reaches data that lives in a SQL engine (embedded DuckDB, duckdb-wasm, a ClickHouse
 * cluster). The engine never opens a database itself: the caller (CLI, language server) hands it a
 * SqlRunner, the way it hands it file access for CSVs. The engine compiles a model into aggregation
 * queries in the runner's dialect and reads back small result sets (cross-product blocks, levels,
 * counts), never the rows, unless a path needs them (GLMMs collapse rows first).
 */

/** The SQL dialects the query compiler writes. */
export type SqlDialectName = 'duckdb' | 'clickhouse' | 'spark' | 'trino' | 'bigquery';

/** One cell of a result: DuckDB's BIGINT arrives as bigint; NULL as null. */
export type SqlValue = number | bigint | string | boolean | null;

export interface SqlResult {
  columns: string[];
  rows: SqlValue[][];
}

export interface SqlProgress {
  /** Rows scanned so far, when the engine reports it. */
  rowsRead?: number;
  /** 0..1 when known. */
  fraction?: number;
}

export interface SqlQueryOptions {
  /** Aborting cancels the running query (the runner throws CancelledError from ../diagnostics). */
  signal?: AbortSignal;
  onProgress?(p: SqlProgress): void;
}

export interface SqlColumn {
  name: string;
  /** The engine's own type name, e.g. DOUBLE, VARCHAR, BIGINT, Float64, String, Nullable(Float64). */
  type: string;
}

export interface SqlRunner {
  readonly dialect: SqlDialectName;
  /**
   * Runs one query and returns its rows. Failures are MlmError (code 'sql-error', or a more precise
   * code such as 'sql-unreachable', 'sql-unknown-table', 'sql-unknown-column'), with the engine's message.
   */
  query(sql: string, options?: SqlQueryOptions): Promise<SqlResult>;
  /** Columns of a relation (a table name or a FROM expression such as read_parquet('…')). */
  describe(relation: string, options?: SqlQueryOptions): Promise<SqlColumn[]>;
  close(): Promise<void>;
}

/** A column of a result read whole: numbers (NaN = missing) or strings (null = missing). */
export type SqlColumnData = { kind: 'numeric'; values: Float64Array } | { kind: 'text'; values: (string | null)[] };

/** A runner that also reads a result column by column (numeric types as doubles, anything else as text): the in-memory paths. */
export interface SqlColumnReader extends SqlRunner {
  readColumns(sql: string, options?: SqlQueryOptions): Promise<{ names: string[]; types: string[]; columns: SqlColumnData[]; nrow: number }>;
}

/** A table the engine reads through SQL. */
export interface SqlSource {
  runner: SqlRunner;
  /** What goes after FROM in the runner's dialect, e.g. read_parquet('/abs/events/*.parquet') or db.table. */
  relation: string;
  /** What the user wrote in `data:` (for messages). */
  label: string;
}
