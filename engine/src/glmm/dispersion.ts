/**
 * GLMMs of the families with a dispersion parameter (Gamma, inverse Gaussian, negative binomial
 * NB2), fitted as glmmTMB fits them: the marginal likelihood is the exact Laplace approximation of
 * the integral over the spherical random effects u only,
 *     −2 log L(θ, β, s) ≈ 2 [Σ_i wt_i ℓ_i(η_i(û)) + ½‖û‖²] + log det H(û),
 * where ℓ_i = −log f(y_i | μ_i, s) is the full conditional density (dgamma, dinvgauss, dnbinom2),
 * û the conditional mode and H = I + ΛᵀZᵀ diag(∂²ℓ/∂η²) ZΛ the exact (observed) Hessian in u, and
 * θ, β and the dispersion s are all outer parameters. Standard errors come from the Hessian of that
 * objective with respect to (θ, β, log s) (glmmTMB's sdreport). A single scalar term also allows
 * adaptive Gauss-Hermite quadrature (nAGQ > 1), as glmer's rule for one random intercept.
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame } from '../frame/types';
import { Ticker, type FitHooks } from '../hooks';
import { PlsSystem } from '../lmm/pls';
import { minimize } from '../optim/bobyqa';
import type { FitResult } from '../result';
import { makeFamily, type DispersionDensity, type Family } from './family';
import { adaptiveGHDeviance, ghRule, type GHRule } from './ghq';
import { centralDerivs } from '../linalg/derivs';
import { cholUpper, invert } from '../linalg/small';
import { isSingular, SINGULAR_MESSAGE } from '../optim/convergence';
import { FIT_SETTINGS, plsSettings } from '../optim/options';
import { GlmmModel } from './model';
import { assembleResult } from './result';

/** The u-only state of one evaluation: the Laplace (or AGQ) deviance and the mode. */
interface Mode {
  dev: number;
  u: Float64Array;
  /** diagonal of H per level (single scalar term only) */
  hdiag: Float64Array | null;
}

/** Deviance −2 log L over x = (θ, β, log s) for one model frame and family. */
export class DispersionObjective {
  readonly n: number;
  readonly p: number;
  readonly nTheta: number;
  readonly q: number;
  readonly density: DispersionDensity;
  /** one scalar random-effects term: the conditional modes separate by level */
  readonly single: boolean;
  /** η, μ, fixed parts and the θ layout (GlmmModel is the one place these are computed) */
  readonly model: GlmmModel;
  private readonly y: Float64Array;
  private readonly wt: Float64Array;
  private pls: PlsSystem | null = null;
  private u: Float64Array;
  /** the distinct responses with their summed weights: Σ wt·constant(y, s) is summed over these */
  private readonly uy: Float64Array;
  private readonly uw: Float64Array;
  private constS = NaN;
  private constSum = 0;
  evaluations = 0;

  constructor(
    readonly frame: ModelFrame,
    readonly family: Family,
    readonly rule: GHRule | null,
  ) {
    this.model = new GlmmModel(frame, family, new Float64Array(frame.n).fill(1));
    this.n = frame.n;
    this.p = frame.p;
    this.nTheta = this.model.nTheta;
    this.q = this.model.q;
    this.density = family.density!;
    this.single = frame.reTerms.length === 1 && frame.reTerms[0].k === 1;
    this.y = frame.y;
    this.wt = this.model.wt;
    this.u = new Float64Array(this.q);
    const byY = new Map<number, number>();
    for (let i = 0; i < this.n; i++) byY.set(this.y[i], (byY.get(this.y[i]) ?? 0) + this.wt[i]);
    this.uy = Float64Array.from(byY.keys());
    this.uw = Float64Array.from(byY.values());
  }

  /** 2 Σ_i wt_i constant(y_i, s) (the part of the deviance that does not depend on μ), cached by s. */
  private constantDeviance(s: number): number {
    if (s !== this.constS) {
      let c = 0;
      for (let k = 0; k < this.uy.length; k++) c += this.uw[k] * this.density.constant(this.uy[k], s);
      this.constS = s;
      this.constSum = 2 * c;
    }
    return this.constSum;
  }

