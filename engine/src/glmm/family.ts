/**
 * GLM families and links with the meanings of R's family objects as lme4's C++ code evaluates
 * them (the inverse links and mu.eta are clamped away from 0 and 1 by machine epsilon).
 */
import type { FamilyName, LinkName } from '../frame/types';
import { dnorm, lgamma, logDbinom, logDpois, pnorm, qnorm } from './special';

const EPS = 2.220446049250313e-16;

export interface Link {
  name: LinkName;
  linkfun(mu: number): number;
  linkinv(eta: number): number;
  /** dmu/deta */
  muEta(eta: number): number;
  /** d²mu/deta² (the exact Laplace of the dispersion families needs it; R's link objects do not carry it) */
  muEta2(eta: number): number;
}

/**
 * The conditional density of a family with a dispersion parameter s (Gamma and inverse Gaussian:
 * s = sigma() as lme4 and glmmTMB report it, φ = s²; negative binomial NB2: s = θ), as the exact
 * Laplace of glmm/dispersion.ts uses it: −log f(y | μ, s) and its derivatives in μ.
 */
export interface DispersionDensity {
  /** 'sigma' (Gamma, inverse Gaussian) or 'theta' (negative binomial) */
  param: 'sigma' | 'theta';
  /** −log f(y | μ, s) = kernel(y, μ, s) + constant(y, s) */
  nll(y: number, mu: number, s: number): number;
  /** the part of nll that depends on μ */
  kernel(y: number, mu: number, s: number): number;
  /** the part of nll that does not depend on μ */
  constant(y: number, s: number): number;
  /** ∂/∂μ of nll */
  d1(y: number, mu: number, s: number): number;
  /** ∂²/∂μ² of nll */
  d2(y: number, mu: number, s: number): number;
  /** Fisher information per observation on the μ scale, 1 / Var(y | μ, s) */
  fisher(mu: number, s: number): number;
  /** A moment estimate of s from means μ (n − p residual degrees of freedom), the start of the fit. */
  start(y: Float64Array, mu: Float64Array, wt: Float64Array, p: number): number;
}

export interface Family {
  name: FamilyName;
  link: Link;
  variance(mu: number): number;
  /** Unit deviance times the prior weight (R's dev.resids). */
  devResid(y: number, mu: number, wt: number): number;
  /**
   * R's family$aic: -2 × the log-likelihood (with the binomial coefficient / factorial terms).
   * `n` is the family's n vector (trials for cbind responses, 1 otherwise).
   */
  aic(y: Float64Array, n: Float64Array, mu: Float64Array, wt: Float64Array): number;
  /**
   * True for the canonical links (binomial-logit, poisson-log): there μ'(η) = V(μ) away from the
   * clamps, so the square-root working weight is √(wt V(μ)) and needs no extra exp.
   */
  canonical: boolean;
  /** Starting mean (R's family$initialize mustart). */
  mustart(y: number, wt: number): number;
  /** True when the mean is inside the family's domain. */
  validmu(mu: number): boolean;
  /** The families with a dispersion parameter (Gamma, inverse Gaussian, negative binomial); fitted by glmm/dispersion.ts. */
  density?: DispersionDensity;
}

