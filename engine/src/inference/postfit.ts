/**
 * What an analyst asks after a fit, on the fitted model (nothing is refitted): marginal means and
 * contrasts, F tests per term, linear combinations. One PostFit per fitted model computes the
 * Satterthwaite ingredients (the deviance Hessian in (θ, σ) and the Jacobian of vcov(β)) once, on
 * first use, and every mean, contrast, F test and estimate reads them.
 */
import { CancelledError, MlmError, type MlmDiagnostic, type SourceRange } from '../diagnostics';
import { ratios, type RatioTable } from './ratios';
import type { DataTable } from '../data/types';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import type { ModelDecl, EstimateDecl, MeansDecl } from '../mlmfile/types';
import type { FitResult } from '../result';
import type { MixedModel } from '../fit';
import { rangeOfSpan } from '../mlmfile/textmap';
import { asymptoticContrastDf, containmentContrastDf, kenwardRogerContrastDf, satterthwaiteContrastDf, type ContrastDf } from './dfmethod';
import { gridVariables, marginalMeans, type MeansOptions, type MeansResult, type MeansType } from './emmeans';
import { estimateCombination, type EstimateResult } from './estimate';
import { nlmeTermFTests, termFTestsBy, termFTestsWith, waldF, type FTestRow } from './ftest';
import { satterthwaiteInternalsOf, type SatterthwaiteInternals } from './satterthwaite';
import { kenwardRogerF, kenwardRogerParts, type KenwardRogerParts } from './kenwardroger';

/**
 * 'auto': the model's df: key, else emmeans' rule (Satterthwaite up to 3000 observations, then
 * asymptotic); 'model': the model's df: key, else Satterthwaite (coefficient-like results).
 */
export type DfRequest = 'auto' | 'model' | 'satterthwaite' | 'kenward-roger' | 'asymptotic';
/*
 * Models with `df: between-within` (the default of nlme's fits, with correlation: or variance:) follow
 * nlme and emmeans for lme objects: containment df for means, contrasts and estimates, nlme's anova.lme
 * for F tests. Satterthwaite's and Kenward-Roger's methods are lme4's (their ingredients come from lme4's
 * likelihood), so they are refused for nlme's fits.
 */

/** emmeans' lmerTest.limit / pbkrtest.limit: above this many observations its df become asymptotic. */
export const EMMEANS_DF_LIMIT = 3000;

export interface PostFitInput {
  model: ModelDecl;
  /** The training table (after derive:/factors:/levels:). */
  table: DataTable;
  frame: ModelFrame;
  result: FitResult;
  /** The model object the fit built (fitMixedModel): Satterthwaite's ingredients are evaluated on it. */
  mixedModel: MixedModel;
}

export class PostFit {
  private parts: Promise<SatterthwaiteInternals> | null = null;
  private krParts: KenwardRogerParts | null = null;

  constructor(
    readonly input: PostFitInput,
    private readonly hooks?: FitHooks,
  ) {}

  get result(): FitResult {
    return this.input.result;
  }

  private satterthwaiteParts(): Promise<SatterthwaiteInternals> {
    const { result: r, mixedModel } = this.input;
    if (mixedModel.kind !== 'lmm') throw new MlmError({ code: 'df-method', message: `Satterthwaite's df need lme4's linear mixed model; model ${r.id} is not one` });
    this.parts ??= satterthwaiteInternalsOf(mixedModel, r, this.hooks);
    return this.parts;
  }

  /**
   * The df method. 'auto' is the model's `df:` key when it names one, else emmeans' rule:
   * Satterthwaite for gaussian fits of at most 3000 observations, asymptotic (z) above that and
   * for GLMMs; `notes` says when the limit applied.
   */
  async dfMethod(request: DfRequest = 'satterthwaite', notes?: string[]): Promise<ContrastDf> {
    const r = this.input.result;
    const nlme = r.fitter === 'nlme';
    // the method of the fit's coefficient tests: the df: key, or nlme's between/within for nlme's fits
    const key = this.input.model.df?.value ?? (nlme ? r.dfMethod : undefined);
    if (nlme && (request === 'satterthwaite' || request === 'kenward-roger'))
      throw new MlmError({ code: 'df-method', message: `${request === 'satterthwaite' ? "Satterthwaite's" : "Kenward-Roger's"} df are computed from lme4's likelihood; model ${r.id} is fitted by nlme's (correlation:/variance:): use its between/within df (the default) or asymptotic` });
    if ((request === 'auto' || request === 'model') && key) {
      if (key === 'kenward-roger' || key === 'asymptotic' || key === 'satterthwaite') request = key;
      else if (key === 'between-within' && r.family === 'gaussian') return this.containment();
      else if (nlme) {
        notes?.push(`The model's df: ${key} applies to its coefficient tests; these results use the containment (between/within) df, as emmeans for nlme's lme.`);
        return this.containment();
      } else {
        notes?.push(`The model's df: ${key} applies to its coefficient tests; these results use Satterthwaite's df.`);
        request = 'satterthwaite';
      }
    }
    if (request === 'model') request = nlme ? 'auto' : 'satterthwaite';
    if (r.family !== 'gaussian' || request === 'asymptotic') return asymptoticContrastDf(r);
    if (nlme) return this.containment();
    if (request === 'kenward-roger') {
      this.krParts ??= kenwardRogerParts(r, this.input.frame);
      return kenwardRogerContrastDf(this.krParts, r.coefnames.length);
    }
    if (request === 'auto' && r.nobs > EMMEANS_DF_LIMIT) {
      notes?.push(`Note: D.f. calculations have been disabled because the number of observations exceeds ${EMMEANS_DF_LIMIT} (as emmeans does); --df satterthwaite computes them.`);
      return asymptoticContrastDf(r);
    }
    return satterthwaiteContrastDf(await this.satterthwaiteParts());
  }

