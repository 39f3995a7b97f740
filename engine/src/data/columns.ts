/** Column access helpers: a column as numbers or as a factor, with located errors. */
import { MlmError, type SourceRange } from '../diagnostics';
import { suggestName } from '../formula/suggest';
import { numberLabelR, numericLevels } from './rsort';
import type { DataColumn, DataTable, FactorView, NumericColumn } from './types';

export function getColumn(table: DataTable, name: string): DataColumn | undefined {
  return table.columns.get(name);
}

/**
 * The one error for a column the data file does not have, with a did-you-mean suggestion
 * (`unknown column 'sesx' (did you mean 'ses'?)`). Quick fixes read `data.suggestion`.
 */
export function unknownColumnError(table: DataTable, name: string, range?: SourceRange): MlmError {
  const s = suggestName(name, table.names);
  const message = s
    ? `unknown column '${name}' (did you mean '${s}'?)`
    : `unknown column '${name}': ${table.fileName} has no such column`;
  return new MlmError({ code: 'unknown-column', message, range, data: s ? { suggestion: s, column: name } : { column: name } });
}

/**
 * A column as numbers (NaN = missing). A text column throws MlmError: when it is mostly numbers,
 * the message names the row and column of the first non-numeric field
 * (`bad.csv line 17, column 'Reaction': 'abc' is not a number`).
 */
export function numericValues(table: DataTable, name: string, range?: SourceRange): Float64Array {
  const col = table.columns.get(name);
  if (!col) {
    throw unknownColumnError(table, name, range);
  }
  if (col.kind === 'numeric') return col.values;
  if (col.firstNonNumeric) {
    const { row, text } = col.firstNonNumeric;
    throw new MlmError({
      code: 'csv-not-a-number',
      message: `${table.fileName} line ${row}, column '${name}': '${text}' is not a number`,
      range,
      csv: { file: table.fileName, row, column: name },
    });
  }
  throw new MlmError({
    code: 'not-numeric',
    message: `column '${name}' holds text (${col.levels.length} distinct values such as '${col.levels[0]}'), not numbers`,
    range,
  });
}

const factorCache = new WeakMap<Float64Array, FactorView>();

/**
 * A numeric column as a factor: levels are the sorted distinct values labelled as R's as.character.
 * Cached per values array (callers must not mutate the result).
 */
export function numericAsFactor(values: Float64Array): FactorView {
  const cached = factorCache.get(values);
  if (cached) return cached;
  const f = computeNumericFactor(values);
  factorCache.set(values, f);
  return f;
}

function computeNumericFactor(values: Float64Array): FactorView {
  const { values: lv, labels } = numericLevels(values);
  const index = new Map<number, number>();
  lv.forEach((v, i) => index.set(v, i));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = Number.isNaN(v) ? -1 : index.get(v)!;
  }
  return { codes, levels: labels };
}

/** A column as a factor (text columns as they are; numeric columns through numericAsFactor). */
export function factorValues(table: DataTable, name: string, range?: SourceRange): FactorView {
  const col = table.columns.get(name);
  if (!col) {
    throw unknownColumnError(table, name, range);
  }
  if (col.kind === 'text') return { codes: col.codes, levels: col.levels };
  return numericAsFactor(col.values);
}

/** The file line (1-based, as the editor shows it) of data row `row` (0-based; the header is line 1 when nothing precedes it). */
export function dataLine(table: DataTable, row: number): number {
  return table.lines ? table.lines[row] : row + 2;
}

/** Number of missing values of a column. */
export function missingCount(col: DataColumn): number {
  let m = 0;
  if (col.kind === 'numeric') {
    for (const v of col.values) if (Number.isNaN(v)) m++;
  } else {
    for (const c of col.codes) if (c < 0) m++;
  }
  return m;
}

/** Replaces (or adds) a column, returning a new table; the input is not mutated. */
export function withColumn(table: DataTable, col: DataColumn): DataTable {
  const columns = new Map(table.columns);
  const exists = columns.has(col.name);
  columns.set(col.name, col);
  return { ...table, columns, names: exists ? table.names : [...table.names, col.name] };
}

/** A numeric column built from computed values (raw strings left empty). */
export function makeNumericColumn(name: string, values: Float64Array): NumericColumn {
  return { kind: 'numeric', name, values, raw: Array.from(values, (v) => (Number.isNaN(v) ? 'NA' : String(v))) };
}

/**
 * A cell as text: the field as written in the CSV, or, for columns read without their strings (derived
 * columns, tables read through DuckDB), the value as R prints it ('' for a missing value).
 */
export function cellText(col: DataColumn, row: number): string {
  const raw = col.raw[row];
  if (raw !== undefined) return raw;
  if (col.kind === 'numeric') {
    const v = col.values[row];
    return v === undefined || Number.isNaN(v) ? '' : numberLabelR(v);
  }
  const c = col.codes[row];
  return c === undefined || c < 0 ? '' : col.levels[c];
}
