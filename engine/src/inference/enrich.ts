/**
 * What the fit pipeline adds to every FitResult after fitting: coefficient tests (Satterthwaite t
 * for LMMs, Wald z for GLMMs) and Nakagawa & Schielzeth's R². Returns a new object; never throws
 * for numerical trouble (only CancelledError passes through).
 */
import { CancelledError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { withTests } from './satterthwaite';
import { r2Nakagawa } from './variance';

export async function withInference(result: FitResult, frame: ModelFrame, hooks?: FitHooks): Promise<FitResult> {
  const tested = await withTests(result, result.family === 'gaussian' ? frame : undefined, hooks);
  let r2: FitResult['r2'] = null;
  try {
    const r = r2Nakagawa(tested, frame);
    if (Number.isFinite(r.marginal) && Number.isFinite(r.conditional)) r2 = { marginal: r.marginal, conditional: r.conditional, note: r.note };
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    r2 = null;
  }
  return { ...tested, r2 };
}
