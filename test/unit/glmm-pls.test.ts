// The PLS system as glmer's PIRLS uses it, scalar terms only (the specialisation for crossed scalar
// terms: one pass over the data into D₁, A₂₁ and the dense block), against the mathematics:
// A = Λ'Z'WZΛ + I built densely from its definition in the test, log det A by a textbook
// Cholesky, and the normal equations of the penalized least-squares problem checked by
// multiplication, u only (β in the offset, p = 0) and jointly with β. Covers one term, two crossed
// terms, nested, three terms and an observation-level first term.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlsSystem, type PlsTerm } from '../../engine/src/lmm/pls';

interface ScalarTerm {
  refs: Int32Array;
  z: Float64Array;
  nlev: number;
}

const plsTerms = (terms: ScalarTerm[]): PlsTerm[] => terms.map((t) => ({ k: 1, levels: Array.from({ length: t.nlev }, (_, j) => j), refs: t.refs, Z: t.z }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Problem {
  n: number;
  terms: ScalarTerm[];
  theta: number[];
  sqrtW: Float64Array;
  z: Float64Array;
  X: Float64Array;
  p: number;
}

function problem(seed: number, nlevs: number[], design: 'random' | 'nested' | 'crossed', n = 90, p = 3): Problem {
  const nested = design === 'nested';
  const r = rng(seed);
  const terms: ScalarTerm[] = nlevs.map((nlev, t) => {
    const refs = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      // nested: the second factor's level is determined by the first's (few trailing rows per level)
      refs[i] = nested && t === 1 ? Math.floor((i % nlevs[0]) / 2) % nlev : Math.floor(r() * nlev);
    }
    if (nested && t === 0) for (let i = 0; i < n; i++) refs[i] = i % nlev;
    if (design === 'crossed') for (let i = 0; i < n; i++) refs[i] = t === 0 ? Math.floor(i / nlevs[1]) % nlev : i % nlev;
    // every level used at least once
    if (design === 'random') for (let l = 0; l < nlev && l < n; l++) refs[l] = l;
    const z = Float64Array.from({ length: n }, () => (t === 1 ? 0.5 + r() : 1));
    return { refs, z, nlev };
  });
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    X[i] = 1;
    for (let c = 1; c < p; c++) X[c * n + i] = r() * 2 - 1;
  }
  return {
    n, terms, p, X,
    theta: nlevs.map((_, t) => 0.4 + 0.5 * t + r()),
    sqrtW: Float64Array.from({ length: n }, () => 0.2 + r()),
    z: Float64Array.from({ length: n }, () => r() * 4 - 2),
  };
}

/** Dense ZΛ (n × q) from the definition. */
function zLambda(pr: Problem): { M: number[][]; q: number } {
  const q = pr.terms.reduce((s, t) => s + t.nlev, 0);
  const M = Array.from({ length: pr.n }, () => new Array<number>(q).fill(0));
  let off = 0;
  pr.terms.forEach((t, k) => {
    for (let i = 0; i < pr.n; i++) M[i][off + t.refs[i]] += pr.theta[k] * t.z[i];
    off += t.nlev;
  });
  return { M, q };
}

function logdetChol(A: number[][]): number {
  const n = A.length;
  const L = A.map((r) => r.slice());
  let ld = 0;
  for (let j = 0; j < n; j++) {
    let d = L[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    d = Math.sqrt(d);
    L[j][j] = d;
    ld += 2 * Math.log(d);
    for (let i = j + 1; i < n; i++) {
      let s = L[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / d;
    }
  }
  return ld;
}

function check(pr: Problem): void {
  const { M, q } = zLambda(pr);
  const n = pr.n;
  const w = Array.from(pr.sqrtW, (s) => s * s);
  // A = Λ'Z'WZΛ + I, b = Λ'Z'Wz
  const A = Array.from({ length: q }, (_, a) => Array.from({ length: q }, (_, b) => {
    let s = a === b ? 1 : 0;
    for (let i = 0; i < n; i++) s += M[i][a] * w[i] * M[i][b];
    return s;
  }));
  const b = Array.from({ length: q }, (_, a) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += M[i][a] * w[i] * pr.z[i];
    return s;
  });
  const sp = new PlsSystem(plsTerms(pr.terms), new Float64Array(0), 0, n);
  sp.setData(pr.sqrtW, pr.z);
  assert.ok(sp.factor(pr.theta));
  assert.ok(Math.abs(sp.logdetL2 - logdetChol(A)) < 1e-10 * Math.max(1, Math.abs(sp.logdetL2)), `logdet ${sp.logdetL2} vs ${logdetChol(A)}`);
  sp.solve();
  const u = Array.from(sp.u);
  for (let a = 0; a < q; a++) {
    let s = 0;
    for (let c = 0; c < q; c++) s += A[a][c] * u[c];
    assert.ok(Math.abs(s - b[a]) < 1e-9 * Math.max(1, Math.abs(b[a])), `A u = b row ${a}: ${s} vs ${b[a]}`);
  }
  // joint: [A, Λ'Z'WX; X'WZΛ, X'WX] [u; β] = [Λ'Z'Wz; X'Wz]
  const p = pr.p;
  const x = (i: number, c: number) => pr.X[c * n + i];
  const sj = new PlsSystem(plsTerms(pr.terms), pr.X, p, n);
  sj.setData(pr.sqrtW, pr.z);
  assert.ok(sj.factor(pr.theta));
  sj.solve();
  const { u: uj, beta } = sj;
  const U = Array.from(uj);
  const B = Array.from(beta);
  for (let a = 0; a < q; a++) {
    let s = 0;
    for (let c = 0; c < q; c++) s += A[a][c] * U[c];
    for (let c = 0; c < p; c++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += M[i][a] * w[i] * x(i, c);
      s += g * B[c];
    }
    assert.ok(Math.abs(s - b[a]) < 1e-8 * Math.max(1, Math.abs(b[a])), `joint u row ${a}`);
  }
  for (let c = 0; c < p; c++) {
    let s = 0;
    let rhs = 0;
    for (let i = 0; i < n; i++) {
      let zu = 0;
      for (let a = 0; a < q; a++) zu += M[i][a] * U[a];
      let xb = 0;
      for (let d = 0; d < p; d++) xb += x(i, d) * B[d];
      s += x(i, c) * w[i] * (zu + xb);
      rhs += x(i, c) * w[i] * pr.z[i];
    }
    assert.ok(Math.abs(s - rhs) < 1e-8 * Math.max(1, Math.abs(rhs)), `joint beta row ${c}: ${s} vs ${rhs}`);
  }
}

test('one scalar term: diagonal factor', () => check(problem(1, [12], 'random')));
test('two crossed terms (every level meets every level: full pattern)', () => check(problem(2, [9, 4], 'crossed', 200)));
test('two terms with a sparse (nested-like) pattern', () => check(problem(3, [16, 5], 'nested')));
test('three scalar terms (general loop)', () => check(problem(4, [10, 6, 3], 'random', 150)));
test('an observation-level first term with two more terms', () => {
  const pr = problem(5, [120, 7, 3], 'random', 120);
  for (let i = 0; i < pr.n; i++) pr.terms[0].refs[i] = i;
  check(pr);
});
