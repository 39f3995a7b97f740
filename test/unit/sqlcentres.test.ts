// The centres `mlm sql --dialect clickhouse` writes into its query when the data are read in memory
// (engine/src/sql/table.ts frameCentres): each basis entry's mean over the rows used, computed here from the CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { blocksQuery } from '../../engine/src/sql/compile';
import { designFromTable, frameCentres } from '../../engine/src/sql/table';

const root = process.env.MLM_ROOT ?? join(import.meta.dirname, '..', '..');
const csv = readFileSync(join(root, 'test/fixtures/reference/data/Orthodont.csv'), 'utf8');
const rows = csv.trim().split('\n').slice(1).map((l) => l.split(',').map((f) => f.replace(/^"(.*)"$/, '$1')));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('centres of distance ~ age * Sex + (age | Subject): the means of distance, age, the Male dummy and age × dummy', () => {
  const text = 'data: Orthodont.csv\nmodel m:\n  formula: distance ~ age * Sex + (age | Subject)\n';
  const prep = prepareModels(text, () => csv);
  const m = prep.models[0];
  assert.ok(m.frame && prep.rawTable);
  const design = designFromTable(prep.doc, m.decl, prep.rawTable, m.frame.rows, 'clickhouse', 'orthodont');
  const known = frameCentres(design, m.frame, prep.rawTable.nrow);
  assert.equal(known.nAll, 108);
  const distance = rows.map((r) => Number(r[0]));
  const age = rows.map((r) => Number(r[1]));
  const male = rows.map((r) => (r[3] === 'Male' ? 1 : 0));
  const want = new Map<string | null, number>([
    ['toFloat64(`distance`)', mean(distance)],
    ['toFloat64(`age`)', mean(age)],
    ["(CASE WHEN `Sex` = 'Male' THEN 1.0 ELSE 0.0 END)", mean(male)],
    ["toFloat64(`age`) * (CASE WHEN `Sex` = 'Male' THEN 1.0 ELSE 0.0 END)", mean(age.map((a, i) => a * male[i]))],
  ]);
  assert.deepEqual(new Set(design.basis.slice(1)), new Set(want.keys()));
  design.basis.forEach((expr, b) => {
    if (b === 0) return;
    assert.ok(Math.abs(known.centres[b] - want.get(expr)!) < 1e-12 * Math.max(1, Math.abs(want.get(expr)!)), `${expr}: ${known.centres[b]} vs ${want.get(expr)}`);
  });
  // the query subtracts exactly these numbers and reports them as c_b; no scalar subquery
  const q = blocksQuery(design, known);
  assert.doesNotMatch(q, /\(SELECT /);
  assert.ok(q.includes(`toFloat64(\`distance\`) - ${String(known.centres[design.y]).replace('e+', 'e')})`), q);
});
