/**
 * CSV reading with R's read.csv(stringsAsFactors = TRUE) typing.
 * Header row; delimiter `,`, `;` or tab (detected from the header line); quoted fields;
 * UTF-8 with or without BOM; LF or CRLF. Missing: empty field, `NA`, `NaN`. In a `;`-delimited file
 * a decimal comma is accepted (`1,5`), as R's read.csv2 reads such files.
 */
import Papa from 'papaparse';
import { MlmError } from '../diagnostics';
import { ROWS_PER_STEP, runSteps, runStepsAsync, Ticker, type Steps } from '../hooks';
import { FieldsBuilder, packedFields, type PackedFields } from './fields';
import type { DataColumn, DataTable, NumericColumn, TextColumn } from './types';
import { sortLevelsR } from './rsort';

/** A plain decimal number as R reads it (also the pattern DuckDB checks when it reads a CSV, sql/csvread.ts). */
export const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The fields (trimmed) R reads as missing. */
export const MISSING_FIELDS: readonly string[] = ['', 'NA', 'NaN'];

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

/** A number with a decimal comma (files delimited by `;`, as R's read.csv2). */
export const DECIMAL_COMMA_RE = /^[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$/;

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

/** R's make.unique() of names (the second "a" becomes "a.1"). */
export function uniqueNames(names: string[]): string[] {
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

/** The logical value of a (trimmed) field: TRUE, T, true, True, FALSE, ...; undefined for anything else. */
export function logicalValue(trimmed: string): boolean | undefined {
  return LOGICAL.get(trimmed);
}

/** The R names of a header row's fields: trimmed, make.names(), made unique. */
export function headerNames(fields: readonly string[]): string[] {
  return uniqueNames(fields.map((h) => makeNameR(h.trim())));
}

/**
 * The header of a CSV text when it is the text's first line (after a byte-order mark), in one line (no quoted line
 * break): its delimiter, R names and number of fields; null otherwise (a blank first line, a header spanning lines,
 * no line break after it in `text`, which may be the beginning of a file).
 */
export function csvHeaderLine(text: string): { delimiter: string; names: string[] } | null {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = detectDelimiter(text);
  const end = text.indexOf('\n');
  if (end < 0) return null;
  const line = text.slice(0, end).replace(/\r$/, '');
  if (line.trim() === '' || line.includes('\r')) return null;
  const crlf = text.charCodeAt(end - 1) === 13;
  if (recordEnd(text, 0, 0, delimiter, crlf ? '\r\n' : '\n') !== end - (crlf ? 1 : 0)) return null; // a quoted field runs on past the line
  const parsed = Papa.parse<string[]>(line, { delimiter, newline: '\n', header: false });
  if (parsed.errors.length > 0 || parsed.data.length !== 1) return null;
  return { delimiter, names: headerNames(parsed.data[0]) };
}

/** The error of a CSV file with no data rows (`what`: the file is blank, or has a header only). */
export function csvEmptyError(fileName: string, what: 'blank' | 'no-header' | 'header-only'): MlmError {
  if (what === 'blank') {
    return new MlmError({
      code: 'csv-empty',
      message: `${fileName} is empty: expected a header row with column names and at least one data row`,
      csv: { file: fileName, row: 1, column: '' },
    });
  }
  if (what === 'no-header') return new MlmError({ code: 'csv-empty', message: `${fileName} has no header row`, csv: { file: fileName, row: 1, column: '' } });
  return new MlmError({ code: 'csv-empty', message: `${fileName} has a header row but no data rows`, csv: { file: fileName, row: 2, column: '' } });
}

/**
 * A column of TRUE/FALSE (R's logical type): a factor with levels 'FALSE' < 'TRUE' (only those
 * present), so coefficients are named as R names them (`xTRUE`).
 */
export function logicalColumn(name: string, raw: string[]): TextColumn {
  const vals = raw.map((s) => (isMissingField(s) ? undefined : LOGICAL.get(s.trim())));
  const levels = (['FALSE', 'TRUE'] as const).filter((l) => vals.includes(l === 'TRUE'));
  const codes = new Int32Array(raw.length);
  vals.forEach((v, i) => (codes[i] = v === undefined ? -1 : levels.indexOf(v ? 'TRUE' : 'FALSE')));
  return { kind: 'text', name, codes, levels: [...levels], raw };
}


function* typeColumn(name: string, packed: PackedFields, decimalComma: boolean, lines: Int32Array | undefined): Steps<DataColumn> {
  const { text, ends } = packed;
  const n = ends.length;
  const field = (i: number) => text.slice(i === 0 ? 0 : ends[i - 1], ends[i]);
  const raw = packedFields(text, ends);
  const values = new Float64Array(n);
  let numericCount = 0;
  let textCount = 0;
  let firstText: { row: number; text: string } | undefined;
  for (let i = 0; i < n; i++) {
    if ((i & (ROWS_PER_STEP - 1)) === ROWS_PER_STEP - 1) yield;
    const s = field(i);
    if (isMissingField(s)) {
      values[i] = NaN;
      continue;
    }
    const v = parseNumberField(s, decimalComma);
    if (Number.isNaN(v)) {
      textCount++;
      if (!firstText) firstText = { row: lines ? lines[i] : i + 2, text: s };
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
  const present = new Set<string>();
  for (let i = 0; i < n; i++) {
    if ((i & (ROWS_PER_STEP - 1)) === ROWS_PER_STEP - 1) yield;
    const s = field(i);
    if (!isMissingField(s)) present.add(s);
  }
  if ([...present].every((s) => LOGICAL.has(s.trim()))) return logicalColumn(name, raw);
  yield;
  const levels = sortLevelsR(present);
  yield;
  const index = new Map<string, number>();
  levels.forEach((l, i) => index.set(l, i));
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if ((i & (ROWS_PER_STEP - 1)) === ROWS_PER_STEP - 1) yield;
    const s = field(i);
    codes[i] = isMissingField(s) ? -1 : index.get(s)!;
  }
  const col: TextColumn = { kind: 'text', name, codes, levels, raw };
  if (numericCount > textCount && firstText) col.firstNonNumeric = { ...firstText, numericCount };
  return col;
}

/** Characters of CSV text parsed between two yields. */
const CHUNK_CHARS = 1 << 18;

/** The line break of a text: the first one found (`\r\n`, `\n` or `\r`). */
function detectNewline(text: string): '\r\n' | '\n' | '\r' {
  const n = text.indexOf('\n');
  if (n > 0 && text.charCodeAt(n - 1) === 13) return '\r\n';
  if (n >= 0) return '\n';
  return text.includes('\r') ? '\r' : '\n';
}

/**
 * End of the record that contains position `target` (the index of its line break, or text.length), for
 * cutting the text into chunks that papaparse parses as it would parse the whole. A field is quoted only
 * when it starts with a quote; a quote closes it when a delimiter, a line break or the end follows.
 */
export function recordEnd(text: string, start: number, target: number, delimiter: string, newline: string): number {
  const len = text.length;
  if (target >= len) return len;
  const simple = text.indexOf(newline, target);
  const q = text.indexOf('"', start);
  if (q < 0 || (simple >= 0 && q > simple)) return simple < 0 ? len : simple;
  const d = delimiter.charCodeAt(0);
  const nl = newline.charCodeAt(0);
  let i = start;
  let fieldStart = true;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (fieldStart && c === 34) {
      let j = i + 1;
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0) return len; // unclosed quote: papaparse reports it
        if (text.charCodeAt(close + 1) === 34) {
          j = close + 2;
          continue;
        }
        let k = close + 1;
        while (text.charCodeAt(k) === 32) k++;
        if (k >= len || text.charCodeAt(k) === d || text.startsWith(newline, k)) {
          i = close + 1;
          break;
        }
        j = close + 1;
      }
      fieldStart = false;
      continue;
    }
    if (c === d) {
      fieldStart = true;
      i++;
      continue;
    }
    if (c === nl && (newline.length === 1 || text.charCodeAt(i + 1) === 10)) {
      if (i >= target) return i;
      fieldStart = true;
      i += newline.length;
      continue;
    }
    fieldStart = false;
    i++;
  }
  return len;
}

