/**
 * CSV reading with R's read.csv(stringsAsFactors = TRUE) typing.
 * Header row; delimiter `,`, `;` or tab (detected from the header line); quoted fields;
 * UTF-8 with or without BOM; LF or CRLF. Missing: empty field, `NA`, `NaN`. In a `;`-delimited file
 * a decimal comma is accepted (`1,5`), as R's read.csv2 reads such files.
 */
import Papa from 'papaparse';
import { MlmError } from '../diagnostics';
import type { DataColumn, DataTable, NumericColumn, TextColumn } from './types';
import { sortLevelsR } from './rsort';

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True for the fields R reads as missing. */
export function isMissingField(s: string): boolean {
  if (s.length > 4) {
    const c0 = s.charCodeAt(0);
    const cl = s.charCodeAt(s.length - 1);
    if (c0 !== 32 && c0 !== 9 && cl !== 32 && cl !== 9) return false; // no blanks around: longer than 'NaN'
  }
  const t = s.trim();
  return t === '' || t === 'NA' || t === 'NaN';
}

const DECIMAL_COMMA_RE = /^[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a field as R's type.convert would; NaN when it is not a number. With `decimalComma`
 * (files delimited by `;`, as R's read.csv2) `1,5` is 1.5.
 */
export function parseNumberField(s: string, decimalComma = false): number {
  // fast path: plain decimal numbers (JavaScript's Number() agrees with R on these)
  const c0 = s.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46) {
    if (!/[^0-9.eE+-]/.test(s)) {
      const v = Number(s);
      if (!Number.isNaN(v)) return v;
    }
  }
  let t = s.trim();
  if (decimalComma && t.includes(',')) {
    if (!DECIMAL_COMMA_RE.test(t)) return NaN;
    t = t.replace(',', '.');
  }
  if (NUMBER_RE.test(t)) return Number(t);
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return (t[0] === '-' ? -1 : 1) * parseInt(t.replace(/^[+-]?0[xX]/, ''), 16);
  if (t === 'Inf' || t === '+Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  return NaN;
}

/** Detects the delimiter from the header line: the most frequent of `,` `;` tab outside quotes. */
export function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (c === '\n' || c === '\r')) break;
    else if (!inQuote && c in counts) counts[c]++;
  }
  let best = ',';
  for (const d of [';', '\t']) if (counts[d] > counts[best]) best = d;
  return best;
}

const RESERVED = new Set([
  'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'TRUE', 'FALSE', 'NULL',
  'Inf', 'NaN', 'NA', 'NA_integer_', 'NA_real_', 'NA_character_', 'in',
]);

/** R's make.names(): invalid characters become '.', a leading digit gets an 'X' prefix. */
export function makeNameR(name: string): string {
  let s = name.replace(/[^A-Za-z0-9._\u00C0-\uFFFF]/g, '.');
  if (s === '' || /^[0-9_]/.test(s) || /^\.[0-9]/.test(s)) s = 'X' + s;
  if (RESERVED.has(s)) s += '.';
  return s;
}

function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  const used = new Set(names);
  for (const n of names) {
    if (!seen.has(n)) {
      seen.set(n, 0);
      out.push(n);
      continue;
    }
    let k = seen.get(n)!;
    let candidate: string;
    do {
      k++;
      candidate = `${n}.${k}`;
    } while (used.has(candidate));
    seen.set(n, k);
    used.add(candidate);
    out.push(candidate);
  }
  return out;
}

const LOGICAL = new Map<string, boolean>([
  ['TRUE', true], ['T', true], ['true', true], ['True', true],
  ['FALSE', false], ['F', false], ['false', false], ['False', false],
]);

/**
 * A column of TRUE/FALSE (R's logical type): a factor with levels 'FALSE' < 'TRUE' (only those
 * present), so coefficients are named as R names them (`xTRUE`).
 */
