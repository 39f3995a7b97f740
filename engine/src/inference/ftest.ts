/**
 * F tests of fixed-effect terms with Satterthwaite's denominator df, as lmerTest's anova(model)
 * (contestMD): for a hypothesis matrix L (q rows), rotate by the eigenvectors of L V L', F = mean of
 * the q squared rotated t statistics, each with its own Satterthwaite df ν_m, and the F's ddf from
 * lmerTest's rule (2E/(E − q) with E = Σ ν_m/(ν_m − 2); 2 when some ν_m ≤ 2).
 *
 * Terms are read from the coefficient names. The type III hypothesis of a term: its effect where the
 * numeric variables of higher-order terms are 0, averaged with equal weights over the levels of the
 * factors those terms add (as with sum-to-zero coding): each treatment-coded coefficient c of the term
 * plus, for every containing term that adds only factors, 1/Π(levels of the added factors) times its
 * coefficients that extend c.
 */
import type { FitHooks } from '../hooks';
import type { FitResult } from '../result';
import { contrastDf, satterthwaiteInternals, type SatterthwaiteInternals, type VarParModel } from './satterthwaite';
import { symmetricEigen } from '../linalg/eigen';
import { cholUpper, invert } from '../linalg/small';
import { fUpper } from './distributions';

export { fUpper };
import { parseCoefName } from './interpret';
import { formatColumn, formatPValues, printMatrix, signifStars, SIGNIF_LEGEND, zapsmall } from './rformat';

/** lmerTest's denominator df of a multi-df F from the per-direction df. */
export function fStatDdf(nu: number[]): number {
  if (nu.length === 1) return nu[0];
  if (nu.every((v) => v === Infinity)) return Infinity;
  if (nu.every((v) => Math.abs(v - nu[0]) < 1e-8)) return nu.reduce((s, v) => s + v, 0) / nu.length;
  if (nu.some((v) => v <= 2)) return 2;
  const E = nu.reduce((s, v) => s + v / (v - 2), 0);
  return (2 * E) / (E - nu.length);
}

export interface FTestRow {
  term: string;
  coefs: string[];
  NumDF: number | null;
  DenDF: number | null;
  F: number | null;
  p: number | null;
  /** lmerTest's 'Sum Sq' and 'Mean Sq' (F × σ² × NumDF and F × σ²; with Kenward-Roger the F before λ's scaling). */
  sumSq: number | null;
  meanSq: number | null;
  note?: string;
}

/** The F test of the hypothesis Lβ = 0. */
export function contrastF(L: number[][], beta: number[], parts: SatterthwaiteInternals): { F: number; NumDF: number; DenDF: number; p: number } | null {
  return waldF(L, beta, parts.V, (c) => contrastDf(c, parts).df);
}

/**
 * The Wald F of Lβ = 0 with covariance V, rotated by the eigenvectors of L V L' (rank by lmerTest's
 * tolerance), each direction c with its df(c), the ddf from lmerTest's rule. With df ≡ ∞ (asymptotic):
 * F = W/q with p = P(χ²_q > W), as emmeans' joint_tests(lmer.df = "asymptotic") and car's Wald χ².
 */
export function waldF(L: number[][], beta: number[], V: number[][], df: (c: number[]) => number): { F: number; NumDF: number; DenDF: number; p: number } | null {
  const p = beta.length;
  const q0 = L.length;
  const VL = L.map((a) => L.map((b) => {
    let s = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s += a[i] * V[i][j] * b[j];
    return s;
  }));
  const { values, vectors } = symmetricEigen(VL);
  const order = values.map((_, i) => i).sort((x, y) => values[y] - values[x]);
  const tol = Math.max(Math.sqrt(2.220446049250313e-16) * values[order[0]], 0);
  const pos = order.filter((i) => values[i] > tol);
  const q = pos.length;
  if (q === 0) return null;
  let t2 = 0;
  const nu: number[] = [];
  for (const m of pos) {
    const c = new Array(p).fill(0);
    for (let r = 0; r < q0; r++) for (let i = 0; i < p; i++) c[i] += vectors[r][m] * L[r][i];
    const est = c.reduce((s, v, i) => s + v * beta[i], 0);
    t2 += (est * est) / values[m];
    nu.push(df(c));
  }
  const F = t2 / q;
  const DenDF = fStatDdf(nu);
  return { F, NumDF: q, DenDF, p: fUpper(F, q, DenDF) };
}