  private containmentDf: ReturnType<typeof containmentContrastDf> | null = null;

  /** emmeans' containment df for lme objects (and the per-coefficient between/within df of nlme's F tests). */
  private containment(): ReturnType<typeof containmentContrastDf> {
    this.containmentDf ??= containmentContrastDf(this.input.result, this.input.frame);
    return this.containmentDf;
  }

  async means(opts: MeansOptions, df: DfRequest = 'auto'): Promise<MeansResult> {
    const notes: string[] = [];
    const dfMethod = await this.dfMethod(df, notes);
    const r = marginalMeans({ ...this.input, dfMethod }, opts);
    return { ...r, notes: [...r.notes, ...notes] };
  }

  /** Marginal means of a `means:` line (errors located on the line). */
  meansOf(d: MeansDecl, extra: Partial<MeansOptions> = {}, df: DfRequest = 'auto'): Promise<MeansResult> {
    return this.means({ specs: d.specs.map((s) => s.value), by: d.by.map((s) => s.value), at: Object.fromEntries(d.at.map((a) => [a.name.value, a.value.value])), range: d.range, ...extra }, df);
  }

  /** lmerTest's anova(m, type): type III (default) or I, with Satterthwaite's (or Kenward-Roger's) ddf; 'auto' follows the model's df: key. */
  async anova(type: 1 | 3 = 3, df: DfRequest = 'model'): Promise<FTestRow[]> {
    const r = this.input.result;
    if (r.family !== 'gaussian') throw new MlmError({ code: 'anova-family', message: `F tests with denominator df are for gaussian models; model ${r.id} is ${r.family} (use compare: for likelihood-ratio tests)` });
    const dfm = await this.dfMethod(df);
    if (dfm.name === 'containment') return nlmeTermFTests(r, this.containment().betweenWithin, type);
    const opts = { type, X: this.input.frame.X, n: this.input.frame.n };
    if (dfm.satterthwaite) return termFTestsWith(r, dfm.satterthwaite, opts);
    // asymptotic: the Wald F with infinite denominator df (p from χ²_q), as emmeans' joint_tests(lmer.df = "asymptotic")
    if (dfm.name === 'asymptotic') return termFTestsBy(r, (L, beta) => waldF(L, beta, dfm.vcov, () => Infinity), opts);
    const kr = dfm.kenwardRoger;
    if (!kr) throw new MlmError({ code: 'df-method', message: `F tests need Satterthwaite's, Kenward-Roger's or asymptotic df (not ${dfm.name})` });
    // Kenward-Roger: pbkrtest's KRmodcomp per term (λ-scaled F, adjusted ddf), as lmerTest's anova(ddf = "Kenward-Roger")
    return termFTestsBy(r, (L, beta) => kenwardRogerF(kr, L, beta), opts);
  }

  /** A linear combination given as text (CLI). */
  async estimate(text: string, label?: string, df: DfRequest = 'model', level = 0.95): Promise<EstimateResult> {
    const r = this.input.result;
    const dfm = await this.dfMethod(df);
    return estimateCombination(text, label, r.coefnames, r.coefnames.map((c) => r.fixef[c]), dfm, { level });
  }

  /** An `estimate:` line (errors located in the combination's text). */
  async estimateOf(d: EstimateDecl, df: DfRequest = 'model', level = 0.95): Promise<EstimateResult> {
    const r = this.input.result;
    const dfm = await this.dfMethod(df);
    return estimateCombination(d.combination.text, d.name?.value, r.coefnames, r.coefnames.map((c) => r.fixef[c]), dfm, {
      level,
      locate: (span) => rangeOfSpan(d.combination, span),
    });
  }
}

