import type { DataTable, FitHooks, FittedMixedModel, MlmDiagnostic, MlmDocument, ModelDecl, SqlQueryOptions } from '../../engine/src/index';

/**
 * What differs between the node and the browser server: how files are read.
 * The logic modules only see this interface.
 */

export interface DirectoryEntry {
  name: string;
  type: 'file' | 'directory';
}

/** Up to this many rows every column of data read through SQL is loaded (the data preview shows them all); above, only the document's. */
export const ALL_COLUMNS_ROWS = 1_000_000;

/** Thrown by ServerHost.readFile for a file that must not be read (not a regular file, too large); the message is for the user. */
export class FileRefused extends Error {}

/** What the host's SQL reader (embedded DuckDB on the desktop) is asked for a document's `data:`. */
export interface SqlDataRequest {
  docUri: string;
  /** The `data:` file resolved against the document and checked to lie inside the workspace (absent for a glob). */
  dataUri?: string;
  doc: MlmDocument;
  /** Workspace folder URIs: every file read must lie inside one (real paths). */
  workspaceFolders: readonly string[];
  /** CSV size (MB) from which DuckDB reads it (the setting mlm.data.sqlThresholdMB). */
  thresholdMB?: number;
}

/**
 * A `data:` read through SQL: the table of the models' columns, or the located problems. No table and only
 * warnings: the reader declined, and the data go through readFile and the built-in CSV reader with those warnings.
 */
export interface SqlLinkedData {
  table: DataTable | null;
  diagnostics: MlmDiagnostic[];
  /** Identifies the content read (files, their sizes and times, the columns) for caches. */
  hash: string;
  /** How the data were read, for the panel and the data preview. */
  note: string;
  /** Fits models where the data are (desktop: the embedded DuckDB), as `mlm fit` does; absent where the host has none. */
  fitter?: SqlFitter;
  /** False when `table` holds only the first rows of the data (too many for the editor): the fitter then reads every row. */
  complete?: boolean;
}

/**
 * A model of a `data:` read through SQL fitted in SQL: a linear mixed model from cross-product blocks, a binomial or
 * Poisson model from rows collapsed to covariate patterns; `reason` when it needs the loaded rows instead. Throws
 * MlmError for what the blocks path refuses (the caller falls back to the rows or reports it), CancelledError on cancel.
 */
export interface SqlFitter {
  fit(doc: MlmDocument, decl: ModelDecl, hooks: FitHooks, query: SqlQueryOptions): Promise<{ fitted: FittedMixedModel; note: string } | { reason: string }>;
}

export interface ServerHost {
  /**
   * Reads `data:` through SQL when its route says so (Parquet, a glob, a large CSV file, `engine: duckdb`);
   * null when the data go through readFile and the built-in CSV reader. Absent where there is no SQL engine.
   */
  sqlData?(request: SqlDataRequest): Promise<SqlLinkedData | null>;
  /** The text of a file, or null when it does not exist or cannot be read. Throws FileRefused with the reason when it must not be read. */
  readFile(uri: string): Promise<string | null>;
  /** The URI with symbolic links resolved (null when the file does not exist); absent where there are no links. */
  realUri?(uri: string): Promise<string | null>;
  /** One level of a folder, or null when it cannot be listed. */
  readDirectory(uri: string): Promise<DirectoryEntry[] | null>;
  /** An environment variable of the server process (the desktop server; absent in the browser). */
  env?(name: string): string | undefined;
  /** Receives the client's initializationOptions (the web server learns where its duckdb-wasm file is). */
  initialize?(options: unknown): void;
  /** A workspace file changed on disk (workspace/didChangeWatchedFiles): forget what was read from it. */
  invalidate?(uri: string): void;
}
