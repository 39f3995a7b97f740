/**
 * Model comparison as lme4's anova(m1, m2, ...): likelihood-ratio tests between models fitted to
 * the same rows and response. REML fits are refitted with ML first (lme4 says "refitting model(s)
 * with ML (instead of REML)"); rows are ordered by number of parameters; Chisq is twice the
 * increase in log-likelihood from the previous row (never negative), Df the increase in npar.
 * Fits by nlme's likelihood (correlation:/variance:) are refitted by nlme's ML with their structures, so
 * the test is nlme's anova(m1, m2) of the ML fits (the structures' parameters counted in npar).
 */
import { MlmError } from '../diagnostics';
import type { FitHooks } from '../hooks';
import type { ModelFrame } from '../frame/types';
import type { FitResult } from '../result';
import { fitLmm } from '../lmm';
import type { MixedModel } from '../fit';
import { fitLme } from '../nlme/fit';
import { LmeModel } from '../nlme/model';
import { chisqUpper } from './distributions';
import { interpretLrt } from './interpret';
import { formatColumn, formatPValues, printMatrix, signifStars, SIGNIF_LEGEND, zapsmall } from './rformat';

export interface AnovaEntry {
  name: string;
  frame: ModelFrame;
  result: FitResult;
  /** The fit's model object: for fits by nlme's likelihood it carries the correlation:/variance: data the ML refit needs. */
  model?: MixedModel;
}

export interface AnovaRow {
  name: string;
  formula: string;
  npar: number;
  AIC: number;
  BIC: number;
  logLik: number;
  deviance: number;
  /** Likelihood-ratio statistic against the previous row; null on the first row. */
  Chisq: number | null;
  Df: number | null;
  /** Pr(>Chisq); null on the first row or when Df is 0. */
  p: number | null;
  /** True when this row's figures come from an ML refit of a REML fit. */
  refitted: boolean;
  /**
   * When this row adds random-effect variances to the previous model with the same fixed effects,
   * the test is on the boundary of the parameter space (a variance cannot be negative): the p-value
   * from the 50:50 mixture of χ²(Df − 1) and χ²(Df) (Self and Liang; Stram and Lee), which halves
   * the p-value for a single variance. Null otherwise; the χ²(Df) p above is then conservative.
   */
  pBoundary?: number | null;
  /** The test in words against the previous row (interpret.ts interpretLrt); absent on the first row. */
  sentence?: string;
}

export interface AnovaTable {
  /** Name of the data set, for the 'Data:' heading. */
  data: string;
  rows: AnovaRow[];
  /** Messages lme4 would print, e.g. 'refitting model(s) with ML (instead of REML)'. */
  notes: string[];
}

/** Refits a REML fit by maximum likelihood (same frame and model, REML = false). */
export type MlRefitter = (frame: ModelFrame, result: FitResult, hooks?: FitHooks, model?: MixedModel) => Promise<FitResult>;

export interface CompareOptions {
  /** Data set name for the heading (the CSV file name); default 'data'. */
  dataName?: string;
  /** How REML fits are refitted with ML; default: the engine's LMM fit with REML = false. */
  refit?: MlRefitter;
}

/**
 * The engine's ML refit of a REML fit: lme4's refitML, or for a fit by nlme's likelihood nlme's ML fit with
 * the same correlation:/variance: structures (lme4's fitter would drop them). An nlme fit without its model
 * object cannot be refitted faithfully: a located error rather than a test of another model.
 */
export const refitMl: MlRefitter = async (frame, result, hooks, model) => {
  if (result.fitter !== 'nlme') return fitLmm(frame, { REML: false, id: result.id }, hooks);
  if (!(model instanceof LmeModel)) {
    throw new MlmError({ code: 'anova-no-refit', message: `model ${result.id} is fitted by nlme's likelihood (correlation:/variance:); its ML refit needs the structures, which were not passed` });
  }
  return (await fitLme(frame, model.structures, { REML: false, id: result.id }, hooks)).result;
};

function sameRows(a: ModelFrame, b: ModelFrame): boolean {
  if (a.n !== b.n || a.rows.length !== b.rows.length) return false;
  for (let i = 0; i < a.rows.length; i++) if (a.rows[i] !== b.rows[i]) return false;
  for (let i = 0; i < a.y.length; i++) if (a.y[i] !== b.y[i]) return false;
  return true;
}

