/**
 * SEs of predictions with random effects (inference/condvar.ts) against the mixed-model equations
 * written out with n×n matrices (Henderson 1975), computed here by a different route:
 * V = ZGZ' + σ²W⁻¹ with G from VarCorr, V_β = (X'V⁻¹X)⁻¹, P = V⁻¹ − V⁻¹XV_βX'V⁻¹ and
 *   Var(x'β̂ + z'b̂ − x'β − z'b) = x'V_βx + z'(G − GZ'PZG)z − 2x'V_βX'V⁻¹ZGz.
 * For a GLMM, W are the working weights at the modes and V_β the fit's vcov: the variance is
 * z'(G − GZ'V⁻¹ZG)z + d'V_βd with d = x − X'V⁻¹ZGz.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { readCsv } from '../../engine/src/data/csv';
import type { DataTable } from '../../engine/src/data/types';
import type { ModelFrame } from '../../engine/src/frame/types';
import type { FitResult } from '../../engine/src/result';
import { predictNewData, predictionIntervals } from '../../engine/src/inference/predict';
import { PredictionVariance, condVarUnavailable } from '../../engine/src/inference/condvar';

type M = number[][];
const zeros = (r: number, c: number): M => Array.from({ length: r }, () => new Array<number>(c).fill(0));
const mul = (a: M, b: M): M => {
  const out = zeros(a.length, b[0].length);
  for (let i = 0; i < a.length; i++) for (let l = 0; l < b.length; l++) if (a[i][l] !== 0) for (let j = 0; j < b[0].length; j++) out[i][j] += a[i][l] * b[l][j];
  return out;
};
const tr = (a: M): M => a[0].map((_, j) => a.map((r) => r[j]));
const col = (v: number[]): M => v.map((x) => [x]);
const scalar = (a: M) => a[0][0];
/** Gauss-Jordan inverse with partial pivoting. */
function inv(a: M): M {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((r) => r.slice(n));
}

/** A small crossed design: g (8 levels, intercept and slope on x) crossed with h (5 levels). */
function data(glmm: boolean): string {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const norm = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const rows = ['y,x,g,h,n'];
  const ug = Array.from({ length: 8 }, () => [norm(), 0.5 * norm()]);
  const uh = Array.from({ length: 5 }, () => 0.7 * norm());
  for (let i = 0; i < 80; i++) {
    const g = i % 8, h = Math.floor(i / 3) % 5, x = Math.round(rnd() * 40) / 10;
    const eta = (glmm ? -0.5 : 2) + 0.4 * x + ug[g][0] + ug[g][1] * x + uh[h];
    if (glmm) {
      const p = 1 / (1 + Math.exp(-eta));
      const n = 12 + (i % 6);
      let k = 0;
      for (let t = 0; t < n; t++) if (rnd() < p) k++;
      rows.push(`${k},${x},g${g},h${h},${n}`);
    } else rows.push(`${(eta + 0.6 * norm()).toFixed(4)},${x},g${g},h${h},1`);
  }
  return rows.join('\n') + '\n';
}

async function fitted(glmm: boolean, weighted = false) {
  // weighted: prior weights 1, 2, 3 (the residual variance of a row is σ²/w)
  const csv = weighted ? data(glmm).replace(/,(\d+)$/gm, (_, n, off) => `,${1 + (off % 3)}`) : data(glmm);
  const formula = glmm ? 'cbind(y, n - y) ~ x + (x | g) + (1 | h)' : 'y ~ x + (x | g) + (1 | h)';
  const prep = prepareModels(`data: d.csv\nmodel m:\n  formula: ${formula}\n${glmm ? '  family: binomial\n' : ''}${weighted ? '  weights: n\n' : ''}`, () => csv);
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(m.error));
  const result = await fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
  return { prep, m, frame: m.frame, result };
}

