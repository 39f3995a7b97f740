/**
 * nlme reference cases (test/fixtures/reference/nlme): loading, the .mlm text of a case, and its fit
 * through the whole pipeline. Shared by the conformance test and the bench.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels, type PreparedDocument, type PreparedModel } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { FitResult } from '../../engine/src/result';
import { DATA, ROOT } from '../unit/inference-fixtures';

export const NLME_DIR = join(ROOT, 'test/fixtures/reference/nlme');

export interface NlmeReference {
  id: string;
  data: string;
  fixed: string;
  random: string;
  correlation: string | null;
  weights: string | null;
  method: 'REML' | 'ML';
  nobs: number;
  nlme_seconds_median: number;
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

/** The prepared document and model (frame and spec) of a case. */
export function prepareNlme(ref: NlmeReference): PreparedModel & { prep: PreparedDocument } {
  const prep = prepareModels(nlmeMlm(ref), (r) => (existsSync(join(DATA, r)) ? readFileSync(join(DATA, r), 'utf8') : undefined));
  const m = prep.models[0];
  if (!m.frame) throw new Error(`${ref.id}: ${m.error?.message ?? prep.diagnostics.map((d) => d.message).join('; ')}`);
  return { ...m, prep };
}

export async function fitNlme(ref: NlmeReference): Promise<FitResult> {
  const m = prepareNlme(ref);
  return fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
}