/** Groups coefficients into terms by their variables ('sectorCatholic' and a 3rd level share the term 'sector'). */
export function termsOf(result: FitResult): { term: string; vars: string[]; factorVars: string[]; coefs: string[] }[] {
  const out: { term: string; vars: string[]; factorVars: string[]; coefs: string[] }[] = [];
  for (const c of result.coefnames) {
    if (c === '(Intercept)') continue;
    const parts = parseCoefName(result.formula, c);
    const vars = parts.map((p) => p.variable);
    const key = vars.join(':');
    let t = out.find((x) => x.term === key);
    if (!t) {
      t = { term: key, vars, factorVars: parts.filter((p) => p.level !== null).map((p) => p.variable), coefs: [] };
      out.push(t);
    }
    t.coefs.push(c);
  }
  return out;
}

/** lmerTest-style anova(model): one F test per fixed-effect term (see the file comment). */
export async function termFTests(model: VarParModel, result: FitResult, hooks?: FitHooks): Promise<FTestRow[]> {
  const parts = await satterthwaiteInternals(model, result.theta, result.sigma, result.coefnames.length, { hooks, nobs: result.nobs });
  return termFTestsWith(result, parts);
}

/**
 * The hypothesis matrices of lmerTest's type I (sequential) tests: the rows of t(L) for the term's
 * columns, where X'X = L D L' (Doolittle, no pivoting), so each term is tested adjusted for the
 * terms before it and not for those after it.
 */
export function typeIHypotheses(X: ArrayLike<number>, n: number, coefnames: string[], terms: { coefs: string[] }[]): number[][][] {
  const p = coefnames.length;
  const A = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => {
      let s = 0;
      for (let r = 0; r < n; r++) s += X[i * n + r] * X[j * n + r];
      return s;
    }),
  );
  // Gaussian elimination without pivoting: A becomes U = D L'
  for (let k = 0; k < p; k++) {
    const piv = A[k][k];
    for (let i = k + 1; i < p; i++) {
      const f = piv === 0 ? 0 : A[i][k] / piv;
      for (let j = k; j < p; j++) A[i][j] -= f * A[k][j];
    }
  }
  const Lt = A.map((row, i) => row.map((v, j) => (j < i ? 0 : A[i][i] === 0 ? 0 : v / A[i][i])));
  return terms.map((t) => t.coefs.map((c) => Lt[coefnames.indexOf(c)]));
}

/** The type III hypothesis of each term (see the file comment). */
function typeIIIHypotheses(result: FitResult, terms: ReturnType<typeof termsOf>): number[][][] {
  // number of levels of each factor: its non-reference levels seen in any coefficient, plus the reference
  const levelSets = new Map<string, Set<string>>();
  const parsed = new Map(result.coefnames.filter((c) => c !== '(Intercept)').map((c) => [c, parseCoefName(result.formula, c)] as const));
  for (const ps of parsed.values()) for (const p of ps) if (p.level !== null) (levelSets.get(p.variable) ?? levelSets.set(p.variable, new Set()).get(p.variable)!).add(p.level);
  const nLevels = (v: string) => (levelSets.get(v)?.size ?? 0) + 1;
  const factorVars = new Set(levelSets.keys());
  return terms.map((t) => {
    // type III: the term's coefficients averaged over the levels of factors added by containing terms
    const containing = terms.filter((u) => u !== t && t.vars.every((v) => u.vars.includes(v)));
    return t.coefs.map((c) => {
      const row = result.coefnames.map((n) => (n === c ? 1 : 0));
      const cParts = parsed.get(c)!;
      for (const u of containing) {
        const added = u.vars.filter((v) => !t.vars.includes(v));
        if (added.some((v) => !factorVars.has(v))) continue; // a numeric variable added: evaluated at 0
        const w = 1 / added.reduce((prod, v) => prod * nLevels(v), 1);
        for (const uc of u.coefs) {
          const up = parsed.get(uc)!;
          const same = cParts.every((p) => up.some((q) => q.variable === p.variable && q.level === p.level));
          if (same) row[result.coefnames.indexOf(uc)] += w;
        }
      }
      return row;
    });
  });
}

