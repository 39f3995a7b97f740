/**
 * Test helper for the inference tests: reads lme4's reference fits (test/fixtures/reference/fits)
 * and normalises R's scalar-for-1-vector JSON into FitResult's shapes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FitResult, RanefBlock } from '../../engine/src/result';

export const ROOT = join(__dirname, '..', '..');
export const FITS = join(ROOT, 'test', 'fixtures', 'reference', 'fits');
export const DATA = join(ROOT, 'test', 'fixtures', 'reference', 'data');

const arr = <T>(v: T | T[] | null | undefined): T[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

export interface ReferenceFit extends FitResult {
  data: string;
  confint_profile?: { names: string[]; lower: number[]; upper: number[] };
}

export function loadReference(id: string): ReferenceFit {
  const raw = JSON.parse(readFileSync(join(FITS, `${id}.json`), 'utf8'));
  const coefnames = arr<string>(raw.coefnames);
  const vcov: number[][] = Array.isArray(raw.vcov[0]) ? raw.vcov : [arr<number>(raw.vcov)];
  const ranef: RanefBlock[] = arr<any>(raw.ranef).map((b) => {
    const terms = arr<string>(b.terms);
    const mat = (m: any): number[][] => {
      // a '||' fit stores condsd as an object keyed by term
      if (m && !Array.isArray(m) && typeof m === 'object') return terms.map((t) => arr<number>(m[t]));
      return terms.length === 1 && !Array.isArray(m[0]) ? [arr<number>(m)] : m.map((r: any) => arr<number>(r));
    };
    return { group: b.group, levels: arr<string>(b.levels), terms, values: mat(b.values), condsd: mat(b.condsd) };
  });
  const cp = raw.confint_profile
    ? { names: arr<string>(raw.confint_profile.names), lower: arr<number>(raw.confint_profile.lower), upper: arr<number>(raw.confint_profile.upper) }
    : undefined;
  return {
    ...raw,
    coefnames,
    vcov,
    theta: arr<number>(raw.theta),
    ranef,
    confint_profile: cp,
    responseName: raw.formula.split('~')[0].trim(),
    rowsDropped: 0,
    droppedCoefs: [],
    warnings: [],
    converged: true,
    evaluations: 0,
    fitSeconds: 0,
    fitted: [],
    residuals: [],
    rows: [],
  } as ReferenceFit;
}

export function listReferenceIds(): string[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  return readdirSync(FITS)
    .filter((f: string) => f.endsWith('.json'))
    .map((f: string) => f.replace(/\.json$/, ''))
    .sort();
}

/** Reads a reference CSV into columns of strings (the tests' own tiny reader; quoted fields not needed for these files). */
export function readCsvColumns(file: string): Record<string, string[]> {
  const text = readFileSync(join(DATA, file), 'utf8').replace(/\r/g, '');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const unq = (s: string) => s.replace(/^"(.*)"$/, '$1');
  const header = lines[0].split(',').map(unq);
  const cols: Record<string, string[]> = {};
  header.forEach((h) => (cols[h] = []));
  for (const l of lines.slice(1)) l.split(',').forEach((v, j) => cols[header[j]].push(unq(v)));
  return cols;
}

import type { ModelFrame, ReTermFrame } from '../../engine/src/frame/types';

/** Builds a ModelFrame by hand for tests (fixed-effect columns and random-intercept/slope terms given explicitly). */
export function handFrame(opts: {
  y: number[];
  responseName: string;
  columns: Record<string, number[]>; // coefname -> column
  terms?: { group: string; refs: string[]; termNames: string[]; Z: number[][] }[];
  formula?: string;
  family?: ModelFrame['family'];
  link?: ModelFrame['link'];
  rows?: number[];
}): ModelFrame {
  const n = opts.y.length;
  const coefnames = Object.keys(opts.columns);
  const X = new Float64Array(n * coefnames.length);
  coefnames.forEach((c, j) => opts.columns[c].forEach((v, i) => (X[j * n + i] = v)));
  const reTerms: ReTermFrame[] = (opts.terms ?? []).map((t) => {
    const levels = [...new Set(t.refs)];
    const Z = new Float64Array(n * t.termNames.length);
    t.Z.forEach((col, k) => col.forEach((v, i) => (Z[k * n + i] = v)));
    return {
      group: t.group,
      levels,
      refs: Int32Array.from(t.refs.map((r) => levels.indexOf(r))),
      termNames: t.termNames,
      k: t.termNames.length,
      Z,
      text: `(${t.termNames.join(' + ')} | ${t.group})`,
      fromDoubleBar: false,
    };
  });
  return {
    n,
    y: Float64Array.from(opts.y),
    responseName: opts.responseName,
    X,
    p: coefnames.length,
    coefnames,
    droppedCoefs: [],
    reTerms,
    offset: null,
    weights: null,
    rows: Int32Array.from(opts.rows ?? opts.y.map((_, i) => i)),
    rowsDropped: 0,
    family: opts.family ?? 'gaussian',
    link: opts.link ?? 'identity',
    formula: opts.formula ?? '',
    warnings: [],
  };
}
