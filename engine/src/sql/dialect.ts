/**
 * What differs between the SQL engines the query compiler writes for: quoting, casts, NaN tests,
 * functions, how several GROUP BYs are computed in one statement (GROUPING SETS, or a UNION ALL
 * of GROUP BYs where the engine has no GROUPING SETS, as ClickHouse 18.16), whether centres computed
 * over the same rows can be brought into the aggregation (a CTE) or come from a first query, and how
 * rows are sampled.
 *
 * Written from each engine's documentation: DuckDB (GROUPING SETS, CTEs, USING SAMPLE), ClickHouse
 * 18.16 (`count()`, `isNaN`, backquoted identifiers, backslash escapes
 * in strings), Spark SQL (backquotes, `isnan`, GROUPING SETS), Trino (`is_nan`, GROUPING SETS),
 * BigQuery GoogleSQL (backquotes, `IS_NAN`, FLOAT64, GROUPING SETS).
 */
import type { SqlDialectName } from './runner';

export interface SqlDialect {
  readonly name: SqlDialectName;
  /** An identifier (column name) quoted. */
  ident(name: string): string;
  /** A string literal. */
  str(value: string): string;
  /** A numeric literal (finite). */
  num(value: number): string;
  /** The expression as a double. */
  toDouble(expr: string): string;
  /** True when a (double) value is NaN. */
  isNaN(expr: string): string;
  /** Number of rows of the group. */
  countAll: string;
  /** A function of the formula language (log, exp, sqrt, ...), or undefined when not written here. */
  func(name: string, args: string[]): string | undefined;
  /** x^y */
  pow(x: string, y: string): string;
  /** Whether the engine computes GROUPING SETS (else: UNION ALL of GROUP BYs). */
  groupingSets: boolean;
  /**
   * Whether the engine takes table expressions in WITH, so that one statement computes the centres once and
   * aggregates with them. Else (ClickHouse 18.16) the centres come from a first query and are written into
   * the blocks query as numbers (compile.ts blocksQuery).
   */
  cte: boolean;
  /** The clause that draws about `rows` random rows from FROM (placed after the relation), or null: ORDER BY a random number. */
  sampleClause(rows: number, seed: number): string | null;
  /** A (pseudo)random number per row for `ORDER BY … LIMIT` sampling, from a seed (and the row's columns where the engine's random function takes no seed). */
  random(seed: number, columns: readonly string[]): string;
  /** The literal true (a WHERE with nothing to test). */
  true: string;
  /**
   * Whether an alias of a SELECT replaces a column of the same name in the other clauses of that SELECT
   * (ClickHouse: `toString(g2) AS g1 … WHERE g1 IS NOT NULL` tests the alias). Then queries name their
   * results with aliases that meet no column (`_mlm_…`) and rename them in an outer SELECT (`wrapAliases`).
   */
  aliasesShadowColumns: boolean;
}

/** The prefix of inner aliases where aliases shadow columns. */
export const INNER_ALIAS = '_mlm_';

/** `inner` names its outputs innerAlias(NAME): the query whose outputs are NAME, in the order given. */
export function wrapAliases(d: SqlDialect, inner: string, names: readonly string[]): string {
  if (!d.aliasesShadowColumns) return inner;
  return `SELECT ${names.map((n) => `${INNER_ALIAS}${n} AS ${n}`).join(', ')}\nFROM (\n${inner}\n)`;
}

/** The alias an inner query gives output NAME (see wrapAliases). */
export function innerAlias(d: SqlDialect, name: string): string {
  return d.aliasesShadowColumns ? `${INNER_ALIAS}${name}` : name;
}

const sqlStr = (v: string): string => `'${v.replace(/'/g, "''")}'`;

function numLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  // JavaScript's shortest round-trip form; exponents without '+' (1e21, 1e-7)
  return String(v).replace('e+', 'e');
}

/** Functions whose name and meaning are the same in every dialect here. */
const COMMON: Record<string, string> = { exp: 'exp', sqrt: 'sqrt', abs: 'abs', log10: 'log10', sin: 'sin', cos: 'cos', tan: 'tan' };

function makeFunc(ln: string, log2: (x: string) => string, extra: Record<string, string> = {}) {
  return (name: string, args: string[]): string | undefined => {
    if (args.length !== 1) return undefined;
    const x = args[0];
    if (name === 'log') return `${ln}(${x})`;
    if (name === 'log2') return log2(x);
    if (name === 'log1p') return `${ln}(1 + ${x})`;
    if (name === 'expm1') return `(exp(${x}) - 1)`;
    const f = extra[name] ?? COMMON[name];
    return f ? `${f}(${x})` : undefined;
  };
}

/** ANSI-style quoting, casts and GROUPING SETS (DuckDB, Trino); the others override what differs. */
const standard: SqlDialect = {
  name: 'duckdb',
  ident: (n) => `"${n.replace(/"/g, '""')}"`,
  str: sqlStr,
  num: numLiteral,
  toDouble: (e) => `CAST(${e} AS DOUBLE)`,
  isNaN: (e) => `isnan(${e})`,
  countAll: 'count(*)',
  func: makeFunc('ln', (x) => `log2(${x})`),
  pow: (x, y) => `pow(${x}, ${y})`,
  groupingSets: true,
  cte: true,
  sampleClause: () => null,
  random: () => 'random()',
  true: 'TRUE',
  aliasesShadowColumns: false,
};

const backquoted = (n: string): string => `\`${n.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
const backslashStr = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const duckdb: SqlDialect = { ...standard, sampleClause: (rows, seed) => `USING SAMPLE reservoir(${rows} ROWS) REPEATABLE (${seed})` };

const clickhouse: SqlDialect = {
  ...standard,
  name: 'clickhouse',
  ident: backquoted,
  str: backslashStr,
  toDouble: (e) => `toFloat64(${e})`,
  isNaN: (e) => `isNaN(${e})`,
  countAll: 'count()',
  func: makeFunc('log', (x) => `log2(${x})`),
  groupingSets: false,
  cte: false,
  // rand() takes no seed: a hash of the row's columns and the seed gives the same sample every run
  random: (seed, columns) => `cityHash64(${[...columns, String(seed)].join(', ')})`,
  true: '1',
  aliasesShadowColumns: true,
};

const spark: SqlDialect = { ...standard, name: 'spark', ident: (n) => `\`${n.replace(/`/g, '``')}\``, str: backslashStr, random: (seed) => `rand(${seed})` };

const trino: SqlDialect = { ...standard, name: 'trino', isNaN: (e) => `is_nan(${e})`, pow: (x, y) => `power(${x}, ${y})` };

const bigquery: SqlDialect = {
  ...standard,
  name: 'bigquery',
  ident: backquoted,
  str: backslashStr,
  toDouble: (e) => `CAST(${e} AS FLOAT64)`,
  isNaN: (e) => `IS_NAN(${e})`,
  countAll: 'COUNT(*)',
  func: makeFunc('LN', (x) => `LOG(${x}, 2)`, { log10: 'LOG10', exp: 'EXP', sqrt: 'SQRT', abs: 'ABS' }),
  pow: (x, y) => `POW(${x}, ${y})`,
  random: () => 'RAND()',
};

export const DIALECTS: Readonly<Record<SqlDialectName, SqlDialect>> = { duckdb, clickhouse, spark, trino, bigquery };

export function dialectOf(name: SqlDialectName): SqlDialect {
  return DIALECTS[name];
}

export function isDialectName(s: string): s is SqlDialectName {
  return Object.prototype.hasOwnProperty.call(DIALECTS, s);
}
