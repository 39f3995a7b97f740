/**
 * A linear mixed model in lme4's formulation (Bates, Mächler, Bolker & Walker 2015, JSS 67(1)):
 * the profiled deviance (ML) or REML criterion as a function of the relative covariance
 * parameters θ, evaluated through the blocked penalized least-squares system (./pls).
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { runStepsAsync, type FitHooks, type Ticker } from '../hooks';
import type { FitResult } from '../result';
import { fitLinearMixedModel } from './fit';
import { PlsSystem } from './pls';
import { buildLmmResult } from './result';
import { isSingular, SINGULAR_MESSAGE } from '../optim/convergence';
import type { ReTerms } from './reterms';
import { blocksWithFixedCoef, plsBlocksOf, type BetaMap } from './blocks';

const LOG2PI = Math.log(2 * Math.PI);

/**
 * Usage (Satterthwaite, profiles, bootstrap):
 *   const m = new LinearMixedModel(frame, { REML: true });
 *   const crit = m.objective(theta);          // profiled criterion; then m.beta(), m.sigma(), m.u(), m.b(),
 *                                             // m.pwrss, m.logdetL2 (log|L|²), m.logdetRX2 refer to this θ
 *   m.objectiveAt(theta, sigma);              // criterion at a given σ (not profiled)
 *   m.vcovBeta(theta, sigma);                 // p×p column-major σ²(R_X'R_X)⁻¹
 *   m.lower, m.nTheta, m.start();             // bounds, size, lme4's start
 *   await m.fit(hooks);                       // FitResult (optimum, lme4's checks)
 *   m.resultAt(theta);                        // FitResult at a given θ, no optimisation
 * Every call that takes θ refactors the system (state follows the last θ).
 */
export class LinearMixedModel {
  readonly kind = 'lmm' as const;
  readonly frame: ModelFrame;
  readonly REML: boolean;
  /** The weighted PLS system (prior weights, response minus offset). */
  readonly pls: PlsSystem;
  /** Lower bounds of θ (0 for diagonal elements of each Λ_t, -Infinity off the diagonal). */
  readonly lower: number[];
  /** Number of θ parameters. */
  readonly nTheta: number;
  /** Number of columns of each random-effects term. */
  readonly ks: number[];
  /** The random-effects terms: θ layout, Λ, b = Λu. */
  readonly re: ReTerms;
  /** From blocks: the PLS system's β (centred columns) → the model's coefficients; null when they are the same. */
  private readonly betaMap: BetaMap | null = null;
  /** θ at the last objective() call. */
  private thetaLast: Float64Array = new Float64Array(0);
  /** Back-substitution for β and u is done on demand (the criterion needs only the factor). */
  private ensureSolved(): void {
    if (this.pls.factored && this.pls.solvedId !== this.pls.factorId) this.pls.solve();
  }

  /**
   * @param shareWith a model of the same frame whose PLS system this one evaluates (the ML criterion
   * of a REML fit for profiles): both follow the last θ given to either.
   */
  constructor(frame: ModelFrame, opts: { REML: boolean; deferData?: boolean }, shareWith?: LinearMixedModel) {
    if (shareWith) {
      this.frame = shareWith.frame;
      this.betaMap = shareWith.betaMap;
      this.REML = opts.REML;
      this.pls = shareWith.pls;
      this.re = shareWith.re;
      this.ks = shareWith.ks;
      this.lower = shareWith.lower;
      this.nTheta = shareWith.nTheta;
      return;
    }
    if (frame.reTerms.length === 0)
      throw new MlmError({ code: 'no-random-effects', message: 'the formula has no random-effects term such as (1 | group); a linear mixed model needs at least one' });
    if (frame.n <= frame.p)
      throw new MlmError({ code: 'too-few-observations', message: `${frame.n} observations are too few for ${frame.p} fixed-effect coefficients` });
    this.frame = frame;
    this.REML = opts.REML;
    const n = frame.n;
    let y: Float64Array = frame.y;
    if (frame.offset && !frame.blocks) {
      y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = frame.y[i] - frame.offset[i];
    }
    let sqrtW: Float64Array | null = null;
    if (frame.weights && !frame.blocks) {
      sqrtW = new Float64Array(n);
      for (let i = 0; i < n; i++) sqrtW[i] = Math.sqrt(frame.weights[i]);
    }
    if (frame.blocks) {
      const { blocks, betaMap } = plsBlocksOf(frame.blocks);
      this.pls = PlsSystem.fromBlocks(frame.reTerms, blocks);
      this.betaMap = betaMap;
    } else {
      this.pls = new PlsSystem(frame.reTerms, frame.X, frame.p, n);
      if (opts.deferData) this.pendingData = { sqrtW, y };
      else this.pls.setData(sqrtW, y);
    }
    this.re = this.pls.re;
    this.ks = this.re.ks;
    this.lower = this.re.lower();
    this.nTheta = this.re.nTheta;
  }