/** Z (n×q, lme4's order: term, level, column) and G (q×q) from VarCorr. */
function zAndG(frame: ModelFrame, result: FitResult): { Z: M; G: M; offsets: number[] } {
  const offsets: number[] = [];
  let q = 0;
  for (const t of frame.reTerms) {
    offsets.push(q);
    q += t.k * t.levels.length;
  }
  const Z = zeros(frame.n, q), G = zeros(q, q);
  frame.reTerms.forEach((t, ti) => {
    const cov = (a: number, b: number) => {
      if (a === b) return result.varcorr.find((r) => r.grp === t.group && r.var1 === t.termNames[a] && r.var2 === null)!.vcov;
      const r = result.varcorr.find((x) => x.grp === t.group && ((x.var1 === t.termNames[a] && x.var2 === t.termNames[b]) || (x.var1 === t.termNames[b] && x.var2 === t.termNames[a])));
      return r ? r.vcov : 0;
    };
    for (let i = 0; i < frame.n; i++) for (let a = 0; a < t.k; a++) Z[i][offsets[ti] + t.refs[i] * t.k + a] = t.Z[i + a * frame.n];
    for (let j = 0; j < t.levels.length; j++)
      for (let a = 0; a < t.k; a++) for (let b = 0; b < t.k; b++) G[offsets[ti] + j * t.k + a][offsets[ti] + j * t.k + b] = cov(a, b);
  });
  return { Z, G, offsets };
}

const NEW = 'x,g,h\n1.5,g2,h3\n0,g0,h0\n3.2,g7,h4\n2,g5,hNew\n2,gNew,hNew\n';

function enginePredictions(prep: ReturnType<typeof prepareModels>, m: ReturnType<typeof prepareModels>['models'][number], result: FitResult) {
  const newTable = readCsv(NEW, 'new.csv');
  const pred = predictNewData({ model: m.decl, trainTable: prep.table as DataTable, frame: m.frame!, result, newTable, scale: 'link' });
  assert.equal(condVarUnavailable(m.frame!, result), null);
  const iv = predictionIntervals(pred, result, { interval: 'confidence', re: true, condVar: new PredictionVariance(m.frame!, result) });
  assert.equal(result.singular, false);
  // the explicit inverse of the Schur factor (used for many rows) gives the same variances as forward solves
  const viaInverse = predictionIntervals(pred, result, { interval: 'confidence', re: true, condVar: new PredictionVariance(m.frame!, result, { inverseAfter: 0 }) });
  iv['se.fit'].forEach((se, i) => assert.ok(Math.abs(se! - viaInverse['se.fit'][i]!) <= 1e-10 * se!, `row ${i + 1}: ${se} vs ${viaInverse['se.fit'][i]}`));
  // forward solves only (never the inverse, whatever predictionIntervals announces with expectRows): the same
  const viaSolves = predictionIntervals(pred, result, { interval: 'confidence', re: true, condVar: new PredictionVariance(m.frame!, result, { inverseAfter: Infinity }) });
  iv['se.fit'].forEach((se, i) => assert.ok(Math.abs(se! - viaSolves['se.fit'][i]!) <= 1e-10 * se!, `row ${i + 1}: ${se} vs ${viaSolves['se.fit'][i]} (solves)`));
  return { pred, iv, newTable };
}

/** The new rows as (x, z̃) in the fit's coordinates. */
function newRows(frame: ModelFrame, offsets: number[], q: number) {
  const rows = NEW.trim().split('\n').slice(1).map((l) => l.split(','));
  return rows.map(([x, g, h]) => {
    const xv = [1, Number(x)];
    const z = new Array<number>(q).fill(0);
    frame.reTerms.forEach((t, ti) => {
      const lev = t.levels.indexOf(t.group === 'g' ? g : h);
      if (lev < 0) return;
      const zr = t.group === 'g' ? [1, Number(x)] : [1];
      zr.forEach((v, a) => (z[offsets[ti] + lev * t.k + a] = v));
    });
    return { x: xv, z };
  });
}