export interface TermFTestOptions {
  /** 3 (default, lmerTest's default) or 1 (sequential; needs the model matrix). */
  type?: 1 | 3;
  /** The fit's fixed-effects model matrix (n × p, column-major), for type I. */
  X?: ArrayLike<number>;
  n?: number;
}

/** The terms and their hypothesis matrices (type III, or type I from the model matrix). */
export function termHypotheses(result: FitResult, opts: TermFTestOptions = {}): { terms: ReturnType<typeof termsOf>; L: number[][][] } {
  const terms = termsOf(result);
  return { terms, L: opts.type === 1 ? typeIHypotheses(opts.X!, opts.n!, result.coefnames, terms) : typeIIIHypotheses(result, terms) };
}

/**
 * One F test per term with the given test of Lβ = 0. A test that scales its statistic (Kenward-Roger's λ)
 * returns the unscaled one as FU: lmerTest's Sum Sq and Mean Sq are computed from it.
 */
export function termFTestsBy(result: FitResult, test: (L: number[][], beta: number[]) => (ReturnType<typeof contrastF> & { FU?: number }) | null, opts: TermFTestOptions = {}): FTestRow[] {
  const beta = result.coefnames.map((c) => result.fixef[c]);
  const s2 = result.sigma * result.sigma;
  const { terms, L } = termHypotheses(result, opts);
  return terms.map((t, k) => {
    const r = test(L[k], beta);
    if (!r) return { term: t.term, coefs: t.coefs, NumDF: null, DenDF: null, F: null, p: null, sumSq: null, meanSq: null, note: 'The hypothesis has rank 0.' };
    const FU = r.FU ?? r.F;
    return { term: t.term, coefs: t.coefs, NumDF: r.NumDF, DenDF: r.DenDF, F: r.F, p: r.p, sumSq: FU * s2 * r.NumDF, meanSq: FU * s2 };
  });
}

/** The F tests of every term from Satterthwaite's ingredients computed once (no refit, no new Hessian). */
export function termFTestsWith(result: FitResult, parts: SatterthwaiteInternals, opts: TermFTestOptions = {}): FTestRow[] {
  return termFTestsBy(result, (L, beta) => contrastF(L, beta, parts), opts);
}

/**
 * nlme's anova.lme for a fit with between/within df: one row per term, the intercept included; type 3 is
 * nlme's "marginal" (F = β_T'(V_TT)⁻¹β_T / q: the term's coefficients are zero, as coded), type 1 its
 * "sequential" (F = Σ over the term's columns of (Uβ)²/q with U'U = V⁻¹, U upper triangular: each term
 * after those before it). denDF is the term's between/within df (the smallest of its columns'). Sum Sq
 * and Mean Sq are not part of nlme's table (null).
 */
