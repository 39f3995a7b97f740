/**
 * A CSV file read through DuckDB with the built-in reader's result (data/csv.ts, R's read.csv): the same names,
 * column kinds, numbers, factor levels and codes, missing values, logical columns and `firstNonNumeric`.
 *
 * DuckDB reads every field as text (no type sniffing; the header line is parsed here, so the names are R's). One pass
 * over the picked columns counts, per column, the fields that are missing for certain (NULL, '', NA, NaN) and the
 * finite numbers DuckDB reads (TRY_CAST, which trims blanks; in a `;` file after a decimal comma became a point):
 * exactly R's plain decimal numbers, converted correctly rounded as JavaScript's Number() converts them (the tests
 * compare every bit, with duckdb-wasm's DuckDB 0.9 and the embedded DuckDB 1.x; DuckDB's extra words — inf, nan,
 * Infinity — are not finite, and DuckDB 1.x's 1_000 is kept out by its underscore). The distinct
 * remaining fields — text, logical values, hex, Inf, overflow, NA with blanks around — are classified here by the
 * built-in reader's own functions (parseNumberField, isMissingField, logicalValue) and mapped by DuckDB with a CASE.
 * Text columns go through readSqlColumns (levels in R's order, ENUM-coded); firstNonNumeric comes from the codes.
 *
 * Where DuckDB's rows would not be the file's lines (blank lines, line breaks inside quoted fields), the header is not
 * one plain first line, or DuckDB cannot parse the file (its error lines are not always the file's line), the result
 * is `declined`: the caller reads the text with the built-in reader, which gives the same table or the located error.
 */
import { CancelledError, MlmError } from '../diagnostics';
import { csvEmptyError, csvHeaderLine, isMissingField, logicalValue, MISSING_FIELDS, parseNumberField } from '../data/csv';
import { sortLevelsR } from '../data/rsort';
import type { DataTable, TextColumn } from '../data/types';
import { DIALECTS } from './dialect';
import { readSqlColumns, type SqlColumnPlan } from './readtable';
import type { SqlColumnReader, SqlQueryOptions } from './runner';

const D = DIALECTS.duckdb;

/** Distinct non-plain fields of one column classified here; a column with more is declined unless one of them is text. */
export const CSV_RARE_MAX = 1000;

/**
 * The longest statement sent (characters). duckdb-wasm 1.28 traps ("memory access out of bounds") on statements of
 * about 60,000 characters and more (hundreds of aggregates, thousands of CASE branches), and is unusable afterwards;
 * a read that would need a longer one is declined.
 */
export const CSV_SQL_MAX_CHARS = 30_000;

class Declined extends Error {}

/** A CSV file as DuckDB sees it: its name (a path, or a registered buffer), the text of its beginning, its line count. */
export interface CsvSqlSource {
  /** The file DuckDB reads. */
  file: string;
  /** The beginning of the file as text: at least its first line. */
  head: string;
  /** Lines up to the file's last character that is not a blank or line break (csvLineCount). */
  lines: number;
}

export type CsvSqlResult = { table: DataTable } | { declined: string };

/**
 * The lines of a file's bytes up to its last character that is not a space, tab or line break: what the built-in
 * reader's rows are when the file has no blank line and no line break inside a quoted field (header + rows).
 */
