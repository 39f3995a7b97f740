/**
 * Hand-built ModelFrames for the GLMM reference cases, made straight from the CSVs (used by the
 * GLMM unit tests and as a fallback when the full .mlm pipeline is not available).
 * Factors follow R's read.csv rules: a column whose values all parse as numbers is numeric and
 * its factor levels sort numerically; otherwise levels sort as strings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFrame, ReTermFrame } from '../../engine/src/frame/types';

export const REF_DIR = join(__dirname, '..', 'fixtures', 'reference');

export function readCsv(name: string): Record<string, string[]> {
  const text = readFileSync(join(REF_DIR, 'data', name), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const split = (l: string) => l.split(',').map((s) => s.replace(/^"|"$/g, ''));
  const header = split(lines[0]);
  const cols: Record<string, string[]> = {};
  for (const h of header) cols[h] = [];
  for (let r = 1; r < lines.length; r++) {
    const f = split(lines[r]);
    header.forEach((h, j) => cols[h].push(f[j]));
  }
  return cols;
}

export function num(col: string[]): Float64Array {
  return Float64Array.from(col, (s) => Number(s));
}

export function factor(col: string[]): { levels: string[]; refs: Int32Array } {
  const uniq = [...new Set(col)];
  const numeric = uniq.every((s) => s !== '' && Number.isFinite(Number(s)));
  uniq.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idx = new Map(uniq.map((l, i) => [l, i]));
  return { levels: uniq, refs: Int32Array.from(col, (s) => idx.get(s)!) };
}

export function interceptTerm(group: string, col: string[], n: number): ReTermFrame {
  const f = factor(col);
  return { group, levels: f.levels, refs: f.refs, termNames: ['(Intercept)'], k: 1, Z: new Float64Array(n).fill(1), text: `(1 | ${group})`, fromDoubleBar: false };
}

/** Treatment-contrast columns of a factor, named prefix + level (levels after the first). */
function dummies(col: string[], prefix: string): { names: string[]; cols: Float64Array[] } {
  const f = factor(col);
  const names: string[] = [];
  const cols: Float64Array[] = [];
  for (let l = 1; l < f.levels.length; l++) {
    names.push(prefix + f.levels[l]);
    cols.push(Float64Array.from(f.refs, (r) => (r === l ? 1 : 0)));
  }
  return { names, cols };
}

function assemble(base: Omit<ModelFrame, 'X' | 'p' | 'coefnames'>, names: string[], cols: Float64Array[]): ModelFrame {
  const n = base.n;
  const X = new Float64Array(n * cols.length);
  cols.forEach((c, j) => X.set(c, j * n));
  return { ...base, X, p: cols.length, coefnames: names };
}

function common(n: number) {
  return {
    n,
    droppedCoefs: [],
    offset: null,
    rows: Int32Array.from({ length: n }, (_, i) => i),
    rowsDropped: 0,
    warnings: [] as string[],
  };
}

export function ratsFrame(): ModelFrame {
  const d = readCsv('rats.csv');
  const n = d.m.length;
  const m = num(d.m);
  const tr = num(d.n);
  return assemble(
    {
      ...common(n),
      y: Float64Array.from(m, (v, i) => v / tr[i]),
      responseName: 'cbind(m, n - m)',
      reTerms: [interceptTerm('batch', d.batch, n)],
      weights: tr,
      family: 'binomial',
      link: 'logit',
      formula: 'cbind(m, n - m) ~ 1 + (1 | batch)',
    },
    ['(Intercept)'],
    [new Float64Array(n).fill(1)],
  );
}

export function cbppFrame(): ModelFrame {
  const d = readCsv('cbpp.csv');
  const n = d.herd.length;
  const inc = num(d.incidence);
  const size = num(d.size);
  const per = dummies(d.period, 'factor(period)');
  return assemble(
    {
      ...common(n),
      y: Float64Array.from(inc, (v, i) => v / size[i]),
      responseName: 'cbind(incidence, size - incidence)',
      reTerms: [interceptTerm('herd', d.herd, n)],
      weights: size,
      family: 'binomial',
      link: 'logit',
      formula: 'cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)',
    },
    ['(Intercept)', ...per.names],
    [new Float64Array(n).fill(1), ...per.cols],
  );
}

export function grouseFrame(): ModelFrame {
  const d = readCsv('grouseticks.csv');
  const n = d.TICKS.length;
  const yr = dummies(d.YEAR, 'factor(YEAR)');
  return assemble(
    {
      ...common(n),
      y: num(d.TICKS),
      responseName: 'TICKS',
      reTerms: [interceptTerm('BROOD', d.BROOD, n), interceptTerm('LOCATION', d.LOCATION, n)],
      weights: null,
      family: 'poisson',
      link: 'log',
      formula: 'TICKS ~ factor(YEAR) + cHEIGHT + (1 | BROOD) + (1 | LOCATION)',
    },
    ['(Intercept)', ...yr.names, 'cHEIGHT'],
    [new Float64Array(n).fill(1), ...yr.cols, num(d.cHEIGHT)],
  );
}

export function verbAggFrame(): ModelFrame {
  const d = readCsv('VerbAgg.csv');
  const n = d.r2.length;
  const g = dummies(d.Gender, 'Gender');
  const b = dummies(d.btype, 'btype');
  const s = dummies(d.situ, 'situ');
  return assemble(
    {
      ...common(n),
      y: Float64Array.from(d.r2, (v) => (v === 'Y' ? 1 : 0)),
      responseName: 'r2',
      reTerms: [interceptTerm('id', d.id, n), interceptTerm('item', d.item, n)],
      weights: null,
      family: 'binomial',
      link: 'logit',
      formula: 'r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)',
    },
    ['(Intercept)', 'Anger', ...g.names, ...b.names, ...s.names],
    [new Float64Array(n).fill(1), num(d.Anger), ...g.cols, ...b.cols, ...s.cols],
  );
}

export interface RefFit {
  id: string;
  formula: string;
  nAGQ: number;
  logLik: number;
  deviance: number;
  AIC: number;
  BIC: number;
  df: number;
  coefnames: string[];
  fixef: Record<string, number>;
  se: Record<string, number>;
  theta: number[];
  varcorr: { grp: string; var1: string; var2: string | null; vcov: number; sdcor: number }[];
  ranef: { group: string; levels: string[]; terms: string[]; values: number[][]; condsd: number[][] }[];
  ngrps: Record<string, number>;
  lme4_seconds_median: number;
  [k: string]: unknown;
}

const asArr = <T,>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Reference fit with R's 1-element vectors normalised to arrays. */
export function loadRef(name: string): RefFit {
  const r = JSON.parse(readFileSync(join(REF_DIR, 'fits', `${name}.json`), 'utf8'));
  r.coefnames = asArr(r.coefnames);
  r.theta = asArr(r.theta);
  r.varcorr = asArr(r.varcorr);
  r.ranef = asArr(r.ranef).map((b: any) => {
    const terms = asArr(b.terms);
    const wrap2 = (v: any) => (terms.length === 1 && !Array.isArray(v[0]) ? [v] : v);
    return { ...b, levels: asArr(b.levels), terms, values: wrap2(b.values), condsd: wrap2(b.condsd) };
  });
  return r;
}
