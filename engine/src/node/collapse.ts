/**
 * GLMMs through DuckDB with their rows collapsed: rows that share every grouping level and covariate value
 * (a covariate pattern) have the same mean, so a binomial model needs only each pattern's successes and
 * failures (a sum of binomials with one p is binomial), and a Poisson log-link model each pattern's total with
 * log(rows) as offset (a sum of Poissons is Poisson with the summed mean). The estimates are exact; the
 * log-likelihood and glmer's deviance differ from the ungrouped fit's by constants of the data alone, computed
 * in the same SQL pass and added back, so logLik, deviance, AIC and BIC are those of the fit to the rows.
 *
 * Per pattern: n rows, the response sums, Σ c_row and Σ sat_row (row terms of the log-likelihood constant
 * and of the saturated log-likelihood). With LL_rows = LL_patterns + C, C = Σ c_row − Σ c_pattern, and
 * deviance_rows = deviance_patterns + 2 (sat_rows − sat_patterns) − 2 C.
 */
import { CancelledError } from '../diagnostics';
import { lgamma } from '../inference/distributions';
import { frameVariables } from '../frame/variables';
import { modelSettings } from '../mlmfile/spec';
import { parseMlm } from '../mlmfile/parse';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import type { DataTable, NumericColumn } from '../data/types';
import type { FitResult } from '../result';
import { informationCriteria } from '../lmm/result';
import type { SqlQueryOptions } from '../sql/runner';
import { DuckDbRunner, sqlIdent, type DuckDbOptions } from './duckdb';
import { fitMixedModel, type FittedMixedModel } from '../fit';
import { deepFreeze } from '../freeze';
import type { FitHooks } from '../hooks';
import { prepareDocument } from '../frame/prepare';
import { readSqlTable } from '../sql/readtable';

export interface CollapsePlan {
  kind: 'bernoulli' | 'binomial' | 'poisson';
  /** Source columns of the response: [y] or [successes, failures]. */
  response: string[];
  /** Source columns that define a pattern (the model's covariates and grouping factors). */
  patternColumns: string[];
}

const S = 'mlm.s';
const F = 'mlm.f';
const N = 'mlm.n';
const CROW = 'mlm.crow';
const SROW = 'mlm.srow';

/**
 * Can this model's rows be collapsed? Binomial (a 0/1 column or cbind(a, b) of columns) or Poisson with the
 * log link; no weights:, no offset, no derive: lines (group means need the rows). A reason when not.
 */
export function collapsePlan(doc: MlmDocument, decl: ModelDecl, columns: readonly string[]): CollapsePlan | { reason: string } {
  const s = modelSettings(decl);
  if (s.family !== 'binomial' && !(s.family === 'poisson' && s.link === 'log')) return { reason: 'only binomial and Poisson (log link) models collapse' };
  if (decl.weights) return { reason: 'a model with weights: does not collapse' };
  if (doc.derives.length) return { reason: 'derive: lines need the rows' };
  const lhs = decl.formula?.ast?.lhs;
  if (!lhs) return { reason: 'no response' };
  const has = (n: string) => columns.includes(n);
  let response: string[];
  if (lhs.type === 'ident' && has(lhs.name)) response = [lhs.name];
  else if (s.family === 'binomial' && lhs.type === 'call' && lhs.name === 'cbind' && lhs.args.length === 2 && lhs.args.every((a) => a.type === 'ident' && has(a.name))) {
    response = lhs.args.map((a) => (a as { name: string }).name);
  } else return { reason: 'the response is not a column or cbind() of two columns' };
  const uses = frameVariables(decl).filter((u) => u.role !== 'response');
  if (uses.some((u) => u.role === 'offset')) return { reason: 'a model with an offset does not collapse' };
  const patternColumns = [...new Set(uses.map((u) => u.name))];
  if (!patternColumns.every(has)) return { reason: 'a variable of the formula is not a column' };
  if (patternColumns.some((c) => response.includes(c))) return { reason: 'the response is also a covariate' };
  return { kind: s.family === 'poisson' ? 'poisson' : response.length === 2 ? 'binomial' : 'bernoulli', response, patternColumns };
}

