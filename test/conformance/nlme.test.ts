/**
 * nlme's lme (3.1-162) reference fits (test/fixtures/reference/nlme) through the whole pipeline.
 * Tolerances from the references' README: logLik 1e-3 absolute; fixed effects 1e-3 relative;
 * SEs and standard deviations 2e-3 relative; DF exactly; structure parameters 2e-3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { FitResult } from '../../engine/src/result';
import { DATA, ROOT } from '../unit/inference-fixtures';

const NLME_DIR = join(ROOT, 'test/fixtures/reference/nlme');

export interface NlmeReference {
  id: string;
  data: string;
  fixed: string;
  random: string;
  correlation: string | null;
  weights: string | null;
  method: 'REML' | 'ML';
  nobs: number;
  fixef: Record<string, number>;
  se: Record<string, number>;
  df: Record<string, number>;
  p: Record<string, number>;
  varcorr: { names: string[]; stddev: (number | string)[]; corr: unknown };
  sigma: number;
  corStruct: { class: string; coef: number | number[] } | null;
  varStruct: { class: string; coef: Record<string, number> } | null;
  logLik: number;
  printed: string[];
  coefnames: string[];
}

export function loadNlme(id: string): NlmeReference {
  const raw = JSON.parse(readFileSync(join(NLME_DIR, `${id}.json`), 'utf8'));
  const one = (v: unknown, name: string) => (typeof v === 'number' ? { [name]: v } : v);
  const coefnames = Array.isArray(raw.coefnames) ? raw.coefnames : [raw.coefnames];
  for (const k of ['fixef', 'se', 'df', 'p', 't']) raw[k] = one(raw[k], coefnames[0]);
  raw.coefnames = coefnames;
  return raw as NlmeReference;
}

/** The .mlm text of an nlme reference case: nlme's random formula written as an lme4 term. */
export function nlmeMlm(ref: NlmeReference): string {
  const re = ref.random.replace(/^~\s*/, '');
  const lines = [`data: ${ref.data}`];
  if (ref.id.startsWith('mathach')) lines.push('levels: sector = Public, Catholic');
  lines.push(`model ${ref.id}:`, `  formula: ${ref.fixed} + (${re})`, `  method: ${ref.method}`);
  if (ref.correlation) lines.push(`  correlation: ${ref.correlation}`);
  if (ref.weights) lines.push(`  variance: ${ref.weights}`);
  if (!ref.correlation && !ref.weights) lines.push('  df: between-within');
  return lines.join('\n') + '\n';
}

export async function fitNlme(ref: NlmeReference): Promise<FitResult> {
  const prep = prepareModels(nlmeMlm(ref), (r) => (existsSync(join(DATA, r)) ? readFileSync(join(DATA, r), 'utf8') : undefined));
  const m = prep.models[0];
  if (!m.frame) throw new Error(`${ref.id}: ${m.error?.message ?? prep.diagnostics.map((d) => d.message).join('; ')}`);
  return fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const ids = readdirSync(NLME_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const summary: string[] = [];

for (const id of ids) {
  const ref = loadNlme(id);
  test(`nlme fit: ${id}`, async () => {
    const fit = await fitNlme(ref);
    assert.equal(fit.dfMethod, 'between-within');
    assert.deepEqual(fit.coefnames, ref.coefnames);
    const problems: string[] = [];
    for (const c of ref.coefnames) {
      const t = fit.tests![c];
      if (t.df !== ref.df[c]) problems.push(`${c}: DF ${t.df} vs ${ref.df[c]}`);
      if (rel(fit.fixef[c], ref.fixef[c]) > 1e-3) problems.push(`${c}: estimate ${fit.fixef[c]} vs ${ref.fixef[c]}`);
      if (rel(t.se, ref.se[c]) > 2e-3) problems.push(`${c}: SE ${t.se} vs ${ref.se[c]}`);
    }
    if (Math.abs(fit.logLik - ref.logLik) > 1e-3) problems.push(`logLik ${fit.logLik} vs ${ref.logLik}`);
    if (rel(fit.sigma, ref.sigma) > 2e-3) problems.push(`sigma ${fit.sigma} vs ${ref.sigma}`);
    // random-effect standard deviations, in nlme's printed order (terms, then Residual)
    // (nlme lists the outermost grouping factor first; its 'NA' entries are the 'batch =' header lines)
    const levelsOf = (grp: string) => (grp === 'Residual' ? Infinity : fit.ngrps[grp.replace(/\.\d+$/, '')] ?? 0);
    const sds = fit.varcorr
      .filter((r) => r.var2 === null)
      .map((r, i) => ({ r, i }))
      .sort((a, b) => levelsOf(a.r.grp) - levelsOf(b.r.grp) || a.i - b.i)
      .map(({ r }) => r.sdcor);
    const want = ref.varcorr.stddev.filter((v): v is number => typeof v === 'number');
    assert.equal(sds.length, want.length);
    want.forEach((sd, i) => {
      if (!(rel(sds[i], sd) <= 2e-3)) problems.push(`StdDev ${i} ${sds[i]} vs ${sd}`);
    });
    if (ref.corStruct) {
      const want = Array.isArray(ref.corStruct.coef) ? ref.corStruct.coef : [ref.corStruct.coef];
      const got = fit.correlationStructure?.parameters ?? [];
      assert.equal(fit.correlationStructure?.type, ref.corStruct.class);
      want.forEach((w, i) => {
        if (!(Math.abs(got[i] - w) <= 2e-3 * Math.max(Math.abs(w), 1e-2))) problems.push(`${ref.corStruct!.class}[${i}] ${got[i]} vs ${w}`);
      });
    }
    if (ref.varStruct) {
      assert.equal(fit.varianceFunction?.type, ref.varStruct.class);
      for (const [k, w] of Object.entries(ref.varStruct.coef)) {
        const g = fit.varianceFunction?.parameters[k];
        if (!(g !== undefined && Math.abs(g - w) <= 2e-3 * Math.max(Math.abs(w), 1e-2))) problems.push(`${ref.varStruct.class} ${k} ${g} vs ${w}`);
      }
    }
    summary.push(`${id}: ${problems.length ? 'MISMATCH ' + problems.join('; ') : 'match'}`);
    assert.deepEqual(problems, []);
  });
}

test('nlme: summary', () => {
  console.log(`nlme: ${summary.filter((s) => s.endsWith(': match')).length}/${ids.length} match\n  ${summary.join('\n  ')}`);
});
