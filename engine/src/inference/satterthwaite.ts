/**
 * Satterthwaite's denominator degrees of freedom for the t tests of LMM fixed effects, computed as
 * lmerTest computes them (Kuznetsova, Brockhoff & Christensen 2017):
 *  - varpar = (θ, σ) at the optimum; A = 2 H⁻¹ where H is the Hessian of the unprofiled criterion
 *    (−2 log L for ML, the REML criterion for REML) in varpar (pseudo-inverse over positive eigenvalues);
 *  - J_i = ∂ vcov(β) / ∂ varpar_i, vcov(β) = σ² (R_X'R_X)⁻¹ at θ;
 *  - for a contrast c: df = 2 (c'Vc)² / (g' A g) with g_i = c' J_i c.
 * Derivatives are numerical with Richardson extrapolation (./numderiv) as lmerTest's numDeriv calls.
 * GLMMs get Wald z tests with normal p-values instead.
 */
import type { FitResult, TestRow } from '../result';
import { CancelledError } from '../diagnostics';
import { Ticker, type FitHooks } from '../hooks';
import { normalUpper, tTwoSided } from './distributions';
import { hessian, jacobian } from './numderiv';
import { pseudoInverse } from './symeig';

/** What Satterthwaite needs from an LMM (LinearMixedModel satisfies it). */
export interface VarParModel {
  objectiveAt(theta: ArrayLike<number>, sigma: number): number;
  vcovBeta(theta: ArrayLike<number>, sigma: number): ArrayLike<number>;
  readonly nTheta: number;
}

export interface SatterthwaiteResult {
  /** df and p by coefficient name. */
  df: Record<string, number>;
  p: Record<string, number>;
  /** Eigenvalues of the deviance Hessian (a negative or ~0 one means the fit may not have converged). */
  hessianEigenvalues: number[];
  warnings: string[];
}

export interface SatterthwaiteInternals {
  /** Asymptotic covariance of (θ, σ): 2 H⁻¹. */
  A: number[][];
  /** Jac[i]: p×p derivative of vcov(β) with respect to varpar i. */
  Jac: number[][][];
  V: number[][];
}

function toMatrix(v: ArrayLike<number>, p: number): number[][] {
  return Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => v[i + j * p]));
}

/** The lmerTest ingredients at varpar = (θ, σ). */
export async function satterthwaiteInternals(
  model: VarParModel,
  theta: ArrayLike<number>,
  sigma: number,
  p: number,
  opts: { hooks?: FitHooks; nobs?: number } = {},
): Promise<SatterthwaiteInternals & { eigen: number[] }> {
  const varpar = [...Array.from(theta), sigma];
  const nt = model.nTheta;
  const ticker = new Ticker(opts.hooks);
  let evals = 0;
  const dev = async (x: number[]): Promise<number> => {
    await ticker.tick({ stage: 'Satterthwaite', evaluations: ++evals });
    return model.objectiveAt(x.slice(0, nt), x[nt]);
  };
  // fewer Richardson steps for large data (each evaluation is a full PLS solve); still O(h⁴)
  const r = (opts.nobs ?? 0) > 20000 ? 2 : 4;
  const H = await hessian(dev, varpar, { r });
  const { inverse, values } = pseudoInverse(H, 1e-8);
  const A = inverse.map((r) => r.map((v) => 2 * v));
  const vc = async (x: number[]): Promise<number[]> => {
    await ticker.tick({ stage: 'Satterthwaite', evaluations: ++evals });
    return Array.from(model.vcovBeta(x.slice(0, nt), x[nt]));
  };
  const J = await jacobian(vc, varpar, { r }); // J[k][i], k over the p² entries (column-major)
  const Jac = varpar.map((_, i) => toMatrix(J.map((row) => row[i]), p));
  const V = toMatrix(model.vcovBeta(theta, sigma), p);
  // leave the model at the optimum
  model.objectiveAt(theta, sigma);
  return { A, Jac, V, eigen: values };
}

/** Satterthwaite df of the contrast c. */
export function contrastDf(c: number[], parts: SatterthwaiteInternals): { df: number; variance: number } {
  const qform = (M: number[][]): number => {
    let s = 0;
    for (let i = 0; i < c.length; i++) for (let j = 0; j < c.length; j++) s += c[i] * M[i][j] * c[j];
    return s;
  };
  const variance = qform(parts.V);
  const g = parts.Jac.map(qform);
  let denom = 0;
  for (let i = 0; i < g.length; i++) for (let j = 0; j < g.length; j++) denom += g[i] * parts.A[i][j] * g[j];
  return { df: (2 * variance * variance) / denom, variance };
}

