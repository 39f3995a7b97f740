// Every factorization branch of the blocked PLS system (lmm/pls.ts) against the dense definition:
// for random Z, X, y, weights and θ, form M = [ZΛ X]'W[ZΛ X] + diag(I_q, 0), factor it densely and
// compare log|L_Z|², log|R_X|², PWRSS, β̂, u and the conditional covariances of b with the system's. (Mathematics, not earlier output.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlsSystem, type PlsTerm } from '../../engine/src/lmm/pls';
import { ReTerms } from '../../engine/src/lmm/reterms';
import { cholUpper, cholSolve, invert } from '../../engine/src/linalg/small';

/** Small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  n: number;
  terms: { k: number; nlev: number }[];
  p: number;
  weights: boolean;
  /** every level of term 1 crossed with every level of term 2, one observation each (a balanced design) */
  crossed?: boolean;
  seed: number;
}

function makeCase(c: Case) {
  const r = rng(c.seed);
  let n = c.n;
  const refsOf: Int32Array[] = [];
  if (c.crossed) {
    n = c.terms[0].nlev * c.terms[1].nlev;
    refsOf.push(Int32Array.from({ length: n }, (_, i) => Math.floor(i / c.terms[1].nlev)));
    refsOf.push(Int32Array.from({ length: n }, (_, i) => i % c.terms[1].nlev));
  } else {
    for (const t of c.terms) {
      // every level used at least once
      refsOf.push(Int32Array.from({ length: n }, (_, i) => (i < t.nlev ? i : Math.floor(r() * t.nlev))));
    }
  }
  const terms: PlsTerm[] = c.terms.map((t, ti) => {
    const Z = new Float64Array(n * t.k);
    for (let i = 0; i < n; i++) {
      Z[i] = 1;
      for (let a = 1; a < t.k; a++) Z[i + a * n] = r() * 2 - 1;
    }
    return { k: t.k, levels: Array.from({ length: t.nlev }, (_, j) => j), refs: refsOf[ti], Z };
  });
  const X = new Float64Array(n * c.p);
  for (let i = 0; i < n; i++) {
    X[i] = 1;
    for (let j = 1; j < c.p; j++) X[i + j * n] = r() * 2 - 1;
  }
  const y = Float64Array.from({ length: n }, () => r() * 4 - 2);
  const sqrtW = c.weights ? Float64Array.from({ length: n }, () => 0.5 + r()) : null;
  const re = new ReTerms(terms);
  const theta = re.lower().map((lo) => (lo === 0 ? 0.3 + r() : r() - 0.5));
  return { n, terms, X, y, sqrtW, re, theta };
}

/** The dense definition: log|L_Z|², log|R_X|², PWRSS, β, u. */
function dense(d: ReturnType<typeof makeCase>, p: number) {
  const { n, terms, X, y, sqrtW, re, theta } = d;
  const q = re.q;
  const cols = q + p;
  const A = Array.from({ length: n }, () => new Float64Array(cols)); // rows of W^½[ZΛ X]
  re.terms.forEach((t, ti) => {
    const L = t.lambda(theta);
    const Z = terms[ti].Z;
    for (let i = 0; i < n; i++) {
      const o = t.uOff + t.refs[i] * t.k;
      for (let c = 0; c < t.k; c++) {
        let s = 0;
        for (let a = c; a < t.k; a++) s += Z[i + a * n] * L[a + c * t.k];
        A[i][o + c] += s;
      }
    }
  });
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) A[i][q + j] = X[i + j * n];
  const w = (i: number) => (sqrtW ? sqrtW[i] : 1);
  const M = Array.from({ length: cols }, () => new Float64Array(cols));
  const rhs = new Float64Array(cols);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w(i) * w(i);
    yy += wi * y[i] * y[i];
    const row = A[i];
    for (let a = 0; a < cols; a++) {
      if (row[a] === 0) continue;
      rhs[a] += wi * row[a] * y[i];
      for (let b = 0; b < cols; b++) M[a][b] += wi * row[a] * row[b];
    }
  }
  for (let a = 0; a < q; a++) M[a][a] += 1;
  const R = cholUpper(M)!;
  let ldZ = 0, ldX = 0;
  for (let a = 0; a < q; a++) ldZ += 2 * Math.log(R[a][a]);
  for (let a = q; a < cols; a++) ldX += 2 * Math.log(R[a][a]);
  const x = cholSolve(R, rhs);
  let fit = 0;
  for (let a = 0; a < cols; a++) fit += rhs[a] * x[a];
  return { ldZ, ldX, pwrss: yy - fit, u: x.subarray(0, q), beta: x.subarray(q), Mzz: M.slice(0, q).map((r) => r.slice(0, q)) };
}

