/**
 * nlme's correlation structures and variance functions as functions of unconstrained parameters:
 * their natural coefficients (coef(·, unconstrained = FALSE) order and names), the within-group
 * correlation of two observations, and the standard-deviation multiplier of each observation.
 */
import type { CorrelationData, VarianceData } from './data';

export interface CorrelationModel {
  nPar: number;
  /** nlme's starting values, unconstrained. */
  start: number[];
  /** Natural parameters (Phi, Rho, ...) from unconstrained x. */
  natural(x: ArrayLike<number>): number[];
  /** Names of the natural parameters as nlme prints them. */
  names: string[];
  /** A function (row i, row j of the same group) → correlation, for given natural parameters. */
  correlation(nat: number[]): (i: number, j: number) => number;
}

export interface VarianceModel {
  nPar: number;
  start: number[];
  /** Natural parameters keyed as nlme's coef(varStruct, unconstrained = FALSE). */
  natural(x: ArrayLike<number>): Record<string, number>;
  /** Standard-deviation multiplier of every row (nlme's 1 / varWeights). */
  sd(x: ArrayLike<number>, out: Float64Array): void;
}

const tanhHalf = (x: number) => Math.tanh(x / 2); // nlme: log((1 + phi) / (1 - phi))
const logit = (x: number) => 1 / (1 + Math.exp(-x));

/** AR(p) coefficients from partial autocorrelations (Durbin-Levinson), as nlme's ARMA transform. */
function pacfToAr(pacf: number[]): number[] {
  const p = pacf.length;
  let a: number[] = [];
  for (let k = 0; k < p; k++) {
    const next = a.slice();
    next[k] = pacf[k];
    for (let j = 0; j < k; j++) next[j] = a[j] - pacf[k] * a[k - 1 - j];
    a = next;
  }
  return a;
}

/** Autocorrelations ρ(0..maxLag) of an ARMA(p, q) process (phi: AR, theta: MA, R's sign convention). */
export function armaAcf(phi: number[], theta: number[], maxLag: number): number[] {
  // ψ weights of the MA(∞) representation, truncated once negligible
  const J = 2000 + maxLag;
  const psi = new Float64Array(J);
  psi[0] = 1;
  for (let j = 1; j < J; j++) {
    let v = j <= theta.length ? theta[j - 1] : 0;
    for (let i = 1; i <= phi.length && i <= j; i++) v += phi[i - 1] * psi[j - i];
    psi[j] = v;
  }
  const gamma = (h: number) => {
    let s = 0;
    for (let j = 0; j + h < J; j++) s += psi[j] * psi[j + h];
    return s;
  };
  const g0 = gamma(0);
  return Array.from({ length: maxLag + 1 }, (_, h) => gamma(h) / g0);
}

