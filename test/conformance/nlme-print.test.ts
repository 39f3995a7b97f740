/**
 * nlme's print(summary(lme)) layout (the `printed` field of test/fixtures/reference/nlme): (1) with the
 * reference's own figures put into our fit, the text must equal nlme's exactly; (2) our own fit's text
 * must have nlme's lines and words, numbers within the references' tolerances (2e-3 relative).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { formatSummary } from '../../engine/src/summary';
import type { FitResult } from '../../engine/src/result';
import { fitNlme, loadNlme, NLME_DIR, type NlmeReference } from './nlme-harness';

const ids = readdirSync(NLME_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

/** Our fit with every printed figure replaced by the reference's. */
function withReferenceFigures(fit: FitResult, ref: NlmeReference & Record<string, unknown>): FitResult {
  const r: FitResult = JSON.parse(JSON.stringify(fit));
  r.fixef = { ...ref.fixef };
  r.tests = Object.fromEntries(ref.coefnames.map((c) => [c, { estimate: ref.fixef[c], se: ref.se[c], statistic: (ref.t as Record<string, number>)[c], df: ref.df[c], p: ref.p[c] }]));
  const vc = ref.vcov as number[][] | number;
  r.vcov = typeof vc === 'number' ? [[vc]] : vc;
  r.logLik = ref.logLik;
  r.AIC = ref.AIC as number;
  r.BIC = ref.BIC as number;
  r.fitter = 'nlme';
  r.scaledResidualQuantiles = ref.residual_quantiles as number[];
  const sds = ref.varcorr.stddev.filter((v): v is number => typeof v === 'number');
  r.sigma = sds[sds.length - 1];
  const levelsOf = (grp: string) => (grp === 'Residual' ? Infinity : r.ngrps[grp.replace(/\.\d+$/, '')] ?? 0);
  const sdRows = r.varcorr.map((row, i) => ({ row, i })).filter(({ row }) => row.var2 === null).sort((a, b) => levelsOf(a.row.grp) - levelsOf(b.row.grp) || a.i - b.i);
  sdRows.forEach(({ row }, k) => (row.sdcor = sds[k]));
  const corr = Array.isArray(ref.varcorr.corr) ? (ref.varcorr.corr as string[]).map(Number).filter((v) => Number.isFinite(v)) : [];
  r.varcorr.filter((row) => row.var2 !== null).forEach((row, k) => (row.sdcor = corr[k]));
  if (ref.corStruct && r.correlationStructure) r.correlationStructure.parameters = [ref.corStruct.coef].flat();
  if (ref.varStruct && r.varianceFunction) r.varianceFunction.parameters = { ...ref.varStruct.coef };
  return r;
}

const isNumber = (s: string) => /^-?(\d+\.?\d*|\.\d+)(e[+-]\d+)?$/.test(s);

for (const id of ids) {
  test(`nlme summary layout: ${id}`, async () => {
    const ref = loadNlme(id) as NlmeReference & Record<string, unknown>;
    const fit = await fitNlme(ref);
    const opts = { data: ref.data, style: 'nlme' as const };
    const exact = formatSummary(withReferenceFigures(fit, ref), opts).replace(/\n$/, '').split('\n');
    assert.deepEqual(exact, ref.printed);
    const ours = formatSummary(fit, opts).replace(/\n$/, '').split('\n');
    assert.equal(ours.length, ref.printed.length);
    ours.forEach((line, i) => {
      const a = line.trim().split(/\s+/), b = ref.printed[i].trim().split(/\s+/);
      assert.equal(a.length, b.length, `line ${i}: ${line} | ${ref.printed[i]}`);
      a.forEach((tok, k) => {
        if (isNumber(tok) && isNumber(b[k])) {
          const x = Number(tok), y = Number(b[k]);
          assert.ok(Math.abs(x - y) <= 2e-3 * Math.abs(y) + 1e-5, `line ${i}: ${tok} vs ${b[k]}`);
        } else assert.equal(tok, b[k], `line ${i}`);
      });
    });
  });
}
