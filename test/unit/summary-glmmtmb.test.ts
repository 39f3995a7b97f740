// glmmTMB's print(summary(m)) for the families with a dispersion parameter: the expected text is
// what glmmTMB 1.1.5 printed for the same fits (data argument named as the CLI names it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareModels } from '../../engine/src/frame/prepare';
import { fitModel } from '../../engine/src/fit';
import { formatSummary } from '../../engine/src/summary';

const DATA = join(__dirname, '..', 'fixtures', 'reference', 'data');

async function summaryOf(csv: string, formula: string, family: string): Promise<string> {
  const prep = prepareModels(`data: ${csv}\nformula: ${formula}\nfamily: ${family}\n`, (rel) => readFileSync(join(DATA, rel), 'utf8'));
  const m = prep.models[0];
  assert.ok(m.frame, m.error?.message);
  const r = await fitModel(m.frame, m.spec, { yieldEveryMs: 0 });
  return formatSummary(r, { data: csv });
}

/**
 * The standard errors come from a finite-difference Hessian (glmmTMB's from automatic
 * differentiation): they agree to about 1e-6, so their sixth printed digit may differ; the column
 * is compared to one unit of its last printed digit and the rest of the text exactly.
 */
function maskStdErrors(text: string): { text: string; se: number[] } {
  const se: number[] = [];
  const masked = text.replace(/^(\S+\s+-?[\d.]+\s+)([\d.]+)(\s)/gm, (_m, a: string, b: string, c: string) => {
    se.push(Number(b));
    return `${a}${'#'.repeat(b.length)}${c}`;
  });
  return { text: masked, se };
}

test('Gamma(log): glmmTMB summary with "Dispersion estimate for Gamma family (sigma^2)"', async () => {
  const text = await summaryOf('sleepstudy.csv', 'Reaction ~ Days + (1 | Subject)', 'Gamma(log)');
  const expected = ` Family: Gamma  ( log )
Formula:          Reaction ~ Days + (1 | Subject)
Data: sleepstudy.csv

     AIC      BIC   logLik deviance df.resid 
  1775.2   1787.9   -883.6   1767.2      176 

Random effects:

Conditional model:
 Groups  Name        Variance Std.Dev.
 Subject (Intercept) 0.01552  0.1246  
Number of obs: 180, groups:  Subject, 18

Dispersion estimate for Gamma family (sigma^2): 0.00934 

Conditional model:
            Estimate Std. Error z value Pr(>|z|)    
(Intercept) 5.533945   0.032271   171.5   <2e-16 ***
Days        0.033845   0.002506    13.5   <2e-16 ***
---
Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1
`;
  const a = maskStdErrors(text);
  const e = maskStdErrors(expected);
  assert.equal(a.text, e.text);
  assert.equal(a.se.length, 2);
  a.se.forEach((v, i) => assert.ok(Math.abs(v - e.se[i]) <= 1.01e-6, `SE ${v} vs ${e.se[i]}`));
});

test('negative binomial: glmmTMB summary with "Dispersion parameter for nbinom2 family ()"', async () => {
  const text = await summaryOf('grouseticks.csv', 'TICKS ~ factor(YEAR) + cHEIGHT + (1 | LOCATION)', 'negbinomial');
  const expected = ` Family: nbinom2  ( log )
Formula:          TICKS ~ factor(YEAR) + cHEIGHT + (1 | LOCATION)
Data: grouseticks.csv

     AIC      BIC   logLik deviance df.resid 
  1823.3   1847.3   -905.7   1811.3      397 

Random effects:

Conditional model:
 Groups   Name        Variance Std.Dev.
 LOCATION (Intercept) 0.7958   0.8921  
Number of obs: 403, groups:  LOCATION, 63

Dispersion parameter for nbinom2 family (): 2.04 

Conditional model:
                Estimate Std. Error z value Pr(>|z|)    
(Intercept)     0.628481   0.173626   3.620 0.000295 ***
factor(YEAR)96  1.129948   0.169014   6.686 2.30e-11 ***
factor(YEAR)97 -1.125656   0.187950  -5.989 2.11e-09 ***
cHEIGHT        -0.023842   0.003866  -6.167 6.94e-10 ***
---
Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1
`;
  const a = maskStdErrors(text);
  const e = maskStdErrors(expected);
  assert.equal(a.text, e.text);
  assert.equal(a.se.length, 4);
  a.se.forEach((v, i) => assert.ok(Math.abs(v - e.se[i]) <= 1.01e-6, `SE ${v} vs ${e.se[i]}`));
});

test("a dispersion family's optSummary records its settings (FIT_SETTINGS.dispersion): BOBYQA, then Newton steps", async () => {
  const { FIT_SETTINGS } = await import('../../engine/src/optim/options');
  const prep = prepareModels('data: sleepstudy.csv\nformula: Reaction ~ Days + (1 | Subject)\nfamily: Gamma(log)\n', (rel) => readFileSync(join(DATA, rel), 'utf8'));
  const r = await fitModel(prep.models[0].frame!, prep.models[0].spec, { yieldEveryMs: 0 });
  const s = r.optSummary!;
  const D = FIT_SETTINGS.dispersion;
  assert.deepEqual(s.stages.map((st) => st.optimizer), ['bobyqa', 'newton']);
  assert.deepEqual(s.stages[0].settings, { rhobeg: D.rhobeg, rhoend: D.rhoend, maxEval: D.maxEval });
  assert.equal(s.settings.gradTol, D.gradTol);
  assert.equal(s.derivStep, D.derivStep);
  assert.equal(s.checkConv.checked, false);
});
