/**
 * Starting values of θ for large linear mixed models whose terms are all scalar: each term's θ is
 * the optimum of the model with that term alone, y ~ X + (1 | g_t), evaluated from the cross
 * products the PLS system already holds (no pass over the data, no factorization of the full
 * system). The full fit then starts near its optimum instead of at lme4's Λ = I; on InstEval this
 * halves the number of evaluations of the costly full criterion. The optimum itself does not depend
 * on the start (the fit's optSummary records which start was used).
 */
import { minimize } from '../optim/bobyqa';
import { cholLower } from '../linalg/dense';
import type { PlsSystem } from './pls';

const LOG2PI = Math.log(2 * Math.PI);

/**
 * The profiled criterion (ML, or REML when REML) of y ~ X + (1 | g) as a function of its scalar θ,
 * from d (Σ w z² per level), c (Σ w z [X y] per level, p+1 each) and the lower triangle C of
 * [X y]'W[X y]. Levels with the same d share one weight θ²/(θ² d + 1) in the Schur complement, so
 * their c c' are summed once here.
 */
export function singleTermCriterion(
  cp: { d: Float64Array; c: Float64Array; C: Float64Array },
  p: number,
  n: number,
  REML: boolean,
): (theta: number) => number {
  const P1 = p + 1;
  const { d, c, C } = cp;
  const ids = new Map<number, number>();
  const count: number[] = [];
  for (let l = 0; l < d.length; l++) {
    const g = ids.get(d[l]);
    if (g === undefined) {
      ids.set(d[l], count.length);
      count.push(1);
    } else count[g]++;
  }
  const nd = count.length;
  const dv = new Float64Array(nd);
  for (const [v, g] of ids) dv[g] = v;
  const G = new Float64Array(nd * P1 * P1);
  for (let l = 0; l < d.length; l++) {
    const o = ids.get(d[l])! * P1 * P1, lo = l * P1;
    for (let b = 0; b < P1; b++) {
      const cb = c[lo + b];
      if (cb === 0) continue;
      for (let a = b; a < P1; a++) G[o + a + b * P1] += c[lo + a] * cb;
    }
  }
  const nEff = REML ? n - p : n;
  const S = new Float64Array(P1 * P1);
  return (theta: number): number => {
    const t2 = theta * theta;
    S.set(C);
    let logdet = 0;
    for (let g = 0; g < nd; g++) {
      const den = t2 * dv[g] + 1;
      logdet += count[g] * Math.log(den);
      const w = t2 / den, o = g * P1 * P1;
      for (let b = 0; b < P1; b++) for (let a = b; a < P1; a++) S[a + b * P1] -= w * G[o + a + b * P1];
    }
    if (cholLower(S, P1, P1, true) >= 0) return Infinity;
    const r = S[p + p * P1];
    const pw = Math.max(r * r, 1e-300);
    let v = logdet + nEff * (1 + LOG2PI + Math.log(pw / nEff));
    if (REML) for (let i = 0; i < p; i++) v += 2 * Math.log(S[i + i * P1]);
    return v;
  };
}

/**
 * θ from the single-term models, one per term (every term scalar); null when a term is not scalar.
 * Each optimum is found by BOBYQA in one dimension from θ = 1 to the resolution rhoend.
 */
export async function singleTermStart(pls: PlsSystem, n: number, REML: boolean, rhoend: number): Promise<number[] | null> {
  const out: number[] = [];
  for (let t = 0; t < pls.ks.length; t++) {
    const cp = pls.scalarTermCrossProducts(t);
    if (!cp) return null;
    const f = singleTermCriterion(cp, pls.p, n, REML);
    const opt = await minimize((th) => f(th[0]), [1], [0], [Infinity], { rhobeg: 0.5, rhoend, maxEval: 200 });
    out.push(opt.x[0]);
  }
  return out;
}