  /** (θ, β, log s) → its pieces */
  split(x: ArrayLike<number>): { theta: Float64Array; beta: Float64Array; s: number } {
    const nth = this.nTheta;
    const theta = Float64Array.from(Array.prototype.slice.call(x, 0, nth) as number[]);
    const beta = Float64Array.from(Array.prototype.slice.call(x, nth, nth + this.p) as number[]);
    return { theta, beta, s: Math.exp(x[nth + this.p]) };
  }

  /** The deviance at x (Infinity where the conditional mode cannot be found). */
  deviance(x: ArrayLike<number>): number {
    this.evaluations++;
    const mode = this.mode(x);
    return mode ? mode.dev : Infinity;
  }

  /** Conditional mode and deviance at x; null when the inner problem fails. */
  mode(x: ArrayLike<number>): Mode | null {
    const { theta, beta, s } = this.split(x);
    if (!Number.isFinite(s) || s <= 0) return null;
    const fixed = this.model.fixedPart(beta);
    const out = this.single ? this.singleMode(theta[0], fixed, s) : this.generalMode(theta, fixed, s);
    if (!out || !Number.isFinite(out.dev)) {
      this.u = new Float64Array(this.q); // a failed point must not spoil the next start
      return null;
    }
    return out;
  }

  /**
   * One scalar term: Newton on each level's u_j with the exact second derivative (Fisher's when
   * that is not positive), then the deviance; adaptive Gauss-Hermite when a rule is set.
   */
  private singleMode(lam: number, fixed: Float64Array, s: number): Mode | null {
    const { n, q, y, wt, density } = this;
    const t = this.frame.reTerms[0];
    const refs = t.refs;
    const z = t.Z;
    const link = this.family.link;
    const u = this.u;
    const G = new Float64Array(q);
    const H = new Float64Array(q);
    const HF = new Float64Array(q);
    let done = false;
    for (let it = 0; it < 100 && !done; it++) {
      G.fill(0);
      H.fill(0);
      let indefinite = false;
      for (let i = 0; i < n; i++) {
        const j = refs[i];
        const zl = z[i] * lam;
        const eta = fixed[i] + zl * u[j];
        const mu = link.linkinv(eta);
        const me = link.muEta(eta);
        const d1 = density.d1(y[i], mu, s);
        G[j] += wt[i] * d1 * me * zl;
        H[j] += wt[i] * (density.d2(y[i], mu, s) * me * me + d1 * link.muEta2(eta)) * zl * zl;
      }
      for (let j = 0; j < q; j++) if (!(H[j] + 1 > 0)) indefinite = true;
      if (indefinite) {
        // Fisher scoring where the exact second derivative is not positive
        HF.fill(0);
        for (let i = 0; i < n; i++) {
          const j = refs[i];
          const zl = z[i] * lam;
          const eta = fixed[i] + zl * u[j];
          const me = link.muEta(eta);
          HF[j] += wt[i] * density.fisher(link.linkinv(eta), s) * me * me * zl * zl;
        }
      }
      let big = 0;
      for (let j = 0; j < q; j++) {
        const g = G[j] + u[j];
        let h = H[j] + 1;
        if (!(h > 0)) h = HF[j] + 1;
        let step = g / h;
        if (!Number.isFinite(step)) return null;
        if (step > 2) step = 2;
        else if (step < -2) step = -2;
        u[j] -= step;
        big = Math.max(big, Math.abs(step));
      }
      done = big < 1e-11;
    }
    if (!done) return null;
    // the deviance and H at the mode
    let f = 0;
    H.fill(0);
    const devc0 = new Float64Array(q);
    for (let j = 0; j < q; j++) devc0[j] = u[j] * u[j];
    for (let i = 0; i < n; i++) {
      const j = refs[i];
      const zl = z[i] * lam;
      const eta = fixed[i] + zl * u[j];
      const mu = link.linkinv(eta);
      if (!this.family.validmu(mu)) return null;
      const me = link.muEta(eta);
      const d1 = density.d1(y[i], mu, s);
      H[j] += wt[i] * (density.d2(y[i], mu, s) * me * me + d1 * link.muEta2(eta)) * zl * zl;
      devc0[j] += 2 * wt[i] * density.kernel(y[i], mu, s);
    }
    let ld = 0;
    for (let j = 0; j < q; j++) {
      H[j] += 1;
      if (!(H[j] > 0)) return null;
      ld += Math.log(H[j]);
      f += devc0[j];
    }
    const hdiag = Float64Array.from(H);
    const c = this.constantDeviance(s);
    if (!this.rule) return { dev: f + ld + c, u: Float64Array.from(u), hdiag };
    return { dev: this.agq(lam, fixed, s, devc0, hdiag, ld) + c, u: Float64Array.from(u), hdiag };
  }

