/**
 * The GLMM working state: random-effects structure (Z, Λ(θ)), PIRLS and the deviances
 * lme4's glmer optimizes:
 *  - Laplace: ldL2 + ‖u‖² + aic(y, μ), at the conditional mode of u (lme4's glmResp::Laplace);
 *  - adaptive Gauss-Hermite (single scalar term): Σ_j devc0_j + ldL2 − 2 Σ_j log m_j (lme4's glmerAGQ),
 *    which uses deviance residuals rather than the family's aic terms.
 * One PIRLS (`pirls`, lme4's pwrssUpdate) with its settings in a PirlsOptions object: joint over (u, β)
 * (lme4's nAGQ = 0 stage) or over u with β fixed in the offset, from the fit's linear predictor lp0
 * (lme4's) or from the current mode (the fallback). Every solve goes through lmm/pls.ts's PlsSystem.
 * PIRLS and its passes over the rows are Steps generators (hooks.ts) that yield every ROWS_PER_STEP rows:
 * the fit drives them with its Ticker (a language server answers meanwhile), other callers with runSteps.
 */
import type { ModelFrame } from '../frame/types';
import { PlsSystem } from '../lmm/pls';
import { ReTerms, type ReTerm } from '../lmm/reterms';
import { FIT_SETTINGS, type PirlsOptions } from '../optim/options';
import { ROWS_PER_STEP, runSteps, type Steps } from '../hooks';
import { lchoose, lgamma } from './special';
import type { Family } from './family';
import { adaptiveGHDeviance, type GHRule } from './ghq';

export class PirlsError extends Error {}

/**
 * Calls rows(start, end) for each slice of ROWS_PER_STEP rows, yielding between slices. The loops over rows are
 * plain methods (V8 optimizes long loops inside generator functions less well).
 */
function* inSlices(n: number, rows: (start: number, end: number) => void): Steps<void> {
  for (let start = 0; start < n; start += ROWS_PER_STEP) {
    const end = Math.min(n, start + ROWS_PER_STEP);
    rows(start, end);
    if (end < n) yield;
  }
}

/** PIRLS's start from lp0: η, μ, square-root weights and working response (plus offset), computed once per lp0. */
interface PirlsStart {
  lp0: Float64Array;
  eta: Float64Array;
  mu: Float64Array;
  sqrtW: Float64Array;
  r0: Float64Array;
}

export class GlmmModel {
  readonly n: number;
  readonly p: number;
  readonly q: number;
  /** the random-effects terms: θ layout, Λ, b = Λu */
  readonly re: ReTerms;
  readonly terms: readonly ReTerm[];
  readonly nTheta: number;
  /** Σ k_t: entries of ZΛ per row */
  readonly kTot: number;
  readonly y: Float64Array;
  readonly wt: Float64Array;
  /** the family's n vector (trials for cbind-like responses, 1 otherwise) */
  readonly nTrials: Float64Array;
  readonly X: Float64Array; // column-major n × p
  readonly baseOffset: Float64Array;

  theta: Float64Array;
  /** the blocked weighted PLS (lmm/pls.ts): joint (u, β) and u-only (β in the offset) systems */
  private plsJointSys: PlsSystem | null = null;
  private plsUSys: PlsSystem | null = null;
  private readonly frameTerms: ModelFrame['reTerms'];
  /** the system factored last (its L is the one lme4's deviances use) */
  pls!: PlsSystem;

  // state
  u: Float64Array;
  beta: Float64Array;
  eta: Float64Array;
  mu: Float64Array;
  private sqrtW: Float64Array;
  private wres: Float64Array; // working response
  pirlsIterations = 0;
  /** Σ (aic_i − devResid_i): a constant of the data (null when it is not, e.g. non-integer successes) */
  private readonly aicConst: number | null;
  private resDevCache = NaN;
  private fixedBeta: Float64Array | null = null;
  private fixedCache: Float64Array | null = null;

