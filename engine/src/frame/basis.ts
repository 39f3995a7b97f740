/**
 * Data-dependent bases of the formula language, computed as R computes them: orthogonal
 * polynomials (stats::poly and its predict method), B-splines (splines::splineDesign, bs, ns)
 * and the contrast matrices (contr.treatment, contr.sum, contr.helmert, contr.poly).
 * Each basis returns the parameters that new data need (R's makepredictcall): poly's `alpha` and
 * `norm2`, a spline's knots.
 */
import { quantile7 } from '../inference/distributions';

/** R's poly() coefficients: the recurrence's centres and squared norms (norm2[0] = 1, norm2[1] = n). */
export interface PolyCoefs {
  alpha: number[];
  norm2: number[];
}

/**
 * Orthogonal polynomials of degree 1..degree at x (no missing values): columns of unit length,
 * each orthogonal to the lower degrees and to the constant, sign as R's (the monic polynomial's).
 * R computes them with a QR decomposition of outer(x - mean, 0:degree, "^"); column j is the part
 * of x^j orthogonal to the lower powers, which is what the three-term recurrence below produces
 * (the Stieltjes procedure), the same recurrence R's predict uses with the stored coefficients.
 */
export function polyBasis(x: Float64Array, degree: number): { columns: Float64Array[]; coefs: PolyCoefs } {
  const n = x.length;
  const alpha: number[] = [];
  const norm2: number[] = [1, n];
  let prev = new Float64Array(n); // P_{k-1}
  let cur = new Float64Array(n).fill(1); // P_k
  const raw: Float64Array[] = [];
  for (let k = 0; k < degree; k++) {
    let sx = 0;
    for (let i = 0; i < n; i++) sx += x[i] * cur[i] * cur[i];
    const a = sx / norm2[k + 1];
    alpha.push(a);
    const ratio = norm2[k + 1] / norm2[k];
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) next[i] = (x[i] - a) * cur[i] - (k > 0 ? ratio * prev[i] : 0);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += next[i] * next[i];
    norm2.push(ss);
    raw.push(next);
    prev = cur;
    cur = next;
  }
  const columns = raw.map((c, k) => c.map((v) => v / Math.sqrt(norm2[k + 2])));
  return { columns, coefs: { alpha, norm2 } };
}

/** predict(poly(...), newdata): the recurrence with the training coefficients. */
export function polyPredict(x: Float64Array, degree: number, coefs: PolyCoefs): Float64Array[] {
  const n = x.length;
  const { alpha, norm2 } = coefs;
  const Z: Float64Array[] = [new Float64Array(n).fill(1)];
  Z.push(x.map((v) => v - alpha[0]));
  for (let i = 1; i < degree; i++) {
    const z = new Float64Array(n);
    for (let r = 0; r < n; r++) z[r] = (x[r] - alpha[i]) * Z[i][r] - (norm2[i + 1] / norm2[i]) * Z[i - 1][r];
    Z.push(z);
  }
  return Z.slice(1).map((c, k) => c.map((v) => v / Math.sqrt(norm2[k + 2])));
}

/** poly(x, degree, raw = TRUE): x, x², …, x^degree. */
export function rawPolyBasis(x: Float64Array, degree: number): Float64Array[] {
  return Array.from({ length: degree }, (_, k) => x.map((v) => v ** (k + 1)));
}


/**
 * The B-spline basis functions of order `ord` (degree + 1) with knot sequence `knots`, or their
 * `deriv`-th derivative, at one point: a row of length knots.length − ord (splines::splineDesign).
 * Inside [knots[ord−1], knots[nk−ord]]; at the right end the last interval is used (R's boundary rule).
 */
