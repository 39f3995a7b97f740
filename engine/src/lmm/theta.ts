/**
 * The relative covariance factor Λ(θ): per random-effects term a k×k lower-triangular matrix whose
 * k(k+1)/2 free elements are taken from θ column by column (lme4's layout), terms in order.
 */

/** Number of θ elements of a term with k columns. */
export function nThetaOf(k: number): number {
  return (k * (k + 1)) / 2;
}

/** lme4's lower bounds: 0 for diagonal elements, -Infinity for off-diagonal ones. */
export function thetaLower(ks: readonly number[]): number[] {
  const out: number[] = [];
  for (const k of ks) for (let c = 0; c < k; c++) for (let r = c; r < k; r++) out.push(r === c ? 0 : -Infinity);
  return out;
}

/** lme4's starting values: 1 on diagonals, 0 off. */
export function thetaStart(ks: readonly number[]): number[] {
  const out: number[] = [];
  for (const k of ks) for (let c = 0; c < k; c++) for (let r = c; r < k; r++) out.push(r === c ? 1 : 0);
  return out;
}

/**
 * Λ of every term: a Float64Array of k×k column-major lower-triangular matrices, the term t's matrix
 * at offsets[t].
 */
export function lambdaBlocks(ks: readonly number[], theta: ArrayLike<number>): { data: Float64Array; offsets: number[] } {
  let size = 0;
  const offsets: number[] = [];
  for (const k of ks) {
    offsets.push(size);
    size += k * k;
  }
  const data = new Float64Array(size);
  let ti = 0;
  ks.forEach((k, t) => {
    const o = offsets[t];
    for (let c = 0; c < k; c++) for (let r = c; r < k; r++) data[o + r + c * k] = theta[ti++];
  });
  if (ti !== theta.length) throw new Error(`theta has length ${theta.length}, expected ${ti}`);
  return { data, offsets };
}
