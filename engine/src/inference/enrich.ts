/**
 * What the fit pipeline adds to every FitResult after fitting: coefficient tests (Satterthwaite t
 * for LMMs, Wald z for GLMMs), Nakagawa & Schielzeth's R², the ICC of random-intercept models and
 * the interpretation sentences of the headline numbers, and the intervals of the conditional modes. Returns a new object; never throws for
 * numerical trouble (only CancelledError passes through).
 */
import { CancelledError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { MixedModel } from '../fit';
import type { FitInterpretation, FitResult } from '../result';
import { interpretFixedEffect, interpretIcc, interpretR2, interpretVarCorr } from './interpret';
import { withDfTests, type DfMethod } from './dfmethod';
import { icc, r2Nakagawa } from './variance';
import { coefficientRows, iccGroupRows, intervalMethod } from './coefficients';
import { ranefIntervals } from './ranef';

/** Runs f; numerical failures give the fallback (cancellation passes through). */
function attempt<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    return fallback;
  }
}

/** `model`: the fit's model object (Satterthwaite evaluates the LMM's criterion around the optimum). */
export async function withInference(result: FitResult, frame: ModelFrame, model: MixedModel, hooks?: FitHooks, dfMethod: DfMethod = 'satterthwaite'): Promise<FitResult> {
  const tested = await withDfTests(result, frame, dfMethod, hooks, model.kind === 'lmm' ? model : undefined);
  const r2: FitResult['r2'] = attempt(() => {
    const r = r2Nakagawa(tested, frame);
    return Number.isFinite(r.marginal) && Number.isFinite(r.conditional) ? { marginal: r.marginal, conditional: r.conditional, note: r.note } : null;
  }, null);
  const iccResult = attempt(() => icc(tested, frame), null);
  const iccValue = iccResult && iccResult.applicable && iccResult.icc !== null && Number.isFinite(iccResult.icc) ? iccResult.icc : null;
  const interpretation = attempt((): FitInterpretation => {
    const fixef: Record<string, string> = {};
    for (const c of tested.coefnames) if (c in tested.fixef) fixef[c] = interpretFixedEffect(tested, c);
    const out: FitInterpretation = { fixef, varcorr: tested.varcorr.map((row) => interpretVarCorr(tested, row)) };
    if (iccResult && iccValue !== null) out.icc = interpretIcc(tested, iccResult);
    if (r2) out.r2 = interpretR2(tested, r2);
    return out;
  }, undefined as unknown as FitInterpretation);
  const coefficients = attempt(() => coefficientRows(tested), undefined);
  const iccGroups = attempt(() => (iccResult ? iccGroupRows(tested, iccResult) : []), []);
  const intervals = attempt(() => ranefIntervals(tested), undefined);
  return {
    ...tested,
    r2,
    icc: iccValue,
    iccGroups,
    ...(coefficients ? { coefficients, intervalMethod: intervalMethod(tested) } : {}),
    ...(intervals ? { ranefIntervals: intervals } : {}),
    ...(interpretation ? { interpretation } : {}),
  };
}
