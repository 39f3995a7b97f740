/**
 * The clickhouse group's comparison of a fit from SQL blocks with the in-memory fit of the same rows: the
 * criterion within 1e-8 relative, the same observations and coefficient names, fixed effects and sigma within 1e-6.
 */
import assert from 'node:assert/strict';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import type { FitResult } from '../../engine/src/result';

/** The first model of `text` fitted in memory from `csv` (the CSV text its data: line names). */
export async function fitInMemory(text: string, csv: string): Promise<FitResult> {
  const prep = prepareModels(text, () => csv);
  const m = prep.models[0];
  assert.ok(m.frame, JSON.stringify(prep.diagnostics));
  return fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
}

const criterion = (r: Pick<FitResult, 'REML' | 'REMLcrit' | 'deviance'>) => (r.REML ? (r.REMLcrit as number) : (r.deviance as number));

export function assertSameFit(sql: Pick<FitResult, 'REML' | 'REMLcrit' | 'deviance' | 'nobs' | 'coefnames' | 'fixef' | 'sigma'>, mem: FitResult): void {
  const rel = Math.abs(criterion(sql) - criterion(mem)) / Math.abs(criterion(mem));
  assert.ok(rel <= 1e-8, `criterion: from SQL ${criterion(sql)}, in memory ${criterion(mem)} (relative ${rel})`);
  assert.equal(sql.nobs, mem.nobs);
  assert.deepEqual(sql.coefnames, mem.coefnames);
  for (const name of mem.coefnames) {
    const a = sql.fixef[name];
    const b = mem.fixef[name];
    assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${name}: ${a} vs ${b}`);
  }
  assert.ok(Math.abs(sql.sigma - mem.sigma) <= 1e-6 * mem.sigma, `sigma: ${sql.sigma} vs ${mem.sigma}`);
}