export function splineRow(knots: ArrayLike<number>, xv: number, ord: number, deriv = 0): Float64Array {
  const nk = knots.length;
  const nb = nk - ord;
  const out = new Float64Array(nb);
  if (deriv >= ord) return out;
  // the interval: largest mu with knots[mu] <= x < knots[mu+1], mu in [ord-1, nb-1]
  let mu = ord - 1;
  while (mu < nb - 1 && knots[mu + 1] <= xv) mu++;
  // order-1 B-splines: indicator of [knots[mu], knots[mu+1])
  let b = new Float64Array(nk - 1);
  b[mu] = 1;
  const lowOrder = ord - deriv;
  for (let m = 2; m <= ord; m++) {
    const next = new Float64Array(nk - m);
    for (let i = Math.max(0, mu - m + 1); i <= Math.min(mu, nk - m - 1); i++) {
      const d1 = knots[i + m - 1] - knots[i];
      const d2 = knots[i + m] - knots[i + 1];
      if (m <= lowOrder) {
        // Cox–de Boor
        const left = d1 > 0 ? ((xv - knots[i]) / d1) * b[i] : 0;
        const right = d2 > 0 ? ((knots[i + m] - xv) / d2) * b[i + 1] : 0;
        next[i] = left + right;
      } else {
        // derivative: (m − 1)·(B_{i,m−1}/d1 − B_{i+1,m−1}/d2)
        const left = d1 > 0 ? b[i] / d1 : 0;
        const right = d2 > 0 ? b[i + 1] / d2 : 0;
        next[i] = (m - 1) * (left - right);
      }
    }
    b = next;
  }
  for (let i = 0; i < nb; i++) out[i] = b[i];
  return out;
}

/** A spline basis as columns, with the knots new data need. */
export interface SplineParams {
  kind: 'bs' | 'ns';
  /** Interior knots. */
  knots: number[];
  boundary: [number, number];
  degree: number;
  intercept: boolean;
}

export interface SplineRequest {
  df?: number;
  knots?: number[];
  degree?: number;
  intercept?: boolean;
  boundary?: [number, number];
}

/** The interior knots at quantiles of the non-missing x inside the boundary (bs and ns with df). */
function quantileKnots(x: Float64Array, nIknots: number, boundary: [number, number]): number[] {
  if (nIknots <= 0) return [];
  const inside = Array.from(x).filter((v) => !Number.isNaN(v) && v >= boundary[0] && v <= boundary[1]).sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 1; k <= nIknots; k++) out.push(quantile7(inside, k / (nIknots + 1)));
  return out;
}

function rangeOf(x: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The parameters of bs()/ns() from the training values (R's defaults: boundary = range(x), knots from df). */
export function splineParams(kind: 'bs' | 'ns', x: Float64Array, req: SplineRequest): SplineParams {
  const degree = kind === 'ns' ? 3 : (req.degree ?? 3);
  const intercept = req.intercept ?? false;
  const boundary = req.boundary ?? rangeOf(x);
  let knots = req.knots ? [...req.knots].sort((a, b) => a - b) : [];
  if (req.df !== undefined && !req.knots) {
    const nIknots = kind === 'ns' ? req.df - 1 - (intercept ? 1 : 0) : req.df - (degree + 1) + (intercept ? 0 : 1);
    knots = quantileKnots(x, Math.max(0, nIknots), boundary);
  }
  return { kind, knots, boundary, degree, intercept };
}

/** Number of columns of a spline basis. */
export function splineColumns(p: SplineParams): number {
  const nb = p.knots.length + (p.kind === 'ns' ? 4 : p.degree + 1);
  return nb - (p.intercept ? 0 : 1) - (p.kind === 'ns' ? 2 : 0);
}

/** The basis at x (NaN rows stay NaN), beyond the boundary as R extrapolates (bs: Taylor polynomial; ns: linear). */
export function splineBasis(x: Float64Array, p: SplineParams): Float64Array[] {
  const ord = p.kind === 'ns' ? 4 : p.degree + 1;
  const [b0, b1] = p.boundary;
  const aknots = [...Array(ord).fill(b0), ...p.knots, ...Array(ord).fill(b1)].sort((a, b) => a - b);
  const nb = aknots.length - ord;
  const n = x.length;
  const full: Float64Array[] = Array.from({ length: nb }, () => new Float64Array(n));
  // derivatives at the boundary knots, for extrapolation
  const taylor = (pivot: number): Float64Array[] => {
    const derivs = p.kind === 'ns' ? 1 : p.degree;
    const rows: Float64Array[] = [];
    let fact = 1;
    for (let d = 0; d <= derivs; d++) {
      if (d > 0) fact *= d;
      rows.push(splineRow(aknots, pivot, ord, d).map((v) => v / fact));
    }
    return rows;
  };
  let lowRows: Float64Array[] | null = null;
  let highRows: Float64Array[] | null = null;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v)) {
      for (const c of full) c[i] = NaN;
      continue;
    }
    let row: Float64Array;
    if (v < b0 || v > b1) {
      // R's pivots: ns at the boundary knot; bs a quarter of the way to the next knot inside
      const e = p.kind === 'ns' ? 0 : 0.25;
      const pivot = v < b0 ? (1 - e) * b0 + e * aknots[ord] : (1 - e) * b1 + e * aknots[aknots.length - ord - 1];
      const rows = v < b0 ? (lowRows ??= taylor(pivot)) : (highRows ??= taylor(pivot));
      row = new Float64Array(nb);
      let pw = 1;
      for (const r of rows) {
        for (let j = 0; j < nb; j++) row[j] += pw * r[j];
        pw *= v - pivot;
      }
    } else row = splineRow(aknots, v, ord);
    for (let j = 0; j < nb; j++) full[j][i] = row[j];
  }
  let cols = p.intercept ? full : full.slice(1);
  if (p.kind === 'ns') cols = naturalConstraint(cols, aknots, p);
  return cols;
}

