// Model frames of every reference fit: coefnames, nobs, ngrps and ranef levels must equal lme4's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../engine/src/data/csv';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { buildModelFrame } from '../../engine/src/frame/modelframe';

const root = join(import.meta.dirname, '..', 'fixtures', 'reference');
const arr = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

interface RefFit {
  id: string;
  data: string;
  formula: string;
  family: string;
  link: string;
  nobs: number;
  ngrps: Record<string, number>;
  coefnames: string | string[];
  ranef: { group: string; levels: string | string[]; terms: string | string[] }[];
}

const csvCache = new Map<string, ReturnType<typeof readCsv>>();
function table(file: string) {
  if (!csvCache.has(file)) csvCache.set(file, readCsv(readFileSync(join(root, 'data', file), 'utf8'), file));
  return csvCache.get(file)!;
}

/** The .mlm text for a reference case (the bryk note: sector's reference level is Public). */
export function mlmFor(fit: RefFit): string {
  const lines = [`data: ${fit.data}`];
  if (fit.id === 'mathach_bryk') lines.push('levels: sector = Public, Catholic');
  lines.push(`formula: ${fit.formula}`);
  if (fit.family !== 'gaussian') lines.push(`family: ${fit.family}(${fit.link})`);
  return lines.join('\n') + '\n';
}

for (const file of readdirSync(join(root, 'fits')).filter((f) => f.endsWith('.json')).sort()) {
  const fit = JSON.parse(readFileSync(join(root, 'fits', file), 'utf8')) as RefFit;
  test(`model frame of ${fit.id}: ${fit.formula}`, () => {
    const doc = parseMlm(mlmFor(fit));
    assert.deepEqual(doc.diagnostics, []);
    const frame = buildModelFrame(doc, doc.models[0], table(fit.data));
    assert.equal(frame.n, fit.nobs);
    assert.deepEqual(frame.coefnames, arr(fit.coefnames));
    assert.equal(frame.p, arr(fit.coefnames).length);
    assert.equal(frame.X.length, frame.n * frame.p);
    const ngrps: Record<string, number> = {};
    for (const t of frame.reTerms) ngrps[t.group] = t.levels.length;
    assert.deepEqual(Object.keys(ngrps), Object.keys(fit.ngrps));
    assert.deepEqual(ngrps, fit.ngrps);
    for (const block of fit.ranef) {
      const terms = frame.reTerms.filter((t) => t.group === block.group);
      assert.ok(terms.length > 0, `group ${block.group}`);
      for (const t of terms) assert.deepEqual(t.levels, arr(block.levels), `levels of ${block.group}`);
      assert.deepEqual(terms.flatMap((t) => t.termNames), arr(block.terms));
    }
    assert.equal(frame.family, fit.family);
    assert.equal(frame.link, fit.link);
  });
}
