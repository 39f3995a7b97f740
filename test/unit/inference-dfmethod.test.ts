/** nlme's between/within DF rules (getFixDF) on small hand-made designs, and the df: key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betweenWithinDf } from '../../engine/src/inference/betweenwithin';
import { MlmError } from '../../engine/src/diagnostics';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import type { ReTermFrame } from '../../engine/src/frame/types';

function term(group: string, refs: number[], nlev: number): ReTermFrame {
  return { group, levels: Array.from({ length: nlev }, (_, i) => String(i)), refs: Int32Array.from(refs), termNames: ['(Intercept)'], k: 1, Z: new Float64Array(refs.length).fill(1), text: `(1 | ${group})`, fromDoubleBar: false };
}

test('between/within DF: 4 groups of 3; a between-group column, a within-group column and the intercept', () => {
  const g = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3];
  const between = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
  const within = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3];
  const n = 12;
  const X = new Float64Array([...new Array(n).fill(1), ...between, ...within]);
  const df = betweenWithinDf({ n, p: 3, X, coefnames: ['(Intercept)', 'b', 'w'], reTerms: [term('g', g, 4)] });
  // strata: groups 4 → 4 − 1 (intercept) − 1 (b) = 2; residual 12 − 4 − 1 (w) = 7; the intercept takes the largest
  assert.deepEqual(df, { '(Intercept)': 7, b: 2, w: 7 });
});

test('between/within DF with two nested levels: a column constant within the inner groups gets the inner level', () => {
  // 2 outer groups, each with 2 inner groups of 2 observations
  const outer = [0, 0, 0, 0, 1, 1, 1, 1];
  const inner = [0, 0, 1, 1, 2, 2, 3, 3];
  const x = [1, 1, 2, 2, 1, 1, 2, 2]; // varies within outer, constant within inner
  const n = 8;
  const X = new Float64Array([...new Array(n).fill(1), ...x]);
  const df = betweenWithinDf({ n, p: 2, X, coefnames: ['(Intercept)', 'x'], reTerms: [term('inner:outer', inner, 4), term('outer', outer, 2)] });
  // outer: 2 − 1 = 1; inner: 4 − 2 − 1 (x) = 1; residual: 8 − 4 = 4 → intercept 4
  assert.deepEqual(df, { '(Intercept)': 4, x: 1 });
});

test('between/within DF on crossed factors is an MlmError naming both', () => {
  const a = [0, 0, 1, 1], b = [0, 1, 0, 1];
  assert.throws(
    () => betweenWithinDf({ n: 4, p: 1, X: new Float64Array(4).fill(1), coefnames: ['(Intercept)'], reTerms: [term('a', a, 2), term('b', b, 2)] }),
    (e: unknown) => e instanceof MlmError && /'a'.*'b'.*crossed/.test(e.message),
  );
});

test('df: key: known methods parse; an unknown one is a located error with a suggestion', () => {
  const ok = parseMlm('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  df: between-within\n');
  assert.equal(ok.models[0].df?.value, 'between-within');
  const bad = parseMlm('data: d.csv\nmodel m:\n  formula: y ~ x + (1 | g)\n  df: kenward-rogers\n');
  const d = bad.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d && d.range!.start.line === 3 && /kenward-roger'/.test(d.message), d?.message);
});

test('df: residual gives n − p to every coefficient; df: asymptotic gives z tests (df null, normal p)', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { prepareModels } = await import('../../engine/src/frame/prepare');
  const { fitModel } = await import('../../engine/src/fit');
  const csv = readFileSync(join(__dirname, '..', 'fixtures', 'reference', 'data', 'sleepstudy.csv'), 'utf8');
  for (const df of ['residual', 'asymptotic'] as const) {
    const prep = prepareModels(`data: s.csv\nmodel m:\n  formula: Reaction ~ Days + (Days | Subject)\n  df: ${df}\n`, () => csv);
    const m = prep.models[0];
    const fit = await fitModel(m.frame!, m.spec, { yieldEveryMs: 0 });
    assert.equal(fit.dfMethod, df);
    const t = fit.tests!.Days;
    assert.equal(t.df, df === 'residual' ? 180 - 2 : null);
    if (df === 'asymptotic') {
      // p = 2 Q(|z|), and Mills' ratio bounds φ(z)/z · (1 − 1/z²) < Q(z) < φ(z)/z
      const z = Math.abs(t.statistic);
      const phi = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
      assert.ok(t.p! / 2 < phi / z && t.p! / 2 > (phi / z) * (1 - 1 / (z * z)), `${t.p} at z = ${z}`);
    }
    assert.ok(Math.abs(t.statistic - fit.fixef.Days / fit.se.Days) < 1e-12);
  }
});