  /** The weights and response waiting for the cross products (a model built by `create`). */
  private pendingData: { sqrtW: Float64Array | null; y: Float64Array } | null = null;

  /**
   * The model of a frame, its cross products formed in slices of rows that await the ticker between them
   * (the PLS system's setDataSteps), so a language server answers requests while a large model is set up.
   */
  static async create(frame: ModelFrame, opts: { REML: boolean }, ticker: Ticker): Promise<LinearMixedModel> {
    const model = new LinearMixedModel(frame, { ...opts, deferData: true });
    const data = model.pendingData;
    if (data) {
      await runStepsAsync(model.pls.setDataSteps(data.sqrtW, data.y), ticker, 'cross products');
      model.pendingData = null;
    }
    return model;
  }

  /** lme4's starting values: 1 on the diagonals of Λ, 0 off them. */
  start(): number[] {
    return this.re.start();
  }

  /** Residual degrees of freedom used by the criterion: n for ML, n − p for REML. */
  private nEff(): number {
    return this.REML ? this.frame.n - this.frame.p : this.frame.n;
  }

  /**
   * The profiled criterion at θ: −2 log-likelihood profiled over β and σ (ML), or the REML
   * criterion profiled over σ. Returns +Infinity where the system is not positive definite.
   * Afterwards beta(), sigma(), u(), b(), pwrss, logdetL2 and logdetRX2 refer to this θ.
   */
  objective(theta: ArrayLike<number>): number {
    this.thetaLast = Float64Array.from(theta);
    if (!this.pls.factor(theta)) return Infinity;
    const nEff = this.nEff();
    const pw = Math.max(this.pls.pwrss, 1e-300);
    let v = this.pls.logdetL2 - this.pls.sumLogW + nEff * (1 + LOG2PI + Math.log(pw / nEff));
    if (this.REML) v += this.pls.logdetRX2;
    return v;
  }

  /**
   * The criterion at θ and a given residual standard deviation σ (not profiled over σ): −2 log L(θ, β̂(θ), σ)
   * for ML, the REML criterion for REML. For lmerTest-style Satterthwaite derivatives.
   */
  objectiveAt(theta: ArrayLike<number>, sigma: number): number {
    if (this.objective(theta) === Infinity) return Infinity;
    const s2 = sigma * sigma;
    const nEff = this.nEff();
    let v = this.pls.logdetL2 - this.pls.sumLogW + nEff * (LOG2PI + Math.log(s2)) + this.pls.pwrss / s2;
    if (this.REML) v += this.pls.logdetRX2;
    return v;
  }

  /** Penalized weighted residual sum of squares at the last θ. */
  get pwrss(): number {
    return this.pls.pwrss;
  }
  /** log |L|² (random-effects part of the Cholesky factor) at the last θ. */
  get logdetL2(): number {
    return this.pls.logdetL2;
  }
  /** log |R_X|² at the last θ. */
  get logdetRX2(): number {
    return this.pls.logdetRX2;
  }
  /** The θ of the last objective() call. */
  theta(): Float64Array {
    return this.thetaLast.slice();
  }
  /** Conditional estimate of β at the last θ. */
  beta(): Float64Array {
    this.ensureSolved();
    const bc = this.pls.beta;
    const M = this.betaMap;
    if (!M) return bc.slice();
    const p = bc.length;
    const out = Float64Array.from(M.r0);
    for (let j = 0; j < p; j++) for (let i = 0; i < p; i++) out[i] += M.R[i + j * p] * bc[j];
    return out;
  }