export interface Collapsed {
  /** One row per pattern: the pattern columns, then mlm.s, mlm.f (binomial) or mlm.s, mlm.n (Poisson). */
  table: DataTable;
  /** Rows before collapsing (after dropping rows with a missing value of the model). */
  rows: number;
  /** Rows left out for missing values. */
  dropped: number;
  /** The .mlm text of the collapsed model (the response rewritten; Poisson: offset(log(mlm.n))). */
  docText: string;
  /** LL_rows − LL_patterns. */
  logLikShift: number;
  /** deviance_rows − deviance_patterns. */
  devianceShift: number;
}

/** Collapses the rows in one GROUP BY pass; null when it would not shrink them below `maxFraction` of the rows. */
export async function collapseRows(
  runner: DuckDbRunner,
  relation: string,
  label: string,
  doc: MlmDocument,
  decl: ModelDecl,
  plan: CollapsePlan,
  options: SqlQueryOptions & { maxFraction?: number } = {},
): Promise<Collapsed | null> {
  const id = sqlIdent;
  const cols = plan.patternColumns.map(id);
  const used = [...plan.patternColumns, ...plan.response].map((c) => `${id(c)} IS NOT NULL`).join(' AND ');
  const counts = await runner.query(`SELECT count(*), count(*) FILTER (WHERE ${used}) FROM ${relation}`, options);
  const total = Number(counts.rows[0][0]);
  const rows = Number(counts.rows[0][1]);
  const y = id(plan.response[0]);
  const xl = (x: string, n: string) => `CASE WHEN ${x} = 0 THEN 0 ELSE ${x} * ln(${x} / ${n}) END`;
  let sums: string;
  if (plan.kind === 'poisson') {
    // c_row = −lgamma(y + 1); sat_row = y log y − y − lgamma(y + 1)
    sums = `sum(${y}) AS ${id(S)}, count(*) AS ${id(N)}, sum(-lgamma(${y} + 1)) AS ${id(CROW)}, sum(${xl(y, '1')} - ${y} - lgamma(${y} + 1)) AS ${id(SROW)}`;
  } else if (plan.kind === 'bernoulli') {
    // a 0/1 row: c_row = 0 and sat_row = 0
    sums = `sum(${y}) AS ${id(S)}, count(*) - sum(${y}) AS ${id(F)}, 0 AS ${id(CROW)}, 0 AS ${id(SROW)}, bool_and(${y} IN (0, 1)) AS "mlm.ok"`;
  } else {
    const a = y;
    const b = id(plan.response[1]);
    const lchoose = `(lgamma(${a} + ${b} + 1) - lgamma(${a} + 1) - lgamma(${b} + 1))`;
    sums = `sum(${a}) AS ${id(S)}, sum(${b}) AS ${id(F)}, sum(${lchoose}) AS ${id(CROW)}, sum(${lchoose} + ${xl(a, `(${a} + ${b})`)} + ${xl(b, `(${a} + ${b})`)}) AS ${id(SROW)}`;
  }
  const sql = `(SELECT ${cols.join(', ')}${cols.length ? ', ' : ''}${sums} FROM ${relation} WHERE ${used}${cols.length ? ` GROUP BY ${cols.join(', ')}` : ''})`;
  const patterns = Number((await runner.query(`SELECT count(*) FROM ${sql}`, options)).rows[0][0]);
  if (patterns > (options.maxFraction ?? 0.5) * rows) return null;
  if (plan.kind === 'bernoulli') {
    const ok = await runner.query(`SELECT bool_and("mlm.ok") FROM ${sql}`, options);
    if (ok.rows[0][0] !== true) return null; // not 0/1: the columns path gives the located message
  }
  const table = await readSqlTable(runner, sql, label, (names) => names.filter((n) => n !== 'mlm.ok'), options);
  const num = (name: string) => (table.columns.get(name) as NumericColumn).values;
  const s = num(S);
  const cRow = num(CROW);
  const satRow = num(SROW);
  let cPat = 0;
  let satPat = 0;
  let cRows = 0;
  let satRows = 0;
  for (let k = 0; k < table.nrow; k++) {
    cRows += cRow[k];
    satRows += satRow[k];
    if (plan.kind === 'poisson') {
      const n = num(N)[k];
      cPat += s[k] * Math.log(n) - lgamma(s[k] + 1);
      satPat += (s[k] > 0 ? s[k] * Math.log(s[k]) : 0) - s[k] - lgamma(s[k] + 1);
    } else {
      const f = num(F)[k];
      const n = s[k] + f;
      const lchoose = lgamma(n + 1) - lgamma(s[k] + 1) - lgamma(f + 1);
      cPat += lchoose;
      satPat += lchoose + (s[k] > 0 ? s[k] * Math.log(s[k] / n) : 0) + (f > 0 ? f * Math.log(f / n) : 0);
    }
  }
  const logLikShift = cRows - cPat;
  const devianceShift = 2 * (satRows - satPat) - 2 * logLikShift;
  return { table, rows, dropped: total - rows, docText: collapsedText(doc, decl, plan), logLikShift, devianceShift };
}

