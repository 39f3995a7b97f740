/**
 * The data table read from a CSV file (or built by `derive:`).
 * Columns are either numeric (Float64Array, NaN = missing) or text (factor codes + levels).
 * Every column keeps its raw strings for located messages ("text in a numeric column").
 */

export interface NumericColumn {
  kind: 'numeric';
  name: string;
  /** One value per row; NaN marks a missing value. */
  values: Float64Array;
  /** The field as written in the CSV (after unquoting); '' for derived columns. */
  raw: string[];
}

export interface TextColumn {
  kind: 'text';
  name: string;
  /** Level index (0-based) of each row; -1 marks a missing value. */
  codes: Int32Array;
  /** Level labels in R's order (sorted as R sorts them). */
  levels: string[];
  raw: string[];
  /**
   * When most non-missing fields are numbers but a few are not: the first non-numeric field
   * (1-based file line, as dataLine gives it), for messages like "'abc' is not a number".
   */
  firstNonNumeric?: { row: number; text: string; numericCount: number };
}

export type DataColumn = NumericColumn | TextColumn;

export interface DataTable {
  /** File name as given to readCsv (used in messages). */
  fileName: string;
  /** Number of data rows (header excluded). */
  nrow: number;
  /** Column names in file order. */
  names: string[];
  columns: Map<string, DataColumn>;
  /**
   * The file line (1-based, as the editor shows it) of each data row, when it differs from row + 2
   * (blank lines or quoted fields spanning lines); read it through dataLine().
   */
  lines?: Int32Array;
}

/** A factor view of a column: codes (-1 = missing) and level labels. */
export interface FactorView {
  codes: Int32Array;
  levels: string[];
}
