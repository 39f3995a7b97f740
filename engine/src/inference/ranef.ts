/**
 * Random effects for reporting: caterpillar-plot data (conditional modes with conditional sds,
 * 95% intervals ± 1.96 sd and the comparative intervals ± 1.39 sd used to compare two groups,
 * sorted by the mode), and lme4's coef(): fixed plus random effect per level.
 */
import type { FitResult } from '../result';
import { qnorm } from './distributions';

/** Half-width multiplier of comparative intervals: two groups whose ± 1.39 sd intervals do not overlap differ at about the 5% level (1.39 ≈ 1.96/√2). */
export const COMPARATIVE_Z = 1.39;

export interface CaterpillarPoint {
  level: string;
  value: number;
  condsd: number;
  lower95: number;
  upper95: number;
  lowerComparative: number;
  upperComparative: number;
  /** sqrt(term variance - conditional variance), the "diagnostic" sd; null when not positive or the variance is unknown. */
  diagnosticSd: number | null;
}

export interface CaterpillarSeries {
  group: string;
  term: string;
  /** Variance of the term from VarCorr, when found. */
  variance: number | null;
  /** Sorted by value, then by lower and upper bounds (as order(postmean, lower, upper)). */
  points: CaterpillarPoint[];
}

function termVariance(result: FitResult, group: string, term: string): number | null {
  for (const r of result.varcorr) {
    if (r.var2 !== null || r.var1 !== term) continue;
    if (r.grp === group || (r.grp.startsWith(group + '.') && /^\d+$/.test(r.grp.slice(group.length + 1)))) return r.vcov;
  }
  return null;
}

/**
 * The intervals of the conditional modes of one term, per level in the block's order: mode ± z·condsd
 * (z = qnorm(0.975) for 95%) and the comparative interval mode ± COMPARATIVE_Z·condsd. The caterpillar
 * plot of the panel (FitResult.ranefIntervals, set by inference/enrich.ts) and `mlm ranef` read these.
 */
export interface RanefIntervals {
  group: string;
  term: string;
  level: number;
  z: number;
  zComparative: number;
  lower: number[];
  upper: number[];
  lowerComparative: number[];
  upperComparative: number[];
}

export function ranefIntervals(result: FitResult, level = 0.95): RanefIntervals[] {
  const z = qnorm(0.5 + level / 2);
  return result.ranef.flatMap((block) =>
    block.terms.map((term, k) => {
      const v = block.values[k];
      const sd = block.condsd?.[k] ?? v.map(() => 0);
      return {
        group: block.group,
        term,
        level,
        z,
        zComparative: COMPARATIVE_Z,
        lower: v.map((x, j) => x - z * sd[j]),
        upper: v.map((x, j) => x + z * sd[j]),
        lowerComparative: v.map((x, j) => x - COMPARATIVE_Z * sd[j]),
        upperComparative: v.map((x, j) => x + COMPARATIVE_Z * sd[j]),
      };
    }),
  );
}

export function caterpillar(result: FitResult, level = 0.95): CaterpillarSeries[] {
  const out: CaterpillarSeries[] = [];
  const intervals = ranefIntervals(result, level);
  let t = 0;
  for (const block of result.ranef) {
    block.terms.forEach((term, k) => {
      const iv = intervals[t++];
      const variance = termVariance(result, block.group, term);
      const points: CaterpillarPoint[] = block.levels.map((lev, j) => {
        const v = block.values[k][j];
        const sd = block.condsd[k][j];
        const diag = variance !== null && variance - sd * sd > 0 ? Math.sqrt(variance - sd * sd) : null;
        return {
          level: lev,
          value: v,
          condsd: sd,
          lower95: iv.lower[j],
          upper95: iv.upper[j],
          lowerComparative: iv.lowerComparative[j],
          upperComparative: iv.upperComparative[j],
          diagnosticSd: diag,
        };
      });
      points.sort((a, b) => a.value - b.value || a.lowerComparative - b.lowerComparative || a.upperComparative - b.upperComparative);
      out.push({ group: block.group, term, variance, points });
    });
  }
  return out;
}

export interface GroupCoefficients {
  group: string;
  levels: string[];
  /** Column names: the fixed-effect names in coefnames order, then random terms that have no fixed effect. */
  terms: string[];
  /** values[j][t]: coefficient t for level j. */
  values: number[][];
  /** Random terms that have no matching fixed effect (lme4's coef() refuses these; we report them as random effect only). */
  unmatched: string[];
}

/** lme4's coef(): for each grouping factor, fixed effects plus that level's conditional modes. */
export function coefByGroup(result: FitResult): GroupCoefficients[] {
  return result.ranef.map((block) => {
    const unmatched = block.terms.filter((t) => !(t in result.fixef));
    const terms = [...result.coefnames, ...unmatched];
    const values = block.levels.map((_, j) =>
      terms.map((t) => {
        const k = block.terms.indexOf(t);
        return (result.fixef[t] ?? 0) + (k >= 0 ? block.values[k][j] : 0);
      }),
    );
    return { group: block.group, levels: [...block.levels], terms, values, unmatched };
  });
}
