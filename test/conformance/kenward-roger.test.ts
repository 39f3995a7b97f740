/**
 * Kenward-Roger df, adjusted SE and p of every REML gaussian reference fit (lmerTest 3.1-3 with pbkrtest
 * 0.5.2, test/fixtures/reference/kenward-roger) through the whole pipeline with `df: kenward-roger`.
 * Tolerances from the references' README: df 1e-2 relative, p 2e-2 relative (SE 1e-3 relative).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { kenwardRoger, kenwardRogerParts } from '../../engine/src/inference/kenwardroger';
import { DATA, ROOT, loadReference } from '../unit/inference-fixtures';

const KR_DIR = join(ROOT, 'test/fixtures/reference/kenward-roger');
const ids = readdirSync(KR_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const results: string[] = [];

function prepare(id: string, df: string) {
  const ref = loadReference(id);
  const lines = [`data: ${ref.data}`];
  if (id === 'mathach_bryk') lines.push('levels: sector = Public, Catholic');
  lines.push(`model ${id}:`, `  formula: ${ref.formula}`, `  df: ${df}`);
  const prep = prepareModels(lines.join('\n') + '\n', (r) => (existsSync(join(DATA, r)) ? readFileSync(join(DATA, r), 'utf8') : undefined));
  const m = prep.models[0];
  if (!m.frame) throw new Error(`${id}: ${m.error?.message}`);
  return m;
}

for (const id of ids) {
  test(`Kenward-Roger df, SE and p (lmerTest + pbkrtest): ${id}`, async () => {
    const kr = JSON.parse(readFileSync(join(KR_DIR, `${id}.json`), 'utf8')) as { df: Record<string, number>; se: Record<string, number>; p: Record<string, number> };
    const m = prepare(id, 'kenward-roger');
    const fit = await fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
    assert.equal(fit.dfMethod, 'kenward-roger');
    let ok = true;
    for (const name of Object.keys(kr.df)) {
      const t = fit.tests![name];
      assert.ok(t && t.df !== null && t.p !== null, `${id} ${name}: no test`);
      const good = rel(t.df!, kr.df[name]) < 1e-2 && rel(t.p!, kr.p[name]) < 2e-2 && rel(t.se, kr.se[name]) < 1e-3;
      ok &&= good;
      assert.ok(rel(t.df!, kr.df[name]) < 1e-2, `${id} ${name}: df ${t.df} vs ${kr.df[name]}`);
      assert.ok(rel(t.p!, kr.p[name]) < 2e-2, `${id} ${name}: p ${t.p} vs ${kr.p[name]}`);
      assert.ok(rel(t.se, kr.se[name]) < 1e-3, `${id} ${name}: SE ${t.se} vs ${kr.se[name]}`);
    }
    results.push(`${id}: ${ok ? 'match' : 'MISMATCH'}`);
  });
}

test('kenwardRoger(parts, L) for a contrast: df of one row equals the coefficient test; two rows give an F df', async () => {
  const m = prepare('orthodont', 'kenward-roger');
  const fit = await fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
  const parts = kenwardRogerParts(fit, m.frame!);
  const one = kenwardRoger(parts, [[0, 1, 0]]);
  assert.ok(Math.abs(one.df - fit.tests!.age.df!) < 1e-9);
  assert.ok(Math.abs(Math.sqrt(one.vcov[0][0]) - fit.tests!.age.se) < 1e-12);
  // Φ_A is never smaller than Φ on the diagonal (the adjustment adds variance)
  for (let j = 0; j < 3; j++) assert.ok(parts.PhiA[j][j] >= parts.Phi[j][j] * (1 - 1e-12));
  const two = kenwardRoger(parts, [[0, 1, 0], [0, 0, 1]]);
  assert.equal(two.vcov.length, 2);
  assert.ok(Number.isFinite(two.df) && two.df > 0);
});

test('df: kenward-roger on an ML fit is a located error', () => {
  const prep = prepareModels('data: sleepstudy.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n  method: ML\n  df: kenward-roger\n', () => 'Reaction,Days,Subject\n1,0,a\n');
  const d = prep.diagnostics.find((x) => x.message.includes('kenward-roger'));
  assert.ok(d && d.severity === 'error' && d.range && d.range.start.line === 4, JSON.stringify(prep.diagnostics));
});

test('kenward-roger: summary', () => {
  console.log(`kenward-roger: ${results.filter((r) => r.endsWith(': match')).length}/${ids.length} match\n  ${results.join('\n  ')}`);
});
