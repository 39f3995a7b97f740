/**
 * Singular fits explained: which random-effects term sits on the boundary of its parameter space
 * and how (a variance estimated as 0, a correlation of ±1, or a covariance matrix of lower rank),
 * read from θ term by term as lme4's `isSingular` reads it, and lme4's `rePCA` (the principal
 * components of each grouping factor's relative covariance factor).
 *
 * Works from the FitResult alone: θ is laid out per term as lme4 lays it out (the lower Cholesky
 * factor Λ of each term, column-major), in the order of the terms in `varcorr`.
 */
import { symmetricEigen } from '../linalg/eigen';
import type { FitResult } from '../result';

/** lme4's isSingular tolerance on θ's diagonal (its lower bound is 0). */
export const SINGULAR_TOL = 1e-4;

export type SingularKind = 'zero variance' | 'correlation ±1' | 'rank deficient';

export interface SingularTerm {
  /** Grouping factor as varcorr names it ('Subject', 'Subject.1' for a || term, 'cask:batch'). */
  group: string;
  /** The term in formula syntax: '(1 + Days | Subject)', '(0 + Days | Subject)'. */
  term: string;
  kind: SingularKind;
  /** The component(s) concerned: ['Days'] for a zero variance, ['(Intercept)', 'Days'] for a correlation. */
  components: string[];
  /** The estimate behind the verdict: the standard deviation (0) or the correlation (±1). */
  value: number;
  /** One sentence in words. */
  detail: string;
}

export interface RePcaBlock {
  /** Grouping factor (terms of a || split are joined, as rePCA joins them). */
  group: string;
  /** Standard deviations of the principal components, relative to σ (rePCA's sdev), decreasing. */
  sdev: number[];
  /** Proportion of variance of each component, rounded to 5 decimals as summary.prcomp does (NaN when all are 0). */
  proportion: number[];
  cumulative: number[];
}

export interface SingularReport {
  singular: boolean;
  terms: SingularTerm[];
  rePCA: RePcaBlock[];
}

/** One random-effects term as θ stores it. */
export interface ThetaTerm {
  group: string;
  components: string[];
  /** Lower Cholesky factor (k × k, row-major), relative to σ. */
  lambda: number[][];
}

/** Splits θ into terms using varcorr's groups and their variance rows (lme4's order). */
export function thetaTerms(fit: Pick<FitResult, 'theta' | 'varcorr'>): ThetaTerm[] {
  const terms: { group: string; components: string[] }[] = [];
  for (const row of fit.varcorr) {
    if (row.grp === 'Residual' || row.var2 !== null) continue;
    const last = terms[terms.length - 1];
    if (last && last.group === row.grp) last.components.push(row.var1 ?? '(Intercept)');
    else terms.push({ group: row.grp, components: [row.var1 ?? '(Intercept)'] });
  }
  const out: ThetaTerm[] = [];
  let t = 0;
  for (const term of terms) {
    const k = term.components.length;
    const lambda = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let c = 0; c < k; c++) for (let r = c; r < k; r++) lambda[r][c] = fit.theta[t++] ?? NaN;
    out.push({ ...term, lambda });
  }
  return out;
}

/** The grouping factor a varcorr group belongs to: 'Subject.1' (a || term) → 'Subject'. */
function baseGroup(group: string, groups: Set<string>): string {
  const m = /^(.*)\.(\d+)$/.exec(group);
  return m && groups.has(m[1]) ? m[1] : group;
}

function termText(t: ThetaTerm, groups: Set<string>): string {
  const g = baseGroup(t.group, groups);
  const hasIntercept = t.components[0] === '(Intercept)';
  const rest = t.components.filter((c) => c !== '(Intercept)');
  if (rest.length === 0) return `(1 | ${g})`;
  return `(${hasIntercept ? '' : '0 + '}${rest.join(' + ')} | ${g})`;
}

function componentWords(c: string): string {
  return c === '(Intercept)' ? 'the intercept' : `the ${c} slope`;
}

function signed(x: number): string {
  return x > 0 ? '+1' : '−1';
}

