/**
 * Several fitted models side by side, as modelsummary / sjPlot's tab_model / performance's
 * compare_performance lay them out: coefficients (SE) aligned by term, random-effect SDs, N, groups,
 * logLik, AIC, BIC, Nakagawa R² (marginal, conditional), ICC, RMSE and Akaike weights, with notes
 * when the models are not comparable by likelihood (different rows, REML vs ML, Laplace vs AGQ,
 * different responses). Reads only the FitResults; nothing is refitted.
 */
import type { FitResult } from '../result';
import { intervalMethod } from './coefficients';

export interface ModelTableEntry {
  name: string;
  result: FitResult;
}

export interface ModelTableCell {
  estimate: number;
  se: number;
  p: number | null;
}

export interface ModelTable {
  models: string[];
  /** Fixed-effect terms in first-appearance order; cells[t][m] null when model m lacks the term. */
  terms: string[];
  cells: (ModelTableCell | null)[][];
  /** Random-effect SDs (and the residual) by 'group: term' label. */
  sdLabels: string[];
  sds: (number | null)[][];
  stats: {
    nobs: number[];
    groups: Record<string, number>[];
    logLik: number[];
    AIC: number[];
    BIC: number[];
    r2Marginal: (number | null)[];
    r2Conditional: (number | null)[];
    icc: (number | null)[];
    RMSE: (number | null)[];
    /** Akaike weights exp(−ΔAIC/2) / Σ; null when the models are not comparable by likelihood. */
    aicWeight: (number | null)[] | null;
  };
  notes: string[];
  /** Which tests the stars come from, e.g. 't tests (Satterthwaite df)' or per model when they differ. */
  tests: string;
}

/** The test behind a model's p-values, named as its coefficient intervals are ('t, Kenward-Roger df', 'Wald z'). */
function testName(r: FitResult): string {
  const m = /\((t, [^)]*)\)$/.exec(intervalMethod(r));
  return m ? m[1] : 'Wald z';
}

function sameRows(a: FitResult, b: FitResult): boolean {
  if (a.nobs !== b.nobs) return false;
  if (!a.rows || !b.rows || a.rows.length !== b.rows.length) return a.nobs === b.nobs;
  for (let i = 0; i < a.rows.length; i++) if (a.rows[i] !== b.rows[i]) return false;
  return true;
}

export function modelTable(entries: ModelTableEntry[]): ModelTable {
  const terms: string[] = [];
  for (const e of entries) for (const c of e.result.coefnames) if (!terms.includes(c)) terms.push(c);
  const cells = terms.map((t) =>
    entries.map(({ result: r }) => (r.coefnames.includes(t) ? { estimate: r.fixef[t], se: r.se[t], p: r.tests?.[t]?.p ?? null } : null)),
  );
  const sdLabels: string[] = [];
  const label = (row: FitResult['varcorr'][number]) => (row.grp === 'Residual' ? 'Residual' : `${row.grp}: ${row.var1}`);
  for (const e of entries) for (const row of e.result.varcorr) if (row.var2 === null && !sdLabels.includes(label(row))) sdLabels.push(label(row));
  const sds = sdLabels.map((l) => entries.map(({ result: r }) => r.varcorr.find((row) => row.var2 === null && label(row) === l)?.sdcor ?? null));
  const rmse = (r: FitResult) =>
    r.observationSample ? r.observationSample.residualRmse : r.residualSummary ? r.residualSummary.rmse : r.residuals && r.residuals.length ? Math.sqrt(r.residuals.reduce((s, x) => s + x * x, 0) / r.residuals.length) : null;
  const notes: string[] = [];
  const first = entries[0]?.result;
  let comparable = entries.length > 1;
  for (const e of entries.slice(1)) {
    if (!sameRows(first, e.result)) {
      notes.push(`Models ${entries[0].name} and ${e.name} were fitted to different rows (${first.nobs} and ${e.result.nobs} observations): their likelihoods, AIC and BIC are not comparable.`);
      comparable = false;
    }
    if (e.result.responseName !== first.responseName) {
      notes.push(`Models ${entries[0].name} and ${e.name} have different responses (${first.responseName}, ${e.result.responseName}): not comparable by likelihood.`);
      comparable = false;
    }
  }
  const reml = entries.filter((e) => e.result.family === 'gaussian' && e.result.REML);
  if (reml.length > 0 && reml.length < entries.length) {
    notes.push(`REML and ML fits are mixed (REML: ${reml.map((e) => e.name).join(', ')}): REML likelihoods are not comparable with ML ones; compare them after an ML refit (compare:).`);
    comparable = false;
  } else if (reml.length > 1 && entries.some((e) => e.result.coefnames.join() !== first.coefnames.join())) {
    notes.push('REML likelihoods of models with different fixed effects are not comparable; compare them after an ML refit (compare:).');
    comparable = false;
  }
  const agq = new Set(entries.filter((e) => e.result.family !== 'gaussian').map((e) => e.result.nAGQ));
  if (agq.size > 1) {
    notes.push('Laplace and adaptive Gauss-Hermite (nAGQ > 1) fits are mixed: their likelihoods are approximated differently.');
    comparable = false;
  }
  let aicWeight: (number | null)[] | null = null;
  if (comparable) {
    const min = Math.min(...entries.map((e) => e.result.AIC));
    const w = entries.map((e) => Math.exp(-(e.result.AIC - min) / 2));
    const s = w.reduce((a, b) => a + b, 0);
    aicWeight = w.map((x) => x / s);
  }
  return {
    models: entries.map((e) => e.name),
    terms,
    cells,
    sdLabels,
    sds,
    stats: {
      nobs: entries.map((e) => e.result.nobs),
      groups: entries.map((e) => e.result.ngrps),
      logLik: entries.map((e) => e.result.logLik),
      AIC: entries.map((e) => e.result.AIC),
      BIC: entries.map((e) => e.result.BIC),
      r2Marginal: entries.map((e) => e.result.r2?.marginal ?? null),
      r2Conditional: entries.map((e) => e.result.r2?.conditional ?? null),
      icc: entries.map((e) => e.result.icc ?? null),
      RMSE: entries.map((e) => rmse(e.result)),
      aicWeight,
    },
    notes,
    tests: [...new Set(entries.map((e) => testName(e.result)))].length === 1 ? testName(entries[0].result) : entries.map((e) => `${e.name}: ${testName(e.result)}`).join('; '),
  };
}