function logicalColumn(name: string, raw: string[]): TextColumn {
  const vals = raw.map((s) => (isMissingField(s) ? undefined : LOGICAL.get(s.trim())));
  const levels = (['FALSE', 'TRUE'] as const).filter((l) => vals.includes(l === 'TRUE'));
  const codes = new Int32Array(raw.length);
  vals.forEach((v, i) => (codes[i] = v === undefined ? -1 : levels.indexOf(v ? 'TRUE' : 'FALSE')));
  return { kind: 'text', name, codes, levels: [...levels], raw };
}

function typeColumn(name: string, raw: string[], decimalComma: boolean): DataColumn {
  const n = raw.length;
  const values = new Float64Array(n);
  let numericCount = 0;
  let textCount = 0;
  let firstText: { row: number; text: string } | undefined;
  for (let i = 0; i < n; i++) {
    const s = raw[i];
    if (isMissingField(s)) {
      values[i] = NaN;
      continue;
    }
    const v = parseNumberField(s, decimalComma);
    if (Number.isNaN(v)) {
      textCount++;
      if (!firstText) firstText = { row: i + 2, text: s };
      values[i] = NaN;
    } else {
      numericCount++;
      values[i] = v;
    }
  }
  if (textCount === 0) {
    const col: NumericColumn = { kind: 'numeric', name, values, raw };
    return col;
  }
  const present: string[] = [];
  for (const s of raw) if (!isMissingField(s)) present.push(s);
  if (present.every((s) => LOGICAL.has(s.trim()))) return logicalColumn(name, raw);
  const levels = sortLevelsR(present);
  const index = new Map<string, number>();
  levels.forEach((l, i) => index.set(l, i));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) codes[i] = isMissingField(raw[i]) ? -1 : index.get(raw[i])!;
  const col: TextColumn = { kind: 'text', name, codes, levels, raw };
  if (numericCount > textCount && firstText) col.firstNonNumeric = { ...firstText, numericCount };
  return col;
}

/**
 * Reads a CSV file's text into a DataTable. Throws MlmError (code 'csv-empty', 'csv-fields',
 * 'csv-parse') with the file, row (header = row 1) and column of the problem.
 */
export function readCsv(text: string, fileName: string): DataTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new MlmError({
      code: 'csv-empty',
      message: `${fileName} is empty: expected a header row with column names and at least one data row`,
      csv: { file: fileName, row: 1, column: '' },
    });
  }
  const delimiter = detectDelimiter(text);
  const parsed = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: true, header: false });
  const rows = parsed.data;
  const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
  if (quoteError) {
    const row = (quoteError.row ?? 0) + 1;
    throw new MlmError({
      code: 'csv-parse',
      message: `${fileName} row ${row}: ${quoteError.message.replace(/\.$/, '')} (a quoted field is not closed)`,
      csv: { file: fileName, row, column: '' },
    });
  }
  if (rows.length === 0) {
    throw new MlmError({ code: 'csv-empty', message: `${fileName} has no header row`, csv: { file: fileName, row: 1, column: '' } });
  }
  const header = rows[0].map((h) => h.trim());
  const names = uniqueNames(header.map(makeNameR));
  const ncol = names.length;
  const nrow = rows.length - 1;
  if (nrow === 0) {
    throw new MlmError({
      code: 'csv-empty',
      message: `${fileName} has a header row but no data rows`,
      csv: { file: fileName, row: 2, column: '' },
    });
  }
  const rawCols: string[][] = names.map(() => new Array<string>(nrow));
  for (let r = 1; r < rows.length; r++) {
    const fields = rows[r];
    if (fields.length !== ncol) {
      const row = r + 1;
      const col = fields.length > ncol ? '' : names[fields.length];
      throw new MlmError({
        code: 'csv-fields',
        message: `${fileName} row ${row}: ${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${ncol}`,
        csv: { file: fileName, row, column: col },
      });
    }
    for (let c = 0; c < ncol; c++) rawCols[c][r - 1] = fields[c];
  }
  const columns = new Map<string, DataColumn>();
  names.forEach((name, c) => columns.set(name, typeColumn(name, rawCols[c], delimiter === ';')));
  return { fileName, nrow, names, columns };
}
