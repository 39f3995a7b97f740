// The families with a dispersion parameter (Gamma, negative binomial NB2) through the whole pipeline
// (.mlm + CSV -> frame -> fit), compared with glmmTMB 1.1.5's Laplace fits
// (test/fixtures/reference/families, README: logLik 1e-3 absolute; fixed effects 1e-3 relative;
// standard errors 1e-2 relative; random-effect SDs and the dispersion 2e-3 relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { FitResult } from '../../engine/src/result';
import { REF_DIR } from './harness';

interface FamilyReference {
  id: string;
  data: string;
  formula: string;
  family: string;
  nobs: number;
  fixef: Record<string, number>;
  se: Record<string, number>;
  sd: Record<string, Record<string, number>>;
  dispersion: number;
  logLik: number;
  AIC: number;
  glmmTMB_seconds_median: number;
}

const DIR = join(REF_DIR, 'families');
const names = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
/**
 * More glmmTMB 1.1.5 fits of the same data (test/fixtures/glmmtmb/make.R): a correlated random
 * slope (the general penalized least-squares path) and Gamma's identity and inverse links.
 */
const EXTRA = JSON.parse(readFileSync(join(REF_DIR, '..', 'glmmtmb', 'extra.json'), 'utf8')) as {
  fits: (Omit<FamilyReference, 'AIC' | 'glmmTMB_seconds_median'> & { cor: Record<string, number | number[]> })[];
};

/** R's family as the .mlm writes it: Gamma(link = "log") -> Gamma(log); nbinom2 -> negbinomial. */
export function mlmFamily(rFamily: string): string {
  if (rFamily === 'nbinom2') return 'negbinomial';
  const m = /^(\w[\w.]*)\(link = "([^"]+)"\)$/.exec(rFamily);
  if (!m) throw new Error(`unexpected family ${rFamily}`);
  return `${m[1]}(${m[2]})`;
}

async function fitReference(ref: Pick<FamilyReference, 'id' | 'data' | 'formula' | 'family'>): Promise<FitResult> {
  const family = /^\w[\w.]*(\(\w+\))?$/.test(ref.family) && ref.family !== 'nbinom2' ? ref.family : mlmFamily(ref.family);
  const text = `data: ${ref.data}\n\nmodel ${ref.id}:\n  formula: ${ref.formula}\n  family: ${family}\n`;
  const prep = prepareModels(text, (rel) => readFileSync(join(REF_DIR, 'data', rel), 'utf8'));
  const m = prep.models[0];
  assert.ok(m.frame, `no frame: ${m.error?.message ?? prep.diagnostics.map((d) => d.message).join('; ')}`);
  return fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
}

function compare(fit: FitResult, ref: Omit<FamilyReference, 'AIC' | 'glmmTMB_seconds_median'> & { AIC?: number }): string[] {
  const bad: string[] = [];
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
  if (fit.nobs !== ref.nobs) bad.push(`nobs ${fit.nobs} vs ${ref.nobs}`);
  if (!(Math.abs(fit.logLik - ref.logLik) < 1e-3)) bad.push(`logLik ${fit.logLik} vs ${ref.logLik}`);
  if (ref.AIC !== undefined && !(Math.abs(fit.AIC - ref.AIC) < 1e-3)) bad.push(`AIC ${fit.AIC} vs ${ref.AIC}`);
  for (const [k, v] of Object.entries(ref.fixef)) if (!(rel(fit.fixef[k], v) < 1e-3)) bad.push(`fixef ${k} ${fit.fixef[k]} vs ${v}`);
  for (const [k, v] of Object.entries(ref.se)) if (!(rel(fit.se[k], v) < 1e-2)) bad.push(`se ${k} ${fit.se[k]} vs ${v}`);
  for (const [grp, terms] of Object.entries(ref.sd)) {
    for (const [term, v] of Object.entries(terms)) {
      const row = fit.varcorr.find((r) => r.grp === grp && r.var1 === term && r.var2 === null);
      if (!row || !(rel(row.sdcor, v) < 2e-3)) bad.push(`sd ${grp} ${term} ${row?.sdcor} vs ${v}`);
    }
  }
  if (!fit.dispersion || !(rel(fit.dispersion.value, ref.dispersion) < 2e-3)) bad.push(`dispersion ${fit.dispersion?.value} vs ${ref.dispersion}`);
  return bad;
}

let matched = 0;
for (const name of names) {
  test(`families conformance: ${name}`, async () => {
    const ref = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as FamilyReference;
    const fit = await fitReference(ref);
    const bad = compare(fit, ref);
    for (const w of fit.warnings) console.log(`${name}: warning: ${w}`);
    const d = fit.dispersion;
    console.log(
      `${name}: ${bad.length === 0 ? 'match' : 'MISMATCH'} (logLik ${fit.logLik.toFixed(6)} vs ${ref.logLik.toFixed(6)}; ${d?.name} ${d?.value.toPrecision(7)} vs ${ref.dispersion.toPrecision(7)}; ${fit.evaluations} evaluations, ${fit.fitSeconds.toFixed(3)} s; glmmTMB ${ref.glmmTMB_seconds_median.toFixed(3)} s)`,
    );
    if (bad.length === 0) matched++;
    assert.deepEqual(bad, [], `${name} differs from glmmTMB`);
    // Gamma's sigma() is the result's sigma; the negative binomial's sigma stays 1 (θ is in dispersion)
    if (ref.family.startsWith('Gamma')) assert.equal(fit.sigma, fit.dispersion!.value);
    else assert.equal(fit.dispersion!.name, 'theta');
  });
}

for (const ref of EXTRA.fits) {
  test(`families conformance: ${ref.id} (test/fixtures/glmmtmb)`, async () => {
    const fit = await fitReference(ref);
    const bad = compare(fit, ref);
    for (const [grp, c] of Object.entries(ref.cor ?? {})) {
      const cors = ([] as unknown[]).concat(c).filter((v): v is number => typeof v === 'number');
      const rows = fit.varcorr.filter((r) => r.grp === grp && r.var2 !== null);
      cors.forEach((v, i) => {
        if (!(Math.abs(rows[i]?.sdcor - v) < 2e-3)) bad.push(`cor ${grp} ${rows[i]?.sdcor} vs ${v}`);
      });
    }
    console.log(`${ref.id}: ${bad.length === 0 ? 'match' : 'MISMATCH'} (logLik ${fit.logLik.toFixed(6)} vs ${ref.logLik.toFixed(6)}; ${fit.evaluations} evaluations, ${fit.fitSeconds.toFixed(3)} s)`);
    if (bad.length === 0) matched++;
    assert.deepEqual(bad, [], `${ref.id} differs from glmmTMB`);
  });
}

test('families conformance: summary', () => {
  const total = names.length + EXTRA.fits.length;
  console.log(`families: ${matched}/${total} match glmmTMB`);
  assert.equal(names.length, 2);
  assert.equal(EXTRA.fits.length, 3);
  assert.equal(matched, total);
});