  /** lme4's adaptive Gauss-Hermite deviance for one scalar term (its glmerAGQ), with the full density. */
  private agq(lam: number, fixed: Float64Array, s: number, devc0: Float64Array, H: Float64Array, ld: number): number {
    const { y, wt, density } = this;
    const t = this.frame.reTerms[0];
    const z = t.Z;
    const linkinv = this.family.link.linkinv;
    const sd = H.map((h) => 1 / Math.sqrt(h));
    return adaptiveGHDeviance(this.rule!, t.refs, this.u, sd, devc0, ld, (i, uj) => {
      const mu = linkinv(fixed[i] + z[i] * lam * uj);
      return this.family.validmu(mu) ? 2 * wt[i] * density.kernel(y[i], mu, s) : Infinity;
    });
  }

  /**
   * Several or vector-valued terms: Newton steps as penalized weighted least squares (exact weights
   * ∂²ℓ/∂η² when all are positive, Fisher's otherwise) with step halving; log det H from the
   * factor with the exact weights.
   */
  private generalMode(theta: Float64Array, fixed: Float64Array, s: number): Mode | null {
    const { n, q, y, wt, density } = this;
    const m = this.model;
    const link = this.family.link;
    if (!this.pls) this.pls = new PlsSystem(this.frame.reTerms, new Float64Array(0), 0, n);
    const pls = this.pls;
    m.setTheta(theta);
    const sqrtW = new Float64Array(n);
    const wres = new Float64Array(n);
    const objective = (): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        if (!this.family.validmu(m.mu[i])) return Infinity;
        f += 2 * wt[i] * density.kernel(y[i], m.mu[i], s);
      }
      for (let j = 0; j < q; j++) f += m.u[j] * m.u[j];
      return f + this.constantDeviance(s);
    };
    /** weights at the current η; true when the exact ones are all positive */
    const weights = (exactOnly: boolean): boolean => {
      let exact = true;
      for (let i = 0; i < n; i++) {
        const eta = m.eta[i];
        const mu = m.mu[i];
        const me = link.muEta(eta);
        const d1 = density.d1(y[i], mu, s);
        let h = wt[i] * (density.d2(y[i], mu, s) * me * me + d1 * link.muEta2(eta));
        if (!(h > 0)) {
          exact = false;
          if (exactOnly) return false;
          h = wt[i] * density.fisher(mu, s) * me * me;
        }
        sqrtW[i] = Math.sqrt(h);
        wres[i] = eta - fixed[i] - (wt[i] * d1 * me) / h;
      }
      return exact;
    };
    m.u = Float64Array.from(this.u);
    m.updateEta(fixed);
    let f = objective();
    if (!Number.isFinite(f)) {
      m.u = new Float64Array(q);
      m.updateEta(fixed);
      f = objective();
      if (!Number.isFinite(f)) return null;
    }
    let converged = false;
    for (let it = 0; it < FIT_SETTINGS.dispersion.modeMaxIter; it++) {
      weights(false);
      pls.setData(sqrtW, wres);
      if (!pls.factor(theta)) return null;
      pls.solve();
      const old = Float64Array.from(m.u);
      const next = Float64Array.from(pls.u);
      // the size of the full step decides convergence (a halved step is not a converged one)
      let full = 0;
      for (let j = 0; j < q; j++) full = Math.max(full, Math.abs(next[j] - old[j]));
      m.u = Float64Array.from(next);
      m.updateEta(fixed);
      let fNew = objective();
      // near the mode the change of f is at its rounding: accept such steps
      const slack = 1e-11 * (1 + Math.abs(f));
      for (let k = 0; k < 20 && !(fNew <= f + slack); k++) {
        for (let j = 0; j < q; j++) next[j] = 0.5 * (next[j] + old[j]);
        m.u = Float64Array.from(next);
        m.updateEta(fixed);
        fNew = objective();
      }
      if (!(fNew <= f + slack)) return null;
      f = fNew;
      if (full < FIT_SETTINGS.dispersion.modeTol) {
        converged = true;
        break;
      }
    }
    if (!converged) return null;
    if (!weights(true)) {
      throw new MlmError({
        code: 'laplace-indefinite',
        message: `the exact Laplace approximation of this ${this.family.name}(${link.name}) model needs a log-likelihood that curves the same way at every observation; with several or vector-valued random-effects terms it is not available here when it does not (some fitted means far above the data). Try the family's default link or a single random intercept.`,
      });
    }
    pls.setData(sqrtW, wres);
    if (!pls.factor(theta)) return null;
    this.u = Float64Array.from(m.u);
    return { dev: f + pls.logdetL2, u: Float64Array.from(m.u), hdiag: null };
  }

  /** The warm start of the conditional modes (the mode of the last evaluation). */
  get currentU(): Float64Array {
    return this.u;
  }

  set currentU(u: Float64Array) {
    this.u = Float64Array.from(u);
  }
}

