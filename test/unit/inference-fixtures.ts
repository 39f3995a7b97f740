/**
 * Test helper for the inference tests: reads lme4's reference fits (test/fixtures/reference/fits)
 * and normalises R's scalar-for-1-vector JSON into FitResult's shapes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FitResult } from '../../engine/src/result';
import { loadReference as loadHarnessReference, referenceAsFitResult } from '../conformance/harness';

export const ROOT = join(__dirname, '..', '..');
export const FITS = join(ROOT, 'test', 'fixtures', 'reference', 'fits');
export const DATA = join(ROOT, 'test', 'fixtures', 'reference', 'data');

const arr = <T>(v: T | T[] | null | undefined): T[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

export interface ReferenceFit extends FitResult {
  data: string;
  confint_profile?: { names: string[]; lower: number[]; upper: number[] };
}

export function loadReference(id: string): ReferenceFit {
  const ref = loadHarnessReference(id);
  const raw = ref.confint_profile;
  const cp = raw ? { names: arr<string>(raw.names), lower: arr<number>(raw.lower), upper: arr<number>(raw.upper) } : undefined;
  return { ...referenceAsFitResult(ref), confint_profile: cp };
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

/**
 * Hand-built frames for the reference fits whose fixed part is an intercept (and Days for sleepstudy),
 * so the inference tests do not depend on the formula front end.
 */
export function simpleReferenceFrame(id: string): ModelFrame {
  const ones = (n: number) => new Array(n).fill(1);
  if (id.startsWith('sleepstudy')) {
    const c = readCsvColumns('sleepstudy.csv');
    const y = c.Reaction.map(Number);
    const days = c.Days.map(Number);
    const one = ones(y.length);
    const terms =
      id === 'sleepstudy_vi'
        ? [{ group: 'Subject', refs: c.Subject, termNames: ['(Intercept)'], Z: [one] }]
        : id === 'sleepstudy_vs'
          ? [{ group: 'Subject', refs: c.Subject, termNames: ['Days'], Z: [days] }]
          : id === 'sleepstudy_diag'
            ? [
                { group: 'Subject', refs: c.Subject, termNames: ['(Intercept)'], Z: [one] },
                { group: 'Subject', refs: c.Subject, termNames: ['Days'], Z: [days] },
              ]
            : [{ group: 'Subject', refs: c.Subject, termNames: ['(Intercept)', 'Days'], Z: [one, days] }];
    return handFrame({ y, responseName: 'Reaction', columns: { '(Intercept)': one, Days: days }, terms });
  }
  if (id === 'dyestuff') {
    const c = readCsvColumns('Dyestuff.csv');
    const y = c.Yield.map(Number);
    return handFrame({ y, responseName: 'Yield', columns: { '(Intercept)': ones(y.length) }, terms: [{ group: 'Batch', refs: c.Batch, termNames: ['(Intercept)'], Z: [ones(y.length)] }] });
  }
  if (id === 'penicillin_crossed') {
    const c = readCsvColumns('Penicillin.csv');
    const y = c.diameter.map(Number);
    const one = ones(y.length);
    return handFrame({
      y,
      responseName: 'diameter',
      columns: { '(Intercept)': one },
      terms: [
        { group: 'plate', refs: c.plate, termNames: ['(Intercept)'], Z: [one] },
        { group: 'sample', refs: c.sample, termNames: ['(Intercept)'], Z: [one] },
      ],
    });
  }
  if (id === 'pastes_nested') {
    const c = readCsvColumns('Pastes.csv');
    const y = c.strength.map(Number);
    const one = ones(y.length);
    return handFrame({
      y,
      responseName: 'strength',
      columns: { '(Intercept)': one },
      terms: [
        { group: 'cask:batch', refs: c.cask.map((k, i) => `${k}:${c.batch[i]}`), termNames: ['(Intercept)'], Z: [one] },
        { group: 'batch', refs: c.batch, termNames: ['(Intercept)'], Z: [one] },
      ],
    });
  }
  if (id === 'bdf_empty_ml' || id === 'mathach_empty_ml') {
    const [file, resp, grp] = id === 'bdf_empty_ml' ? ['bdf.csv', 'langPOST', 'schoolNR'] : ['mathach.csv', 'mathach', 'school'];
    const c = readCsvColumns(file);
    const y = c[resp].map(Number);
    const one = ones(y.length);
    return handFrame({ y, responseName: resp, columns: { '(Intercept)': one }, terms: [{ group: grp, refs: c[grp], termNames: ['(Intercept)'], Z: [one] }] });
  }
  throw new Error(`no hand-built frame for ${id}`);
}
