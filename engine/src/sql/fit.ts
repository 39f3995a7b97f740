/**
 * A linear mixed model fitted from data that stay in a SQL engine: describe the relation, fetch
 * the levels of categorical predictors, run the one aggregation query of the blocks, fit from the
 * blocks (lmm/ through fitMixedModel, so the optimizer, lme4's checks, Satterthwaite, R² and the ICC
 * are the in-memory ones), then read a random sample of rows for the scaled-residual quantiles.
 */
import { CancelledError, MlmError } from '../diagnostics';
import { compareR, numberLabelR } from '../data/rsort';
import { fitMixedModel, type FitSpec, type FittedMixedModel } from '../fit';
import type { LinearMixedModel } from '../lmm/model';
import { deepFreeze } from '../freeze';
import type { FitHooks } from '../hooks';
import { quantile7 } from '../inference/distributions';
import type { ModelFrame } from '../frame/types';
import { modelSettings } from '../mlmfile/spec';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import type { FitResult } from '../result';
import { blocksQueries, blocksQuery, centresQuery, designMeta, compilePlan, META_COLUMN, type DesignMeta, designOf, levelsQuery, orderKeyLevels, sampleQuery, unsupported, type BlocksPlan, type Design, type KeyLevels } from './compile';
import { frameFromBlocks } from './read';
import type { SqlColumn, SqlQueryOptions, SqlResult, SqlRunner, SqlSource, SqlValue } from './runner';
import { dialectOf } from './dialect';

export interface SqlFitOptions {
  /** Progress and cancellation of the fit (FitHooks.isCancelled is also polled between queries). */
  hooks?: FitHooks;
  /** Passed to every query (abort signal, rows-scanned progress). */
  query?: SqlQueryOptions;
  /** Rows read back for the scaled-residual quantiles (default 10,000; all rows when the model uses fewer; 0: none). */
  residualSample?: number;
}

export interface SqlFit extends FittedMixedModel {
  /** The queries run, in order (levels, blocks, sample). */
  queries: string[];
  /** Rows in the relation before rows with missing values were left out. */
  nAll: number;
}

/** Describes the relation and compiles the model (no aggregation yet): the plan and its design once levels are fetched. */
export async function compileFromSql(source: SqlSource, doc: MlmDocument, decl: ModelDecl, options: SqlFitOptions = {}): Promise<{ design: Design; queries: string[]; columns: SqlColumn[] }> {
  const { runner, relation } = source;
  const columns = await runner.describe(relation, options.query);
  checkCancelled(options);
  const plan = compilePlan(doc, decl, columns, runner.dialect, relation);
  const queries: string[] = [];
  const levels = await fetchLevels(plan, source, options, queries);
  return { design: designOf(plan, levels), queries, columns };
}

/** The levels of the plan's categorical keys (DISTINCT over the rows used), in R's order. */
export async function fetchLevels(plan: BlocksPlan, source: SqlSource, options: SqlFitOptions, queries: string[]): Promise<Map<number, KeyLevels>> {
  const levels = new Map<number, KeyLevels>();
  for (const k of plan.factorKeys) {
    const q = levelsQuery(plan, k);
    queries.push(q);
    const res = await source.runner.query(q, options.query);
    checkCancelled(options);
    const kc = plan.keys[k];
    const values = res.rows.map((r) => r[0]).filter((v): v is Exclude<SqlValue, null> => v !== null).map((v) => (kc.numeric ? Number(v) : String(v)));
    levels.set(k, orderKeyLevels(values, kc.numeric, plan.levelOrders.get(kc.column), compareR, numberLabelR));
  }
  return levels;
}

/**
 * The self-contained blocks query of a model over a SQL source, with its design (what `mlm sql` prints; `blocks:`
 * reads its result). In a dialect without table CTEs (ClickHouse) the centres are computed first here and written
 * into the query as numbers.
 */
export async function compileBlocksQuery(source: SqlSource, doc: MlmDocument, decl: ModelDecl, options: SqlFitOptions = {}): Promise<string> {
  const { design, columns } = await compileFromSql(source, doc, decl, options);
  const meta = designMeta(design, columns);
  if (dialectOf(source.runner.dialect).cte) return blocksQuery(design, undefined, meta);
  const known = readCentres(design, await source.runner.query(centresQuery(design), options.query));
  checkCancelled(options);
  return blocksQuery(design, known, meta);
}