  constructor(
    frame: ModelFrame,
    readonly family: Family,
    nTrials: Float64Array,
  ) {
    this.n = frame.n;
    this.p = frame.p;
    this.X = frame.X;
    this.y = frame.y;
    const n = frame.n;
    this.wt = frame.weights ?? new Float64Array(n).fill(1);
    this.nTrials = nTrials;
    this.baseOffset = frame.offset ?? new Float64Array(n);
    this.re = new ReTerms(frame.reTerms);
    this.terms = this.re.terms;
    this.q = this.re.q;
    this.kTot = this.re.kTot;
    this.nTheta = this.re.nTheta;
    this.frameTerms = frame.reTerms;
    this.theta = new Float64Array(this.nTheta);
    this.u = new Float64Array(this.q);
    this.beta = new Float64Array(this.p);
    this.eta = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.sqrtW = new Float64Array(n);
    this.wres = new Float64Array(n);
    this.setTheta(this.initialTheta());
    this.resetToStart();
    this.aicConst = this.computeAicConst();
  }

  /**
   * The family's aic terms minus the deviance residuals do not depend on μ:
   * binomial −2 log C(m,k) − 2[k log(k/m) + (m−k) log(1−k/m)], Poisson 2 wt [log Γ(y+1) − y log y + y].
   */
  private computeAicConst(): number | null {
    let c = 0;
    const { n, y, wt } = this;
    if (this.family.name === 'binomial') {
      for (let i = 0; i < n; i++) {
        const m = wt[i];
        if (!(m > 0)) continue;
        if (this.nTrials[i] !== m || Math.abs(m - Math.round(m)) > 1e-9) return null;
        const k = m * y[i];
        if (Math.abs(k - Math.round(k)) > 1e-9) return null;
        const kk = Math.round(k);
        const mm = Math.round(m);
        let t = -2 * lchoose(mm, kk);
        if (kk > 0) t -= 2 * kk * Math.log(kk / mm);
        if (kk < mm) t -= 2 * (mm - kk) * Math.log((mm - kk) / mm);
        c += t;
      }
      return c;
    }
    for (let i = 0; i < n; i++) {
      if (wt[i] === 0) continue;
      const yi = y[i];
      if (yi < 0 || Math.abs(yi - Math.round(yi)) > 1e-9) return null;
      c += 2 * wt[i] * (lgamma(yi + 1) - (yi > 0 ? yi * Math.log(yi) : 0) + yi);
    }
    return c;
  }

  /** The PLS systems (lmm/pls.ts): joint over (u, β) and over u only, built on first use. */
  private get plsJoint(): PlsSystem {
    if (!this.plsJointSys) this.plsJointSys = new PlsSystem(this.frameTerms, this.X, this.p, this.n);
    return this.plsJointSys;
  }

  private get plsU(): PlsSystem {
    if (!this.plsUSys) this.plsUSys = new PlsSystem(this.frameTerms, new Float64Array(0), 0, this.n);
    return this.plsUSys;
  }

  /** lme4's starting θ: identity relative covariance factors. */
  initialTheta(): Float64Array {
    return Float64Array.from(this.re.start());
  }

  /** Lower bounds of θ: 0 for the diagonal of each factor, −∞ elsewhere. */
  thetaLower(): Float64Array {
    return Float64Array.from(this.re.lower());
  }

  setTheta(theta: ArrayLike<number>): void {
    if (theta.length === this.theta.length) {
      let same = true;
      for (let i = 0; i < theta.length; i++) if (theta[i] !== this.theta[i]) same = false;
      if (same) return;
    }
    this.theta = Float64Array.from(theta);
  }

  /** Start from the family's mustart (R's initialize), u = 0, β = 0. */
  resetToStart(): void {
    const f = this.family;
    this.resDevCache = NaN;
    for (let i = 0; i < this.n; i++) {
      const m = f.mustart(this.y[i], this.wt[i]);
      this.mu[i] = m;
      this.eta[i] = f.link.linkfun(m);
    }
    this.u.fill(0);
    this.beta.fill(0);
    this.startFromMustart = true;
  }
  private startFromMustart = true;

  /** η = offset + Xβ + ZΛu; μ = linkinv(η). `offsetPlusXb` may be passed precomputed. */
  updateEta(offsetPlusXb: Float64Array): void {
    runSteps(this.updateEtaSteps(offsetPlusXb));
  }

  /** updateEta in slices of ROWS_PER_STEP rows (each row's arithmetic as in one pass). */
  *updateEtaSteps(offsetPlusXb: Float64Array): Steps<void> {
    this.resDevCache = NaN;
    // b = Λu per term (b_t[j k + r] for level j, row r)
    const bs = this.terms.map((t) => t.b(this.theta, this.u));
    yield* inSlices(this.n, (start, end) => this.etaRows(start, end, offsetPlusXb, bs));
  }

