/**
 * nlme's "between/within" denominator degrees of freedom (Pinheiro & Bates 2000, §2.4.2; nlme's
 * getFixDF): the grouping factors must be nested; a fixed-effect column gets the DF of the innermost
 * level within whose groups it varies (the residual level when it varies within the innermost groups),
 * each level's DF being its number of groups minus those of the level above, minus the columns assigned
 * to it (and minus one at the outermost level for the intercept); an intercept gets the largest DF.
 */
import { MlmError } from '../diagnostics';
import type { ModelFrame, ReTermFrame } from '../frame/types';

export interface GroupingLevel {
  /** lme4's name of the grouping factor ('batch', 'cask:batch'). */
  name: string;
  levels: number;
  refs: Int32Array;
}

/**
 * The distinct grouping factors of a frame's random-effects terms, outermost first (fewest groups).
 * Throws an MlmError naming two factors that are crossed (not nested).
 */
export function nestedLevels(reTerms: readonly ReTermFrame[]): GroupingLevel[] {
  const byName = new Map<string, GroupingLevel>();
  for (const t of reTerms) if (!byName.has(t.group)) byName.set(t.group, { name: t.group, levels: t.levels.length, refs: t.refs });
  const levels = [...byName.values()].sort((a, b) => a.levels - b.levels);
  for (let i = 1; i < levels.length; i++) {
    const inner = levels[i];
    for (let o = 0; o < i; o++) {
      const outer = levels[o];
      const map = new Int32Array(inner.levels).fill(-1);
      for (let r = 0; r < inner.refs.length; r++) {
        const g = inner.refs[r], h = outer.refs[r];
        if (map[g] === -1) map[g] = h;
        else if (map[g] !== h)
          throw new MlmError({
            code: 'crossed-factors',
            message: `the grouping factors '${outer.name}' and '${inner.name}' are crossed, not nested: a level of '${inner.name}' occurs with several levels of '${outer.name}'. nlme's between/within DF and residual structures need nested factors (write (1 | ${outer.name}/…) with nested labels, or use df: satterthwaite without structures)`,
          });
      }
    }
  }
  return levels;
}

/** True when column j of X varies within at least one group of the grouping factor. */
function variesWithin(X: Float64Array, n: number, j: number, g: GroupingLevel): boolean {
  const first = new Float64Array(g.levels).fill(NaN);
  for (let r = 0; r < n; r++) {
    const v = X[r + j * n], k = g.refs[r];
    if (Number.isNaN(first[k])) first[k] = v;
    else if (first[k] !== v) return true;
  }
  return false;
}

/** nlme's constant-column test (const() in getFixDF). */
function isConstant(X: Float64Array, n: number, j: number): boolean {
  const x0 = X[j * n];
  const tol = Math.sqrt(2.220446049250313e-16);
  for (let r = 0; r < n; r++) {
    const v = X[r + j * n];
    if (!(Math.abs(x0 === 0 ? v : v / x0 - 1) < tol)) return false;
  }
  return true;
}

/** Between/within DF of every fixed-effect column, keyed by coefficient name. */
export function betweenWithinDf(frame: Pick<ModelFrame, 'n' | 'p' | 'X' | 'coefnames' | 'reTerms'>): Record<string, number> {
  const levels = nestedLevels(frame.reTerms);
  const { n, p, X } = frame;
  const Q = levels.length;
  // strata: 0 = outermost level, ..., Q-1 = innermost level, Q = residual
  const ng = levels.map((l) => l.levels);
  const dfX = [...ng, n].map((v, i) => v - (i === 0 ? 0 : ng[i - 1]));
  const stratum = new Array<number>(p).fill(-1);
  const notInt: boolean[] = [];
  for (let j = 0; j < p; j++) {
    notInt.push(!isConstant(X, n, j));
    if (!notInt[j]) continue;
    // innP columns: [1 (outermost stratum), varies within level 0, ..., varies within level Q-1]
    let s = 0;
    for (let q = 0; q < Q; q++) if (variesWithin(X, n, j, levels[q])) s = q + 1;
    stratum[j] = s;
  }
  for (let j = 0; j < p; j++) if (notInt[j]) dfX[stratum[j]]--;
  if (!notInt.every(Boolean)) dfX[0]--;
  else for (let s = 1; s <= Q; s++) dfX[s]++;
  const maxDf = Math.max(...dfX);
  const out: Record<string, number> = {};
  frame.coefnames.forEach((name, j) => {
    out[name] = notInt[j] ? dfX[stratum[j]] : maxDf;
  });
  return out;
}