  /** (R_X'R_X)⁻¹ in the model's coefficients (p×p column-major) at the last θ; times σ² it is Var(β̂). */
  unscaledVcovBeta(): Float64Array {
    const v = this.pls.unscaledVcovBeta();
    const M = this.betaMap;
    if (!M) return v;
    // R V R'
    const p = M.r0.length;
    const tmp = new Float64Array(p * p);
    for (let c = 0; c < p; c++)
      for (let i = 0; i < p; i++) {
        let s = 0;
        for (let x = 0; x < p; x++) s += M.R[i + x * p] * v[x + c * p];
        tmp[i + c * p] = s;
      }
    const out = new Float64Array(p * p);
    for (let c = 0; c < p; c++)
      for (let i = 0; i < p; i++) {
        let s = 0;
        for (let x = 0; x < p; x++) s += tmp[i + x * p] * M.R[c + x * p];
        out[i + c * p] = s;
      }
    return out;
  }
  /** Profiled residual standard deviation at the last θ: √(PWRSS / n) (ML) or √(PWRSS / (n − p)) (REML). */
  sigma(): number {
    return Math.sqrt(this.pls.pwrss / this.nEff());
  }
  /** Spherical conditional modes u (lme4's order: term, level, column) at the last θ. */
  u(): Float64Array {
    this.ensureSolved();
    return this.pls.u.slice();
  }
  /** Conditional modes b = Λ(θ) u at the last θ. */
  b(): Float64Array {
    this.ensureSolved();
    return this.pls.b();
  }

  /** σ² (R_X'R_X)⁻¹ at θ: the p×p covariance matrix of β̂ (column-major). */
  vcovBeta(theta: ArrayLike<number>, sigma: number): Float64Array {
    this.objective(theta);
    const v = this.unscaledVcovBeta();
    const s2 = sigma * sigma;
    for (let i = 0; i < v.length; i++) v[i] *= s2;
    return v;
  }

  /**
   * The FitResult at a given θ without optimising (e.g. to report figures at someone else's θ).
   * singular and the warnings follow lme4's rules at that θ; evaluations is 1.
   */
  resultAt(theta: ArrayLike<number>, id = 'model'): FitResult {
    const th = Array.from(theta);
    const crit = this.objective(th);
    const singular = isSingular(th, this.lower);
    return buildLmmResult(this, {
      id,
      theta: th,
      criterion: crit,
      converged: true,
      evaluations: 1,
      fitSeconds: 0,
      singular,
      warnings: singular ? [SINGULAR_MESSAGE] : [],
    });
  }

  /** The same model's ML (REML = false) or REML criterion, evaluated on this model's system (no second factorization set-up). */
  withREML(REML: boolean): LinearMixedModel {
    return REML === this.REML ? this : new LinearMixedModel(this.frame, { REML }, this);
  }

  /** The model with another response (a simulated one for the parametric bootstrap). */
  withResponse(y: Float64Array): LinearMixedModel {
    if (this.frame.blocks) throw new MlmError({ code: 'sql-unsupported', message: 'a model fitted from SQL blocks has no rows to simulate a new response for (the parametric bootstrap needs them); refit with engine: memory' });
    return new LinearMixedModel({ ...this.frame, y }, { REML: this.REML });
  }

  /**
   * The ML model with fixed-effect coefficient j held at `value` (moved into the offset): the
   * criterion profiled over the other coefficients, for profile intervals of β_j.
   */
  withFixedCoef(j: number, value: number): LinearMixedModel {
    const frame = this.frame;
    const { n, p } = frame;
    if (frame.blocks) {
      const blocks = blocksWithFixedCoef(frame.blocks, j, value);
      return new LinearMixedModel({ ...frame, blocks, p: p - 1, coefnames: frame.coefnames.filter((_, c) => c !== j) }, { REML: false });
    }
    const X = new Float64Array(n * (p - 1));
    for (let c = 0, cc = 0; c < p; c++) {
      if (c === j) continue;
      X.set(frame.X.subarray(c * n, (c + 1) * n), cc * n);
      cc++;
    }
    const offset = new Float64Array(n);
    for (let i = 0; i < n; i++) offset[i] = (frame.offset ? frame.offset[i] : 0) + frame.X[j * n + i] * value;
    return new LinearMixedModel({ ...frame, X, p: p - 1, coefnames: frame.coefnames.filter((_, c) => c !== j), offset }, { REML: false });
  }

  /** Fit by minimising the criterion over θ ≥ lower with the bounded optimizer; see ./fit. */
  async fit(hooks?: FitHooks, id?: string, startedAt?: number): Promise<FitResult> {
    return fitLinearMixedModel(this, hooks, id, startedAt);
  }
}
