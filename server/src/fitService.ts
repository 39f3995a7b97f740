/**
 * mlm/fit and mlm/results: fits models of a document in the engine (which yields to the event loop,
 * so the server keeps answering), with work-done progress and cancellation. The server keeps the
 * latest successful fit of every model; a failed or cancelled fit keeps the previous one.
 */
import type { CancellationToken, Connection } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelledError,
  MlmError,
  type MlmDiagnostic,
  type SourceRange,
  type ModelFrame,
  type FitHooks,
  type FitProgress,
  type ModelDecl,
  type FitResult,
  type MixedModel,
  type FittedMixedModel,
  explainSingular,
  simplifySingular,
  checkConvergenceByRefits,
  formatModelCheck,
  inferenceSideBySide,
  formatInferenceRows,
  type CoefficientInference,
  type SqlSource,
  type SqlProgress,
} from '../../engine/src/index';
import type { Analyzer, DocumentAnalysis } from './analysis';
import { runComparison, runDuckDbModelFit, runModelFit, runSqlModelFit } from './fitPipeline';
import { clickHouseSourceOf, readsClickHouse } from './clickhouseSource';
import type { ServerHost } from './host';
import type { CheckParams, CheckResponse, FitError, FitParams, FitResponse, InferenceParams, InferenceResponse } from '../../protocol/index';
import { normalizeUri } from './uris';

interface Kept {
  result: FitResult;
  frame: ModelFrame;
  /** The fit's model object (its criterion), for checks on the fit without a rebuild. */
  model: MixedModel;
  /** The formula text the model was fitted with (notes about the fit are shown while it is unchanged). */
  formula: string;
  /** Every inference side by side, per coefficient, once asked for (mlm/inference); dropped with the fit. */
  inference?: Map<string, CoefficientInference>;
  /** Fitted in a SQL engine (ClickHouse, the desktop's DuckDB) from cross-product blocks or collapsed rows (no rows in memory). */
  sql?: boolean;
}

const SQL_FIT_LIMIT = 'is fitted in SQL (cross-product blocks or collapsed rows, no rows in memory)';

interface DocFits {
  kept: Map<string, Kept>;
  /** Errors of the last fit request, with the formula text they were about (dropped once it changes). */
  errors: Array<FitError & { formula: string; blocking?: boolean }>;
  comparisons: unknown[];
}

export class FitService {
  private readonly docs = new Map<string, DocFits>();
  onErrorsChanged: (uri: string) => void = () => undefined;

  constructor(
    private readonly connection: Connection,
    private readonly analyzer: Analyzer,
    private readonly host: ServerHost,
  ) {}

  private state(uri: string): DocFits {
    const key = normalizeUri(uri);
    let s = this.docs.get(key);
    if (!s) this.docs.set(key, (s = { kept: new Map(), errors: [], comparisons: [] }));
    return s;
  }

  /** Latest successful results of a document, by model name. */
  resultsOf(uri: string): ReadonlyMap<string, FitResult> {
    const s = this.docs.get(normalizeUri(uri));
    const out = new Map<string, FitResult>();
    if (s) for (const [k, v] of s.kept) out.set(k, v.result);
    return out;
  }

  /** Latest comparison tables of a document (from its compare: lines). */
  comparisonsOf(uri: string): readonly unknown[] {
    return this.docs.get(normalizeUri(uri))?.comparisons ?? [];
  }

  results(uri: string): FitResponse {
    const s = this.state(uri);
    return {
      uri,
      results: [...s.kept.values()].map((k) => k.result),
      fitted: [],
      errors: s.errors.map(({ formula: _f, blocking: _b, ...e }) => e),
      comparisons: s.comparisons,
    };
  }

  /** Fit errors (with ranges) as diagnostics, while the model's formula is unchanged. */
  errorDiagnostics(uri: string, a: DocumentAnalysis): MlmDiagnostic[] {
    const s = this.docs.get(normalizeUri(uri));
    if (!s) return [];
    const out: MlmDiagnostic[] = [];
    for (const e of s.errors) {
      if (e.cancelled || e.blocking || !e.range) continue; // blocking problems are diagnostics already
      const m = a.doc.models.find((x) => x.name === e.model);
      if (!m || (m.formula?.text ?? '') !== e.formula) continue;
      out.push({ severity: 'error', code: 'fit-failed', message: `fit of '${e.model}' failed: ${e.message}`, range: e.range });
    }
    // a means: or estimate: line the fitted model cannot answer (unknown factor or coefficient)
    for (const [name, k] of s.kept) {
      const m = a.doc.models.find((x) => x.name === name);
      if (!m || (m.formula?.text ?? '') !== k.result.formula) continue;
      for (const d of k.result.postfit?.errors ?? []) if (d.range) out.push(d);
    }
    return out;
  }