/**
 * A fitted Gamma, inverse Gaussian or negative binomial GLMM as a function of its parameters: the
 * exact Laplace (or AGQ) deviance of par = (θ, β, log s), s = sigma or NB's θ. Built once by the fit.
 */
export class DispersionDeviance {
  readonly kind = 'glmm-dispersion' as const;
  constructor(
    readonly objective: DispersionObjective,
    readonly frame: ModelFrame,
    readonly nAGQ: number,
  ) {}
  get nTheta(): number {
    return this.objective.nTheta;
  }
  /** The deviance at par = (θ, β, log s). */
  deviance(par: ArrayLike<number>): number {
    return this.objective.deviance(par);
  }
}

/** A GLM without random effects by Fisher scoring: the start for β. */
function glmStart(frame: ModelFrame, family: Family, density: DispersionDensity): { beta: Float64Array; mu: Float64Array; scale: Float64Array; etaSpread: number } {
  const { n, p, X, y } = frame;
  const wt = frame.weights ?? new Float64Array(n).fill(1);
  const off = frame.offset ?? new Float64Array(n);
  const link = family.link;
  const eta = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mu[i] = family.mustart(y[i], wt[i]);
    eta[i] = link.linkfun(mu[i]);
  }
  let beta = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  for (let it = 0; it < 25; it++) {
    const A = Array.from({ length: p }, () => new Float64Array(p));
    const b = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      const me = link.muEta(eta[i]);
      const w = wt[i] * density.fisher(mu[i], 1) * me * me;
      const zi = eta[i] - off[i] + (y[i] - mu[i]) / me;
      for (let a = 0; a < p; a++) {
        const xa = X[a * n + i] * w;
        b[a] += xa * zi;
        for (let c = 0; c <= a; c++) A[a][c] += xa * X[c * n + i];
      }
    }
    for (let a = 0; a < p; a++) for (let c = 0; c < a; c++) A[c][a] = A[a][c];
    const Ai = invert(A);
    if (!Ai) break;
    for (let a = 0; a < p; a++) scale[a] = Math.sqrt(Math.max(1e-12, Ai[a][a]));
    const next = new Float64Array(p);
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) next[a] += Ai[a][c] * b[c];
    let change = 0;
    for (let a = 0; a < p; a++) change = Math.max(change, Math.abs(next[a] - beta[a]));
    let ok = true;
    for (let i = 0; i < n; i++) {
      let e = off[i];
      for (let a = 0; a < p; a++) e += X[a * n + i] * next[a];
      const m = link.linkinv(e);
      if (!family.validmu(m)) ok = false;
      eta[i] = e;
      mu[i] = m;
    }
    if (!ok) break;
    beta = next;
    if (change < 1e-8) break;
  }
  // the spread of the working residuals on the linear-predictor scale: the scale of the start of θ
  let ss = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    const r = (y[i] - mu[i]) / link.muEta(eta[i]);
    if (!Number.isFinite(r)) continue;
    ss += wt[i] * r * r;
    sw += wt[i];
  }
  const etaSpread = sw > 0 && ss > 0 ? Math.sqrt(ss / sw) : 1;
  return { beta, mu, scale, etaSpread };
}

