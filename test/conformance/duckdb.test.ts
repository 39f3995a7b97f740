/**
 * Data read through the embedded DuckDB give lme4's fits: sleepstudy and Penicillin from Parquet (written by
 * DuckDB from the fixture CSVs into a temp folder) against the reference fits, and GLMMs fitted from rows
 * collapsed to covariate patterns against lme4's fits to the ungrouped rows (test/fixtures/duckdb/make.R):
 * cbpp as 842 Bernoulli rows (binomial) and grouseticks (Poisson, factor(YEAR)), logLik, deviance, AIC and BIC included.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMlm } from '../../engine/src/mlmfile/parse';
import { prepareDocument } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { DuckDbRunner, fitCollapsedGlmm, loadSqlData } from '../../engine/src/node/index';
import { compareFit, GAUSSIAN_TOLERANCES, loadReference, mlmTextFor, REF_DIR } from './harness';

const DATA = join(REF_DIR, 'data');
const COLLAPSE = JSON.parse(readFileSync(join(REF_DIR, '..', 'duckdb', 'collapse.json'), 'utf8')) as Record<
  string,
  { nobs: number; fixef: Record<string, number>; se: Record<string, number>; theta: number | number[]; logLik: number; deviance: number; AIC: number; BIC: number }
>;
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlm-duckdb-conf-'));
  const r = await DuckDbRunner.open();
  try {
    for (const name of ['sleepstudy', 'Penicillin']) {
      await r.query(`COPY (SELECT * FROM read_csv('${join(DATA, `${name}.csv`)}')) TO '${join(dir, `${name}.parquet`)}' (FORMAT parquet)`);
    }
  } finally {
    await r.close();
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, file] of [['sleepstudy_full', 'sleepstudy'], ['penicillin_crossed', 'Penicillin']]) {
  test(`${name} from a Parquet file through DuckDB matches lme4`, async () => {
    const ref = loadReference(name);
    const doc = parseMlm(mlmTextFor(ref).replace(`data: ${ref.data}`, `data: ${file}.parquet`));
    const sql = await loadSqlData(doc, { baseDir: dir });
    assert.deepEqual(sql.diagnostics, []);
    assert.equal(sql.route.kind, 'sql');
    const prep = prepareDocument(doc, () => undefined, { loaded: { table: sql.table, diagnostics: sql.diagnostics } });
    const m = prep.models[0];
    assert.ok(m.frame, JSON.stringify(m.error));
    const fit = await fitModel(m.frame, m.spec);
    const cmp = compareFit(fit, ref, GAUSSIAN_TOLERANCES);
    assert.ok(cmp.ok, cmp.failures.join('\n'));
  });
}

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs lme4 ${want} (tol ${tol})`);
const rel = (got: number, want: number, tol: number, what: string) => close(got, want, tol * Math.max(1, Math.abs(want)), what);

for (const [key, data, formula, family, patterns] of [
  ['cbpp_bernoulli', join(REF_DIR, '..', 'duckdb', 'cbpp_rows.csv'), 'y ~ factor(period) + (1 | herd)', 'binomial', 56],
  ['grouseticks_poisson', join(DATA, 'grouseticks.csv'), 'TICKS ~ factor(YEAR) + (1 | BROOD) + (1 | LOCATION)', 'poisson', 118],
] as const) {
  test(`${key}: a GLMM fitted from rows collapsed in SQL has lme4's estimates and the ungrouped fit's logLik, deviance, AIC, BIC`, async () => {
    // lme4's fit of the same collapsed rows, its logLik and deviance shifted to the rows (make.R), and lme4's fit
    // of the ungrouped rows: the likelihoods agree up to those constants; glmer stops at a slightly different
    // optimum on 403 Poisson rows than on their 118 patterns (logLik 0.0065 apart), so the ungrouped fit is
    // compared within 1e-2.
    const want = COLLAPSE[`${key}_collapsed`];
    const rows = COLLAPSE[key];
    const doc = parseMlm(`data: ${data}\nengine: duckdb\nmodel m:\n  formula: ${formula}\n  family: ${family}\n`);
    const sql = await loadSqlData(doc, { baseDir: dir });
    assert.ok(sql.relation);
    const got = await fitCollapsedGlmm(doc, doc.models[0], { relation: sql.relation, label: data, columns: sql.allNames }, {});
    assert.ok(!('reason' in got), 'reason' in got ? got.reason : '');
    const r = got.fitted.result;
    assert.match(r.dataSource ?? '', new RegExp(`${want.nobs} rows collapsed to ${patterns} covariate patterns`));
    assert.equal(r.nobs, rows.nobs);
    close(r.logLik, rows.logLik, 1e-2, 'logLik of the ungrouped fit');
    close(r.AIC, rows.AIC, 2e-2, 'AIC of the ungrouped fit');
    // glmm tolerances of the reference README: logLik 1e-3 absolute, β 1e-3 relative, SE 1e-2 relative, θ 2e-3 relative
    close(r.logLik, want.logLik, 1e-4, 'logLik');
    rel(r.deviance!, want.deviance, 1e-6, 'deviance');
    close(r.AIC, want.AIC, 2e-3, 'AIC');
    close(r.BIC, want.BIC, 2e-3, 'BIC');
    for (const [k, v] of Object.entries(want.fixef)) rel(r.fixef[k], v, 1e-3, `fixef ${k}`);
    for (const [k, v] of Object.entries(want.se)) rel(r.se[k], v, 1e-2, `se ${k}`);
    [want.theta].flat().forEach((t, i) => rel(r.theta[i], t, 2e-3, `theta ${i}`));
  });
}
