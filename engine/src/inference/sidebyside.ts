/**
 * Every inference for one fixed effect, side by side: the Wald z test and interval, Satterthwaite t
 * (lmerTest), Kenward-Roger t (pbkrtest; REML gaussian fits), and on request the profile-likelihood
 * interval, a parametric bootstrap interval and the likelihood-ratio test for dropping the
 * coefficient (both models by maximum likelihood, as anova() refits them). Where the methods disagree
 * on significance at the 5% level, the table says so.
 * Fits by nlme's likelihood (correlation:/variance:): Satterthwaite's and Kenward-Roger's ingredients are
 * lme4's, so those rows are refused with a note and nlme's t test (between/within df, the fit's own tests)
 * takes their place; the likelihood-ratio test refits both models by nlme's ML with the structures.
 */
import { CancelledError, MlmError } from '../diagnostics';
import type { FittedMixedModel } from '../fit';
import { fitModel } from '../fit';
import { fitLme } from '../nlme/fit';
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { bootstrapConfint } from './bootstrap';
import { chisqUpper, pnorm, qnorm, qt, tTwoSided } from './distributions';
import { kenwardRoger, kenwardRogerParts } from './kenwardroger';
import { profileConfint } from './profile';
import { profileConfintGlmm } from './profileGlmm';

export type InferenceMethod = 'Wald z' | 'Satterthwaite t' | 'Kenward-Roger t' | 'between/within t' | 'profile likelihood' | 'parametric bootstrap' | 'likelihood-ratio test';

export interface InferenceRow {
  method: InferenceMethod;
  /** Standard error used (Wald, Satterthwaite: the model's; Kenward-Roger: its adjusted one). */
  se: number | null;
  df: number | null;
  statistic: number | null;
  p: number | null;
  lower: number | null;
  upper: number | null;
  /** Significant at 5% (p < 0.05, or for intervals alone: 0 outside the interval); null when unknown. */
  significant: boolean | null;
  /** Why a method has no figures here ('REML fits only', 'failed: …'). */
  note?: string;
}

export interface CoefficientInference {
  coef: string;
  estimate: number;
  level: number;
  rows: InferenceRow[];
  /** True when the methods with a verdict do not all agree on significance at 5%. */
  disagree: boolean;
  /** One sentence on the disagreement, or null. */
  remark: string | null;
}

export interface SideBySideOptions {
  level?: number;
  /** Add the profile interval (a few dozen refits of the criterion). */
  profile?: boolean;
  /** Add a parametric bootstrap interval with this many replicates. */
  bootstrap?: { nsim: number; seed: number } | null;
  /** Add the likelihood-ratio test for dropping the coefficient (two ML fits). */
  lrt?: boolean;
}

/** A frame without fixed-effect column j (everything else shared). */
function withoutColumn(frame: ModelFrame, j: number): ModelFrame {
  const n = frame.n;
  const p = frame.p;
  const X = new Float64Array(n * (p - 1));
  for (let c = 0, k = 0; c < p; c++) {
    if (c === j) continue;
    X.set(frame.X.subarray(c * n, (c + 1) * n), k * n);
    k++;
  }
  return { ...frame, X, p: p - 1, coefnames: frame.coefnames.filter((_, c) => c !== j) };
}

const interval = (est: number, half: number): [number, number] => [est - half, est + half];