/** Relative covariance Σ = ΛΛ' of a term. */
function relCov(lambda: number[][]): number[][] {
  const k = lambda.length;
  const s = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let v = 0;
      for (let c = 0; c < k; c++) v += lambda[i][c] * lambda[j][c];
      s[i][j] = v;
    }
  return s;
}

/** Describes every term whose θ diagonal is on its bound (lme4's isSingular, tol 1e-4). */
export function explainSingular(fit: Pick<FitResult, 'theta' | 'varcorr'>): SingularReport {
  const terms = thetaTerms(fit);
  const groups = new Set(terms.map((t) => t.group));
  const out: SingularTerm[] = [];
  for (const t of terms) {
    const k = t.components.length;
    const onBound = t.lambda.some((row, i) => Math.abs(row[i]) < SINGULAR_TOL);
    if (!onBound) continue;
    const group = baseGroup(t.group, groups);
    const term = termText(t, groups);
    const sigma = relCov(t.lambda);
    const sd = sigma.map((row, i) => Math.sqrt(Math.max(0, row[i])));
    const found: SingularTerm[] = [];
    const zero = new Set<number>();
    for (let i = 0; i < k; i++) {
      if (sd[i] < SINGULAR_TOL) {
        zero.add(i);
        found.push({
          group: t.group,
          term,
          kind: 'zero variance',
          components: [t.components[i]],
          value: 0,
          detail: `the variance of ${componentWords(t.components[i])} by ${group} is estimated as 0`,
        });
      }
    }
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        if (zero.has(i) || zero.has(j)) continue;
        const r = sigma[i][j] / (sd[i] * sd[j]);
        if (Math.abs(r) < 1 - 1e-3) continue;
        const a = t.components[i];
        const b = t.components[j];
        const what = k === 2 && a === '(Intercept)' ? 'the intercept-slope correlation' : `the correlation of ${componentWords(a).slice(4)} and ${componentWords(b).slice(4)}`;
        found.push({ group: t.group, term, kind: 'correlation ±1', components: [a, b], value: r, detail: `${what} by ${group} is ${signed(r)} (estimated ${r.toFixed(4)})` });
      }
    if (found.length === 0) {
      const ev = symmetricEigen(sigma, false).values.map((v) => Math.max(0, v));
      const rank = ev.filter((v) => Math.sqrt(v) >= SINGULAR_TOL).length;
      found.push({
        group: t.group,
        term,
        kind: 'rank deficient',
        components: [...t.components],
        value: rank,
        detail: `the ${k} × ${k} covariance matrix of ${term} has rank ${rank}: some combination of its effects does not vary between levels of ${group}`,
      });
    }
    out.push(...found);
  }
  return { singular: out.length > 0, terms: out, rePCA: rePCA(terms) };
}

/** lme4's rePCA: singular values of each grouping factor's (block-diagonal) relative covariance factor. */
export function rePCA(terms: ThetaTerm[]): RePcaBlock[] {
  const groups = new Set(terms.map((t) => t.group));
  const byGroup = new Map<string, ThetaTerm[]>();
  for (const t of terms) {
    const g = baseGroup(t.group, groups);
    byGroup.set(g, [...(byGroup.get(g) ?? []), t]);
  }
  const out: RePcaBlock[] = [];
  for (const [group, ts] of byGroup) {
    // singular values of bdiag(Λ_1, Λ_2, ...) are those of each block together
    const values: number[] = [];
    for (const t of ts) {
      const ev = symmetricEigen(relCov(t.lambda), false).values;
      for (const v of ev) values.push(Math.sqrt(Math.max(0, v)));
    }
    const sdev = values.sort((a, b) => b - a);
    const total = sdev.reduce((s, v) => s + v * v, 0);
    const share = sdev.map((v) => (total > 0 ? (v * v) / total : NaN));
    // summary.prcomp rounds both rows to 5 decimals
    const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
    const proportion = share.map(round5);
    let acc = 0;
    const cumulative = share.map((p) => round5((acc += p)));
    out.push({ group, sdev, proportion, cumulative });
  }
  return out;
}