for (const weighted of [false, true]) {
  test(`LMM${weighted ? ' with prior weights' : ''}: se.fit with random effects equals Henderson's prediction-error variance from n×n matrices (crossed terms, intercept-slope covariance)`, async () => {
    const { prep, m, frame, result } = await fitted(false, weighted);
    if (weighted) assert.ok(frame.weights && new Set(frame.weights).size === 3);
    const { Z, G, offsets } = zAndG(frame, result);
    const n = frame.n, q = G.length;
    const X = Array.from({ length: n }, (_, i) => [frame.X[i], frame.X[i + n]]);
    const s2 = result.sigma ** 2;
    const V = mul(mul(Z, G), tr(Z)).map((r, i) => r.map((v, j) => v + (i === j ? s2 / (frame.weights ? frame.weights[i] : 1) : 0)));
    const Vi = inv(V);
    const Vb = inv(mul(mul(tr(X), Vi), X));
    // the dense V_β is lme4's vcov at the same θ
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) assert.ok(Math.abs(Vb[a][b] - result.vcov[a][b]) <= 1e-6 * Math.abs(result.vcov[a][a]), `vcov ${a},${b}`);
    const ViX = mul(Vi, X);
    const P = Vi.map((r, i) => r.map((v, j) => v - scalar(mul(mul([ViX[i]], Vb), tr([ViX[j]])))));
    const GZt = mul(G, tr(Z));
    const PEV = G.map((r, i) => r.map((v, j) => v)).map((r) => r.slice());
    const GZPZG = mul(mul(GZt, P), tr(GZt));
    for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) PEV[i][j] -= GZPZG[i][j];
    const CovBb = mul(mul(mul(Vb, tr(X)), Vi), tr(GZt)).map((r) => r.map((v) => -v)); // Cov(β̂ − β, b̂ − b)
    const { iv } = enginePredictions(prep, m, result);
    newRows(frame, offsets, q).forEach(({ x, z }, i) => {
      const want = scalar(mul(mul([x], Vb), col(x))) + scalar(mul(mul([z], PEV), col(z))) + 2 * scalar(mul(mul([x], CovBb), col(z)));
      const got = iv['se.fit'][i]!;
      assert.ok(Math.abs(got * got - want) <= 1e-7 * want, `row ${i + 1}: se.fit² ${got * got}, Henderson ${want}`);
    });
    // a row in unseen levels of both factors has the fixed part only
    const last = newRows(frame, offsets, q)[4];
    assert.ok(Math.abs(iv['se.fit'][4]! ** 2 - scalar(mul(mul([last.x], Vb), col(last.x)))) <= 1e-7 * iv['se.fit'][4]! ** 2);
  });
}

test('binomial GLMM: se.fit with random effects from the working weights at the modes, by the n×n Woodbury route', async () => {
  const { prep, m, frame, result } = await fitted(true);
  const { Z, G, offsets } = zAndG(frame, result);
  const n = frame.n, q = G.length;
  const X = Array.from({ length: n }, (_, i) => [frame.X[i], frame.X[i + n]]);
  // working weights at the conditional modes: n_i μ(1 − μ) for the logit link
  const mu = result.fitted!;
  const V = mul(mul(Z, G), tr(Z)).map((r, i) => r.map((v, j) => v + (i === j ? 1 / (frame.weights![i] * mu[i] * (1 - mu[i])) : 0)));
  const Vi = inv(V);
  const GZt = mul(G, tr(Z));
  const GZViZG = mul(mul(GZt, Vi), tr(GZt));
  const XtViZG = mul(mul(tr(X), Vi), tr(GZt));
  const { iv } = enginePredictions(prep, m, result);
  newRows(frame, offsets, q).forEach(({ x, z }, i) => {
    const zz = scalar(mul(mul([z], G), col(z))) - scalar(mul(mul([z], GZViZG), col(z)));
    const d = x.map((v, a) => v - scalar(mul([XtViZG[a]], col(z))));
    const want = zz + scalar(mul(mul([d], result.vcov), col(d)));
    const got = iv['se.fit'][i]!;
    assert.ok(Math.abs(got * got - want) <= 1e-6 * want, `row ${i + 1}: se.fit² ${got * got}, dense ${want}`);
  });
});