/** The table for each coefficient named (all when `coefs` is undefined). */
export async function inferenceSideBySide(fitted: FittedMixedModel, coefs?: string[], opts: SideBySideOptions = {}, hooks?: FitHooks): Promise<CoefficientInference[]> {
  const { frame, result, model } = fitted;
  const level = opts.level ?? 0.95;
  const names = coefs ?? result.coefnames;
  for (const c of names) {
    if (!result.coefnames.includes(c)) throw new MlmError({ code: 'unknown-coefficient', message: `the model has no coefficient '${c}' (it has: ${result.coefnames.join(', ')})` });
  }
  const gaussian = result.family === 'gaussian';
  const z = qnorm((1 + level) / 2);

  // nlme's fits: lme4's Satterthwaite/Kenward-Roger ingredients would ignore the correlation/variance structure
  const nlme = model.kind === 'nlme';
  const notNlme = "computed from lme4's likelihood: not for a fit by nlme's likelihood (correlation:/variance:)";
  let kr: ReturnType<typeof kenwardRogerParts> | null = null;
  let krNote: string | undefined;
  if (!gaussian) krNote = 'linear mixed models only';
  else if (nlme) krNote = notNlme;
  else if (!result.REML) krNote = 'REML fits only (as pbkrtest)';
  else {
    try {
      kr = kenwardRogerParts(result, frame);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      krNote = `not available: ${(e as Error).message}`;
    }
  }

  let profile: { lower: (number | null)[]; upper: (number | null)[]; names: string[] } | null = null;
  let profileNote: string | undefined;
  const exactLaplace = model.kind === 'glmm-dispersion';
  if (opts.profile && exactLaplace) profileNote = `not available for a ${result.family} fit`;
  else if (opts.profile && model.kind === 'nlme') profileNote = "not available for a fit by nlme's likelihood";
  else if (opts.profile && model.kind !== 'glmm-dispersion' && model.kind !== 'nlme') {
    try {
      profile = model.kind === 'lmm' ? await profileConfint(model, result, { level, which: names }, hooks) : await profileConfintGlmm(model, result, { level, which: names }, hooks);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      profileNote = `failed: ${(e as Error).message}`;
    }
  }
  let boot: { lower: (number | null)[]; upper: (number | null)[]; names: string[] } | null = null;
  let bootNote: string | undefined;
  if (opts.bootstrap && exactLaplace) bootNote = `not available for a ${result.family} fit`;
  else if (opts.bootstrap && model.kind === 'nlme') bootNote = "not available for a fit by nlme's likelihood";
  else if (opts.bootstrap && model.kind !== 'glmm-dispersion') {
    try {
      boot = await bootstrapConfint(model, result, { nsim: opts.bootstrap.nsim, seed: opts.bootstrap.seed, level }, hooks);
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      bootNote = `failed: ${(e as Error).message}`;
    }
  }
  let fullMl: FitResult | null = null;
  // the ML fit of a frame: nlme's likelihood with the structures for nlme's fits, else the engine's fit
  const fitMl = async (f: ModelFrame, id: string): Promise<FitResult> =>
    model.kind === 'nlme' ? (await fitLme(f, model.structures, { REML: false, id }, hooks)).result : fitModel(f, { id, REML: false, nAGQ: result.nAGQ, df: 'asymptotic' }, hooks);
  if (opts.lrt) {
    fullMl = gaussian && result.REML ? await fitMl(frame, result.id) : result;
  }

  const out: CoefficientInference[] = [];
  for (const c of names) {
    const j = result.coefnames.indexOf(c);
    const est = result.fixef[c];
    const se = result.se[c];
    const rows: InferenceRow[] = [];
    const fromP = (p: number | null) => (p === null || !Number.isFinite(p) ? null : p < 0.05);
    const fromInterval = (lo: number | null, hi: number | null) => (lo === null || hi === null ? null : lo > 0 || hi < 0);

    const zStat = est / se;
    const pz = 2 * pnorm(-Math.abs(zStat));
    const [wl, wu] = interval(est, z * se);
    rows.push({ method: 'Wald z', se, df: null, statistic: zStat, p: pz, lower: wl, upper: wu, significant: fromP(pz) });

    if (gaussian && nlme) {
      // nlme's summary.lme t test: the fit's tests with its between/within df, the interval as intervals.lme
      const t = result.tests?.[c];
      const df = t?.df ?? null;
      if (t && df !== null && Number.isFinite(df) && df > 0) {
        const [l, u] = interval(est, qt((1 + level) / 2, df) * se);
        rows.push({ method: 'between/within t', se, df, statistic: t.statistic, p: t.p, lower: l, upper: u, significant: fromP(t.p) });
      } else rows.push({ method: 'between/within t', se, df: null, statistic: zStat, p: null, lower: null, upper: null, significant: null, note: 'degrees of freedom not available' });
      rows.push({ method: 'Satterthwaite t', se: null, df: null, statistic: null, p: null, lower: null, upper: null, significant: null, note: notNlme });
    } else if (gaussian) {
      const df = result.satterthwaite?.df[c] ?? null;
      if (df !== null && Number.isFinite(df) && df > 0) {
        const p = tTwoSided(zStat, df);
        const [l, u] = interval(est, qt((1 + level) / 2, df) * se);
        rows.push({ method: 'Satterthwaite t', se, df, statistic: zStat, p, lower: l, upper: u, significant: fromP(p) });
      } else rows.push({ method: 'Satterthwaite t', se, df: null, statistic: zStat, p: null, lower: null, upper: null, significant: null, note: 'degrees of freedom not available' });
    }
    if (kr) {
      const L = [result.coefnames.map((_, i) => (i === j ? 1 : 0))];
      const r = kenwardRoger(kr, L);
      const seKr = Math.sqrt(r.vcov[0][0]);
      const t = est / seKr;
      const ok = Number.isFinite(r.df) && r.df > 0;
      const p = ok ? tTwoSided(t, r.df) : null;
      const [l, u] = ok ? interval(est, qt((1 + level) / 2, r.df) * seKr) : [null, null];
      rows.push({ method: 'Kenward-Roger t', se: seKr, df: ok ? r.df : null, statistic: t, p, lower: l, upper: u, significant: fromP(p) });
    } else if (gaussian) rows.push({ method: 'Kenward-Roger t', se: null, df: null, statistic: null, p: null, lower: null, upper: null, significant: null, note: krNote });

    if (opts.profile) {
      const i = profile ? profile.names.indexOf(c) : -1;
      const lo = i >= 0 ? profile!.lower[i] : null;
      const hi = i >= 0 ? profile!.upper[i] : null;
      rows.push({ method: 'profile likelihood', se: null, df: null, statistic: null, p: null, lower: lo, upper: hi, significant: fromInterval(lo, hi), ...(profileNote ? { note: profileNote } : {}) });
    }
    if (opts.bootstrap) {
      const i = boot ? boot.names.indexOf(c) : -1;
      const lo = i >= 0 ? boot!.lower[i] : null;
      const hi = i >= 0 ? boot!.upper[i] : null;
      rows.push({ method: 'parametric bootstrap', se: null, df: null, statistic: null, p: null, lower: lo, upper: hi, significant: fromInterval(lo, hi), ...(bootNote ? { note: `${opts.bootstrap.nsim} replicates, seed ${opts.bootstrap.seed}; ${bootNote}` } : { note: `${opts.bootstrap.nsim} replicates, seed ${opts.bootstrap.seed}` }) });
    }
    if (opts.lrt && fullMl) {
      try {
        const reduced = await fitMl(withoutColumn(frame, j), `${result.id} without ${c}`);
        const chisq = Math.max(0, 2 * (fullMl.logLik - reduced.logLik));
        const p = chisqUpper(chisq, 1);
        rows.push({ method: 'likelihood-ratio test', se: null, df: 1, statistic: chisq, p, lower: null, upper: null, significant: fromP(p), note: gaussian && result.REML ? (nlme ? "both models refitted by nlme's ML with the structures" : 'both models refitted by ML') : undefined });
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        rows.push({ method: 'likelihood-ratio test', se: null, df: 1, statistic: null, p: null, lower: null, upper: null, significant: null, note: `failed: ${(e as Error).message}` });
      }
    }
    const verdicts = rows.filter((r) => r.significant !== null);
    const yes = verdicts.filter((r) => r.significant).map((r) => r.method);
    const no = verdicts.filter((r) => !r.significant).map((r) => r.method);
    const disagree = yes.length > 0 && no.length > 0;
    out.push({
      coef: c,
      estimate: est,
      level,
      rows,
      disagree,
      remark: disagree ? `The methods disagree at the 5% level: significant by ${yes.join(', ')}; not by ${no.join(', ')}.` : null,
    });
  }
  return out;
}

