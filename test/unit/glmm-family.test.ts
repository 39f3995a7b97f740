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