export function csvLineCount(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 10 || bytes[end - 1] === 13 || bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
  if (end === 0) return 0;
  let n = 1;
  for (let i = bytes.indexOf(10); i >= 0 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** DuckDB's relation of a CSV file read as text: the header line skipped, columns c0, c1, ... */
export function csvTextRelation(file: string, ncol: number, delimiter: string): string {
  const columns = Array.from({ length: ncol }, (_, i) => `${D.str(`c${i}`)}: 'VARCHAR'`).join(', ');
  return `read_csv(${D.str(file)}, header = false, skip = 1, columns = {${columns}}, delim = ${D.str(delimiter)}, quote = '"', escape = '"', auto_detect = false)`;
}

/** A double as a SQL literal that DuckDB reads back to the same bits. */
function doubleLiteral(x: number): string {
  if (x === Infinity) return "CAST('inf' AS DOUBLE)";
  if (x === -Infinity) return "CAST('-inf' AS DOUBLE)";
  return `CAST(${D.str(Object.is(x, -0) ? '-0.0' : String(x))} AS DOUBLE)`;
}

type Rare = { kind: 'missing' } | { kind: 'number'; value: number } | { kind: 'logical'; value: boolean } | { kind: 'text' };

function classify(s: string, decimalComma: boolean): Rare {
  if (isMissingField(s)) return { kind: 'missing' };
  const v = parseNumberField(s, decimalComma);
  if (!Number.isNaN(v)) return { kind: 'number', value: v };
  const l = logicalValue(s.trim());
  return l === undefined ? { kind: 'text' } : { kind: 'logical', value: l };
}

/**
 * Reads the columns `pick` chooses (by their R names) of a CSV file through DuckDB, as readCsv reads its text
 * (fields kept as written are not: `raw` is empty, as for every table read through SQL). `label` names the file in
 * messages. Declines (the caller then uses the built-in reader) where the two could differ; CancelledError on cancel.
 */
export async function readCsvSql(
  runner: SqlColumnReader,
  source: CsvSqlSource,
  label: string,
  pick: (rNames: string[]) => string[],
  options: SqlQueryOptions = {},
): Promise<CsvSqlResult> {
  const header = csvHeaderLine(source.head);
  if (!header) return { declined: 'the header is not one plain first line' };
  const { delimiter, names } = header;
  if (names.length < 2) return { declined: 'a file of one column' };
  const decimalComma = delimiter === ';';
  const wanted = new Set(pick(names));
  const chosen = names.map((rName, i) => ({ rName, id: D.ident(`c${i}`) })).filter((c) => wanted.has(c.rName));
  const cols = chosen.map((c) => c.id);
  const num = (id: string) => D.ident(`n${id.slice(2, -1)}`); // "c3" -> "n3"
  // only fields that begin as a number can (a sign, digit, point, comma or blank: a failed cast costs twice a good one)
  const asNumber = (id: string) =>
    `CASE WHEN ascii(${id}) BETWEEN 43 AND 57 OR ascii(${id}) IN (9, 32) THEN ${decimalComma ? `TRY_CAST(replace(${id}, ',', '.') AS DOUBLE)` : `TRY_CAST(${id} AS DOUBLE)`} END`;
  // Each field once as text and as DuckDB's number (NULL when DuckDB reads none; it trims blanks itself)
  const relation = `(SELECT ${cols.length ? cols.map((id) => `${id}, ${asNumber(id)} AS ${num(id)}`).join(', ') : '1 AS one'} FROM ${csvTextRelation(source.file, names.length, delimiter)})`;
  // Missing for certain (the rest of the missing fields, with blanks around, are found among the rare ones)
  const missing = (id: string) => `(${id} IS NULL OR ${id} IN (${MISSING_FIELDS.map(D.str).join(', ')}))`;
  // A finite number DuckDB read without an underscore (DuckDB 1.x reads 1_000 as 1000, R does not): a plain decimal
  // number, whose value is JavaScript's Number() of the trimmed field
  const plain = (id: string) => `(isfinite(${num(id)}) AND strpos(${id}, '_') = 0)`;
  const query = (sql: string) => {
    if (sql.length > CSV_SQL_MAX_CHARS) throw new Declined(`a statement of ${sql.length} characters (columns: ${chosen.length})`);
    return runner.query(sql, options);
  };
  try {
    const stats = await query(
      `SELECT count(*)${cols.map((id) => `, count(*) FILTER (WHERE ${plain(id)}), count(*) FILTER (WHERE NOT ${missing(id)} AND NOT coalesce(${plain(id)}, false))`).join('')} FROM ${relation}`,
    );
    const row = stats.rows[0].map(Number);
    const nrow = row[0];
    if (nrow === 0) throw csvEmptyError(label, 'header-only');
    if (nrow !== source.lines - 1) return { declined: 'blank lines or line breaks inside quoted fields (rows are not lines)' };
    const plans: SqlColumnPlan[] = [];
    for (let k = 0; k < chosen.length; k++) {
      const { rName, id } = chosen[k];
      const plainCount = row[1 + 2 * k];
      const otherCount = row[2 + 2 * k];
      const numeric = (cases: string) => `CASE WHEN ${plain(id)} THEN ${num(id)}${cases} END`;
      if (otherCount === 0) {
        plans.push({ rName, kind: 'numeric', expr: numeric('') });
        continue;
      }
      const r = await query(`SELECT DISTINCT ${id} FROM ${relation} WHERE NOT ${missing(id)} AND NOT coalesce(${plain(id)}, false) LIMIT ${CSV_RARE_MAX + 1}`);
      const rare = r.rows.map((x) => String(x[0]));
      const kinds = rare.map((s) => classify(s, decimalComma));
      const hasText = kinds.some((c) => c.kind === 'text');
      if (rare.length > CSV_RARE_MAX && !hasText) return { declined: `more than ${CSV_RARE_MAX} distinct fields of '${rName}' that are not plain numbers` };
      const hasLogical = kinds.some((c) => c.kind === 'logical');
      const hasNumber = plainCount > 0 || kinds.some((c) => c.kind === 'number');
      const jsMissing = rare.filter((_, i) => kinds[i].kind === 'missing');
      if (!hasText && !hasLogical) {
        const cases = rare.map((s, i) => {
          const c = kinds[i];
          return c.kind === 'number' ? ` WHEN ${id} = ${D.str(s)} THEN ${doubleLiteral(c.value)}` : '';
        });
        plans.push({ rName, kind: 'numeric', expr: numeric(cases.join('')) });
      } else if (!hasText && !hasNumber) {
        const present = new Set(kinds.flatMap((c) => (c.kind === 'logical' ? [c.value] : [])));
        const levels = (['FALSE', 'TRUE'] as const).filter((l) => present.has(l === 'TRUE'));
        const cases = rare.map((s, i) => {
          const c = kinds[i];
          return c.kind === 'logical' ? ` WHEN ${D.str(s)} THEN ${D.str(c.value ? 'TRUE' : 'FALSE')}` : '';
        });
        plans.push({ rName, kind: 'text', expr: `CASE ${id}${cases.join('')} END`, levels: [...levels] });
      } else {
        const alsoMissing = jsMissing.length ? ` OR ${id} IN (${jsMissing.map(D.str).join(', ')})` : '';
        // every present field is among the rare ones (no plain number): the levels are known already
        const known = plainCount === 0 && rare.length <= CSV_RARE_MAX ? { levels: sortLevelsR(rare.filter((_, i) => kinds[i].kind !== 'missing')) } : {};
        plans.push({ rName, kind: 'text', expr: `CASE WHEN ${missing(id)}${alsoMissing} THEN NULL ELSE ${id} END`, ...known });
      }
    }
    const guarded: SqlColumnReader = {
      dialect: runner.dialect,
      query,
      describe: (r, o) => runner.describe(r, o),
      readColumns: (sql) => (sql.length > CSV_SQL_MAX_CHARS ? Promise.reject(new Declined(`a statement of ${sql.length} characters`)) : runner.readColumns(sql, options)),
      close: () => runner.close(),
    };
    const out = await readSqlColumns(guarded, relation, label, plans, options);
    for (const c of out.columns.values()) if (c.kind === 'text') markFirstNonNumeric(c, decimalComma);
    return { table: out };
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    if (e instanceof MlmError && e.diagnostic.code === 'csv-empty') throw e;
    if (e instanceof Declined) return { declined: e.message };
    return { declined: `DuckDB: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The built-in reader's `firstNonNumeric` of a text column (a mostly-numeric column with some text), from its codes. */
function markFirstNonNumeric(col: TextColumn, decimalComma: boolean): void {
  const isNumber = col.levels.map((l) => !Number.isNaN(parseNumberField(l, decimalComma)));
  if (!isNumber.some(Boolean)) return;
  const counts = new Float64Array(col.levels.length);
  for (let i = 0; i < col.codes.length; i++) if (col.codes[i] >= 0) counts[col.codes[i]]++;
  let numericCount = 0;
  let textCount = 0;
  counts.forEach((n, l) => (isNumber[l] ? (numericCount += n) : (textCount += n)));
  if (numericCount <= textCount) return;
  const first = col.codes.findIndex((c) => c >= 0 && !isNumber[c]);
  if (first >= 0) col.firstNonNumeric = { row: first + 2, text: col.levels[col.codes[first]], numericCount };
}