/** When to prefer each method, in one or two sentences (shown where the methods are listed). */
export const INFERENCE_METHOD_NOTES: Record<InferenceMethod, string> = {
  'Wald z': 'Estimate ± 1.96 SE with a normal reference: what glmer reports. For LMMs with few groups it is too liberal, since it ignores the uncertainty in the variance estimates.',
  'between/within t': "nlme's t test for a fit by nlme's likelihood: df from the level at which the coefficient varies (between or within groups), as summary.lme.",
  'Satterthwaite t': "A t test whose df are approximated from the model (lmerTest's default). A good default for LMMs; with few groups prefer Kenward-Roger.",
  'Kenward-Roger t': 'A t test with a small-sample adjusted SE and df (pbkrtest). The most accurate for REML fits with few groups; slower for many random effects.',
  'profile likelihood': "The interval where the likelihood drops by less than the χ² cut-off (lme4's confint default). Does not assume a symmetric, normal sampling distribution.",
  'parametric bootstrap': 'Percentile interval from refits to data simulated from the fitted model. The most assumption-light; costs one refit per replicate.',
  'likelihood-ratio test': 'Compares the maximised likelihoods with and without the coefficient (both by ML), as anova() does. Preferred to Wald tests for GLMMs.',
};

/** One row's figures as text (4 significant digits, p below 1e-4 as '< 0.0001'): the hover's Markdown and the panel's HTML share them. */
export function inferenceCells(r: InferenceRow): { interval: string; df: string; p: string; significant: string } {
  const f = (x: number | null, d = 4) => (x === null || !Number.isFinite(x) ? '—' : Number(x.toPrecision(d)).toString());
  return {
    interval: r.lower === null || r.upper === null ? '—' : `[${f(r.lower)}, ${f(r.upper)}]`,
    df: r.method === 'likelihood-ratio test' ? `χ²(1) = ${f(r.statistic)}` : f(r.df),
    p: r.p === null ? '—' : r.p < 1e-4 ? '< 0.0001' : f(r.p, 3),
    significant: r.significant === null ? '—' : r.significant ? 'yes' : 'no',
  };
}

/**
 * The side-by-side table as Markdown rows. `label` writes a method's name (the hover makes it a link to
 * its note); data-derived text other than the coefficient name does not occur here.
 */
export function formatInferenceRows(ci: CoefficientInference, label: (m: InferenceMethod) => string = (m) => m): string[] {
  const lines = [`| method | ${Math.round(ci.level * 100)}% interval | df | p | significant at 5% |`, '|---|---|---|---|---|'];
  for (const r of ci.rows) {
    const c = inferenceCells(r);
    lines.push(`| ${label(r.method)}${r.note ? ` (${r.note})` : ''} | ${c.interval} | ${c.df} | ${c.p} | ${c.significant} |`);
  }
  return lines;
}