export function nlmeTermFTests(result: FitResult, df: Record<string, number>, type: 1 | 3 = 3): FTestRow[] {
  const names = result.coefnames;
  const beta = names.map((c) => result.fixef[c]);
  const V = result.vcov;
  const terms = [...(names[0] === '(Intercept)' ? [{ term: '(Intercept)', coefs: ['(Intercept)'] }] : []), ...termsOf(result).map((t) => ({ term: t.term, coefs: t.coefs }))];
  let Ub: number[] | null = null;
  if (type === 1) {
    // U upper with U'U = V⁻¹ (R's chol(solve(V))); nlme's solve(t(varFixFact), β) up to signs
    const Vi = invert(V);
    if (!Vi) return terms.map((t) => ({ term: t.term, coefs: t.coefs, NumDF: null, DenDF: null, F: null, p: null, sumSq: null, meanSq: null, note: 'The covariance of the coefficients is singular.' }));
    const R = cholUpper(Vi.map((r) => Array.from(r)));
    if (!R) return terms.map((t) => ({ term: t.term, coefs: t.coefs, NumDF: null, DenDF: null, F: null, p: null, sumSq: null, meanSq: null, note: 'The covariance of the coefficients is singular.' }));
    Ub = R.map((row) => row.reduce((s, v, j) => s + v * beta[j], 0));
  }
  return terms.map((t) => {
    const idx = t.coefs.map((c) => names.indexOf(c));
    const q = idx.length;
    let F: number;
    if (Ub) F = idx.reduce((s, i) => s + Ub![i] ** 2, 0) / q;
    else {
      const Vi = invert(idx.map((i) => idx.map((j) => V[i][j])));
      if (!Vi) return { term: t.term, coefs: t.coefs, NumDF: q, DenDF: null, F: null, p: null, sumSq: null, meanSq: null, note: `The covariance of ${t.term}'s coefficients is singular.` };
      F = 0;
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) F += beta[idx[a]] * Vi[a][b] * beta[idx[b]];
      F /= q;
    }
    const DenDF = Math.min(...t.coefs.map((c) => df[c]));
    return { term: t.term, coefs: t.coefs, NumDF: q, DenDF, F, p: fUpper(F, q, DenDF), sumSq: null, meanSq: null };
  });
}

/** nlme's printed anova.lme table (numDF, denDF, F-value, p-value). */
export function formatNlmeFTests(rows: FTestRow[], type: 1 | 3 = 3): string {
  const cols = [
    rows.map((r) => (r.NumDF === null ? 'NA' : String(r.NumDF))),
    rows.map((r) => (r.DenDF === null ? 'NA' : String(Math.round(r.DenDF * 1e4) / 1e4))),
    formatColumn(rows.map((r) => r.F), 5, 'NA'),
    rows.map((r) => (r.p === null ? 'NA' : r.p < 1e-4 ? '<.0001' : r.p.toFixed(4))),
  ];
  const lines = [
    `F tests as nlme's anova.lme(type = "${type === 1 ? 'sequential' : 'marginal'}") with between/within denominator df`,
    ...printMatrix(rows.map((r) => r.term), ['numDF', 'denDF', 'F-value', 'p-value'], rows.map((_, i) => cols.map((c) => c[i].trim()))),
  ];
  for (const r of rows) if (r.note) lines.push(`Note: ${r.note}`);
  return lines.join('\n');
}

/** The method of an F table as its title says it: "Satterthwaite's method", or the Wald F with infinite denominator df. */
export function fTestMethodText(method: string): string {
  if (method === 'asymptotic') return 'asymptotic df (Wald F = chi-square/NumDF, DenDF = Inf)';
  return method === 'Kenward-Roger' ? "Kenward-Roger's method" : "Satterthwaite's method";
}

/** lmerTest's printed table: 'Type III Analysis of Variance Table with Satterthwaite's method', stars and legend; notes below. */
export function formatTermFTests(rows: FTestRow[], type: 1 | 3 = 3, method = "Satterthwaite's method"): string {
  const digits = 5;
  const z = (f: (r: FTestRow) => number | null) => formatColumn(zapsmall(rows.map(f), digits), digits, '');
  const round4 = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
  const cols = [z((r) => r.sumSq), z((r) => r.meanSq), z((r) => r.NumDF), z((r) => r.DenDF), formatColumn(rows.map((r) => round4(r.F)), digits, ''), formatPValues(rows.map((r) => r.p), 4)];
  const header = ['Sum Sq', 'Mean Sq', 'NumDF', 'DenDF', 'F value', 'Pr(>F)'];
  const stars = rows.some((r) => r.p !== null && r.p < 0.1);
  if (stars) {
    header.push('');
    cols.push(rows.map((r) => signifStars(r.p).padEnd(3)));
  }
  const lines = [`Type ${type === 1 ? 'I' : 'III'} Analysis of Variance Table with ${method}`, ...printMatrix(rows.map((r) => r.term), header, rows.map((_, i) => cols.map((c) => c[i])))];
  if (stars) lines.push('---', SIGNIF_LEGEND);
  for (const r of rows) if (r.note) lines.push(`Note: ${r.note}`);
  return lines.join('\n');
}
