/**
 * What an analyst asks after a fit, on the fitted model (nothing is refitted): marginal means and
 * contrasts, F tests per term, linear combinations. One PostFit per fitted model computes the
 * Satterthwaite ingredients (the deviance Hessian in (θ, σ) and the Jacobian of vcov(β)) once, on
 * first use, and every mean, contrast, F test and estimate reads them.
 */
import { MlmError } from '../diagnostics';
import type { DataTable } from '../data/types';
import type { ModelFrame } from '../frame/types';
import type { FitHooks } from '../hooks';
import type { ModelDecl, EstimateDecl, MeansDecl } from '../mlmfile/types';
import type { FitResult } from '../result';
import { LinearMixedModel } from '../lmm';
import { rangeOfSpan } from '../mlmfile/textmap';
import { asymptoticDf, satterthwaiteDf, type DfMethod } from './dfmethod';
import { marginalMeans, type MeansOptions, type MeansResult } from './emmeans';
import { estimateCombination, type EstimateResult } from './estimate';
import { termFTestsWith, type FTestRow } from './ftest';
import { satterthwaiteInternals, type SatterthwaiteInternals } from './satterthwaite';

export type DfRequest = 'auto' | 'satterthwaite' | 'kenward-roger' | 'asymptotic';

/** emmeans' lmerTest.limit / pbkrtest.limit: above this many observations its df become asymptotic. */
export const EMMEANS_DF_LIMIT = 3000;

export interface PostFitInput {
  model: ModelDecl;
  /** The training table (after derive:/factors:/levels:). */
  table: DataTable;
  frame: ModelFrame;
  result: FitResult;
}

export class PostFit {
  private parts: Promise<SatterthwaiteInternals> | null = null;

  constructor(
    readonly input: PostFitInput,
    private readonly hooks?: FitHooks,
  ) {}

  get result(): FitResult {
    return this.input.result;
  }

  private satterthwaiteParts(): Promise<SatterthwaiteInternals> {
    const r = this.input.result;
    this.parts ??= satterthwaiteInternals(new LinearMixedModel(this.input.frame, { REML: r.REML }), r.theta, r.sigma, r.coefnames.length, { hooks: this.hooks, nobs: r.nobs });
    return this.parts;
  }

  /**
   * The df method. 'auto' follows emmeans: Satterthwaite for gaussian fits of at most 3000
   * observations, asymptotic (z) above that and for GLMMs; `notes` says when the limit applied.
   */
  async dfMethod(request: DfRequest = 'satterthwaite', notes?: string[]): Promise<DfMethod> {
    const r = this.input.result;
    if (r.family !== 'gaussian' || request === 'asymptotic') return asymptoticDf(r);
    if (request === 'kenward-roger') {
      throw new MlmError({ code: 'df-method', message: 'Kenward-Roger degrees of freedom are not available yet; use --df satterthwaite' });
    }
    if (request === 'auto' && r.nobs > EMMEANS_DF_LIMIT) {
      notes?.push(`Note: D.f. calculations have been disabled because the number of observations exceeds ${EMMEANS_DF_LIMIT} (as emmeans does); --df satterthwaite computes them.`);
      return asymptoticDf(r);
    }
    return satterthwaiteDf(await this.satterthwaiteParts());
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

  /** lmerTest's anova(m, type): type III (default) or I, with Satterthwaite's ddf. */
  async anova(type: 1 | 3 = 3, df: DfRequest = 'satterthwaite'): Promise<FTestRow[]> {
    const r = this.input.result;
    if (r.family !== 'gaussian') throw new MlmError({ code: 'anova-family', message: `F tests with denominator df are for gaussian models; model ${r.id} is ${r.family} (use compare: for likelihood-ratio tests)` });
    const dfm = await this.dfMethod(df === 'auto' ? 'satterthwaite' : df);
    if (!dfm.satterthwaite) throw new MlmError({ code: 'df-method', message: `F tests need Satterthwaite's df (got ${dfm.name})` });
    return termFTestsWith(r, dfm.satterthwaite, { type, X: this.input.frame.X, n: this.input.frame.n });
  }

  /** A linear combination given as text (CLI). */
  async estimate(text: string, label?: string, df: DfRequest = 'satterthwaite', level = 0.95): Promise<EstimateResult> {
    const r = this.input.result;
    const dfm = await this.dfMethod(df);
    return estimateCombination(text, label, r.coefnames, r.coefnames.map((c) => r.fixef[c]), dfm, { level });
  }

  /** An `estimate:` line (errors located in the combination's text). */
  async estimateOf(d: EstimateDecl, df: DfRequest = 'satterthwaite', level = 0.95): Promise<EstimateResult> {
    const r = this.input.result;
    const dfm = await this.dfMethod(df);
    return estimateCombination(d.combination.text, d.name?.value, r.coefnames, r.coefnames.map((c) => r.fixef[c]), dfm, {
      level,
      locate: (span) => rangeOfSpan(d.combination, span),
    });
  }
}