/** Fits a model declaration of a document whose data are `source`, from cross-product blocks. */
export async function fitFromSql(source: SqlSource, doc: MlmDocument, decl: ModelDecl, options: SqlFitOptions = {}): Promise<SqlFit> {
  const t0 = Date.now();
  const { design, queries } = await compileFromSql(source, doc, decl, options);
  // first pass: the centres; second: the blocks
  const cq = centresQuery(design);
  queries.push(cq);
  options.hooks?.onProgress?.({ stage: 'sql centres', evaluations: 0 });
  const cres = await source.runner.query(cq, options.query);
  checkCancelled(options);
  const known = readCentres(design, cres);
  // the blocks: the grouping factors' sums, then the cells of each pair of factors (their own sums only)
  const results: SqlResult[] = [];
  for (const sql of blocksQueries(design, known)) {
    queries.push(sql);
    options.hooks?.onProgress?.({ stage: 'sql blocks', evaluations: 0 });
    results.push(await source.runner.query(sql, options.query));
    checkCancelled(options);
  }
  return fitFromBlocksResult(design, results, source, decl, options, queries, t0, known);
}

/** The fit from a result of the blocks query (run here, or elsewhere and read back: the `blocks:` key). */
export async function fitFromBlocksResult(
  design: Design,
  res: SqlResult | SqlResult[],
  source: SqlSource | null,
  decl: ModelDecl,
  options: SqlFitOptions,
  queries: string[] = [],
  t0 = Date.now(),
  known?: { centres: Float64Array; nAll: number },
): Promise<SqlFit> {
  const { frame, nAll, centres, termKeys } = frameFromBlocks(design, res, known);
  const settings = modelSettings(decl);
  const df = settings.df ?? 'satterthwaite';
  if (df === 'kenward-roger' || df === 'between-within') throw unsupported(`df: ${df}`, decl.df?.range);
  const spec: FitSpec = { id: decl.name, REML: settings.REML, nAGQ: 1, df, range: decl.formula?.range };
  const fitted = await fitMixedModel(frame, spec, options.hooks);
  // the residual sum of squares of all rows, from the blocks: pwrss = |y − Xβ − Zb|² + |u|² at θ̂ (no weights in SQL)
  const lmm = fitted.model as LinearMixedModel;
  lmm.objective(fitted.result.theta);
  const u = lmm.u();
  let uu = 0;
  for (let i = 0; i < u.length; i++) uu += u[i] * u[i];
  const residualRmse = Math.sqrt(Math.max(0, lmm.pwrss - uu) / frame.n);
  let summary: Pick<FitResult, 'scaledResidualQuantiles' | 'residualSummary'> = {};
  const sampleRows = options.residualSample ?? 10_000;
  if (source && sampleRows > 0) {
    const rows = Math.min(sampleRows, frame.n);
    const q = sampleQuery(design, frame.n <= sampleRows ? frame.n : rows);
    queries.push(q);
    const sres = await source.runner.query(q, options.query);
    checkCancelled(options);
    const scaled = scaledResiduals(design, { frame, centres, termKeys }, fitted.result, sres);
    scaled.sort();
    summary = {
      scaledResidualQuantiles: [0, 0.25, 0.5, 0.75, 1].map((pr) => quantile7(scaled, pr)),
      residualSummary: { source: scaled.length >= frame.n ? 'all' : 'sample', rows: scaled.length, of: frame.n, rmse: residualRmse },
    };
  } else summary = { residualSummary: { source: 'sample', rows: 0, of: frame.n, rmse: residualRmse } };
  const result = deepFreeze({
    ...fitted.result,
    ...summary,
    ...(source ? { sqlSource: { dialect: source.runner.dialect, relation: source.label } } : {}),
    fitSeconds: (Date.now() - t0) / 1000,
  });
  return { ...fitted, result, queries, nAll };
}

/**
 * Fits a model from blocks computed elsewhere by `mlm sql`'s query and saved (the `blocks:` key):
 * `relation` reads that file through the runner (e.g. read_parquet('…') in DuckDB). The design the
 * query was compiled with travels in its column mlm_design; the .mlm must still describe that model.
 */