function plogis(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
function dlogis(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

/** R's cauchit threshold −qcauchy(ε): its inverse link is cut at ±this. */
const CAUCHIT_MAX = Math.tan(Math.PI * (0.5 - EPS));

/** R's links (make.link), with the clamps R and lme4 apply. */
export const LINKS: Record<LinkName, Link> = {
  logit: {
    name: 'logit',
    linkfun: (mu) => Math.log(mu / (1 - mu)),
    linkinv: (eta) => Math.min(1 - EPS, plogis(eta)),
    muEta: (eta) => Math.max(EPS, dlogis(eta)),
    muEta2: (eta) => {
      const p = plogis(eta);
      return p * (1 - p) * (1 - 2 * p);
    },
  },
  probit: {
    name: 'probit',
    linkfun: (mu) => qnorm(mu),
    linkinv: (eta) => Math.min(1 - EPS, pnorm(eta)),
    muEta: (eta) => Math.max(EPS, dnorm(eta)),
    muEta2: (eta) => -eta * dnorm(eta),
  },
  cloglog: {
    name: 'cloglog',
    linkfun: (mu) => Math.log(-Math.log1p(-mu)),
    linkinv: (eta) => Math.max(EPS, Math.min(1 - EPS, -Math.expm1(-Math.exp(eta)))),
    muEta: (eta) => Math.max(EPS, Math.exp(eta - Math.exp(eta))),
    muEta2: (eta) => Math.exp(eta - Math.exp(eta)) * (1 - Math.exp(eta)),
  },
  cauchit: {
    name: 'cauchit',
    linkfun: (mu) => Math.tan(Math.PI * (mu - 0.5)),
    linkinv: (eta) => 0.5 + Math.atan(Math.min(CAUCHIT_MAX, Math.max(-CAUCHIT_MAX, eta))) / Math.PI,
    muEta: (eta) => Math.max(EPS, 1 / (Math.PI * (1 + eta * eta))),
    muEta2: (eta) => (-2 * eta) / (Math.PI * (1 + eta * eta) * (1 + eta * eta)),
  },
  log: {
    name: 'log',
    linkfun: (mu) => Math.log(mu),
    linkinv: (eta) => Math.max(EPS, Math.exp(eta)),
    muEta: (eta) => Math.max(EPS, Math.exp(eta)),
    muEta2: (eta) => Math.exp(eta),
  },
  identity: {
    name: 'identity',
    linkfun: (mu) => mu,
    linkinv: (eta) => eta,
    muEta: () => 1,
    muEta2: () => 0,
  },
  sqrt: {
    name: 'sqrt',
    linkfun: (mu) => Math.sqrt(mu),
    linkinv: (eta) => eta * eta,
    muEta: (eta) => 2 * eta,
    muEta2: () => 2,
  },
  inverse: {
    name: 'inverse',
    linkfun: (mu) => 1 / mu,
    linkinv: (eta) => 1 / eta,
    muEta: (eta) => -1 / (eta * eta),
    muEta2: (eta) => 2 / (eta * eta * eta),
  },
  '1/mu^2': {
    name: '1/mu^2',
    linkfun: (mu) => 1 / (mu * mu),
    linkinv: (eta) => 1 / Math.sqrt(eta),
    muEta: (eta) => -1 / (2 * Math.pow(eta, 1.5)),
    muEta2: (eta) => 0.75 * Math.pow(eta, -2.5),
  },
};

function yLogY(y: number, mu: number): number {
  return y === 0 ? 0 : y * Math.log(y / mu);
}

function binomial(link: Link): Family {
  return {
    name: 'binomial',
    link,
    canonical: link.name === 'logit',
    variance: (mu) => Math.max(EPS, mu * (1 - mu)),
    devResid: (y, mu, wt) => (y === 0 ? -2 * wt * Math.log(1 - mu) : y === 1 ? -2 * wt * Math.log(mu) : 2 * wt * (yLogY(y, mu) + yLogY(1 - y, 1 - mu))),
    aic(y, n, mu, wt) {
      let anyN = false;
      for (let i = 0; i < n.length; i++) if (n[i] > 1) { anyN = true; break; }
      const m = anyN ? n : wt;
      let s = 0;
      for (let i = 0; i < mu.length; i++) {
        const mi = Math.round(m[i]);
        if (!(m[i] > 0)) continue;
        s += (wt[i] / m[i]) * logDbinom(Math.round(m[i] * y[i]), mi, mu[i]);
      }
      return -2 * s;
    },
    mustart: (y, wt) => (wt * y + 0.5) / (wt + 1),
    validmu: (mu) => Number.isFinite(mu) && mu > 0 && mu < 1,
  };
}

function poisson(link: Link): Family {
  return {
    name: 'poisson',
    link,
    canonical: link.name === 'log',
    variance: (mu) => mu,
    devResid: (y, mu, wt) => 2 * wt * (yLogY(y, mu) - (y - mu)),
    aic(y, _n, mu, wt) {
      let s = 0;
      for (let i = 0; i < mu.length; i++) if (wt[i] !== 0) s += logDpois(y[i], mu[i]) * wt[i];
      return -2 * s;
    },
    mustart: (y) => y + 0.1,
    validmu: (mu) => Number.isFinite(mu) && mu > 0,
  };
}

/** Σ of v_i weighted, R's sum of prior weights. */
function sumOf(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

/** Gamma (R's Gamma()): V(μ) = μ², φ = sigma² = 1/shape. */
function gamma(link: Link): Family {
  return {
    name: 'Gamma',
    link,
    canonical: false,
    variance: (mu) => mu * mu,
    devResid: (y, mu, wt) => -2 * wt * (Math.log(y === 0 ? 1 : y / mu) - (y - mu) / mu),
    aic(y, _n, mu, wt) {
      // R: disp = dev/n; −2 Σ wt log dgamma(y, 1/disp, scale = μ disp) + 2
      let dev = 0;
      for (let i = 0; i < y.length; i++) dev += this.devResid(y[i], mu[i], wt[i]);
      const disp = dev / sumOf(wt);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += wt[i] * GAMMA_DENSITY.nll(y[i], mu[i], Math.sqrt(disp));
      return 2 * s + 2;
    },
    mustart: (y) => y,
    validmu: (mu) => Number.isFinite(mu) && mu > 0,
    density: GAMMA_DENSITY,
  };
}

/** A density from its μ-dependent kernel and its constant. */
function density(d: Omit<DispersionDensity, 'nll'>): DispersionDensity {
  return { ...d, nll: (y, mu, s) => d.kernel(y, mu, s) + d.constant(y, s) };
}

const GAMMA_DENSITY: DispersionDensity = density({
  param: 'sigma',
  // log f = a log a − lgamma(a) + (a − 1) log y − a y/μ − a log μ, a = 1/σ² (the shape)
  kernel: (y, mu, s) => (y / mu + Math.log(mu)) / (s * s),
  constant(y, s) {
    const a = 1 / (s * s);
    return -(a * Math.log(a) - lgamma(a) + (a - 1) * Math.log(y));
  },
  d1: (y, mu, s) => (1 / mu - y / (mu * mu)) / (s * s),
  d2: (y, mu, s) => ((2 * y) / (mu * mu * mu) - 1 / (mu * mu)) / (s * s),
  fisher: (mu, s) => 1 / (s * s * mu * mu),
  start(y, mu, wt, p) {
    let ch = 0;
    for (let i = 0; i < y.length; i++) ch += (wt[i] * (y[i] - mu[i]) ** 2) / (mu[i] * mu[i]);
    return Math.sqrt(ch / Math.max(1, sumOf(wt) - p));
  },
});

/** Inverse Gaussian (R's inverse.gaussian()): V(μ) = μ³, φ = sigma². */
function inverseGaussian(link: Link): Family {
  return {
    name: 'inverse.gaussian',
    link,
    canonical: false,
    variance: (mu) => mu * mu * mu,
    devResid: (y, mu, wt) => (wt * (y - mu) ** 2) / (y * mu * mu),
    aic(y, _n, mu, wt) {
      // R: sum(wt) (log(disp 2π) + 1) + 3 Σ log(y) wt + 2, disp = dev / sum(wt)
      let dev = 0;
      let ly = 0;
      for (let i = 0; i < y.length; i++) {
        dev += this.devResid(y[i], mu[i], wt[i]);
        ly += Math.log(y[i]) * wt[i];
      }
      const sw = sumOf(wt);
      return sw * (Math.log((dev / sw) * 2 * Math.PI) + 1) + 3 * ly + 2;
    },
    mustart: (y) => y,
    validmu: (mu) => Number.isFinite(mu) && mu > 0,
    density: density({
      param: 'sigma',
      kernel: (y, mu, s) => (y - mu) ** 2 / (2 * s * s * mu * mu * y),
      constant: (y, s) => 0.5 * Math.log(2 * Math.PI * s * s * y * y * y),
      d1: (y, mu, s) => (1 / (mu * mu) - y / (mu * mu * mu)) / (s * s),
      d2: (y, mu, s) => ((3 * y) / (mu * mu * mu * mu) - 2 / (mu * mu * mu)) / (s * s),
      fisher: (mu, s) => 1 / (s * s * mu * mu * mu),
      start(y, mu, wt, p) {
        let ch = 0;
        for (let i = 0; i < y.length; i++) ch += (wt[i] * (y[i] - mu[i]) ** 2) / (mu[i] * mu[i] * mu[i]);
        return Math.sqrt(ch / Math.max(1, sumOf(wt) - p));
      },
    }),
  };
}

const NB_DENSITY: DispersionDensity = density({
  param: 'theta',
  // log f = lgamma(y+θ) − lgamma(θ) − lgamma(y+1) + θ log(θ/(μ+θ)) + y log(μ/(μ+θ))
  kernel: (y, mu, th) => th * Math.log1p(mu / th) + (y > 0 ? y * Math.log1p(th / mu) : 0),
  constant: (y, th) => -(lgamma(y + th) - lgamma(th) - lgamma(y + 1)),
  d1: (y, mu, th) => -y / mu + (y + th) / (mu + th),
  d2: (y, mu, th) => y / (mu * mu) - (y + th) / ((mu + th) * (mu + th)),
  fisher: (mu, th) => th / (mu * (mu + th)),
  start(y, mu, wt) {
    // Var = μ + μ²/θ: θ = Σ μ² / Σ ((y − μ)² − μ)
    let a = 0;
    let b = 0;
    for (let i = 0; i < y.length; i++) {
      a += wt[i] * mu[i] * mu[i];
      b += wt[i] * ((y[i] - mu[i]) ** 2 - mu[i]);
    }
    return b > 0 ? Math.min(1e3, Math.max(0.05, a / b)) : 10;
  },
});

/** Negative binomial NB2 (MASS's negative.binomial(θ), glmmTMB's nbinom2): V(μ) = μ + μ²/θ. */
function negbinomial(link: Link, theta: number): Family {
  return {
    name: 'negbinomial',
    link,
    canonical: false,
    variance: (mu) => mu + (mu * mu) / theta,
    devResid: (y, mu, wt) => 2 * wt * (y * Math.log(Math.max(1, y) / mu) - (y + theta) * Math.log((y + theta) / (mu + theta))),
    aic(y, _n, mu, wt) {
      let s = 0;
      for (let i = 0; i < y.length; i++) s += wt[i] * NB_DENSITY.nll(y[i], mu[i], theta);
      return 2 * s;
    },
    mustart: (y) => y + (y === 0 ? 1 / 6 : 0),
    validmu: (mu) => Number.isFinite(mu) && mu > 0,
    density: NB_DENSITY,
  };
}

/** The links R allows per family (make.link names), the default first. */
export const FAMILY_LINK_NAMES: Record<Exclude<FamilyName, 'gaussian'>, LinkName[]> = {
  binomial: ['logit', 'probit', 'cloglog', 'cauchit', 'log'],
  poisson: ['log', 'sqrt', 'identity'],
  Gamma: ['inverse', 'log', 'identity'],
  'inverse.gaussian': ['1/mu^2', 'inverse', 'log', 'identity'],
  negbinomial: ['log', 'sqrt', 'identity'],
};

/**
 * The family object for a frame's family and link. `theta` is the negative binomial's θ (its
 * variance and deviance residuals depend on it; the fit estimates it).
 */
export function makeFamily(family: FamilyName, link: LinkName, theta = 1): Family {
  if (family === 'gaussian') throw new Error(`family '${family}' is not a generalized family`);
  const allowed = FAMILY_LINK_NAMES[family];
  if (!allowed) throw new Error(`family '${family}' is not a generalized family`);
  if (!allowed.includes(link)) throw new Error(`link '${link}' is not available for the ${family} family (use ${allowed.join(', ')})`);
  const l = LINKS[link];
  switch (family) {
    case 'binomial':
      return binomial(l);
    case 'poisson':
      return poisson(l);
    case 'Gamma':
      return gamma(l);
    case 'inverse.gaussian':
      return inverseGaussian(l);
    case 'negbinomial':
      return negbinomial(l, theta);
  }
}