  private etaRows(start: number, end: number, offsetPlusXb: Float64Array, bs: Float64Array[]): void {
    const { n, eta, mu } = this;
    eta.set(offsetPlusXb.subarray(start, end), start);
    // η += Z_t b_t term by term
    for (let ti = 0; ti < this.terms.length; ti++) {
      const { k, refs, Z } = this.terms[ti];
      const b = bs[ti];
      if (k === 1) {
        for (let i = start; i < end; i++) eta[i] += Z[i] * b[refs[i]];
      } else {
        for (let r = 0; r < k; r++) {
          const zo = r * n;
          for (let i = start; i < end; i++) eta[i] += Z[zo + i] * b[refs[i] * k + r];
        }
      }
    }
    if (this.family.link.name === 'logit') {
      // the logit link's inverse written out (as LINKS.logit.linkinv computes it): this loop is
      // the hottest of a binomial fit
      const hi = 1 - 2.220446049250313e-16;
      for (let i = start; i < end; i++) {
        const e = eta[i];
        let m: number;
        if (e >= 0) m = 1 / (1 + Math.exp(-e));
        else {
          const x = Math.exp(e);
          m = x / (1 + x);
        }
        mu[i] = m < hi ? m : hi;
      }
    } else {
      const linkinv = this.family.link.linkinv;
      for (let i = start; i < end; i++) mu[i] = linkinv(eta[i]);
    }
  }

  /** updateEta at offset + Xβ of the current β. */
  private *updateEtaAtBetaSteps(): Steps<void> {
    yield* this.updateEtaSteps(yield* this.fixedPartSteps(this.beta));
  }

  /**
   * offset + Xβ, in one buffer reused from call to call: callers use the result before the next
   * call with another β (PIRLS holds it while β is fixed).
   */
  fixedPart(beta: ArrayLike<number>): Float64Array {
    return runSteps(this.fixedPartSteps(beta));
  }

  /** fixedPart in slices of rows. */
  *fixedPartSteps(beta: ArrayLike<number>): Steps<Float64Array> {
    const { n, p } = this;
    const fb = this.fixedBeta;
    let out = this.fixedCache;
    if (out && fb) {
      let same = true;
      for (let j = 0; j < p; j++) if (beta[j] !== fb[j]) same = false;
      if (same) return out;
    }
    if (!out || !fb) {
      out = new Float64Array(n);
      this.fixedCache = out;
      this.fixedBeta = new Float64Array(p);
    }
    // the cached β is set once the buffer is complete
    this.fixedBeta!.fill(NaN);
    const bs = Float64Array.from({ length: p }, (_, j) => beta[j]);
    const buf = out;
    yield* inSlices(n, (start, end) => {
      buf.set(this.baseOffset.subarray(start, end), start);
      for (let j = 0; j < p; j++) if (bs[j] !== 0) this.addColumnRows(buf, j, bs[j], start, end);
    });
    this.fixedBeta!.set(bs);
    return out;
  }

  /** out += X[, j] b over rows [start, end). */
  private addColumnRows(out: Float64Array, j: number, b: number, start: number, end: number): void {
    const X = this.X;
    const o = j * this.n;
    for (let i = start; i < end; i++) out[i] += X[o + i] * b;
  }

  /** Σ deviance residuals at the current μ (cached until μ changes). */
  resDev(): number {
    return runSteps(this.resDevSteps());
  }

  /** resDev in slices of rows (the same sum, in the same order). */
  *resDevSteps(): Steps<number> {
    if (!Number.isNaN(this.resDevCache)) return this.resDevCache;
    // compensated (Neumaier) summation: the deviance enters finite-difference Hessians with
    // steps of 1e-4, where plain summation's rounding (~1e-10 for n ≈ 10⁴) would show
    const acc = new Float64Array(2); // the sum and its compensation
    yield* inSlices(this.n, (start, end) => this.resDevRows(start, end, acc));
    const s = acc[0] + acc[1];
    this.resDevCache = s;
    return s;
  }

