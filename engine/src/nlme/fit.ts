/**
 * Fitting a model with `correlation:` and/or `variance:` by nlme's likelihood (./model.ts): start from
 * lme4's optimum without the structures and the structures' nlme defaults, minimise the profiled
 * criterion over the unconstrained parameters (optim/bobyqa), and report the FitResult with nlme's figures
 * (σ²(X'V⁻¹X)⁻¹ for vcov, nlme's BIC with n − p for REML) plus `correlationStructure` and `varianceFunction`.
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import { LinearMixedModel } from '../lmm/model';
import { assembleFitResult, scaledCovariance } from '../lmm/result';
import { minimize } from '../optim/bobyqa';
import { FIT_SETTINGS, plsSettings } from '../optim/options';
import { qnorm } from '../inference/distributions';
import type { FitResult } from '../result';
import type { StructureData } from './data';
import { LmeModel } from './model';

export interface LmeFitOptions {
  REML: boolean;
  id: string;
}

/** nlme's form text as written in R's print: '~1 | Subject', '~Days | Subject', '~Days + 1'. */
function formText(form: { text: string } | null, fallbackGroup: string | null): string {
  if (form) return form.text.replace(/^~\s*/, '~').replace(/\s+/g, ' ');
  return fallbackGroup ? `~1 | ${fallbackGroup}` : '~1';
}

/** The fit and its model object (the likelihood as a function of the unconstrained parameters). */
export async function fitLme(frame: ModelFrame, structures: StructureData, opts: LmeFitOptions, hooks?: FitHooks): Promise<{ result: FitResult; model: LmeModel }> {
  const t0 = Date.now();
  if (frame.n <= frame.p) throw new MlmError({ code: 'too-few-observations', message: `${frame.n} observations are too few for ${frame.p} fixed-effect coefficients` });
  const model = new LmeModel(frame, structures, { REML: opts.REML });
  const ticker = new Ticker(hooks);
  // start: lme4's Ψ without the structures, the structures at nlme's defaults
  const lmm = new LinearMixedModel(frame, { REML: opts.REML });
  const base = await lmm.fit(hooks);
  const x0 = [...model.psiParamsFromTheta(base.theta), ...(model.cor?.start ?? []), ...(model.vf?.start ?? [])];
  const f = (x: Float64Array): number => model.evaluate(x)?.criterion ?? Infinity;
  const N = FIT_SETTINGS.nlme;
  const settings = { rhobeg: N.rhobeg, rhoend: N.rhoend, maxEval: N.maxEval };
  const opt = await minimize(f, x0, x0.map(() => -Infinity), x0.map(() => Infinity), { ticker, ...settings, stage: 'optimizing (nlme)' });
  const x = opt.x;
  const st = model.evaluate(x);
  if (!st) throw new MlmError({ code: 'fit-failed', message: 'the nlme likelihood could not be evaluated at the optimum (the covariance is not positive definite)' });
  const { n, p } = frame;
  // θ: the lower Cholesky factor of each Ψ (log-Cholesky diagonal exponentiated), lme4's layout
  const theta: number[] = [];
  let o = 0;
  for (const k of model.ks) for (let c = 0; c < k; c++) for (let r = c; r < k; r++) theta.push(r === c ? Math.exp(x[o++]) : x[o++]);
  const cond = model.conditional(x, st);
  const bFlat: number[] = [];
  cond.b.forEach((b) => bFlat.push(...b));
  const fitted = Array.from(cond.fitted);
  const residuals = fitted.map((fv, i) => frame.y[i] - fv);
  const standardized = Float64Array.from(residuals, (r, i) => r / (st.sigma * cond.sd[i])).sort();
  const nStruct = (model.cor?.nPar ?? 0) + (model.vf?.nPar ?? 0);
  const innermost = frame.reTerms.reduce((a, t) => (t.levels.length > a.levels.length ? t : a), frame.reTerms[0]);
  const warnings = [...frame.warnings];
  if (!opt.converged) warnings.push(`convergence failure: ${opt.message}`);
  const result = assembleFitResult({
    frame,
    id: opts.id,
    family: 'gaussian',
    link: 'identity',
    REML: opts.REML,
    nAGQ: 1,
    beta: st.beta,
    // nlme scales the ML covariance of β̂ by N / (N − p) (lme's varFix)
    vcov: scaledCovariance(st.xvxInv, p, st.sigma * st.sigma * (opts.REML ? 1 : n / (n - p))),
    theta,
    sigma: st.sigma,
    residualRow: true,
    logLik: -st.criterion / 2,
    df: p + model.nPsi + nStruct + 1,
    deviance: opts.REML ? null : st.criterion,
    REMLcrit: opts.REML ? st.criterion : null,
    // nlme's BIC: log(n − p) for REML fits
    bicN: opts.REML ? n - p : n,
    singular: false,
    b: bFlat,
    condVar: cond.condVar,
    warnings,
    converged: opt.converged,
    evaluations: opt.evaluations + base.evaluations,
    fitSeconds: 0,
    observations: { fitted, residuals, scaledSorted: standardized },
    fitter: 'nlme',
  });
  result.optSummary = {
    // lme4's fit without the structures gives the start
    stages: [...(base.optSummary?.stages ?? []).map((st) => ({ ...st, name: `start: ${st.name} (lme4, no structures)` })), { name: "nlme's parameters", optimizer: N.optimizer, settings, evaluations: opt.evaluations, converged: opt.converged, fval: opt.fval }],
    derivEvaluations: base.optSummary?.derivEvaluations ?? 0,
    derivStep: FIT_SETTINGS.derivStep,
    checkConv: { ...FIT_SETTINGS.checkConv, checked: false },
    settings: plsSettings(),
  };
  if (model.cor && structures.correlation) {
    const c = structures.correlation;
    result.correlationStructure = {
      type: c.spec.type,
      form: formText(c.spec.form, c.spec.form?.groups ? null : innermost.group),
      names: model.cor.names,
      parameters: model.cor.natural(model.corParams(x)),
    };
    // nlme's ACF(m, resType = "normalized"): the autocorrelation of the normalized residuals by lag
    const unsorted = Float64Array.from(residuals, (r, i) => r / (st.sigma * cond.sd[i]));
    const { values, groups } = model.normalized(x, unsorted);
    result.acf = { resType: 'normalized', ...residualAcf(values, groups) };
  }
  if (model.vf && structures.variance) {
    const v = structures.variance;
    result.varianceFunction = { type: v.spec.type, form: formText(v.spec.form, null), parameters: model.vf.natural(model.varParams(x)), ...(v.stratum ? { strata: v.strata.slice() } : {}) };
  }
  result.fitSeconds = (Date.now() - t0) / 1000;
  hooks?.onProgress?.({ stage: 'done', evaluations: opt.evaluations, objective: st.criterion });
  return { result, model };
}