/** JSON-safe (df ∞ → null) results of a model's `means:` and `estimate:` lines, F tests and ratios, for the panel and hovers. */
export interface PostFitSummary {
  /** lmerTest's type III F tests (gaussian fits); method 'containment': nlme's anova.lme (marginal) with between/within df. */
  anova: { type: 1 | 3; method: string; rows: FTestRow[]; /** Why the F tests could not be computed (rows empty); also in `errors`. */ error?: string } | null;
  means: {
    range: SourceRange;
    specs: string[];
    by: string[];
    dfMethod: string;
    adjust: string;
    level: number;
    /** The scale (GLMMs: response, as emmeans' type = "response") and emmeans' column names (emmean/prob/rate/response; estimate/odds.ratio/ratio). */
    type: MeansType;
    meanName: MeansResult['meanName'];
    contrastName: MeansResult['contrastName'];
    means: { levels: Record<string, string>; emmean: number; SE: number; df: number | null; lower: number; upper: number }[];
    pairs: { contrast: string; by: Record<string, string>; estimate: number; SE: number; df: number | null; ratio: number; p: number; null?: number }[];
    notes: string[];
  }[];
  estimates: (Omit<EstimateResult, 'df'> & { df: number | null; range: SourceRange })[];
  ratios: RatioTable | null;
  /** Marginal means of every factor of the fixed part (up to 50 levels), by data column, for hovers. */
  factorMeans: Record<string, { dfMethod: string; level: number; meanName: MeansResult['meanName']; means: { level: string; emmean: number; SE: number; df: number | null; lower: number; upper: number }[]; notes: string[] }>;
  /** Problems of single lines (a means: factor not in the model, an unknown coefficient), located. */
  errors: MlmDiagnostic[];
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Everything the panel and hovers show after a fit, from the fitted model (no refit): F tests,
 * the `means:` and `estimate:` lines, odds/rate ratios. A bad line becomes a located error in
 * `errors`; the others are still computed. Cancellation passes through.
 */
export async function postFitSummary(input: PostFitInput, hooks?: FitHooks): Promise<PostFitSummary> {
  const pf = new PostFit(input, hooks);
  const r = input.result;
  const errors: MlmDiagnostic[] = [];
  // each item is a piece of work over the rows: the event loop is handed back between them (a large fit in the server)
  const ticker = new Ticker(hooks);
  let items = 0;
  const attempt = async <T>(f: () => Promise<T>, range?: SourceRange): Promise<T | null> => {
    await ticker.tick({ stage: 'after the fit', evaluations: items++ });
    try {
      return await f();
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      if (e instanceof MlmError) errors.push({ ...e.diagnostic, range: e.diagnostic.range ?? range });
      else errors.push({ severity: 'error', code: 'postfit', message: (e as Error).message, range });
      return null;
    }
  };
  let anova: PostFitSummary['anova'] = null;
  if (r.family === 'gaussian' && r.coefnames.some((c) => c !== '(Intercept)')) {
    // a failure is reported on the model's name (the panel shows the located errors), never dropped
    const rows = await attempt(() => pf.anova(3), input.model.nameRange);
    if (rows) anova = { type: 3, method: (await pf.dfMethod('model')).name, rows: rows.map((x) => ({ ...x, DenDF: x.DenDF === null ? null : finite(x.DenDF) })) };
    else anova = { type: 3, method: '', rows: [], error: errors[errors.length - 1]?.message ?? 'the F tests failed' };
  }
  // GLMMs: means on the response scale (probabilities, rates) and odds/rate ratios, as emmeans' type = "response"
  const type: MeansType = r.link === 'identity' ? 'link' : 'response';
  const means: PostFitSummary['means'] = [];
  for (const d of input.model.means) {
    const m = await attempt(() => pf.meansOf(d, { type }), d.range);
    if (!m) continue;
    means.push({
      range: d.range,
      specs: m.specs,
      by: m.by,
      dfMethod: m.dfMethod,
      adjust: m.adjust,
      level: m.level,
      type: m.type,
      meanName: m.meanName,
      contrastName: m.contrastName,
      means: m.means.map((x) => ({ levels: x.levels, emmean: x.emmean, SE: x.SE, df: finite(x.df), lower: x.lower, upper: x.upper })),
      pairs: m.pairs.map((x) => ({ ...x, df: finite(x.df) })),
      notes: m.notes,
    });
  }
  const estimates: PostFitSummary['estimates'] = [];
  for (const d of input.model.estimates) {
    const e = await attempt(() => pf.estimateOf(d), d.range);
    if (e) estimates.push({ ...e, df: finite(e.df), range: d.range });
  }
  const factorMeans: PostFitSummary['factorMeans'] = {};
  const factors = await attempt(async () => gridVariables(input).filter((g) => g.kind === 'factor' && g.levels.length <= 50));
  for (const g of factors ?? []) {
    await ticker.tick({ stage: 'after the fit', evaluations: items++ });
    try {
      const m = await pf.means({ specs: [g.column], type });
      factorMeans[g.column] = {
        dfMethod: m.dfMethod,
        level: m.level,
        meanName: m.meanName,
        means: m.means.map((x) => ({ level: x.levels[g.column], emmean: x.emmean, SE: x.SE, df: finite(x.df), lower: x.lower, upper: x.upper })),
        // the hover shows the means only: notes about the pairs are left out
        notes: m.notes.filter((n) => !/^(Confidence level|P value|Tests are performed|Note: contrasts)/.test(n)),
      };
    } catch (e) {
      if (e instanceof CancelledError) throw e; // a factor the grid cannot average is simply left out of the hovers
    }
  }
  return { anova, means, estimates, ratios: ratios(r), factorMeans, errors };
}