/**
 * The start of θ: each random-effect column's standard deviation at half the spread of the GLM's
 * working residuals (on the η scale) over the column's root mean square, no correlation. On the
 * log scale of sleepstudy that is about 0.1, on its inverse-link scale about 5e-4: identity
 * factors (glmer's start) are far from both.
 */
function thetaStart(frame: ModelFrame, etaSpread: number): Float64Array {
  const out: number[] = [];
  const n = frame.n;
  for (const t of frame.reTerms) {
    const diag: number[] = [];
    for (let c = 0; c < t.k; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += t.Z[c * n + i] ** 2;
      const rms = Math.sqrt(s / Math.max(1, n));
      diag.push(rms > 0 ? (0.5 * etaSpread) / rms : 0.5 * etaSpread);
    }
    for (let c = 0; c < t.k; c++) for (let r = c; r < t.k; r++) out.push(r === c ? diag[c] : 0);
  }
  return Float64Array.from(out);
}

/**
 * The finite-difference step in the scaled coordinates (β in units of the GLM's standard errors,
 * θ in units of its start): the deviance moves by about 1e-6, far above its rounding (~1e-11), and
 * the second-order truncation error is of the same relative size.
 */
const STEP = FIT_SETTINGS.dispersion.derivStep;

/**
 * Newton steps on the deviance with central-difference gradient and Hessian (the Hessian is needed
 * anyway for the standard errors), each accepted only when it lowers the deviance.
 */
async function newtonPolish(
  fn: (x: Float64Array) => Promise<number>,
  x0: Float64Array,
  f0: number,
  lower: Float64Array,
): Promise<{ x: Float64Array; f: number; gradient: Float64Array; hessian: Float64Array[] }> {
  let x = x0;
  let f = f0;
  let d = await centralDerivs(fn, x, f, STEP);
  for (let it = 0; it < FIT_SETTINGS.dispersion.newtonMaxIter; it++) {
    const R = cholUpper(d.hessian);
    if (!R) break;
    const Hi = invert(d.hessian);
    if (!Hi) break;
    const step = new Float64Array(x.length);
    for (let a = 0; a < x.length; a++) for (let c = 0; c < x.length; c++) step[a] -= Hi[a][c] * d.gradient[c];
    let decrease = 0;
    for (let a = 0; a < x.length; a++) decrease -= step[a] * d.gradient[a];
    if (decrease < 1e-9) break;
    let accepted = false;
    for (let k = 0; k < 6 && !accepted; k++) {
      const nx = Float64Array.from(x, (v, a) => Math.max(lower[a], v + step[a]));
      const nf = await fn(nx);
      if (nf < f) {
        x = nx;
        f = nf;
        accepted = true;
      } else for (let a = 0; a < step.length; a++) step[a] *= 0.5;
    }
    if (!accepted) break;
    if (decrease < 1e-6) {
      // a step this small leaves the Hessian as it was (to far below the standard errors'
      // tolerance); the gradient at the new point is the Newton model's, g + H·step ≈ 0
      const g = Float64Array.from(d.gradient);
      for (let a = 0; a < x.length; a++) for (let c = 0; c < x.length; c++) g[a] += d.hessian[a][c] * step[c];
      return { x, f, gradient: g, hessian: d.hessian };
    }
    d = await centralDerivs(fn, x, f, STEP);
  }
  return { x, f, gradient: d.gradient, hessian: d.hessian };
}

