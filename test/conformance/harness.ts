/**
 * Conformance harness: run the engine's whole pipeline (.mlm text + CSV text -> prepareModels ->
 * fitModel) on a reference case and compare every figure with lme4's reference fit, within
 * test/fixtures/reference/README.md's tolerances.
 *
 * Reusable: `loadReference(name)`, `referenceAsFitResult(ref)`, `mlmTextFor(ref)`, `runCase(ref, fit?)`, `compareFit(fit, ref, tol)`,
 * `GAUSSIAN_TOLERANCES`, `glmmTolerances(ref)`. Expected values come from the reference files only.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { ModelFrame } from '../../engine/src/frame/types';
import type { FitHooks } from '../../engine/src/hooks';
import type { FitResult } from '../../engine/src/result';

export const ROOT = process.env.MLM_ROOT ?? join(__dirname, '..', '..');
export const REF_DIR = join(ROOT, 'test/fixtures/reference');

/** A reference fit with R's 1-element vectors normalised to arrays. */
export interface Reference {
  id: string;
  data: string;
  formula: string;
  note: string | null;
  family: string;
  link: string;
  REML: boolean;
  nAGQ: number;
  nobs: number;
  ngrps: Record<string, number>;
  coefnames: string[];
  fixef: Record<string, number>;
  se: Record<string, number>;
  vcov: number[][];
  varcorr: { grp: string; var1: string | null; var2: string | null; vcov: number; sdcor: number }[];
  sigma: number;
  theta: number[];
  logLik: number;
  df: number;
  deviance: number | null;
  REMLcrit: number | null;
  AIC: number;
  BIC: number;
  singular: boolean;
  ranef: { group: string; levels: string[]; terms: string[]; values: number[][]; condsd: number[][] }[];
  satterthwaite?: { df: Record<string, number>; p: Record<string, number> };
  confint_profile?: { names: string[]; lower: number[]; upper: number[] };
  lme4_seconds_median?: number;
  lme4_seconds_min?: number;
  [key: string]: unknown;
}