  /**
   * Notes about kept fits, on the formula while it is unchanged: a singular fit explained term by term
   * (with simpler structures for quick fixes) and lme4's convergence warnings (with a check to run).
   */
  fitNotes(uri: string, a: DocumentAnalysis): MlmDiagnostic[] {
    const s = this.docs.get(normalizeUri(uri));
    if (!s) return [];
    const out: MlmDiagnostic[] = [];
    for (const [name, k] of s.kept) {
      const m = a.doc.models.find((x) => x.name === name);
      if (!m || !m.formula || m.formula.text !== k.formula) continue;
      if (k.result.singular) {
        const report = explainSingular(k.result);
        const details = report.terms.map((t) => t.detail);
        out.push({
          severity: 'information',
          code: 'singular-fit',
          message: `boundary (singular) fit of '${name}'${details.length ? `: ${details.join('; ')}` : ''}`,
          range: m.formula.range,
          data: { model: name, alternatives: simplifySingular(m.formula.text, report) },
        });
      }
      for (const w of k.result.warnings ?? []) {
        if (!/converge/i.test(w)) continue;
        out.push({ severity: 'warning', code: 'convergence-warning', message: `model '${name}': ${w}`, range: m.formula.range, data: { model: name } });
      }
    }
    return out;
  }

  /** Singular terms and the multi-optimizer convergence verdict of a kept fit. */
  async check(params: CheckParams, token: CancellationToken): Promise<CheckResponse> {
    const k = this.docs.get(normalizeUri(params.uri))?.kept.get(params.model);
    if (!k) return { model: params.model, error: `model '${params.model}' has not been fitted yet: fit it first (MLM: Fit Model).` };
    if (k.sql) return { model: params.model, error: `model '${params.model}' ${SQL_FIT_LIMIT}: the check refits it from rows, which this fit does not hold.` };
    const reporter = this.connection.window.attachWorkDoneProgress(params.workDoneToken);
    reporter.begin(`Checking ${params.model}`, 0, undefined, true);
    try {
      const singular = explainSingular(k.result);
      const convergence = await checkConvergenceByRefits(k, progressHooks(reporter, token));
      return {
        model: params.model,
        text: formatModelCheck(singular, convergence, k.result.warnings ?? []),
        verdict: convergence.verdict,
        safe: convergence.safe,
        singular: singular.singular,
      };
    } catch (e) {
      if (e instanceof CancelledError) return { model: params.model, cancelled: true, error: 'The check was cancelled.' };
      if (e instanceof MlmError) return { model: params.model, error: e.diagnostic.message };
      throw e;
    } finally {
      reporter.done();
    }
  }

  /** The side-by-side inference of a coefficient of a kept fit, when it has been computed. */
  inferenceOf(uri: string, model: string, coef: string): CoefficientInference | undefined {
    return this.docs.get(normalizeUri(uri))?.kept.get(model)?.inference?.get(coef);
  }

  /** Computes every inference for the fixed effects of a kept fit (profile and LRT refits; bootstrap when asked). */
  async inference(params: InferenceParams, token: CancellationToken): Promise<InferenceResponse> {
    const k = this.docs.get(normalizeUri(params.uri))?.kept.get(params.model);
    if (!k) return { model: params.model, error: `model '${params.model}' has not been fitted yet: fit it first (MLM: Fit Model).` };
    if (k.sql) return { model: params.model, error: `model '${params.model}' ${SQL_FIT_LIMIT}: Kenward-Roger and the bootstrap need the rows.` };
    const reporter = this.connection.window.attachWorkDoneProgress(params.workDoneToken);
    reporter.begin(`Inference for ${params.model}`, 0, undefined, true);
    try {
      const rows = await inferenceSideBySide(k, params.coef ? [params.coef] : undefined, { profile: true, lrt: true, bootstrap: params.bootstrap ?? null }, progressHooks(reporter, token));
      k.inference ??= new Map();
      for (const r of rows) k.inference.set(r.coef, r);
      const text = rows.map((r) => [`${r.coef} = ${r.estimate}`, ...formatInferenceRows(r), ...(r.remark ? [r.remark] : [])].join('\n')).join('\n\n') + '\n';
      return { model: params.model, coefficients: rows, text };
    } catch (e) {
      if (e instanceof CancelledError) return { model: params.model, cancelled: true, error: 'Cancelled.' };
      if (e instanceof MlmError) return { model: params.model, error: e.diagnostic.message };
      throw e;
    } finally {
      reporter.done();
    }
  }