/** Line breaks inside the fields of one record (quoted fields may span lines). */
function breaksInside(fields: string[], newline: string): number {
  let k = 0;
  for (const f of fields) {
    if (f.length === 0) continue;
    for (let i = f.indexOf(newline); i >= 0; i = f.indexOf(newline, i + newline.length)) k++;
  }
  return k;
}

function csvError(code: string, fileName: string, line: number, column: string, what: string): MlmError {
  return new MlmError({ code, message: `${fileName} line ${line}: ${what}`, csv: { file: fileName, row: line, column } });
}

/**
 * The one CSV reader, as a generator that yields after each chunk of text and each slice of rows, so a caller
 * can hand the event loop back (readCsvAsync) or drain it at once (readCsv). Rows are located by the file
 * line the editor shows (blank lines and multi-line quoted fields counted).
 */
export function* readCsvSteps(text: string, fileName: string): Steps<DataTable> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw csvEmptyError(fileName, 'blank');
  const nul = text.indexOf('\u0000');
  if (nul >= 0 && nul < 4096) {
    throw new MlmError({
      code: 'csv-encoding',
      message: `${fileName} looks like UTF-16 text without a byte-order mark (it contains NUL characters): save it as UTF-8`,
      csv: { file: fileName, row: 1, column: '' },
    });
  }
  const delimiter = detectDelimiter(text);
  const newline = detectNewline(text);
  let header: string[] | null = null;
  let names: string[] = [];
  let rawCols: FieldsBuilder[] = [];
  let chunkCols: string[][] = [];
  const lineList: number[] = [];
  let shifted = false;
  let line = 1;
  for (let start = 0; start <= text.length; ) {
    const end = recordEnd(text, start, Math.min(text.length, start + CHUNK_CHARS), delimiter, newline);
    const chunk = text.slice(start, end);
    start = end + newline.length;
    const parsed = Papa.parse<string[]>(chunk, { delimiter, newline, skipEmptyLines: false, header: false });
    const quoted = chunk.includes('"');
    const quoteError = parsed.errors.find((e) => e.type === 'Quotes');
    const rows = parsed.data;
    for (let r = 0; r < rows.length; r++) {
      const fields = rows[r];
      const at = line;
      line += 1 + (quoted ? breaksInside(fields, newline) : 0);
      if (quoteError && (quoteError.row ?? 0) <= r) {
        throw csvError('csv-parse', fileName, at, '', `${quoteError.message.replace(/\.$/, '')} (a quoted field is not closed)`);
      }
      if (fields.length === 1 && fields[0].trim() === '') continue; // blank line (R's blank.lines.skip)
      if (!header) {
        header = fields;
        names = headerNames(fields);
        rawCols = names.map(() => new FieldsBuilder());
        chunkCols = names.map(() => []);
        continue;
      }
      const ncol = names.length;
      if (fields.length !== ncol) {
        const col = fields.length > ncol ? '' : names[fields.length];
        throw csvError('csv-fields', fileName, at, col, `${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${ncol}`);
      }
      for (let c = 0; c < ncol; c++) chunkCols[c].push(fields[c]);
      if (at !== lineList.length + 2) shifted = true;
      lineList.push(at);
    }
    if (quoteError) throw csvError('csv-parse', fileName, line - 1, '', `${quoteError.message.replace(/\.$/, '')} (a quoted field is not closed)`);
    for (let c = 0; c < chunkCols.length; c++) {
      rawCols[c].addAll(chunkCols[c]);
      chunkCols[c] = [];
    }
    yield;
  }
  if (!header) throw csvEmptyError(fileName, 'no-header');
  const nrow = lineList.length;
  if (nrow === 0) throw csvEmptyError(fileName, 'header-only');
  const lines = shifted ? Int32Array.from(lineList) : undefined;
  const columns = new Map<string, DataColumn>();
  for (let c = 0; c < names.length; c++) {
    columns.set(names[c], yield* typeColumn(names[c], rawCols[c].build(), delimiter === ';', lines));
    yield;
  }
  return { fileName, nrow, names, columns, ...(lines ? { lines } : {}) };
}

/**
 * Reads a CSV file's text into a DataTable. Throws MlmError (code 'csv-empty', 'csv-fields',
 * 'csv-parse', 'csv-encoding') with the file, line (as the editor shows it) and column of the problem.
 */
export function readCsv(text: string, fileName: string): DataTable {
  return runSteps(readCsvSteps(text, fileName));
}

/**
 * readCsv that hands the event loop back at least every `yieldEveryMs` (default 20), so a language server
 * answers other requests while a large file is read.
 */
export function readCsvAsync(text: string, fileName: string, yieldEveryMs = 20): Promise<DataTable> {
  // 0: as often as the clock moves (Ticker takes 0 as 'never')
  return runStepsAsync(readCsvSteps(text, fileName), new Ticker({ yieldEveryMs: Math.max(yieldEveryMs, Number.MIN_VALUE) }), 'reading data');
}