/** Satterthwaite df and two-sided p of every fixed effect of a gaussian fit. */
export async function satterthwaite(model: VarParModel, result: FitResult, hooks?: FitHooks): Promise<SatterthwaiteResult> {
  const p = result.coefnames.length;
  const parts = await satterthwaiteInternalsOf(model, result, hooks);
  const warnings: string[] = [];
  const neg = parts.eigen.filter((v) => v < -1e-8);
  const zero = parts.eigen.filter((v) => Math.abs(v) <= 1e-8);
  if (neg.length) warnings.push(`Model failed to converge with ${neg.length} negative eigenvalue(s) of the deviance Hessian: ${neg.map((v) => v.toExponential(1)).join(' ')}`);
  if (zero.length) warnings.push(`Model may not have converged with ${zero.length} eigenvalue(s) of the deviance Hessian close to zero`);
  const df: Record<string, number> = {};
  const pv: Record<string, number> = {};
  result.coefnames.forEach((name, j) => {
    const c = new Array(p).fill(0);
    c[j] = 1;
    const r = contrastDf(c, parts);
    df[name] = r.df;
    const t = result.fixef[name] / Math.sqrt(r.variance);
    pv[name] = tTwoSided(t, r.df);
  });
  return { df, p: pv, hessianEigenvalues: parts.eigen, warnings };
}

/** Wald z tests of a GLMM's fixed effects (estimate / SE against the standard normal). */
export function zTests(result: FitResult): Record<string, TestRow> {
  const tests: Record<string, TestRow> = {};
  for (const name of result.coefnames) {
    const estimate = result.fixef[name];
    const se = result.se[name];
    const z = estimate / se;
    tests[name] = { estimate, se, statistic: z, df: null, p: 2 * normalUpper(Math.abs(z)) };
  }
  return tests;
}

/** t tests with the given Satterthwaite df. */
export function tTests(result: FitResult, df: Record<string, number>): Record<string, TestRow> {
  const tests: Record<string, TestRow> = {};
  for (const name of result.coefnames) {
    const estimate = result.fixef[name];
    const se = result.se[name];
    const t = estimate / se;
    const d = df[name];
    tests[name] = { estimate, se, statistic: t, df: Number.isFinite(d) ? d : null, p: Number.isFinite(d) ? tTwoSided(t, d) : null };
  }
  return tests;
}

/**
 * A copy of the fit with `satterthwaite` and `tests` filled: t tests with Satterthwaite df for a
 * gaussian fit, z tests for GLMMs. For a gaussian fit pass the fit's LinearMixedModel (the criterion is
 * evaluated at the fit's θ and σ; no refit). Returns the fit unchanged when
 * it already has its tests. Never throws for numerical trouble: the t tests get df null and a
 * warning. Rethrows CancelledError.
 */
export async function withTests(result: FitResult, model?: VarParModel, hooks?: FitHooks): Promise<FitResult> {
  if (result.family !== 'gaussian') return result.tests ? result : { ...result, tests: zTests(result) };
  if (result.tests && result.satterthwaite) return result;
  if (!model) return { ...result, tests: tTests(result, result.satterthwaite?.df ?? {}) };
  try {
    const s = await satterthwaite(model, result, hooks);
    const ok = Object.values(s.df).every((d) => Number.isFinite(d) && d > 0);
    return {
      ...result,
      satterthwaite: ok ? { df: s.df, p: s.p } : undefined,
      tests: tTests(result, ok ? s.df : {}),
      warnings: [...result.warnings, ...s.warnings, ...(ok ? [] : ['Satterthwaite degrees of freedom could not be computed; t tests are shown without p-values.'])],
    };
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    return { ...result, tests: tTests(result, {}), warnings: [...result.warnings, `Satterthwaite degrees of freedom could not be computed: ${(e as Error).message}`] };
  }
}

/**
 * The ingredients at a fit's (θ, σ), computed once per model object and optimum and shared by the
 * coefficient tests of the fit and every later mean, contrast, estimate and F test of that fit (the
 * model object is the one the fit built: nothing is rebuilt from the FitResult).
 */
const internalsCache = new WeakMap<VarParModel, Map<string, Promise<SatterthwaiteInternals & { eigen: number[] }>>>();

export function satterthwaiteInternalsOf(model: VarParModel, result: FitResult, hooks?: FitHooks): Promise<SatterthwaiteInternals & { eigen: number[] }> {
  const key = JSON.stringify([result.theta, result.sigma]);
  let byFit = internalsCache.get(model);
  if (!byFit) internalsCache.set(model, (byFit = new Map()));
  let parts = byFit.get(key);
  if (!parts) {
    parts = satterthwaiteInternals(model, result.theta, result.sigma, result.coefnames.length, { hooks, nobs: result.nobs });
    // a failed or cancelled computation is not kept
    parts.catch(() => byFit!.delete(key));
    byFit.set(key, parts);
  }
  return parts;
}