  async fit(td: TextDocument, params: FitParams, token: CancellationToken): Promise<FitResponse> {
    const a = await this.analyzer.get(td);
    const s = this.state(td.uri);
    const models = pickModels(a, params);
    const errors: Array<FitError & { formula: string; blocking?: boolean }> = [];
    const fitted: string[] = [];
    const reporter = this.connection.window.attachWorkDoneProgress(params.workDoneToken);
    reporter.begin(models.length === 1 ? `Fitting ${models[0].name}` : `Fitting ${models.length} models`, 0, undefined, true);
    const cancelled = () => token.isCancellationRequested;
    // data: clickhouse://… or read through DuckDB: the models are fitted in SQL; cancelling aborts the running query
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    let sqlSource: SqlSource | null = null;
    try {
      if (readsClickHouse(a.doc) && !a.doc.diagnostics.some((d) => d.severity === 'error' && d.range && a.doc.data && within(d.range.start.line, a.doc.data.range))) {
        sqlSource = await clickHouseSourceOf(a.doc, this.connection, this.host);
      }
      if (params.model && models.length === 0) {
        errors.push({ model: params.model, message: `no model named '${params.model}'`, formula: '' });
      }
      for (let i = 0; i < models.length; i++) {
        const m = models[i];
        const formula = m.formula?.text ?? '';
        // Let messages already received ($/cancelRequest sent right after the request) be read
        // before a fit that may finish within one Ticker interval.
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (cancelled()) {
          errors.push({ model: m.name, message: 'The fit was cancelled.', cancelled: true, formula });
          continue;
        }
        const blocking = await blockingProblem(a, m);
        if (blocking) {
          errors.push({ model: m.name, message: blocking.message, range: blocking.range, formula, blocking: true });
          continue;
        }
        let lastReport = 0;
        let lastStage = '';
        const hooks: FitHooks = {
          isCancelled: cancelled,
          yieldEveryMs: 20,
          onProgress: (p: FitProgress) => {
            // at most every 100 ms, and whenever the fit enters another stage
            const now = Date.now();
            if (now - lastReport < 100 && p.stage === lastStage) return;
            lastReport = now;
            lastStage = p.stage;
            const frac = (i + (p.fraction ?? 0.5)) / models.length;
            reporter.report(Math.round(100 * frac), `${m.name}: ${p.stage}, ${p.evaluations} evaluations`);
          },
        };
        try {
          const onRows = (p: SqlProgress) => {
            if (p.rowsRead) reporter.report(Math.round((100 * (i + (p.fraction ?? 0) * 0.5)) / models.length), `${m.name}: ${p.rowsRead.toLocaleString('en-US')} rows read`);
          };
          let fit: FittedMixedModel;
          let sql = false;
          if (sqlSource) {
            fit = await runSqlModelFit(a, m, sqlSource, hooks, { signal: abort.signal, onProgress: onRows });
            sql = true;
          } else if (a.sqlFitter) {
            // data read through the desktop's DuckDB: fitted in SQL over every row, as `mlm fit` does
            ({ fitted: fit, sql } = await runDuckDbModelFit(a, m, a.sqlFitter, hooks, { signal: abort.signal, onProgress: onRows }));
          } else fit = await runModelFit(a, m, hooks);
          const { frame, result, model } = fit;
          s.kept.set(m.name, { frame, result, model, formula, ...(sql ? { sql: true } : {}) });
          fitted.push(m.name);
        } catch (e) {
          errors.push(toFitError(m, e, formula));
        }
        reporter.report(Math.round((100 * (i + 1)) / models.length));
      }
      // Comparisons of the document's compare: lines whose models all have results.
      const comparisons: unknown[] = [];
      for (const c of a.doc.compares) {
        const names = c.models.map((x) => x.value);
        if (names.length < 2 || !names.every((n) => s.kept.has(n))) continue;
        if (!names.some((n) => fitted.includes(n))) {
          // None of its models was refitted: keep the previous table when there is one.
          const prev = (s.comparisons as Array<{ models?: string[] }>).find((p) => p.models?.join(',') === names.join(','));
          if (prev) {
            comparisons.push(prev);
            continue;
          }
        }
        if (cancelled()) break;
        try {
          comparisons.push(
            await runComparison(
              a,
              names.map((n) => ({ name: n, ...s.kept.get(n)! })),
              { isCancelled: cancelled, yieldEveryMs: 20 },
              c.range,
            ),
          );
        } catch (e) {
          const err = toFitError(null, e, '');
          errors.push({ ...err, model: `compare: ${names.join(', ')}`, range: err.range ?? c.range });
        }
      }
      s.comparisons = comparisons;
    } finally {
      onCancel.dispose();
      reporter.done();
    }
    s.errors = errors;
    this.onErrorsChanged(td.uri);
    return {
      uri: td.uri,
      results: [...s.kept.values()].map((k) => k.result),
      fitted,
      errors: errors.map(({ formula: _f, blocking: _b, ...e }) => e),
      comparisons: s.comparisons,
    };
  }
}