  private resDevRows(start: number, end: number, acc: Float64Array): void {
    const { y, mu, wt } = this;
    const dr = this.family.devResid;
    let s = acc[0];
    let comp = acc[1];
    for (let i = start; i < end; i++) {
      const v = dr(y[i], mu[i], wt[i]);
      const t = s + v;
      comp += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    acc[0] = s;
    acc[1] = comp;
  }

  sqrL(): number {
    let s = 0;
    for (let j = 0; j < this.q; j++) s += this.u[j] * this.u[j];
    return s;
  }

  /**
   * Weights and working response at the current μ, then form and factor the weighted PLS system
   * (joint over (u, β) or over u only). `fixed` = offset (+ Xβ when β is held fixed).
   */
  private startCache: PirlsStart | null = null;

  private assemble(fixed: Float64Array, withX: boolean, weightsOnly = false): void {
    runSteps(this.assembleSteps(fixed, withX, weightsOnly));
  }

  /** assemble in slices of rows. */
  private *assembleSteps(fixed: Float64Array, withX: boolean, weightsOnly = false): Steps<void> {
    yield* inSlices(this.n, (start, end) => this.weightRows(start, end, fixed));
    if (weightsOnly) return;
    yield* this.factorCurrentSteps(withX);
  }

  /** Square-root weights and working response over rows [start, end). */
  private weightRows(start: number, end: number, fixed: Float64Array): void {
    const { y, mu, eta, wt, sqrtW, wres } = this;
    const f = this.family;
    const muEta = f.link.muEta;
    const variance = f.variance;
    if (f.canonical) {
      // μ'(η) = V(μ) unless a clamp is active (|η| > 30 on the logit scale, μ at machine epsilon)
      const bin = f.name === 'binomial';
      for (let i = start; i < end; i++) {
        const e = eta[i];
        const m = mu[i];
        const v = bin ? m * (1 - m) : m;
        if (bin ? e > -30 && e < 30 && v > 2.220446049250313e-16 : v > 2.220446049250313e-16 && e < 700) {
          sqrtW[i] = Math.sqrt(wt[i] * v);
          wres[i] = e - fixed[i] + (y[i] - m) / v;
        } else {
          const me = muEta(e);
          sqrtW[i] = me * Math.sqrt(wt[i] / variance(m));
          wres[i] = e - fixed[i] + (y[i] - m) / me;
        }
      }
    } else {
      for (let i = start; i < end; i++) {
        const me = muEta(eta[i]);
        const v = variance(mu[i]);
        sqrtW[i] = me * Math.sqrt(wt[i] / v);
        wres[i] = eta[i] - fixed[i] + (y[i] - mu[i]) / me;
      }
    }
  }

  /**
   * Factor the PLS system for the current sqrtW and working response. `weightsTag` names weights the
   * PIRLS comes back to (those of lp0): the system then keeps their cross products and factors.
   */
  private *factorCurrentSteps(withX: boolean, weightsTag?: object): Steps<void> {
    const pls = withX ? this.plsJoint : this.plsU;
    yield* pls.setDataSteps(this.sqrtW, this.wres, weightsTag);
    if (!pls.factor(this.theta)) {
      throw new PirlsError(withX ? 'the penalized weighted least-squares system (with the fixed effects) is not positive definite' : 'the penalized weighted least-squares system is not positive definite');
    }
    this.pls = pls;
  }

  /** Solve the current system: new u (and β when `joint`). */
  private solve(joint: boolean): { u: Float64Array; beta: Float64Array } {
    const pls = this.pls;
    pls.solve();
    return { u: pls.u.slice(), beta: joint ? pls.beta.slice() : this.beta };
  }

  /**
   * PIRLS to the conditional mode, as lme4's pwrssUpdate runs it: full IRLS steps of the penalized
   * weighted least squares, halved towards the previous iterate while the penalized deviance
   * Σ devResid + ‖u‖² rises, until its change is below o.tol · max(o.tolFloor, deviance). Returns that deviance.
   *
   * With `lp0` (lme4's way; o.from = 'lp0') every run starts from the same η = offset + lp0, so the
   * deviance is a deterministic function of the parameters (glmer's standard errors are a
   * finite-difference Hessian of it); the start's μ and weights are computed once per lp0, and the
   * PLS system keeps the factors of those weights by θ. L is left at the weights of the last
   * iteration's start, as lme4 leaves it, unless `o.refactorAtMode`. Without lp0 the run starts
   * from the current mode (or the family's mustart after resetToStart).
   */
  pirls(o: PirlsOptions, lp0: Float64Array | null): number {
    return runSteps(this.pirlsSteps(o, lp0));
  }

  /** PIRLS (see pirls) in steps: a yield between iterations and every ROWS_PER_STEP rows of its passes. */
  *pirlsSteps(o: PirlsOptions, lp0: Float64Array | null): Steps<number> {
    const { n, eta, mu, baseOffset } = this;
    const joint = o.joint;
    if (o.from === 'lp0' && !lp0) throw new Error('PIRLS from lp0 needs the linear predictor lp0');
    if (o.from === 'current') lp0 = null;
    this.resDevCache = NaN;
    let c: PirlsStart | null = null;
    let oldP: number;
    if (lp0) {
      // every evaluation starts from the same η = offset + lp0: its μ, weights and working
      // residuals are computed once per lp0 and reused
      c = this.startCache;
      if (!c || c.lp0 !== lp0) {
        const linkinv = this.family.link.linkinv;
        const from = lp0;
        yield* inSlices(n, (start, end) => {
          for (let i = start; i < end; i++) {
            eta[i] = baseOffset[i] + from[i];
            mu[i] = linkinv(eta[i]);
          }
        });
        yield* this.assembleSteps(baseOffset, false, true);
        const r0 = new Float64Array(n);
        const wres = this.wres;
        yield* inSlices(n, (start, end) => {
          for (let i = start; i < end; i++) r0[i] = wres[i] + baseOffset[i];
        });
        c = { lp0, eta: Float64Array.from(eta), mu: Float64Array.from(mu), sqrtW: Float64Array.from(this.sqrtW), r0 };
        this.startCache = c;
      }
      eta.set(c.eta);
      mu.set(c.mu);
      oldP = Number.MAX_VALUE;
    } else {
      if (!this.startFromMustart) yield* this.updateEtaAtBetaSteps();
      oldP = (yield* this.resDevSteps()) + this.sqrL();
      if (!Number.isFinite(oldP)) oldP = Number.MAX_VALUE;
    }
    this.startFromMustart = false;
    const fixedU = joint ? baseOffset : yield* this.fixedPartSteps(this.beta);
    /** η and μ at the new (u, β): the offset plus Xβ of the current β (joint) or the fixed part held */
    const newEta = (): Steps<void> => (joint ? this.updateEtaAtBetaSteps() : this.updateEtaSteps(fixedU));
    for (let it = 0; it < o.maxit; it++) {
      if (it > 0) yield;
      this.pirlsIterations++;
      const oldU = this.u;
      const oldB = this.beta;
      if (it === 0 && c) {
        this.sqrtW.set(c.sqrtW);
        const r0 = c.r0;
        const wres = this.wres;
        yield* inSlices(n, (start, end) => {
          for (let i = start; i < end; i++) wres[i] = r0[i] - fixedU[i];
        });
        yield* this.factorCurrentSteps(joint, c);
      } else yield* this.assembleSteps(fixedU, joint);
      const { u, beta } = this.solve(joint);
      this.u = u;
      this.beta = beta;
      yield* newEta();
      let pdev = (yield* this.resDevSteps()) + this.sqrL();
      if (!Number.isFinite(pdev) && o.onStall === 'error') throw new PirlsError('PIRLS produced a non-finite deviance');
      if (Math.abs(oldP - pdev) < o.tol * Math.max(o.tolFloor, Math.abs(pdev))) {
        if (o.refactorAtMode) yield* this.assembleSteps(fixedU, joint);
        return pdev;
      }
      if (!(pdev <= oldP)) {
        for (let k = 0; k < o.maxHalvings && !(pdev <= oldP); k++) {
          const uu = new Float64Array(this.q);
          for (let j = 0; j < this.q; j++) uu[j] = 0.5 * (oldU[j] + this.u[j]);
          this.u = uu;
          if (joint) {
            const bb = new Float64Array(this.p);
            for (let j = 0; j < this.p; j++) bb[j] = 0.5 * (oldB[j] + this.beta[j]);
            this.beta = bb;
          }
          yield* newEta();
          pdev = (yield* this.resDevSteps()) + this.sqrL();
        }
        if (!(pdev - oldP <= o.tol)) {
          if (o.onStall === 'error') throw new PirlsError('PIRLS step-halving failed to reduce the deviance');
          if (oldP < Number.MAX_VALUE) {
            // no progress possible: the previous iterate is the mode
            this.u = oldU;
            this.beta = oldB;
            yield* newEta();
            yield* this.assembleSteps(fixedU, joint);
            return oldP;
          }
        }
      }
      oldP = pdev;
    }
    throw new PirlsError(`PIRLS did not converge in ${o.maxit} iterations`);
  }

  /** Xβ + ZΛu (the linear predictor without the offset) at the current state. */
  linPred(): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.eta[i] - this.baseOffset[i];
    return out;
  }

