/**
 * GLM families and links with the meanings of R's family objects as lme4's C++ code evaluates
 * them (the inverse links and mu.eta are clamped away from 0 and 1 by machine epsilon).
 */
import type { FamilyName, LinkName } from '../frame/types';
import { dnorm, logDbinom, logDpois, pnorm, qnorm } from './special';

const EPS = 2.220446049250313e-16;

export interface Link {
  name: LinkName;
  linkfun(mu: number): number;
  linkinv(eta: number): number;
  /** dmu/deta */
  muEta(eta: number): number;
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
}

function plogis(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
function dlogis(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

export const LINKS: Record<Exclude<LinkName, 'identity'>, Link> = {
  logit: {
    name: 'logit',
    linkfun: (mu) => Math.log(mu / (1 - mu)),
    linkinv: (eta) => Math.min(1 - EPS, plogis(eta)),
    muEta: (eta) => Math.max(EPS, dlogis(eta)),
  },
  probit: {
    name: 'probit',
    linkfun: (mu) => qnorm(mu),
    linkinv: (eta) => Math.min(1 - EPS, pnorm(eta)),
    muEta: (eta) => Math.max(EPS, dnorm(eta)),
  },
  cloglog: {
    name: 'cloglog',
    linkfun: (mu) => Math.log(-Math.log1p(-mu)),
    linkinv: (eta) => Math.max(EPS, Math.min(1 - EPS, -Math.expm1(-Math.exp(eta)))),
    muEta: (eta) => Math.max(EPS, Math.exp(eta - Math.exp(eta))),
  },
  log: {
    name: 'log',
    linkfun: (mu) => Math.log(mu),
    linkinv: (eta) => Math.max(EPS, Math.exp(eta)),
    muEta: (eta) => Math.max(EPS, Math.exp(eta)),
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

/** The family object for a frame's family and link (binomial: logit, probit, cloglog; poisson: log). */
export function makeFamily(family: FamilyName, link: LinkName): Family {
  if (family === 'binomial') {
    if (link === 'logit' || link === 'probit' || link === 'cloglog') return binomial(LINKS[link]);
    throw new Error(`link '${link}' is not available for the binomial family (use logit, probit or cloglog)`);
  }
  if (family === 'poisson') {
    if (link === 'log') return poisson(LINKS.log);
    throw new Error(`link '${link}' is not available for the poisson family (use log)`);
  }
  throw new Error(`family '${family}' is not a generalized family`);
}