export interface DispersionFitOptions {
  nAGQ: number;
  id?: string;
}

/** Fit of a Gamma, inverse Gaussian or negative binomial GLMM (see the file comment). */
export async function fitDispersionGlmm(
  frame: ModelFrame,
  family: Family,
  warnings: string[],
  opts: DispersionFitOptions,
  hooks?: FitHooks,
): Promise<{ result: FitResult; model: DispersionDeviance }> {
  const t0 = Date.now();
  const ticker = new Ticker(hooks);
  const density = family.density!;
  const rule = opts.nAGQ > 1 ? ghRule(opts.nAGQ) : null;
  if (opts.nAGQ === 0) warnings.push(`nAGQ = 0 (glmer's fast first stage) does not apply to a ${family.name} model: it is fitted by the exact Laplace approximation (nAGQ = 1)`);
  const obj = new DispersionObjective(frame, family, rule);
  const nth = obj.nTheta;
  const p = obj.p;
  const dim = nth + p + 1;

  // start: a GLM's β and moment estimate of s, θ at the scale of the working residuals
  const start = glmStart(frame, family, density);
  const x0 = new Float64Array(dim);
  const theta0 = thetaStart(frame, start.etaSpread);
  x0.set(theta0);
  x0.set(start.beta, nth);
  x0[nth + p] = Math.log(density.start(frame.y, start.mu, obj.model.wt, p));
  const lower = new Float64Array(dim).fill(-Infinity);
  lower.set(obj.model.thetaLower());
  const upper = new Float64Array(dim).fill(Infinity);

  let evals = 0;
  const fn = async (x: Float64Array) => {
    evals++;
    const v = obj.deviance(x);
    await ticker.tick({ stage: 'optimizing (θ, β, dispersion)', evaluations: evals });
    return v;
  };
  // BOBYQA on β in units of the GLM's standard errors (at s = 1), so that every coordinate
  // moves on a comparable scale; Newton steps then finish the optimum
  const sc = new Float64Array(dim).fill(1);
  sc.set(start.scale, nth);
  // θ in units of its start (an off-diagonal entry in those of its row's diagonal entry)
  let pos = 0;
  for (const t of frame.reTerms) {
    const first = pos;
    for (let c = 0; c < t.k; c++) for (let r = c; r < t.k; r++) sc[pos++] = theta0[first + r * t.k - (r * (r - 1)) / 2] || 1;
  }
  const s0 = Math.exp(x0[nth + p]);
  if (density.param === 'sigma') for (let a = 0; a < p; a++) sc[nth + a] *= s0;
  const unscale = (z: ArrayLike<number>) => Float64Array.from(z, (v, i) => x0[i] + sc[i] * v);
  const zLower = Float64Array.from(lower, (v, i) => (v === -Infinity ? v : (v - x0[i]) / sc[i]));
  const D = FIT_SETTINGS.dispersion;
  const bobyqa = { rhobeg: D.rhobeg, rhoend: D.rhoend, maxEval: D.maxEval };
  const res = await minimize((z) => fn(unscale(z)), new Float64Array(dim), zLower, upper, { ...bobyqa, ticker, stage: 'optimizing (θ, β, dispersion)' });
  let fval = await fn(unscale(res.x));
  if (!Number.isFinite(fval)) {
    throw new MlmError({ code: 'fit-failed', message: `the ${family.name} model could not be fitted: the conditional modes of the random effects cannot be found at the optimizer's end point` });
  }
  // Newton steps and the Hessian in the scaled coordinates z (x = x0 + sc·z)
  const evalsBobyqa = evals;
  const pol = await newtonPolish((z) => fn(unscale(z)), Float64Array.from(res.x), fval, zLower);
  const evalsNewton = evals - evalsBobyqa;
  const x = unscale(pol.x);
  fval = pol.f;
  const mode = obj.mode(x);
  if (!mode) throw new MlmError({ code: 'fit-failed', message: `the ${family.name} model could not be fitted (no conditional mode at the optimum)` });
  fval = mode.dev;
  const { theta, beta, s } = obj.split(x);

  // vcov of β: the β block of 2 H⁻¹ (H the Hessian of the deviance over (θ, β, log s));
  // with x = x0 + sc·z, H_x⁻¹ = diag(sc) H_z⁻¹ diag(sc)
  let vcov: number[][] | null = null;
  const Hinv = invert(pol.hessian);
  if (Hinv) {
    const at = (a: number, c: number) => sc[nth + a] * sc[nth + c] * Hinv[nth + a][nth + c];
    const V = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, c) => at(a, c) + at(c, a)));
    if (V.every((r, a) => r[a] > 0 && r.every(Number.isFinite))) vcov = V;
  }
  if (!vcov) {
    warnings.push('the Hessian of the Laplace objective is not positive definite at the optimum: standard errors are not available (NaN)');
    vcov = Array.from({ length: p }, () => new Array<number>(p).fill(NaN));
  }
  if (isSingular(theta, lower)) warnings.push(SINGULAR_MESSAGE);
  let gmax = 0;
  for (let i = 0; i < dim; i++) gmax = Math.max(gmax, Math.abs(pol.gradient[i]));
  const converged = res.converged && gmax < D.gradTol;
  if (!converged) warnings.push(`Model convergence problem: max|gradient| of the deviance = ${Number(gmax.toPrecision(3))} per standard error at the optimum`);

  // the fitted state in a GlmmModel with the fitted family (NB: θ̂ in its variance and deviance residuals)
  const fitted = density.param === 'theta' ? makeFamily(frame.family, frame.link, s) : family;
  const m = new GlmmModel(frame, fitted, new Float64Array(frame.n).fill(1));
  m.setTheta(theta);
  m.beta = beta;
  m.u = Float64Array.from(mode.u);
  m.updateEta(m.fixedPart(beta));
  m.refreshJointFactor();
  m.u = Float64Array.from(mode.u);
  m.beta = beta;
  m.updateEta(m.fixedPart(beta));
  // conditional sds from the exact Hessian (as glmmTMB's), λ / √H_jj
  const condVar = mode.hdiag ? [Float64Array.from(mode.hdiag, (h) => (theta[0] * theta[0]) / h)] : undefined;
  const r = assembleResult({
    frame,
    model: m,
    id: opts.id ?? 'model',
    nAGQ: Math.max(1, opts.nAGQ),
    fval,
    vcov,
    warnings,
    converged,
    evaluations: evals,
    fitSeconds: (Date.now() - t0) / 1000,
    dispersion: { name: density.param, value: s, ...(condVar ? { condVar } : {}) },
  });
  r.optSummary = {
    stages: [
      { name: '(θ, β, log dispersion)', optimizer: D.optimizer, settings: bobyqa, evaluations: res.evaluations, converged: res.converged, fval: res.fval },
      { name: '(θ, β, log dispersion)', optimizer: 'newton', settings: { maxIter: D.newtonMaxIter, derivStep: D.derivStep }, evaluations: evalsNewton, converged, fval: pol.f },
    ],
    derivEvaluations: evalsNewton,
    derivStep: D.derivStep,
    // lme4's checkConv is glmer's, not glmmTMB's: convergence is the gradient per standard error (settings.gradTol)
    checkConv: { ...FIT_SETTINGS.checkConv, checked: false },
    settings: { ...plsSettings(), nAGQ: Math.max(1, opts.nAGQ), gradTol: D.gradTol, modeMaxIter: D.modeMaxIter, modeTol: D.modeTol },
  };
  return { result: r, model: new DispersionDeviance(obj, frame, opts.nAGQ) };
}