  aic(): number {
    return this.family.aic(this.y, this.nTrials, this.mu, this.wt);
  }

  /** Laplace deviance at the current mode: ldL2 + ‖u‖² + aic. */
  laplace(): number {
    return this.ldL2() + this.sqrL() + (this.aicConst !== null ? this.resDev() + this.aicConst : this.aic());
  }

  /**
   * Adaptive Gauss-Hermite deviance at the current mode (single scalar term: L is diagonal).
   * Per level j: devc0_j = u_j² + Σ_{i∈j} devResid_i; sd_j = 1/L_jj.
   */
  agq(rule: GHRule): number {
    const t = this.terms[0];
    const { n, y, wt, u } = this;
    const q = this.q;
    const dr = this.family.devResid;
    const linkinv = this.family.link.linkinv;
    const refs = t.refs;
    const lam = this.theta[0];
    const devc0 = new Float64Array(q);
    for (let j = 0; j < q; j++) devc0[j] = u[j] * u[j];
    for (let i = 0; i < n; i++) devc0[refs[i]] += dr(y[i], this.mu[i], wt[i]);
    const L11 = this.pls.L11;
    const sd = Float64Array.from(L11, (l) => 1 / l);
    // η without the random effect
    const z = t.Z;
    const eta0 = new Float64Array(n);
    for (let i = 0; i < n; i++) eta0[i] = this.eta[i] - z[i] * lam * u[refs[i]];
    return adaptiveGHDeviance(rule, refs, u, sd, devc0, this.ldL2(), (i, uj) => dr(y[i], linkinv(eta0[i] + z[i] * lam * uj), wt[i]));
  }