/** Conditional covariance blocks of b by the definition: Λ_t [(Λ'Z'WZΛ + I)⁻¹]_ll Λ_t' per term and level. */
function condVarDense(d: ReturnType<typeof makeCase>, Mzz: Float64Array[]): Float64Array[] {
  const inv = invert(Mzz)!;
  return d.re.terms.map((t) => {
    const k = t.k;
    const L = t.lambda(d.theta);
    const out = new Float64Array(t.nlev * k * k);
    for (let l = 0; l < t.nlev; l++) {
      const o = t.uOff + l * k;
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++) {
          let s = 0;
          for (let x = 0; x < k; x++) for (let y = 0; y < k; y++) s += L[a + x * k] * inv[o + x][o + y] * L[b + y * k];
          out[l * k * k + a + b * k] = s;
        }
    }
    return out;
  });
}

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function check(c: Case, expectBranch: (sys: Record<string, unknown>) => void, afterFactor?: (sys: Record<string, unknown>) => void) {
  const d = makeCase(c);
  const sys = new PlsSystem(d.terms, d.X, c.p, d.n);
  sys.setData(d.sqrtW, d.y);
  expectBranch(sys as unknown as Record<string, unknown>);
  assert.equal(sys.factor(d.theta), true);
  afterFactor?.(sys as unknown as Record<string, unknown>);
  sys.solve();
  const want = dense(d, c.p);
  close(sys.logdetL2, want.ldZ, 1e-9, 'log|L_Z|²');
  close(sys.logdetRX2, want.ldX, 1e-9, 'log|R_X|²');
  close(sys.pwrss, want.pwrss, 1e-8, 'PWRSS');
  for (let j = 0; j < c.p; j++) close(sys.beta[j], want.beta[j], 1e-8, `beta[${j}]`);
  for (let j = 0; j < want.u.length; j++) close(sys.u[j], want.u[j], 1e-8, `u[${j}]`);
  const cv = sys.condVarBlocks(), cvWant = condVarDense(d, want.Mzz);
  cvWant.forEach((blk, t) => blk.forEach((v, i) => close(cv[t][i], v, 1e-8, `condVar term ${t} [${i}]`)));
  checkSavedWeights(c, d);
}

/**
 * The same weights again with another response (setData's weights tag, as glmer's PIRLS restarts):
 * only the response's cross products are formed and, at a θ seen with these weights, only the
 * response row of L; the result must still be the dense definition's for the new response.
 */
function checkSavedWeights(c: Case, d: ReturnType<typeof makeCase>) {
  const sys = new PlsSystem(d.terms, d.X, c.p, d.n);
  const internals = sys as unknown as { factorImpl: (th: ArrayLike<number>) => boolean };
  const impl = internals.factorImpl.bind(sys);
  let full = 0;
  internals.factorImpl = (th) => {
    full++;
    return impl(th);
  };
  const tag = {};
  const r = rng(c.seed + 100);
  const y2 = Float64Array.from(d.y, (v) => v + r() - 0.5);
  const otherW = Float64Array.from({ length: d.n }, () => 0.3 + r());
  sys.setData(d.sqrtW, d.y, tag);
  assert.equal(sys.factor(d.theta), true);
  sys.setData(otherW, y2);
  assert.equal(sys.factor(d.theta), true);
  sys.setData(d.sqrtW, y2, tag);
  assert.equal(sys.factor(d.theta), true);
  assert.equal(full, 2, 'the third factor reuses the first (same weights and θ)');
  sys.solve();
  const want = dense({ ...d, y: y2 }, c.p);
  close(sys.logdetL2, want.ldZ, 1e-9, 'saved weights: log|L_Z|²');
  close(sys.logdetRX2, want.ldX, 1e-9, 'saved weights: log|R_X|²');
  close(sys.pwrss, want.pwrss, 1e-8, 'saved weights: PWRSS');
  for (let j = 0; j < c.p; j++) close(sys.beta[j], want.beta[j], 1e-8, `saved weights: beta[${j}]`);
  for (let j = 0; j < want.u.length; j++) close(sys.u[j], want.u[j], 1e-8, `saved weights: u[${j}]`);
  // another θ with the saved weights: a full factor
  const theta2 = d.theta.map((v) => v * 0.7);
  sys.setData(d.sqrtW, d.y, tag);
  assert.equal(sys.factor(theta2), true);
  assert.equal(full, 3);
  sys.solve();
  const want2 = dense({ ...d, theta: theta2 }, c.p);
  close(sys.pwrss, want2.pwrss, 1e-8, 'saved weights, new θ: PWRSS');
}