const arr = <T>(v: T | T[] | null | undefined): T[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

function normaliseRecord(v: unknown, names: string[]): Record<string, number> {
  if (typeof v === 'number') return { [names[0]]: v };
  return (v ?? {}) as Record<string, number>;
}

/** Reads fits/<name>.json (name with or without .json) and normalises scalars-for-1-vectors. */
export function loadReference(name: string): Reference {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  const raw = JSON.parse(readFileSync(join(REF_DIR, 'fits', file), 'utf8')) as Record<string, unknown>;
  const coefnames = arr(raw.coefnames as string | string[]);
  const p = coefnames.length;
  let vcov = raw.vcov as number | number[] | number[][];
  if (typeof vcov === 'number') vcov = [[vcov]];
  else if (Array.isArray(vcov) && typeof vcov[0] === 'number') {
    const flat = vcov as number[];
    vcov = Array.from({ length: p }, (_, i) => flat.slice(i * p, (i + 1) * p));
  }
  const ranef = arr(raw.ranef as Reference['ranef'][number] | Reference['ranef']).map((b) => {
    const terms = arr(b.terms as string | string[]);
    const levels = arr(b.levels as string | string[]).map(String);
    const wrap = (v: unknown): number[][] => {
      // a record keyed by term name (lme4 gives || blocks per-term lists)
      if (v && typeof v === 'object' && !Array.isArray(v)) return terms.map((t) => arr((v as Record<string, number | number[]>)[t]));
      const a: (number | number[])[] = Array.isArray(v) ? (v as (number | number[])[]) : v === null || v === undefined ? [] : [v as number];
      if (terms.length === 1 && (a.length === 0 || typeof a[0] === 'number')) return [a as number[]];
      return a.map((x) => arr(x));
    };
    return { group: b.group, levels, terms, values: wrap(b.values), condsd: wrap(b.condsd) };
  });
  return {
    ...(raw as unknown as Reference),
    coefnames,
    fixef: normaliseRecord(raw.fixef, coefnames),
    se: normaliseRecord(raw.se, coefnames),
    vcov: vcov as number[][],
    varcorr: arr(raw.varcorr as Reference['varcorr']),
    theta: arr(raw.theta as number | number[]),
    ranef,
    note: (raw.note as string | null) ?? null,
  };
}

/**
 * A reference fit as a FitResult: lme4's figures as loadReference normalises them, our extras empty
 * (no fitted values, warnings or timings). For tests of code that reads results: renderers, formatters.
 */
export function referenceAsFitResult(ref: Reference): Reference & FitResult {
  return {
    ...ref,
    responseName: ref.formula.split('~')[0].trim(),
    rowsDropped: 0,
    droppedCoefs: [],
    warnings: [],
    converged: true,
    evaluations: 0,
    fitSeconds: 0,
    fitted: [],
    residuals: [],
    rows: [],
  };
}

/** Names of all reference fits (without .json), optionally only one family. */
export function referenceNames(family?: string): string[] {
  return readdirSync(join(REF_DIR, 'fits'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .filter((n) => !family || loadReference(n).family === family)
    .sort();
}

/** The .mlm text of a case: data, the note's level order (mathach_bryk), one model with formula and method/family. */
export function mlmTextFor(ref: Reference): string {
  const lines = [`data: ${ref.data}`];
  const m = /(\w+) reference level is (\w+)/.exec(ref.note ?? '');
  if (m) {
    // the named level first, the others in the CSV's (R's) order after it
    const csv = readFileSync(join(REF_DIR, 'data', ref.data), 'utf8');
    const levels = csvLevels(csv, m[1]);
    lines.push(`levels: ${m[1]} = ${[m[2], ...levels.filter((l) => l !== m[2])].join(', ')}`);
  }
  lines.push('', `model ${ref.id}:`, `  formula: ${ref.formula}`);
  if (ref.family === 'gaussian') lines.push(`  method: ${ref.REML ? 'REML' : 'ML'}`);
  else {
    lines.push(`  family: ${ref.family === 'binomial' && ref.link !== 'logit' ? `binomial(${ref.link})` : ref.family}`);
    if (ref.nAGQ !== 1) lines.push(`  nAGQ: ${ref.nAGQ}`);
  }
  return lines.join('\n') + '\n';
}

function csvLevels(csv: string, column: string): string[] {
  const rows = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const head = rows[0].split(',').map((s) => s.replace(/^"|"$/g, ''));
  const j = head.indexOf(column);
  const set = new Set<string>();
  for (const r of rows.slice(1)) set.add(r.split(',')[j].replace(/^"|"$/g, ''));
  return [...set].sort();
}

/** Builds the case's model frame through the engine's pipeline from the .mlm and CSV texts. */
export function frameFor(ref: Reference): ModelFrame {
  const text = mlmTextFor(ref);
  const prep = prepareModels(text, (rel) => readFileSync(join(REF_DIR, 'data', rel), 'utf8'));
  const model = prep.models[0];
  if (!model || !model.frame) {
    const msgs = [model?.error?.message, ...prep.diagnostics.map((d) => d.message)].filter(Boolean).join('; ');
    throw new Error(`no model frame for ${ref.id}: ${msgs}`);
  }
  return model.frame;
}

/** Runs the whole pipeline on a case and returns the fit (fit defaults to the engine's fitModel dispatch). */
export async function runCase(
  ref: Reference,
  fit: (frame: ModelFrame, spec: { id: string; REML: boolean; nAGQ: number }, hooks?: FitHooks) => Promise<FitResult> = fitModel,
): Promise<FitResult> {
  const frame = frameFor(ref);
  return fit(frame, { id: ref.id, REML: ref.REML, nAGQ: ref.nAGQ }, { yieldEveryMs: 0 });
}

export interface Tolerances {
  /** absolute, for logLik, deviance / REMLcrit, AIC, BIC */
  logLik: number;
  /** relative for fixef and se, with fixefAbs for values near zero */
  fixefRel: number;
  fixefAbs: number;
  /** relative for sds, correlations, sigma */
  sdRel: number;
  /** absolute for correlations near zero */
  corAbs: number;
  /** boundary: both below this counts as equal */
  boundary: number;
  /** conditional modes and sds: absolute, times the term's sd */
  ranefFactor: number;
}

export const GAUSSIAN_TOLERANCES: Tolerances = { logLik: 1e-3, fixefRel: 1e-4, fixefAbs: 1e-6, sdRel: 1e-3, corAbs: 1e-4, boundary: 1e-4, ranefFactor: 1e-3 };

/** GLMM tolerances: fixef/se relative 1e-3; logLik 1e-2 with adaptive Gauss-Hermite (nAGQ > 1). */
export function glmmTolerances(ref: Reference): Tolerances {
  return { ...GAUSSIAN_TOLERANCES, fixefRel: 1e-3, logLik: ref.nAGQ > 1 ? 1e-2 : 1e-3 };
}

export interface Comparison {
  ok: boolean;
  /** lme4 stopped short of the optimum: the engine's criterion is lower, and its figures at lme4's θ match. */
  lme4StoppedShort?: boolean;
  /** The engine found a higher log-likelihood than lme4 by more than the tolerance. */
  betterOptimum: boolean;
  failures: string[];
  notes: string[];
}

const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

/** Compares every figure of a fit with the reference; returns failures (empty = match). */
export function compareFit(fit: FitResult, ref: Reference, tol: Tolerances = GAUSSIAN_TOLERANCES): Comparison {
  const failures: string[] = [];
  const notes: string[] = [];
  const fail = (s: string): void => void failures.push(s);
  const num = (name: string, a: number | null | undefined, b: number | null | undefined, absTol: number): void => {
    if (b === null || b === undefined) {
      if (a !== null && a !== undefined) fail(`${name}: expected null, got ${a}`);
      return;
    }
    if (a === null || a === undefined || !(Math.abs(a - b) <= absTol)) fail(`${name}: ${a} vs lme4 ${b} (abs tol ${absTol})`);
  };
  const fixefLike = (name: string, a: number | undefined, b: number): void => {
    if (a === undefined || !(relDiff(a, b) <= tol.fixefRel || Math.abs(a - b) <= tol.fixefAbs)) fail(`${name}: ${a} vs lme4 ${b} (rel tol ${tol.fixefRel})`);
  };

  const betterOptimum = fit.logLik > ref.logLik + tol.logLik;
  if (betterOptimum) notes.push(`better optimum than lme4: logLik ${fit.logLik} > ${ref.logLik} (+${(fit.logLik - ref.logLik).toExponential(3)})`);

  if (fit.nobs !== ref.nobs) fail(`nobs: ${fit.nobs} vs ${ref.nobs}`);
  for (const [g, n] of Object.entries(ref.ngrps)) if (fit.ngrps[g] !== n) fail(`ngrps[${g}]: ${fit.ngrps[g]} vs ${n}`);
  if (Object.keys(fit.ngrps).length !== Object.keys(ref.ngrps).length) fail(`ngrps keys: ${Object.keys(fit.ngrps)} vs ${Object.keys(ref.ngrps)}`);
  if (JSON.stringify(fit.coefnames) !== JSON.stringify(ref.coefnames)) fail(`coefnames: ${fit.coefnames} vs ${ref.coefnames}`);
  if (fit.df !== ref.df) fail(`df: ${fit.df} vs ${ref.df}`);
  if (fit.singular !== ref.singular) fail(`singular: ${fit.singular} vs ${ref.singular}`);
  if (!betterOptimum) {
    num('logLik', fit.logLik, ref.logLik, tol.logLik);
    num('deviance', fit.deviance, ref.deviance, tol.logLik);
    num('REMLcrit', fit.REMLcrit, ref.REMLcrit, tol.logLik);
    num('AIC', fit.AIC, ref.AIC, tol.logLik);
    num('BIC', fit.BIC, ref.BIC, tol.logLik);
  } else {
    if ((fit.deviance === null) !== (ref.deviance === null)) fail('deviance null-ness differs');
    if ((fit.REMLcrit === null) !== (ref.REMLcrit === null)) fail('REMLcrit null-ness differs');
  }
  if (betterOptimum) return { ok: failures.length === 0, betterOptimum, failures, notes };

  for (const c of ref.coefnames) {
    fixefLike(`fixef[${c}]`, fit.fixef[c], ref.fixef[c]);
    fixefLike(`se[${c}]`, fit.se[c], ref.se[c]);
  }
  // vcov: each element within the se tolerance scaled by the two standard errors
  ref.vcov.forEach((row, i) =>
    row.forEach((v, j) => {
      const a = fit.vcov[i]?.[j];
      const scale = Math.sqrt(Math.abs(ref.vcov[i][i] * ref.vcov[j][j]));
      if (a === undefined || !(Math.abs(a - v) <= 2 * tol.fixefRel * scale + tol.fixefAbs ** 2)) fail(`vcov[${i}][${j}]: ${a} vs lme4 ${v}`);
    }),
  );

  // variance components
  const sdOf = new Map<string, number>();
  if (fit.varcorr.length !== ref.varcorr.length) fail(`varcorr rows: ${fit.varcorr.length} vs ${ref.varcorr.length}`);
  ref.varcorr.forEach((r, i) => {
    const a = fit.varcorr[i];
    if (!a) return;
    const label = `varcorr[${i}] ${r.grp} ${r.var1 ?? ''} ${r.var2 ?? ''}`.trim();
    if (a.grp !== r.grp || a.var1 !== r.var1 || a.var2 !== r.var2) {
      fail(`${label}: names ${a.grp}/${a.var1}/${a.var2}`);
      return;
    }
    if (r.var2 === null) {
      if (r.var1 !== null) sdOf.set(`${r.grp}\u0000${r.var1}`, r.sdcor);
      const bothBoundary = a.sdcor < tol.boundary && r.sdcor < tol.boundary;
      if (!bothBoundary && !(relDiff(a.sdcor, r.sdcor) <= tol.sdRel)) fail(`${label} sd: ${a.sdcor} vs lme4 ${r.sdcor}`);
      if (!bothBoundary && !(relDiff(a.vcov, r.vcov) <= 2 * tol.sdRel + 1e-12)) fail(`${label} variance: ${a.vcov} vs lme4 ${r.vcov}`);
    } else {
      // a correlation: undefined when a standard deviation is on the boundary
      const sd1 = ref.varcorr.find((x) => x.grp === r.grp && x.var1 === r.var1 && x.var2 === null)?.sdcor ?? 0;
      const sd2 = ref.varcorr.find((x) => x.grp === r.grp && x.var1 === r.var2 && x.var2 === null)?.sdcor ?? 0;
      if (sd1 < tol.boundary || sd2 < tol.boundary) return;
      if (!(relDiff(a.sdcor, r.sdcor) <= tol.sdRel || Math.abs(a.sdcor - r.sdcor) <= tol.corAbs)) fail(`${label} cor: ${a.sdcor} vs lme4 ${r.sdcor}`);
    }
  });
  if (!(relDiff(fit.sigma, ref.sigma) <= tol.sdRel)) fail(`sigma: ${fit.sigma} vs lme4 ${ref.sigma}`);
  if (fit.theta.length !== ref.theta.length) fail(`theta length ${fit.theta.length} vs ${ref.theta.length}`);

  // conditional modes and their conditional sds, per grouping factor
  if (fit.ranef.length !== ref.ranef.length) fail(`ranef blocks: ${fit.ranef.length} vs ${ref.ranef.length}`);
  for (const rb of ref.ranef) {
    const fb = fit.ranef.find((b) => b.group === rb.group);
    if (!fb) {
      fail(`ranef: no block for ${rb.group}`);
      continue;
    }
    if (JSON.stringify(fb.levels) !== JSON.stringify(rb.levels)) fail(`ranef ${rb.group}: levels differ`);
    if (JSON.stringify(fb.terms) !== JSON.stringify(rb.terms)) fail(`ranef ${rb.group}: terms ${fb.terms} vs ${rb.terms}`);
    rb.terms.forEach((term, k) => {
      // the term's sd: its varcorr row (a || split names the group g, g.1, ...)
      let sd = sdOf.get(`${rb.group}\u0000${term}`);
      if (sd === undefined) for (const [key, v] of sdOf) if (key.split('\u0000')[1] === term && key.split('\u0000')[0].replace(/\.\d+$/, '') === rb.group) sd = v;
      const t = tol.ranefFactor * Math.max(sd ?? 0, tol.boundary);
      let worstV = 0, worstS = 0;
      rb.levels.forEach((_, j) => {
        const dv = Math.abs((fb.values[k]?.[j] ?? NaN) - rb.values[k][j]);
        const ds = Math.abs((fb.condsd[k]?.[j] ?? NaN) - rb.condsd[k][j]);
        worstV = Number.isNaN(dv) ? Infinity : Math.max(worstV, dv);
        worstS = Number.isNaN(ds) ? Infinity : Math.max(worstS, ds);
      });
      if (!(worstV <= t)) fail(`ranef ${rb.group} ${term}: max |diff| ${worstV} > ${t}`);
      if (!(worstS <= t)) fail(`condsd ${rb.group} ${term}: max |diff| ${worstS} > ${t}`);
    });
  }
  return { ok: failures.length === 0, betterOptimum, failures, notes };
}

/**
 * compareFit, and when it fails although the engine reached a criterion at least as good as lme4's,
 * recompute the engine's figures at lme4's own θ (`atTheta`) and compare those at the same
 * tolerances. lme4's default optimizer stop (nloptr's xtol_rel = 1e-4) can end short of the
 * optimum in flat directions (e.g. a poorly determined correlation); the engine's optimum is then
 * better and its figures at lme4's θ still prove every derived number. Printed as a note.
 */
export function compareFitOrAtTheta(
  fit: FitResult,
  ref: Reference,
  tol: Tolerances,
  atTheta: (theta: number[]) => FitResult,
): Comparison {
  const direct = compareFit(fit, ref, tol);
  if (direct.ok) return direct;
  const ourCrit = fit.REMLcrit ?? fit.deviance ?? -2 * fit.logLik;
  const refCrit = ref.REMLcrit ?? ref.deviance ?? -2 * ref.logLik;
  if (!(ourCrit <= refCrit + 1e-7)) return direct;
  const there = atTheta(ref.theta);
  const thereCrit = there.REMLcrit ?? there.deviance ?? -2 * there.logLik;
  const cmp = compareFit(there, ref, tol);
  if (!cmp.ok || !(Math.abs(thereCrit - refCrit) < 1e-6)) return direct;
  return {
    ok: true,
    betterOptimum: false,
    lme4StoppedShort: true,
    failures: [],
    notes: [
      `lme4 stopped short of the optimum: engine's criterion ${ourCrit} < lme4's ${refCrit} (by ${(refCrit - ourCrit).toExponential(2)}); ` +
        `at the optimum: ${direct.failures.join('; ')}; every figure at lme4's θ matches`,
    ],
  };
}