/** Hooks for a long computation on a kept fit: LSP cancellation, yielding, progress at most every 100 ms. */
function progressHooks(reporter: { report(message: string): void }, token: CancellationToken): FitHooks {
  let last = 0;
  return {
    isCancelled: () => token.isCancellationRequested,
    yieldEveryMs: 20,
    onProgress: (p: FitProgress) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      reporter.report(`${p.stage}, ${p.evaluations} evaluations`);
    },
  };
}

function within(line: number, r: SourceRange): boolean {
  return r.start.line <= line && line <= r.end.line;
}

function pickModels(a: DocumentAnalysis, p: FitParams): ModelDecl[] {
  if (p.model) return a.doc.models.filter((m) => m.name === p.model);
  if (p.position) {
    const m = a.doc.models.find((x) => within(p.position!.line, x.range));
    if (m) return [m];
    const c = a.doc.compares.find((x) => within(p.position!.line, x.range));
    if (c) return a.doc.models.filter((m) => c.models.some((x) => x.value === m.name));
    return a.doc.models.slice(0, 1);
  }
  return a.doc.models;
}

/** An error diagnostic that prevents fitting this model (in its block, or about the data). */
async function blockingProblem(a: DocumentAnalysis, m: ModelDecl): Promise<MlmDiagnostic | null> {
  if (!m.formula || !m.formula.ast) {
    return (await a.diagnostics()).find((d) => d.severity === 'error' && d.range && within(d.range.start.line, m.range)) ?? {
      severity: 'error',
      code: 'missing-formula',
      message: `model '${m.name}' has no valid formula`,
      range: m.nameRange,
    };
  }
  if (readsClickHouse(a.doc)) {
    // the table is read when fitting; a problem on the data: line (a malformed URL, credentials in it) blocks
    const data = a.doc.data!.range;
    return (await a.diagnostics()).find((d) => d.severity === 'error' && d.range && (within(d.range.start.line, m.range) || within(d.range.start.line, data))) ?? null;
  }
  if (!a.table) {
    const d = (await a.diagnostics()).find((x) => x.severity === 'error' && (x.code.startsWith('data') || x.code.startsWith('csv') || x.code === 'missing-data'));
    return d ?? { severity: 'error', code: 'missing-data', message: 'the data file is not loaded', range: a.doc.data?.range ?? m.nameRange };
  }
  return (await a.diagnostics()).find((d) => d.severity === 'error' && d.range && within(d.range.start.line, m.range)) ?? null;
}

function toFitError(m: ModelDecl | null, e: unknown, formula: string): FitError & { formula: string } {
  const model = m?.name ?? '';
  if (e instanceof CancelledError) return { model, message: e.message, cancelled: true, formula };
  if (e instanceof MlmError) return { model, message: e.diagnostic.message, range: e.diagnostic.range ?? m?.nameRange, formula };
  // not a problem of the input: say so (the fuzz tests look for it)
  return { model, message: `internal error: ${e instanceof Error ? e.message : String(e)}`, range: m?.nameRange, formula };
}