test('one scalar term (block-diagonal L₁₁ only, no dense random-effects part)', () => {
  check({ n: 60, terms: [{ k: 1, nlev: 9 }], p: 2, weights: true, seed: 1 }, () => {});
});

test('a vector-valued first term (k₁ = 2: the per-level Schur loop) and a vector term in the dense block (Λ applied blockwise)', () => {
  check({ n: 150, terms: [{ k: 2, nlev: 12 }, { k: 2, nlev: 5 }], p: 3, weights: true, seed: 2 }, (s) => {
    assert.equal(s.schurGroups, null);
    assert.equal(s.ordered, false);
  });
});

test('scalar first term with weights (distinct Σwz²): the direct Schur update (applySchurJs), unordered dense block', () => {
  check({ n: 200, terms: [{ k: 1, nlev: 30 }, { k: 1, nlev: 8 }, { k: 1, nlev: 4 }], p: 2, weights: true, seed: 3 }, (s) => {
    assert.equal(s.schurGroups, null);
    assert.equal(s.ordered, false);
  });
});

test('balanced crossed scalar terms: the grouped Schur complement (one cross product per distinct Σwz²)', () => {
  check({ n: 0, crossed: true, terms: [{ k: 1, nlev: 40 }, { k: 1, nlev: 6 }], p: 2, weights: false, seed: 4 }, (s) => {
    assert.notEqual(s.schurGroups, null);
  });
});

test('crossed scalar terms with weights: every level meets every row of the dense block (the full-pattern Schur update)', () => {
  check({ n: 0, crossed: true, terms: [{ k: 1, nlev: 40 }, { k: 1, nlev: 6 }], p: 2, weights: true, seed: 7 }, (s) => {
    assert.equal(s.schurGroups, null);
    assert.equal(s.fullPattern, true);
  });
});

test('u only (p = 0), three scalar terms with weights', () => {
  check({ n: 250, terms: [{ k: 1, nlev: 50 }, { k: 1, nlev: 9 }, { k: 1, nlev: 5 }], p: 0, weights: true, seed: 8 }, (s) => {
    assert.equal(s.fullPattern, false);
  });
});

test('a dense block of 220 levels: minimum-degree order, sparse elimination then dense (hybrid Cholesky with the Schur update inside)', () => {
  check({ n: 900, terms: [{ k: 1, nlev: 260 }, { k: 1, nlev: 220 }], p: 2, weights: true, seed: 5 }, (s) => {
    assert.equal(s.ordered, true);
    assert.equal(s.schurGroups, null);
  }, (s) => {
    // the dense part is large enough for the factorization resident in WebAssembly memory
    assert.notEqual(s.resident, null);
  });
});

test('the resident factorization follows θ and the data: refactoring at other θ and weights matches a fresh system', () => {
  const c: Case = { n: 900, terms: [{ k: 1, nlev: 260 }, { k: 1, nlev: 220 }], p: 2, weights: true, seed: 9 };
  const d = makeCase(c);
  const sys = new PlsSystem(d.terms, d.X, c.p, d.n);
  sys.setData(d.sqrtW, d.y);
  assert.equal(sys.factor(d.theta.map((v) => v * 3)), true);
  sys.solve();
  assert.equal(sys.factor(d.theta), true);
  assert.notEqual((sys as unknown as Record<string, unknown>).resident, null);
  sys.solve();
  const want = dense(d, c.p);
  close(sys.pwrss, want.pwrss, 1e-8, 'PWRSS');
  close(sys.logdetL2, want.ldZ, 1e-9, 'log|L_Z|²');
  for (let j = 0; j < want.u.length; j++) close(sys.u[j], want.u[j], 1e-8, `u[${j}]`);
  // unweighted now
  sys.setData(null, d.y);
  assert.equal(sys.factor(d.theta), true);
  sys.solve();
  const want2 = dense({ ...d, sqrtW: null }, c.p);
  close(sys.pwrss, want2.pwrss, 1e-8, 'unweighted PWRSS');
  for (let j = 0; j < c.p; j++) close(sys.beta[j], want2.beta[j], 1e-8, `unweighted beta[${j}]`);
});

test('ordered dense block with a vector-valued first term', () => {
  check({ n: 700, terms: [{ k: 2, nlev: 150 }, { k: 1, nlev: 210 }], p: 2, weights: false, seed: 6 }, (s) => {
    assert.equal(s.ordered, true);
  });
});
