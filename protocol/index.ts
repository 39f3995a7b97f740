/**
 * Custom requests between the extension (client/) and the language server (server/).
 * Both sides import this file; it has no runtime dependencies.
 */
import type { FitResult, SourceRange } from '../engine/src/index';

export const FitRequestMethod = 'mlm/fit';
/**
 * Fit the models of a document. With `model`, only that model; with `position`, the model under the
 * cursor; otherwise all. The client passes a workDoneToken for progress; LSP cancellation cancels.
 * A failed or cancelled fit never replaces the previous results kept by the server.
 */
export interface FitParams {
  uri: string;
  model?: string;
  position?: { line: number; character: number };
  workDoneToken?: string | number;
}
export interface FitError {
  model: string;
  message: string;
  range?: SourceRange;
  cancelled?: boolean;
}
export interface FitResponse {
  uri: string;
  /** Latest successful result of every model of the document (new ones and kept ones). */
  results: FitResult[];
  /** Names of the models fitted by this request. */
  fitted: string[];
  errors: FitError[];
  /** Likelihood-ratio tables for the document's `compare:` lines (see engine/src/inference/anova.ts). */
  comparisons: unknown[];
}

export const ResultsRequestMethod = 'mlm/results';
/** The latest results kept for a document, without fitting. */
export interface ResultsParams {
  uri: string;
}

export const DataPreviewRequestMethod = 'mlm/dataPreview';
export interface DataPreviewParams {
  uri: string;
  maxRows?: number;
}
export interface DataPreviewColumn {
  name: string;
  type: 'numeric' | 'factor';
  missing: number;
  summary: string; // 'range 0–9, mean 4.5' or '18 levels: 308 (10), 309 (10), …'
  /** For a grouping factor of a model (after `|` in a formula): levels, rows per level and nesting, in words. */
  grouping?: string;
}
export interface DataPreviewResponse {
  file: string;
  rows: number;
  columns: DataPreviewColumn[];
  head: string[][];
  /** How the data were read when not by the built-in CSV reader (DuckDB: only the models' columns). */
  source?: string;
}

/**
 * One page of the data preview's rows, sorted and filtered where the rows are (the server), so the
 * page never holds more than the rows on screen. Rows are numbered from 1 (the first data row).
 */
export const DataRowsRequestMethod = 'mlm/dataRows';
export interface DataRowsQuery {
  /** Sort by this column ('' = the data row number), ascending unless `descending`. */
  sort?: { column: string; descending: boolean } | null;
  /** Keep rows with this text (case-insensitive) in any cell. */
  filter?: string;
  /** Keep rows whose cells in these columns equal these values (the rows of one group level). */
  match?: { columns: string[]; values: string[] } | null;
}
export interface DataRowsParams extends DataRowsQuery {
  uri: string;
  offset: number;
  count: number;
}
export interface DataRowsResponse {
  /** Rows that pass the filter and match, in all. */
  total: number;
  offset: number;
  rows: { n: number; cells: string[] }[];
}

// ---------------------------------------------------------------------------------------------
// Server -> client requests. In the browser the server cannot read files itself: it asks
// the client, which answers with vscode.workspace.fs. The node server reads with fs and never sends them.

export const ReadFileRequestMethod = 'mlm/readFile';
/**
 * Read a text file (UTF-8, or UTF-16 with a byte-order mark). Answer `null` when it does not exist or cannot
 * be read, `{ text: '', refused }` when it must not be read (not a regular file, too large).
 */
export interface ReadFileParams {
  uri: string;
  /** 'base64': the file's bytes, for binary data files (Parquet), answered in `base64` instead of `text`. */
  encoding?: 'base64';
  /** Only the file's size in bytes (answered in `size`, with `text` empty): which reader a CSV file goes to. */
  sizeOnly?: boolean;
}
export interface ReadFileResponse {
  text: string;
  /** The bytes as base64, when `encoding: 'base64'` was asked. */
  base64?: string;
  /** Why the file was not read (shown to the user). */
  refused?: string;
  /** The size in bytes, when `sizeOnly` was asked. */
  size?: number;
}

export const ReadDirectoryRequestMethod = 'mlm/readDirectory';
/** List a folder (one level). Answer `null` when it does not exist. Used to offer CSV files. */
export interface ReadDirectoryParams {
  uri: string;
}
export interface ReadDirectoryEntry {
  name: string;
  type: 'file' | 'directory';
}
export type ReadDirectoryResponse = ReadDirectoryEntry[];

export const CheckRequestMethod = 'mlm/check';
/**
 * Check a fitted model: its singular terms in words (with lme4's rePCA) and a convergence verdict
 * from refits by several optimizers. Progress through workDoneToken; LSP cancellation cancels.
 */
export interface CheckParams {
  uri: string;
  model: string;
  workDoneToken?: string | number;
}
export interface CheckResponse {
  model: string;
  /** The check as text (as `mlm check` prints it); absent when the check could not run. */
  text?: string;
  /** The engine's verdict, one line ('safe: ...', 'not safe: ...'). */
  verdict?: string;
  safe?: boolean;
  singular?: boolean;
  error?: string;
  cancelled?: boolean;
}

export const InferenceRequestMethod = 'mlm/inference';
/**
 * Every inference for the fixed effects of a fitted model, side by side (Wald, Satterthwaite,
 * Kenward-Roger, profile, likelihood-ratio test, and a parametric bootstrap when asked), computed on
 * request with progress and cancel, and kept with the fit (hovers show it afterwards).
 */
export interface InferenceParams {
  uri: string;
  model: string;
  /** One coefficient; all when absent. */
  coef?: string;
  bootstrap?: { nsim: number; seed: number };
  workDoneToken?: string | number;
}
export interface InferenceResponse {
  model: string;
  /** engine CoefficientInference rows, one per coefficient */
  coefficients?: unknown[];
  /** The same as text (Markdown tables), for an output channel. */
  text?: string;
  error?: string;
  cancelled?: boolean;
}

export const ClickHouseCredentialsRequestMethod = 'mlm/clickhouseCredentials';
/**
 * The credentials stored for a ClickHouse server (`address` as host:port) with "MLM: Set ClickHouse Password"
 * (VS Code's secret storage). Answer `null` when none are stored; the desktop server then reads
 * MLM_CLICKHOUSE_USER / MLM_CLICKHOUSE_PASSWORD from its environment.
 */
export interface ClickHouseCredentialsParams {
  address: string;
}
export interface ClickHouseCredentialsResponse {
  user: string;
  password: string;
}