export function correlationModel(d: CorrelationData): CorrelationModel {
  const { time, timeIndex } = d;
  switch (d.spec.type) {
    case 'corAR1':
      return {
        nPar: 1, start: [0], names: ['Phi'],
        natural: (x) => [tanhHalf(x[0])],
        correlation: ([phi]) => (i, j) => Math.pow(phi, Math.abs(time[i] - time[j])),
      };
    case 'corCAR1':
      return {
        nPar: 1, start: [Math.log(0.2 / 0.8)], names: ['Phi'],
        natural: (x) => [logit(x[0])],
        correlation: ([phi]) => (i, j) => Math.pow(phi, Math.abs(time[i] - time[j])),
      };
    case 'corCompSymm': {
      const sizes = new Map<number, number>();
      for (let i = 0; i < d.group.length; i++) sizes.set(d.group[i], (sizes.get(d.group[i]) ?? 0) + 1);
      const m = Math.max(2, ...sizes.values());
      const lower = -1 / (m - 1);
      // ρ in (−1/(m−1), 1): ρ = lower + (1 − lower)·logistic(x); start at ρ = 0
      const x0 = Math.log(-lower / 1);
      return {
        nPar: 1, start: [x0], names: ['Rho'],
        natural: (x) => [lower + (1 - lower) * logit(x[0])],
        correlation: ([rho]) => () => rho,
      };
    }
    case 'corSymm': {
      const m = d.nTimes;
      const nPar = (m * (m - 1)) / 2;
      const names: string[] = [];
      for (let c = 0; c < m; c++) for (let r = c + 1; r < m; r++) names.push(`${r + 1}:${c + 1}`);
      return {
        nPar, start: new Array(nPar).fill(0), names,
        natural: (x) => {
          // correlation matrix C = L L' with L from canonical partial correlations z = tanh(x) (rows of unit length)
          const L: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
          L[0][0] = 1;
          let t = 0;
          const z: number[][] = Array.from({ length: m }, () => new Array<number>(m).fill(0));
          for (let c = 0; c < m; c++) for (let r = c + 1; r < m; r++) z[r][c] = Math.tanh(x[t++]);
          for (let r = 1; r < m; r++) {
            let rest = 1;
            for (let c = 0; c < r; c++) {
              L[r][c] = z[r][c] * Math.sqrt(rest);
              rest -= L[r][c] * L[r][c];
            }
            L[r][r] = Math.sqrt(Math.max(rest, 0));
          }
          const out: number[] = [];
          for (let c = 0; c < m; c++)
            for (let r = c + 1; r < m; r++) {
              let s = 0;
              for (let k = 0; k <= c; k++) s += L[r][k] * L[c][k];
              out.push(s);
            }
          return out;
        },
        correlation: (nat) => {
          const C: number[][] = Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)));
          let t = 0;
          for (let c = 0; c < m; c++) for (let r = c + 1; r < m; r++) C[r][c] = C[c][r] = nat[t++];
          return (i, j) => C[timeIndex![i]][timeIndex![j]];
        },
      };
    }
    case 'corARMA': {
      const { p, q } = d.spec;
      let maxLag = 1;
      for (let i = 0; i < time.length; i++) maxLag = Math.max(maxLag, Math.abs(time[i]));
      const lagMax = Math.ceil(maxLag * 2) + 1;
      return {
        nPar: p + q, start: new Array(p + q).fill(0),
        names: [...Array.from({ length: p }, (_, i) => `Phi${i + 1}`), ...Array.from({ length: q }, (_, i) => `Theta${i + 1}`)],
        natural: (x) => {
          const ar = pacfToAr(Array.from({ length: p }, (_, i) => tanhHalf(x[i])));
          // MA: invertible through the same transform (nlme applies it to −θ's partial autocorrelations)
          const ma = pacfToAr(Array.from({ length: q }, (_, i) => tanhHalf(x[p + i]))).map((a) => -a);
          return [...ar, ...ma];
        },
        correlation: (nat) => {
          const acf = armaAcf(nat.slice(0, p), nat.slice(p), lagMax);
          return (i, j) => acf[Math.abs(time[i] - time[j])];
        },
      };
    }
  }
}

export function varianceModel(d: VarianceData): VarianceModel {
  const v = d.covariate, s = d.stratum, n = (v ?? s)!.length;
  const strata = d.strata;
  const perStratum = s !== null && d.spec.type !== 'varIdent';
  const nS = perStratum ? strata.length : 1;
  const st = (i: number) => (perStratum ? s![i] : 0);
  const keyed = (name: string, x: ArrayLike<number>, off: number, f: (u: number) => number): Record<string, number> =>
    perStratum ? Object.fromEntries(strata.map((l, k) => [l, f(x[off + k])])) : { [name]: f(x[off]) };
  switch (d.spec.type) {
    case 'varIdent':
      return {
        nPar: strata.length - 1, start: new Array(strata.length - 1).fill(0),
        natural: (x) => Object.fromEntries(strata.slice(1).map((l, k) => [l, Math.exp(x[k])])),
        sd: (x, out) => {
          for (let i = 0; i < n; i++) out[i] = s![i] === 0 ? 1 : Math.exp(x[s![i] - 1]);
        },
      };
    case 'varPower':
      return {
        nPar: nS, start: new Array(nS).fill(0),
        natural: (x) => keyed('power', x, 0, (u) => u),
        sd: (x, out) => {
          for (let i = 0; i < n; i++) out[i] = Math.pow(Math.abs(v![i]), x[st(i)]);
        },
      };
    case 'varExp':
      return {
        nPar: nS, start: new Array(nS).fill(0),
        natural: (x) => keyed('expon', x, 0, (u) => u),
        sd: (x, out) => {
          for (let i = 0; i < n; i++) out[i] = Math.exp(x[st(i)] * v![i]);
        },
      };
    case 'varConstPower':
      return {
        nPar: 2 * nS, start: new Array(2 * nS).fill(0),
        natural: (x) =>
          perStratum
            ? Object.fromEntries(strata.flatMap((l, k) => [[`const.${l}`, Math.exp(x[k])], [`power.${l}`, x[nS + k]]]))
            : { const: Math.exp(x[0]), power: x[1] },
        sd: (x, out) => {
          for (let i = 0; i < n; i++) out[i] = Math.exp(x[st(i)]) + Math.pow(Math.abs(v![i]), x[nS + st(i)]);
        },
      };
    case 'varFixed':
      return {
        nPar: 0, start: [],
        natural: () => ({}),
        sd: (_x, out) => {
          for (let i = 0; i < n; i++) out[i] = Math.sqrt(v![i]);
        },
      };
  }
}
