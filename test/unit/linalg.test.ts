import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backSolveT, cholLower, cholLowerHybrid, forwardSolve, invLower } from '../../engine/src/linalg/dense';
import { BitGraph, minimumDegreeOrder } from '../../engine/src/linalg/ordering';
import { symmetricEigenvalues } from '../../engine/src/linalg/eigen';

/** A seeded SPD matrix A = B B' + n I with some structural zeros in B. */
function spd(n: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const B = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) B[i] = i % 7 === 0 ? 0 : rnd();
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = i === j ? n : 0;
      for (let k = 0; k < n; k++) v += B[i + k * n] * B[j + k * n];
      A[i + j * n] = v;
    }
  return A;
}

function maxResidual(A: Float64Array, L: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let k = 0; k <= j; k++) v += L[i + k * n] * L[j + k * n];
      worst = Math.max(worst, Math.abs(v - A[i + j * n]) / Math.abs(A[i + i * n]));
    }
  return worst;
}

test('cholLower: blocked factor of a 150×150 SPD matrix reproduces A = L L\'', () => {
  const n = 150;
  const A = spd(n, 7);
  const L = A.slice();
  assert.equal(cholLower(L, n), -1);
  assert.ok(maxResidual(A, L, n) < 1e-12);
});

test('cholLowerHybrid: sparse leading columns then dense trailing block give the same factor', () => {
  const n = 130;
  const A = spd(n, 3);
  const L1 = A.slice();
  const L2 = A.slice();
  cholLower(L1, n);
  assert.equal(cholLowerHybrid(L2, n, n, 70), -1);
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) assert.ok(Math.abs(L1[i + j * n] - L2[i + j * n]) < 1e-10);
});

test('cholLower reports the first non-positive pivot', () => {
  // [[1, 2], [2, 1]] is indefinite: second pivot 1 - 4 < 0
  assert.equal(cholLower(Float64Array.from([1, 2, 2, 1]), 2), 1);
});

test('triangular solves and inverse: L = [[2,0],[1,3]]', () => {
  const L = Float64Array.from([2, 1, 0, 3]);
  const b = Float64Array.from([4, 11]); // L x = b -> x = (2, 3)
  forwardSolve(L, 2, b);
  assert.deepEqual(Array.from(b), [2, 3]);
  const c = Float64Array.from([7, 9]); // L' x = c -> x2 = 3, x1 = (7 - 3)/2 = 2
  backSolveT(L, 2, c);
  assert.deepEqual(Array.from(c), [2, 3]);
  const inv = invLower(L, 2);
  assert.deepEqual(Array.from(inv), [0.5, -1 / 6, 0, 1 / 3]);
});

test('minimum degree: a star graph eliminates its leaves before the hub', () => {
  const g = new BitGraph(5);
  for (let leaf = 1; leaf < 5; leaf++) g.addClique([0, leaf]);
  const { order, degree } = minimumDegreeOrder(g);
  assert.equal(order[0], 1); // leaves have degree 1, lowest index first
  assert.equal(order[3] === 0 || order[4] === 0, true);
  assert.equal(degree[0], 1);
});

test('symmetric eigenvalues of [[2,1],[1,2]] are 1 and 3', () => {
  const ev = symmetricEigenvalues([[2, 1], [1, 2]]);
  assert.ok(Math.abs(ev[0] - 1) < 1e-12 && Math.abs(ev[1] - 3) < 1e-12);
});

test('cholLower: the WebAssembly SIMD path (n = 203, not a multiple of 4) equals the plain JS factor', async () => {
  const { cholLowerJs } = await import('../../engine/src/linalg/dense');
  const { wasmSyrk } = await import('../../engine/src/linalg/wasmsyrk');
  assert.ok(wasmSyrk(), 'WebAssembly SIMD is available in node 20');
  const n = 203;
  const A = spd(n, 11);
  const L1 = A.slice();
  const L2 = A.slice();
  assert.equal(cholLower(L1, n), -1);
  assert.equal(cholLowerJs(L2, n), -1);
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) assert.ok(Math.abs(L1[i + j * n] - L2[i + j * n]) < 1e-9);
  assert.ok(maxResidual(A, L1, n) < 1e-12);
});

test('invLower of a 37×37 factor: L · L⁻¹ = I (four-column blocks and a remainder)', () => {
  const n = 37;
  const L = spd(n, 5);
  cholLower(L, n);
  for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) L[i + j * n] = 0;
  const inv = invLower(L, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += L[i + k * n] * inv[k + j * n];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `${i},${j}: ${s}`);
    }
});

test('hybrid Cholesky: the WebAssembly path (with a Schur update) equals the JS path', async () => {
  const { cholLowerHybridJs, applySchurJs } = await import('../../engine/src/linalg/dense');
  const n = 150;
  const A = spd(n, 9);
  // a Schur update from two groups: group 1 has rows (2, 7, 140), group 2 rows (7, 9)
  const rowIdx = Int32Array.from([2, 7, 140, 7, 9]);
  const V = Float64Array.from([0.3, -0.2, 0.5, 0.4, 0.1]);
  const groupEnd = [3, 3, 3, 5, 5];
  const byCol: number[][] = Array.from({ length: n }, () => []);
  rowIdx.forEach((r, e) => byCol[r].push(e));
  const cePtr = new Int32Array(n + 1);
  const entries: number[] = [];
  for (let c = 0; c < n; c++) {
    entries.push(...byCol[c]);
    cePtr[c + 1] = entries.length;
  }
  const schur = { cePtr, ceEntry: Int32Array.from(entries), ceEnd: Int32Array.from(entries, (e) => groupEnd[e]), rowIdx, V, m: n };
  const L1 = A.slice();
  const L2 = A.slice();
  assert.equal(cholLowerHybrid(L1, n, n, 41, false, schur), -1);
  applySchurJs(L2, n, schur);
  assert.equal(cholLowerHybridJs(L2, n, n, 41), -1);
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) assert.ok(Math.abs(L1[i + j * n] - L2[i + j * n]) < 1e-10, `${i},${j}`);
});

test('invLower: the WebAssembly path (n = 203 inside a larger array, 7 blocks of 32 and a remainder) gives L · L⁻¹ = I and equals the JS inverse', async () => {
  const { invLowerJs } = await import('../../engine/src/linalg/dense');
  const n = 203, lda = 210, off = 3;
  const A = spd(n, 13);
  cholLower(A, n);
  const big = new Float64Array(off + lda * n).fill(7); // the upper triangle and padding are not read
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) big[off + i + j * lda] = A[i + j * n];
  const inv = invLower(big, n, lda, off);
  const js = invLowerJs(big, n, lda, off);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(inv[i + j * n] - js[i + j * n]) < 1e-12, `${i},${j}`);
      let s = 0;
      for (let k = j; k <= i; k++) s += big[off + i + k * lda] * inv[k + j * n];
      if (i >= j) assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `${i},${j}: ${s}`);
      else assert.equal(inv[i + j * n], 0);
    }
});

test('minimum degree: once the remaining graph is a clique, the order continues by index with falling degrees', () => {
  // a path 5-6-7 hanging off a clique 0..4 (node 4 joins the path): 7, then 6, then 5 go first
  const g = new BitGraph(8);
  g.addClique([0, 1, 2, 3, 4]);
  g.addClique([4, 5]);
  g.addClique([5, 6]);
  g.addClique([6, 7]);
  const { order, degree } = minimumDegreeOrder(g);
  assert.deepEqual(Array.from(order), [7, 6, 5, 0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(degree), [1, 1, 1, 4, 3, 2, 1, 0]);
});