/**
 * nlme's ACF.lme: per group, the lagged cross products of its residuals summed over groups and divided
 * by the number of pairs at that lag, then by the lag-0 value; maxLag = min(longest group − 1,
 * 10·log10(longest group)).
 */
export function residualAcf(res: ArrayLike<number>, groups: readonly Int32Array[]): { lag: number[]; acf: number[]; n: number[]; bound: number[] } {
  const maxL = Math.max(0, ...groups.map((g) => g.length)) - 1;
  const maxLag = Math.max(0, Math.min(maxL, Math.floor(10 * Math.log10(maxL + 1))));
  const sums = new Float64Array(maxLag + 1);
  const pairs = new Float64Array(maxLag + 1);
  for (const g of groups) {
    const n = g.length;
    for (let k = 0; k <= Math.min(maxLag, n - 1); k++) {
      let s = 0;
      for (let t = 0; t + k < n; t++) s += res[g[t]] * res[g[t + k]];
      sums[k] += s;
      pairs[k] += n - k;
    }
  }
  const base = sums[0] / pairs[0];
  const lag: number[] = [];
  const acf: number[] = [];
  for (let k = 0; k <= maxLag; k++) {
    lag.push(k);
    acf.push(pairs[k] > 0 ? sums[k] / pairs[k] / base : NaN);
  }
  // nlme's plot.ACF(alpha = 0.05): ± qnorm(1 − α/2) / √n.used at each lag
  const z = qnorm(0.975);
  return { lag, acf, n: Array.from(pairs), bound: Array.from(pairs, (m) => (m > 0 ? z / Math.sqrt(m) : NaN)) };
}