export async function fitFromBlocksFile(runner: SqlRunner, relation: string, doc: MlmDocument, decl: ModelDecl, options: SqlFitOptions = {}): Promise<SqlFit> {
  const t0 = Date.now();
  const range = doc.blocks?.range ?? decl.formula?.range;
  const d = dialectOf(runner.dialect);
  const metaRes = await runner.query(`SELECT DISTINCT ${d.ident(META_COLUMN)} AS m FROM ${relation}`, options.query);
  checkCancelled(options);
  const metas = metaRes.rows.map((r) => r[0]).filter((v): v is string => typeof v === 'string');
  const bad = (why: string) => new MlmError({ code: 'blocks-mismatch', message: `the blocks ${why}; print the query again with 'mlm sql' and rerun it`, range });
  if (metas.length !== 1) throw bad(metas.length === 0 ? `have no column ${META_COLUMN} (they were not computed by the query 'mlm sql' prints)` : 'hold several models');
  let meta: DesignMeta;
  try {
    meta = JSON.parse(metas[0]) as DesignMeta;
  } catch {
    throw bad(`have an unreadable ${META_COLUMN}`);
  }
  const plan = compilePlan(doc, decl, meta.columns, meta.dialect, meta.relation);
  const levels = new Map<number, KeyLevels>();
  for (const k of plan.factorKeys) {
    const lv = meta.levels[plan.keys[k].column];
    if (!lv) throw bad(`were computed for another model (no levels of '${plan.keys[k].column}')`);
    levels.set(k, lv);
  }
  const design = designOf(plan, levels);
  if (JSON.stringify(design.basis) !== JSON.stringify(meta.basis)) throw bad(`were computed for another formula than model '${decl.name}' has now`);
  const res = await runner.query(`SELECT * EXCLUDE (${d.ident(META_COLUMN)}) FROM ${relation}`, options.query);
  checkCancelled(options);
  return fitFromBlocksResult(design, res, null, decl, options, [], t0);
}

/** The result of centresQuery: the centres (index 0 unused) and the rows in the relation. */
function readCentres(design: Design, res: SqlResult): { centres: Float64Array; nAll: number } {
  const row = res.rows[0] ?? [];
  const col = new Map(res.columns.map((c, i) => [c.toLowerCase(), i]));
  const centres = new Float64Array(design.basis.length);
  for (let b = 1; b < design.basis.length; b++) centres[b] = Number(row[col.get(`c_${b}`)!] ?? NaN);
  const n = Number(row[col.get('n')!] ?? 0);
  if (!(n > 0)) throw new MlmError({ code: 'no-rows', message: `no rows are left after removing the rows with a missing value in a variable of the model (${Number(row[col.get('n_all')!] ?? 0)} rows in ${design.plan.relation})` });
  return { centres, nAll: Number(row[col.get('n_all')!]) };
}

function checkCancelled(options: SqlFitOptions): void {
  if (options.hooks?.isCancelled?.() || options.query?.signal?.aborted) throw new CancelledError();
}

/** Scaled residuals (y − Xβ − Zb)/σ of sampled rows (columns v1.. of the basis, g0.. of the keys). */
export function scaledResiduals(design: Design, fit: { frame: ModelFrame; centres: Float64Array; termKeys: number[][] }, result: FitResult, res: SqlResult): Float64Array {
  const { frame, centres, termKeys } = fit;
  const cb = frame.blocks!;
  const m1 = cb.m1;
  const col = new Map(res.columns.map((c, i) => [c.toLowerCase(), i]));
  const vi = Array.from({ length: m1 - 1 }, (_, b) => col.get(`v${b + 1}`)!);
  const beta = frame.coefnames.map((c) => result.fixef[c]);
  const p = beta.length;
  // the fixed-effects predictor in the basis
  const wx = new Float64Array(m1);
  for (let j = 0; j < p; j++) for (let a = 0; a < m1; a++) wx[a] += cb.x[a + j * m1] * beta[j];
  const keyLabel = (k: number, val: SqlValue): string => (design.plan.keys[k].numeric ? numberLabelR(Number(val)) : String(val));
  const groups = frame.reTerms.map((t, ti) => {
    const blk = result.ranef.find((r) => r.group === t.group)!;
    return { blk, termIdx: t.termNames.map((nm) => blk.terms.indexOf(nm)), levelIndex: new Map(blk.levels.map((l, i) => [l, i])), keys: termKeys[ti] };
  });
  const out = new Float64Array(res.rows.length);
  const v = new Float64Array(m1);
  res.rows.forEach((row, i) => {
    v[0] = 1;
    for (let b = 1; b < m1; b++) v[b] = Number(row[vi[b - 1]]) - centres[b];
    let yv = 0, eta = 0;
    for (let a = 0; a < m1; a++) {
      yv += cb.y[a] * v[a];
      eta += wx[a] * v[a];
    }
    frame.reTerms.forEach((t, ti) => {
      const g = groups[ti];
      const l = g.levelIndex.get(g.keys.map((k) => keyLabel(k, row[col.get(`g${k}`)!])).join(':'));
      if (l === undefined) return;
      const tz = cb.terms[ti].tz;
      for (let c = 0; c < t.k; c++) {
        let z = 0;
        for (let a = 0; a < m1; a++) z += tz[a + c * m1] * v[a];
        eta += z * g.blk.values[g.termIdx[c]][l];
      }
    });
    out[i] = (yv - eta) / result.sigma;
  });
  return out;
}