  /** (RX'RX)⁻¹ of the joint system at the current weights (lme4's unscaled vcov from RX), row-major. */
  unscaledVcovFromRX(): Float64Array {
    if (this.pls !== this.plsJoint) {
      // the last factor was over u only: the joint system at the same weights (RX depends on them only)
      this.plsJoint.setData(this.sqrtW, this.wres);
      if (!this.plsJoint.factor(this.theta)) throw new PirlsError('the fixed-effects system is not positive definite');
    }
    return this.plsJoint.unscaledVcovBeta(); // symmetric: column- and row-major agree
  }

  /** 2 log det L of the system factored last. */
  ldL2(): number {
    return this.pls.logdetL2;
  }

  /** lme4's condVar blocks (Λ A⁻¹ Λ', σ = 1) per term from the system factored last (its random-effects part). */
  condVarBlocks(): Float64Array[] {
    return this.pls.condVarBlocks();
  }

  /** Refresh the joint factor (with the fixed-effects blocks) at the current μ. */
  refreshJointFactor(): void {
    runSteps(this.refreshJointFactorSteps());
  }

  /** refreshJointFactor in slices of rows. */
  *refreshJointFactorSteps(): Steps<void> {
    yield* this.assembleSteps(this.baseOffset, true);
  }

  /** Pearson residuals (y − μ)√wt / √V(μ). */
  pearson(): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      out[i] = ((this.y[i] - this.mu[i]) * Math.sqrt(this.wt[i])) / Math.sqrt(this.family.variance(this.mu[i]));
    }
    return out;
  }

  /** Clone of the state needed to restore a mode (u, β). */
  snapshot(): { u: Float64Array; beta: Float64Array; theta: Float64Array } {
    return { u: Float64Array.from(this.u), beta: Float64Array.from(this.beta), theta: Float64Array.from(this.theta) };
  }

  restore(s: { u: Float64Array; beta: Float64Array; theta: Float64Array }): void {
    this.setTheta(s.theta);
    this.u = Float64Array.from(s.u);
    this.beta = Float64Array.from(s.beta);
    this.startFromMustart = false;
  }
}
