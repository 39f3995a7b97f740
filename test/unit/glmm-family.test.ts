// Families, links, special functions and Gauss-Hermite rules of the GLMM engine, checked against
// mathematics (closed forms, worked arithmetic) and values R prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFamily } from '../../engine/src/glmm/family';
import { ghRule } from '../../engine/src/glmm/ghq';
import { logDbinom, logDpois } from '../../engine/src/glmm/special';
import { lgamma, pnorm, qnorm, twoSidedNormalP } from '../../engine/src/inference/distributions';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('special functions: lgamma, pnorm, qnorm against closed forms and R', () => {
  close(lgamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lgamma(1/2)');
  close(lgamma(5), Math.log(24), 1e-14, 'lgamma(5)');
  close(lgamma(101), 363.73937555556347, 1e-10, 'lgamma(101)'); // log(100!)
  close(pnorm(0), 0.5, 1e-16);
  close(pnorm(-1.96), 0.024997895148220428, 1e-15, 'pnorm(-1.96)'); // R: pnorm(-1.96)
  close(pnorm(-10) / 7.6198530241605269e-24, 1, 1e-12, 'pnorm(-10)');
  close(qnorm(0.975), 1.959963984540054, 1e-14, 'qnorm(0.975)');
  close(qnorm(pnorm(-3.3)), -3.3, 1e-12);
  close(twoSidedNormalP(1.959963984540054), 0.05, 1e-14);
});

test('binomial and Poisson log probabilities (worked arithmetic)', () => {
  // C(10,3) 0.2^3 0.8^7 = 120 * 0.008 * 0.2097152
  close(logDbinom(3, 10, 0.2), Math.log(120 * 0.008 * 0.2097152), 1e-13);
  close(logDbinom(0, 1, 0.3), Math.log(0.7), 1e-15);
  // Poisson: e^-2 2^3 / 3!
  close(logDpois(3, 2), Math.log((Math.exp(-2) * 8) / 6), 1e-14);
  // non-integer counts: continuous extension (R's dpois would give 0)
  close(logDpois(1.5, 2), 1.5 * Math.log(2) - 2 - lgamma(2.5), 1e-14);
  assert.equal(logDpois(-1, 2), -Infinity);
});

test('binomial logit family: links, variance, deviance residuals and aic as R defines them', () => {
  const f = makeFamily('binomial', 'logit');
  close(f.link.linkinv(0), 0.5, 1e-16);
  close(f.link.linkfun(0.25), Math.log(1 / 3), 1e-15);
  close(f.link.muEta(0), 0.25, 1e-16);
  close(f.link.linkinv(40), 1 - 2.220446049250313e-16, 0); // clamped as lme4 clamps
  close(f.variance(0.2), 0.16, 1e-16);
  // y = 3/10 with 10 trials, mu = 0.2: 2*10*(0.3 log(1.5) + 0.7 log(0.875))
  close(f.devResid(0.3, 0.2, 10), 20 * (0.3 * Math.log(1.5) + 0.7 * Math.log(0.875)), 1e-13);
  close(f.devResid(1, 0.8, 1), -2 * Math.log(0.8), 1e-15);
  // aic: -2 Σ log dbinom(m y, m, mu) with m = trials (the binomial coefficient included)
  const aic = f.aic(Float64Array.of(0.3, 0), Float64Array.of(10, 4), Float64Array.of(0.2, 0.1), Float64Array.of(10, 4));
  close(aic, -2 * (Math.log(120 * 0.008 * 0.2097152) + 4 * Math.log(0.9)), 1e-12);
});

test('probit, cloglog and Poisson log links', () => {
  const p = makeFamily('binomial', 'probit');
  close(p.link.linkinv(1.959963984540054), 0.975, 1e-14);
  close(p.link.muEta(0), 1 / Math.sqrt(2 * Math.PI), 1e-16);
  const c = makeFamily('binomial', 'cloglog');
  close(c.link.linkinv(0), 1 - Math.exp(-1), 1e-16);
  close(c.link.linkfun(1 - Math.exp(-1)), 0, 1e-15);
  close(c.link.muEta(0), Math.exp(-1), 1e-16);
  const po = makeFamily('poisson', 'log');
  close(po.link.linkinv(Math.log(3)), 3, 1e-15);
  close(po.variance(3), 3, 0);
  // 2 (y log(y/mu) - (y - mu)) = 2 (4 log 2 - 2) for y = 4, mu = 2
  close(po.devResid(4, 2, 1), 2 * (4 * Math.log(2) - 2), 1e-14);
  close(po.devResid(0, 2, 1), 4, 1e-15);
  close(po.aic(Float64Array.of(3), Float64Array.of(1), Float64Array.of(2), Float64Array.of(1)), -2 * Math.log((Math.exp(-2) * 8) / 6), 1e-13);
  assert.throws(() => makeFamily('poisson', 'logit'));
});

test('Gauss-Hermite rules integrate normal moments exactly', () => {
  for (const K of [1, 2, 5, 9, 25]) {
    const r = ghRule(K);
    let m0 = 0, m2 = 0, m4 = 0, m1 = 0;
    for (let i = 0; i < K; i++) {
      m0 += r.w[i];
      m1 += r.w[i] * r.z[i];
      m2 += r.w[i] * r.z[i] ** 2;
      m4 += r.w[i] * r.z[i] ** 4;
    }
    close(m0, 1, 1e-13, `K=${K} m0`);
    close(m1, 0, 1e-13, `K=${K} m1`);
    if (K >= 2) close(m2, 1, 1e-12, `K=${K} m2`);
    if (K >= 3) close(m4, 3, 1e-11, `K=${K} m4`);
  }
  // three-point rule: nodes 0, ±√3 with weights 2/3, 1/6
  const r3 = ghRule(3);
  close(r3.z[2], Math.sqrt(3), 1e-14);
  close(r3.w[1], 2 / 3, 1e-14);
  close(r3.w[0], 1 / 6, 1e-14);
  // E[Z^24] = 23!! needs at least 13 nodes
  const r25 = ghRule(25);
  let m24 = 0;
  for (let i = 0; i < 25; i++) m24 += r25.w[i] * r25.z[i] ** 24;
  close(m24 / 316234143225, 1, 1e-9, 'E Z^24');
});

test('families with a dispersion parameter: densities as R computes them (dgamma, dnbinom, inverse Gaussian)', () => {
  const g = makeFamily('Gamma', 'log');
  // R: dgamma(2.5, shape = 1/0.3^2, scale = 3 * 0.3^2, log = TRUE)
  close(-g.density!.nll(2.5, 3, 0.3), -0.81269766404770216, 1e-12, 'dgamma');
  const nb = makeFamily('negbinomial', 'log', 1.7);
  // R: dnbinom(4, size = 1.7, mu = 2.2, log = TRUE); dnbinom(0, ...)
  close(-nb.density!.nll(4, 2.2, 1.7), -2.4999473625194555, 1e-12, 'dnbinom(4)');
  close(-nb.density!.nll(0, 2.2, 1.7), -1.4115921135248317, 1e-12, 'dnbinom(0)');
  const ig = makeFamily('inverse.gaussian', '1/mu^2');
  // R: -0.5 log(2π σ² y³) - (y-μ)²/(2σ²μ²y) with y = 1.3, μ = 2, σ = 0.4
  close(-ig.density!.nll(1.3, 2, 0.4), -0.69066535187790801, 1e-12, 'inverse Gaussian');
  // deviance residuals: R's Gamma()$dev.resids, inverse.gaussian()$dev.resids, MASS::negative.binomial(1.7)$dev.resids
  close(g.devResid(2.5, 3, 1), 0.03130978025457587, 1e-14, 'Gamma dev.resids');
  close(ig.devResid(1.3, 2, 1), 0.094230769230769215, 1e-14, 'inverse.gaussian dev.resids');
  close(nb.devResid(4, 2.2, 1), 0.45651431860906122, 1e-13, 'negative.binomial dev.resids');
});

test('densities: d1, d2 are the derivatives of nll in μ and fisher is 1/Var (central differences, moments)', () => {
  const cases: [ReturnType<typeof makeFamily>, number, number, number][] = [
    [makeFamily('Gamma', 'inverse'), 2.5, 3, 0.3],
    [makeFamily('inverse.gaussian', 'log'), 1.3, 2, 0.4],
    [makeFamily('negbinomial', 'log'), 4, 2.2, 1.7],
  ];
  for (const [f, y, mu, s] of cases) {
    const d = f.density!;
    const h = 1e-5;
    close(d.d1(y, mu, s), (d.nll(y, mu + h, s) - d.nll(y, mu - h, s)) / (2 * h), 1e-7, `${f.name} d1`);
    close(d.d2(y, mu, s), (d.d1(y, mu + h, s) - d.d1(y, mu - h, s)) / (2 * h), 1e-7, `${f.name} d2`);
  }
  // Var(y): Gamma μ²σ², inverse Gaussian μ³σ², NB2 μ + μ²/θ
  close(1 / cases[0][0].density!.fisher(3, 0.3), 9 * 0.09, 1e-14);
  close(1 / cases[1][0].density!.fisher(2, 0.4), 8 * 0.16, 1e-14);
  close(1 / cases[2][0].density!.fisher(2.2, 1.7), 2.2 + (2.2 * 2.2) / 1.7, 1e-13);
});

test("every link R's families allow: values as R gives them and dμ/dη, d²μ/dη² by differences", () => {
  const cauchit = makeFamily('binomial', 'cauchit').link;
  close(cauchit.linkinv(-1.5), 0.1871670418109988, 1e-15, 'cauchit linkinv'); // R: binomial("cauchit")$linkinv(-1.5)
  close(cauchit.linkinv(0.3), 0.59277357907774231, 1e-15);
  close(cauchit.muEta(0.3), 0.2920274185172391, 1e-15);
  close(makeFamily('poisson', 'sqrt').link.linkinv(1.7), 2.89, 1e-15);
  close(makeFamily('inverse.gaussian', '1/mu^2').link.linkinv(0.25), 2, 1e-15);
  close(makeFamily('inverse.gaussian', '1/mu^2').link.muEta(0.25), -4, 1e-15);
  const all: [Parameters<typeof makeFamily>[0], Parameters<typeof makeFamily>[1], number][] = [
    ['binomial', 'logit', 0.4], ['binomial', 'probit', 0.4], ['binomial', 'cloglog', 0.4], ['binomial', 'cauchit', 0.4], ['binomial', 'log', -0.7],
    ['poisson', 'log', 0.4], ['poisson', 'sqrt', 1.4], ['poisson', 'identity', 2],
    ['Gamma', 'inverse', 0.5], ['Gamma', 'log', 0.5], ['Gamma', 'identity', 2], ['inverse.gaussian', '1/mu^2', 0.5], ['negbinomial', 'log', 0.3],
  ];
  for (const [fam, link, eta] of all) {
    const l = makeFamily(fam, link).link;
    const h = 1e-5;
    close(l.linkfun(l.linkinv(eta)), eta, 1e-12, `${fam}(${link}) linkfun∘linkinv`);
    close(l.muEta(eta), (l.linkinv(eta + h) - l.linkinv(eta - h)) / (2 * h), 1e-8, `${fam}(${link}) muEta`);
    close(l.muEta2(eta), (l.muEta(eta + h) - l.muEta(eta - h)) / (2 * h), 1e-7, `${fam}(${link}) muEta2`);
  }
  assert.throws(() => makeFamily('poisson', 'logit'), /not available for the poisson family \(use log, sqrt, identity\)/);
  assert.throws(() => makeFamily('negbinomial', 'probit'), /not available/);
});