export async function compareModels(entries: AnovaEntry[], hooks?: FitHooks, options: CompareOptions = {}): Promise<AnovaTable> {
  if (entries.length < 2) {
    throw new MlmError({ code: 'anova-too-few', message: 'Model comparison needs at least two models.' });
  }
  const names = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new MlmError({ code: 'anova-duplicate', message: `Model '${e.name}' appears twice in the comparison.` });
    names.add(e.name);
  }
  const first = entries[0];
  for (const e of entries.slice(1)) {
    if (e.result.nobs !== first.result.nobs || e.frame.n !== first.frame.n) {
      throw new MlmError({
        code: 'anova-different-data',
        message: `Models '${first.name}' and '${e.name}' were not fitted to the same number of observations (${first.result.nobs} and ${e.result.nobs}); they cannot be compared. Missing values in a variable used by only one model drop different rows.`,
      });
    }
    if (e.frame.responseName !== first.frame.responseName || e.result.family !== first.result.family) {
      throw new MlmError({
        code: 'anova-different-response',
        message: `Models '${first.name}' (${first.frame.responseName}, ${first.result.family}) and '${e.name}' (${e.frame.responseName}, ${e.result.family}) do not have the same response; they cannot be compared.`,
      });
    }
    if (!sameRows(first.frame, e.frame)) {
      throw new MlmError({
        code: 'anova-different-data',
        message: `Models '${first.name}' and '${e.name}' were not fitted to the same rows of data; they cannot be compared.`,
      });
    }
  }
  const notes: string[] = [];
  const reml = entries.filter((e) => e.result.REML && e.result.family === 'gaussian');
  if (reml.length > 0) notes.push('refitting model(s) with ML (instead of REML)');
  if (reml.some((e) => e.result.fitter === 'nlme')) notes.push("models with correlation:/variance: are refitted by nlme's ML with their structures (nlme's anova of the ML fits)");
  const refit = options.refit ?? refitMl;
  const rows: AnovaRow[] = [];
  const varianceCount = new Map<string, number>();
  const fixedKey = new Map<string, string>();
  for (const e of entries) {
    varianceCount.set(e.name, e.result.varcorr.filter((v) => v.grp !== 'Residual' && v.var2 === null).length);
    fixedKey.set(e.name, [...e.result.coefnames].sort().join('\u0000'));
  }
  for (const e of entries) {
    let r = e.result;
    let refitted = false;
    if (r.REML && r.family === 'gaussian') {
      if (!refit) throw new MlmError({ code: 'anova-no-refit', message: 'REML fits must be refitted with ML to be compared, and no ML fitter is available.' });
      r = await refit(e.frame, e.result, hooks, e.model);
      refitted = true;
    }
    rows.push({
      name: e.name,
      formula: e.result.formula,
      npar: r.df,
      AIC: r.AIC,
      BIC: r.BIC,
      logLik: r.logLik,
      deviance: -2 * r.logLik,
      Chisq: null,
      Df: null,
      p: null,
      refitted,
    });
  }
  // stable order by number of parameters, as R's order()
  const ordered = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.npar - b.r.npar || a.i - b.i).map((x) => x.r);
  for (let i = 1; i < ordered.length; i++) {
    const cur = ordered[i];
    const prev = ordered[i - 1];
    cur.Chisq = 2 * Math.max(0, cur.logLik - prev.logLik);
    cur.Df = cur.npar - prev.npar;
    cur.p = cur.Df === 0 ? null : chisqUpper(cur.Chisq, cur.Df);
    const addsVariance = (varianceCount.get(cur.name) ?? 0) > (varianceCount.get(prev.name) ?? 0);
    if (cur.Df > 0 && addsVariance && fixedKey.get(cur.name) === fixedKey.get(prev.name)) {
      cur.pBoundary = boundaryMixtureP(cur.Chisq, cur.Df);
    }
    cur.sentence = interpretLrt(cur, prev);
  }
  return { data: dataLabel(options.dataName), rows: ordered, notes };
}

/** p-value of the 50:50 mixture of χ²(df − 1) and χ²(df) (χ²(0) is a point mass at 0). */
export function boundaryMixtureP(chisq: number, df: number): number {
  const lower = df - 1 === 0 ? (chisq > 0 ? 0 : 1) : chisqUpper(chisq, df - 1);
  return 0.5 * lower + 0.5 * chisqUpper(chisq, df);
}

/** 'data/sleepstudy.csv' -> 'sleepstudy' (lme4 prints the data object's name). */
function dataLabel(name: string | undefined): string {
  if (!name) return 'data';
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.(csv|tsv|txt)$/i, '') || 'data';
}

/** lme4's printed anova table: notes, 'Data:', 'Models:', the table with stars and the legend. */
export function formatAnova(table: AnovaTable): string {
  const digits = 5;
  const lines: string[] = [...table.notes, `Data: ${table.data}`, 'Models:'];
  for (const r of table.rows) lines.push(`${r.name}: ${r.formula}`);
  const rows = table.rows;
  const col = (f: (r: AnovaRow) => number | null) => formatColumn(rows.map(f), digits, '');
  const zcol = (f: (r: AnovaRow) => number | null) => formatColumn(zapsmall(rows.map(f), digits), digits, '');
  const round4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
  const cols = [
    zcol((r) => r.npar),
    zcol((r) => r.AIC),
    zcol((r) => r.BIC),
    zcol((r) => r.logLik),
    zcol((r) => r.deviance),
    col((r) => round4(r.Chisq)),
    col((r) => r.Df),
    formatPValues(rows.map((r) => r.p), 4),
  ];
  const header = ['npar', 'AIC', 'BIC', 'logLik', 'deviance', 'Chisq', 'Df', 'Pr(>Chisq)'];
  const ps = rows.map((r) => r.p).filter((p): p is number => p !== null);
  const stars = ps.some((p) => p < 0.1);
  if (stars) {
    header.push('');
    cols.push(rows.map((r) => signifStars(r.p).padEnd(3)));
  }
  const cells = rows.map((_, i) => cols.map((c) => c[i]));
  lines.push(...printMatrix(rows.map((r) => r.name), header, cells));
  if (stars) lines.push('---', SIGNIF_LEGEND);
  return lines.join('\n');
}