/**
 * ns(): the columns that satisfy the natural boundary conditions (zero second derivative at both
 * boundary knots). As R: qr(t(const)) by Householder reflections (LINPACK dqrdc2's convention), the
 * basis rotated by Qᵀ, and its first two columns dropped.
 */
function naturalConstraint(cols: Float64Array[], aknots: number[], p: SplineParams): Float64Array[] {
  const m = cols.length;
  const constRows = [splineRow(aknots, p.boundary[0], 4, 2), splineRow(aknots, p.boundary[1], 4, 2)].map((r) => (p.intercept ? r : r.slice(1)));
  // t(const): m × 2, column-major as two columns
  const a = constRows.map((r) => Float64Array.from(r));
  const qraux: number[] = [];
  for (let l = 0; l < 2; l++) {
    const col = a[l];
    let nrm = 0;
    for (let i = l; i < m; i++) nrm += col[i] * col[i];
    nrm = Math.sqrt(nrm);
    if (nrm === 0) {
      qraux.push(0);
      continue;
    }
    if (col[l] !== 0) nrm = Math.sign(col[l]) * Math.abs(nrm);
    for (let i = l; i < m; i++) col[i] /= nrm;
    col[l] += 1;
    for (let j = l + 1; j < 2; j++) {
      let t = 0;
      for (let i = l; i < m; i++) t -= col[i] * a[j][i];
      t /= col[l];
      for (let i = l; i < m; i++) a[j][i] += t * col[i];
    }
    qraux.push(col[l]);
    col[l] = -nrm;
  }
  // Qᵀ applied to each row of the basis (qr.qty on t(basis))
  const n = cols[0]?.length ?? 0;
  const out: Float64Array[] = Array.from({ length: m - 2 }, () => new Float64Array(n));
  const y = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < m; j++) y[j] = cols[j][r];
    for (let l = 0; l < 2; l++) {
      if (qraux[l] === 0) continue;
      const u = a[l];
      const diag = u[l];
      u[l] = qraux[l];
      let t = 0;
      for (let i = l; i < m; i++) t -= u[i] * y[i];
      t /= u[l];
      for (let i = l; i < m; i++) y[i] += t * u[i];
      u[l] = diag;
    }
    for (let j = 2; j < m; j++) out[j - 2][r] = y[j];
  }
  return out;
}

/** A contrast matrix (levels × columns, column-major) and R's column-name suffixes. */
export interface ContrastMatrix {
  columns: Float64Array[];
  suffixes: string[];
}

/** R's contr.treatment / contr.sum / contr.helmert / contr.poly for the given levels. */
export function contrastMatrix(kind: 'treatment' | 'sum' | 'helmert' | 'poly', levels: string[]): ContrastMatrix {
  const L = levels.length;
  const columns: Float64Array[] = [];
  const suffixes: string[] = [];
  for (let j = 1; j < L; j++) {
    const c = new Float64Array(L);
    if (kind === 'treatment') c[j] = 1;
    else if (kind === 'sum') {
      c[j - 1] = 1;
      c[L - 1] = -1;
    } else if (kind === 'helmert') {
      for (let i = 0; i < j; i++) c[i] = -1;
      c[j] = j;
    }
    if (kind !== 'poly') {
      columns.push(c);
      suffixes.push(kind === 'treatment' ? levels[j] : String(j));
    }
  }
  if (kind === 'poly' && L > 1) {
    const scores = Float64Array.from({ length: L }, (_, i) => i + 1);
    const { columns: z } = polyBasis(scores, L - 1);
    z.forEach((c, k) => {
      columns.push(c);
      suffixes.push(k === 0 ? '.L' : k === 1 ? '.Q' : k === 2 ? '.C' : `^${k + 1}`);
    });
  }
  return { columns, suffixes };
}