/** The .mlm text of the collapsed model: the file-level levels:/factors: lines and the model with its response rewritten. */
function collapsedText(doc: MlmDocument, decl: ModelDecl, plan: CollapsePlan): string {
  const f = decl.formula!;
  const rhs = f.text.slice(f.ast!.lhs!.span.end);
  const response = plan.kind === 'poisson' ? S : `cbind(${S}, ${F})`;
  const formula = `${response}${rhs}${plan.kind === 'poisson' ? ` + offset(log(${N}))` : ''}`;
  const lines = [`data: ${doc.data?.value ?? 'data'}`];
  for (const e of doc.entries) if (!e.model && (e.key === 'levels' || e.key === 'factors')) lines.push(`${e.key}: ${e.value.text}`);
  lines.push(`model ${decl.name}:`, `  formula: ${formula}`);
  for (const e of decl.entries) if (e.key !== 'formula' && e.key !== 'weights') lines.push(`  ${e.key}: ${e.value.text}`);
  return lines.join('\n') + '\n';
}

/** The collapsed fit's result as the fit to the rows: nobs, rows left out, logLik, deviance, AIC, BIC. */
export function uncollapsedResult(result: FitResult, c: Collapsed, note: string): FitResult {
  const logLik = result.logLik + c.logLikShift;
  return {
    ...result,
    nobs: c.rows,
    rowsDropped: c.dropped,
    logLik,
    deviance: result.deviance === null ? null : result.deviance + c.devianceShift,
    ...informationCriteria(logLik, result.df, c.rows),
    // the variance of the fixed-effect predictions is over rows, not patterns: not computed here
    r2: null,
    // fitted values and residuals stay per pattern (the note says so)
    dataSource: `${note}; fitted values and residuals are per pattern`,
  };
}

/** Parses the collapsed model's text (its model is the only one). */
export function collapsedDocument(c: Collapsed): MlmDocument {
  return parseMlm(c.docText);
}

export interface CollapsedFit {
  fitted: FittedMixedModel;
  /** How the data reached the fit (FitResult.dataSource). */
  note: string;
}

/**
 * Fits a binomial or Poisson GLMM from its collapsed rows; a reason instead when the model does not
 * collapse (its kind, or too many patterns), and the caller fits the loaded columns as usual.
 */
export async function fitCollapsedGlmm(
  doc: MlmDocument,
  decl: ModelDecl,
  source: { relation: string; label: string; columns: readonly string[] },
  options: DuckDbOptions & SqlQueryOptions & { maxFraction?: number },
  hooks?: FitHooks,
): Promise<CollapsedFit | { reason: string }> {
  const plan = collapsePlan(doc, decl, source.columns);
  if ('reason' in plan) return plan;
  const runner = await DuckDbRunner.open(options);
  let c: Collapsed | null;
  try {
    c = await collapseRows(runner, source.relation, source.label, doc, decl, plan, options);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    return { reason: `the rows could not be collapsed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  } finally {
    await runner.close();
  }
  if (!c) return { reason: 'collapsing would not shrink the rows to half' };
  const prep = prepareDocument(collapsedDocument(c), () => undefined, { loaded: { table: c.table, diagnostics: [] }, analyze: false });
  const m = prep.models[0];
  if (!m?.frame) return { reason: `the collapsed model has no frame (${m?.error?.message ?? 'unknown'})` };
  const note = `DuckDB: ${c.rows.toLocaleString('en-US')} rows collapsed to ${c.table.nrow.toLocaleString('en-US')} covariate patterns (${plan.kind === 'poisson' ? 'Poisson totals with log(rows) as offset' : 'successes and failures per pattern'})`;
  const fitted = await fitMixedModel(m.frame, { ...m.spec, id: decl.name, ...(decl.formula ? { range: decl.formula.range } : {}) }, hooks);
  return { fitted: { ...fitted, result: deepFreeze(uncollapsedResult(fitted.result, c, note)) }, note };
}
