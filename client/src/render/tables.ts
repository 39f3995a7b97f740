/**
 * HTML tables of one fit: header, fit statistics, random effects, ICC/R², fixed effects, and the
 * comparison (likelihood-ratio) tables. Every cell holding a number has a title with its meaning in
 * plain words. All data-derived text is escaped with escapeHtml.
 */
import { type FitResult, ratioKind, ratioScale, type AnovaRow } from '../../../engine/src/index';
import { escapeHtml } from '../shared/escape';
import { exact, fixed, fmt, fmtP, signifStars } from '../shared/format';
import { asArray, coefRows, explainCoef, iccRows, iccSentence, intervalHeader, intervalName, isGaussian, r2Of, varCorrSentence, varianceRows, type CoefRow } from '../shared/fitView';
import { correlationLines, formatR, residualLines, scaledResidualQuantiles } from '../../../engine/src/index';
import { printedCoefRows, printedFitStats, printedVarianceRows } from './printed';

const e = escapeHtml;

function num(value: number | null | undefined, text: string, tip: string, cls = 'num'): string {
  const t = value === null || value === undefined ? tip : `${tip} (exact value ${exact(value)})`;
  return `<td class="${cls}" title="${e(t)}">${e(text)}</td>`;
}

export function methodText(fit: FitResult): string {
  if (isGaussian(fit)) return fit.REML ? 'REML' : 'maximum likelihood';
  return fit.nAGQ > 1 ? `maximum likelihood (adaptive Gauss-Hermite, ${fit.nAGQ} points)` : 'maximum likelihood (Laplace approximation)';
}

export function headerHtml(fit: FitResult, slug: string): string {
  const groups = Object.entries(fit.ngrps ?? {})
    .map(([g, n]) => `${g}: ${n}`)
    .join(', ');
  const items: [string, string, string][] = [
    ['Formula', fit.formula, 'The model formula in lme4 syntax.'],
    ['Family', `${fit.family} (${fit.link} link)`, 'Distribution of the response given the random effects, and the link between its mean and the linear predictor.'],
    ['Method', methodText(fit), 'How the parameters were estimated.'],
    ['Observations', String(fit.nobs), 'Number of data rows used in the fit.'],
    ['Groups', groups, 'Number of levels of each grouping factor.'],
  ];
  // nlme's structures and the df method of the t tests, as the engine reports them
  const DF_TEXT: Record<string, string> = {
    satterthwaite: "Satterthwaite (lmerTest)",
    'kenward-roger': 'Kenward-Roger (pbkrtest)',
    'between-within': "between/within (nlme's containment)",
    residual: 'residual (n − p)',
    asymptotic: 'asymptotic (z tests)',
  };
  if (fit.dfMethod) items.push(['Degrees of freedom', DF_TEXT[fit.dfMethod] ?? fit.dfMethod, 'How the denominator degrees of freedom of the coefficient tests are found (the df: key).']);
  const cs = fit.correlationStructure;
  if (cs) {
    const pars = cs.names.map((n, i) => `${n} = ${fmt(cs.parameters[i])}`).join(', ');
    items.push(['Correlation structure', `${cs.type}(form = ${cs.form})${pars ? `: ${pars}` : ''}`, "nlme's within-group correlation structure and its estimated parameters (coef(corStruct, unconstrained = FALSE))."]);
  }
  const vf = fit.varianceFunction;
  if (vf) {
    const pars = Object.entries(vf.parameters).map(([n, v]) => `${n} = ${fmt(v)}`).join(', ');
    items.push(['Variance function', `${vf.type}(form = ${vf.form})${pars ? `: ${pars}` : ''}`, "nlme's variance function and its estimated parameters (coef(varStruct, unconstrained = FALSE))."]);
  }
  if (fit.rowsDropped) items.push(['Rows dropped', String(fit.rowsDropped), 'Data rows left out because a variable in the model was missing.']);
  if (asArray(fit.droppedCoefs).length)
    items.push(['Coefficients dropped', asArray(fit.droppedCoefs).join(', '), 'Fixed-effect columns dropped because they were linear combinations of others (rank deficiency).']);
  let s = `<dl class="model-header" id="header-${slug}">`;
  for (const [k, v, tip] of items) s += `<dt>${e(k)}</dt><dd title="${e(tip)}">${e(v)}</dd>`;
  s += '</dl>';
  const warnings = [...asArray(fit.warnings)];
  if (fit.singular)
    warnings.unshift(
      'Singular fit: at least one variance is estimated as zero or a correlation as ±1, so the random-effects structure is more complex than the data support; consider simplifying it.',
    );
  if (fit.converged === false) warnings.unshift('The optimizer did not report convergence; treat the estimates with caution.');
  if (warnings.length) {
    s += `<div class="warnings" role="note" aria-label="Warnings"><ul>`;
    for (const w of warnings) s += `<li>${e(w)}</li>`;
    s += `</ul></div>`;
  }
  return s;
}

export function fitStatsHtml(fit: FitResult, slug: string): string {
  // The figures as summary() prints them; deviance as its AIC table shows it: -2 × log-likelihood.
  const p = printedFitStats(fit);
  const cells: [string, number | null, string, string, boolean?][] = [
    ['AIC', fit.AIC, p.AIC, 'Akaike information criterion: -2 log-likelihood + 2 × parameters; smaller is better when comparing models fitted to the same data.'],
    ['BIC', fit.BIC, p.BIC, 'Bayesian information criterion: -2 log-likelihood + log(n) × parameters; penalizes parameters more than AIC.', true],
    ['logLik', fit.logLik, p.logLik, `Log-likelihood at the estimates${fit.REML ? ' (of the REML criterion)' : ''}.`],
  ];
  if (fit.deviance !== null && fit.deviance !== undefined) {
    const glmm = !isGaussian(fit);
    cells.push([
      'deviance',
      -2 * fit.logLik,
      p.deviance,
      `Deviance as summary() prints it: -2 × log-likelihood.${glmm ? ` (lme4's deviance() function gives ${exact(fit.deviance)} for this model: the sum of the squared deviance residuals.)` : ''}`,
    ]);
  }
  if (p.REMLcrit !== null) cells.push(['REML criterion', fit.REMLcrit, p.REMLcrit, 'REML criterion at convergence: -2 × restricted log-likelihood.']);
  cells.push(['df', fit.df, String(fit.df), 'Number of estimated parameters (fixed effects, variance components and sigma).', true]);
  cells.push(['df.resid', fit.nobs - fit.df, p.dfResid, 'Residual degrees of freedom: observations minus parameters.']);
  const d = fit.dispersion;
  if (d) {
    cells.push([
      d.name,
      d.value,
      fmt(d.value),
      d.name === 'theta'
        ? 'The negative binomial dispersion θ: variance μ + μ²/θ (glmmTMB prints it as the dispersion parameter for nbinom2).'
        : `sigma() of the ${fit.family} fit (as glmmTMB reports it); the dispersion φ = sigma² = ${fmt(d.value * d.value)}.`,
    ]);
  }
  let s = `<table tabindex="0" class="fit-stats" id="fit-stats-${slug}"><caption>Fit statistics</caption><thead><tr>`;
  // BIC and df collapse when the table does not fit the panel.
  for (const c of cells) s += `<th scope="col"${c[4] ? ' class="secondary"' : ''}>${e(c[0])}</th>`;
  s += '</tr></thead><tbody><tr>';
  for (const c of cells) s += num(c[1], c[2], c[3], c[4] ? 'num secondary' : 'num');
  return s + '</tr></tbody></table>';
}

export function randomEffectsHtml(fit: FitResult, slug: string): string {
  const rows = varianceRows(fit);
  const printed = printedVarianceRows(fit, rows);
  const maxCorr = Math.max(0, ...rows.map((r) => r.corr.length));
  let s = `<table tabindex="0" class="random-effects" id="random-effects-${slug}"><caption>Random effects</caption><thead><tr>`;
  s += '<th scope="col">Groups</th><th scope="col">Name</th><th scope="col">Variance</th><th scope="col">Std. Dev.</th>';
  if (maxCorr) s += `<th scope="col" colspan="${maxCorr}">Corr</th>`;
  s += '</tr></thead><tbody>';
  let prev = '';
  rows.forEach((r, i) => {
    const resid = r.grp === 'Residual';
    const shown = r.grp === prev ? '' : r.grp;
    prev = r.grp;
    s += `<tr><th scope="row">${e(shown)}</th><td>${e(r.name)}</td>`;
    const what = resid ? 'the residual (within-group) variation' : `${r.name === '(Intercept)' ? 'intercepts' : `${r.name} slopes`} between levels of ${r.grp}`;
    const sentence = varCorrSentence(fit, r.grp, resid ? null : r.name, null);
    s += num(r.variance, printed[i].variance, `Variance of ${what}.${sentence ? ' ' + sentence : ''}`);
    s += num(r.sd, printed[i].sd, sentence ?? `Standard deviation of ${what}.`);
    for (let k = 0; k < maxCorr; k++) {
      const c = r.corr[k];
      if (c === undefined || c === null) s += '<td></td>';
      else {
        const other = rows.filter((o) => o.grp === r.grp)[k]?.name ?? '';
        s += num(c, printed[i].corr[k] || fixed(c, 2), varCorrSentence(fit, r.grp, other, r.name) ?? varCorrSentence(fit, r.grp, r.name, other) ?? `Correlation between the ${r.grp}-level ${other} and ${r.name} effects.`);
      }
    }
    s += '</tr>';
  });
  s += '</tbody></table>';
  return s;
}

export function iccR2Html(fit: FitResult, slug: string): string {
  const icc = iccRows(fit);
  const r2 = r2Of(fit);
  if (icc.length === 0 && !r2) return '';
  let s = `<table tabindex="0" class="icc-r2" id="icc-r2-${slug}"><caption>Variance explained</caption><thead><tr><th scope="col">Measure</th><th scope="col">Value</th></tr></thead><tbody>`;
  for (const r of icc) s += `<tr><th scope="row">ICC (${e(r.group)})</th>${num(r.icc, fmt(r.icc, 3), r.explanation)}</tr>`;
  if (r2) {
    // Shares below 1e-10 are rounding noise of an exact zero (an intercept-only fixed part).
    const marginal = Math.abs(r2.marginal) < 1e-10 ? 0 : r2.marginal;
    const conditional = Math.abs(r2.conditional) < 1e-10 ? 0 : r2.conditional;
    s += `<tr><th scope="row">Marginal R²</th>${num(r2.marginal, fmt(marginal, 3), `Share of the variance explained by the fixed effects alone (Nakagawa and Schielzeth).${r2.sentence ? ' ' + r2.sentence : ''}`)}</tr>`;
    s += `<tr><th scope="row">Conditional R²</th>${num(r2.conditional, fmt(conditional, 3), 'Share of the variance explained by the fixed and random effects together.')}</tr>`;
  }
  s += '</tbody></table>';
  const sentence = iccSentence(fit);
  if (sentence) s += `<p class="icc-sentence">${e(sentence)}</p>`;
  return s;
}

/** Interval bounds with one number of decimals for the whole column pair (R's format on the column). */
export function intervalCells(rows: CoefRow[]): { lower: string[]; upper: string[] } {
  const all = formatR([...rows.map((r) => (Number.isFinite(r.lower) ? r.lower : null)), ...rows.map((r) => (Number.isFinite(r.upper) ? r.upper : null))], 4, 0, '').map((t) => t.trim());
  return { lower: all.slice(0, rows.length), upper: all.slice(rows.length) };
}

export function fixedEffectsHtml(fit: FitResult, slug: string): string {
  const rows = coefRows(fit);
  const printed = printedCoefRows(fit);
  const gaussian = isGaussian(fit);
  const stat = gaussian ? 't value' : 'z value';
  const pcol = gaussian ? 'Pr(>|t|)' : 'Pr(>|z|)';
  const ci = intervalName(fit);
  const iv = intervalCells(rows);
  const kind = rows.some((r) => r.ratio) ? ratioKind(fit) : null;
  const ratio = kind ? kind[0].toUpperCase() + kind.slice(1) : null;
  const ratioCells = ratio
    ? formatR(rows.flatMap((r) => (r.ratio ? [r.ratio.estimate, r.ratio.lower, r.ratio.upper] : [null, null, null])), 4, 0, '').map((t) => t.trim())
    : [];
  // Key columns first (estimate, interval, p); the others collapse in a narrow panel (styles.ts).
  let s = `<table tabindex="0" class="fixed-effects" id="fixed-effects-${slug}"><caption>Fixed effects <span class="caption-note">(interval: ${e(ci)})</span></caption><thead><tr>`;
  s += `<th scope="col">Term</th><th scope="col">Estimate</th><th scope="col" colspan="2" class="ci" title="${e(ci)}">${e(intervalHeader(fit))}</th>`;
  s += `<th scope="col">${e(pcol)}</th><th scope="col" title="Significance codes (legend below the table)"><span class="visually-hidden">significance</span></th>`;
  s += `<th scope="col" class="secondary">Std. Error</th>`;
  if (gaussian) s += `<th scope="col" class="secondary" title="Satterthwaite denominator degrees of freedom">df</th>`;
  s += `<th scope="col" class="secondary">${e(stat)}</th>`;
  if (ratio) s += `<th scope="col" class="secondary" colspan="3" title="exp(estimate) with the interval's ends exponentiated">${e(ratio)} (${e(ci.replace(/^95% /, ''))})</th>`;
  s += `</tr></thead><tbody>`;
  rows.forEach((r, i) => {
    const pr = printed[i] ?? { estimate: fmt(r.estimate), se: fmt(r.se), df: '', statistic: '', p: '' };
    const meaning = explainCoef(fit, r.name) ?? `Estimated coefficient of ${r.name}.`;
    s += `<tr data-term="${e(r.name)}"><th scope="row">${e(r.name).replace(/:/g, ':<wbr>')}</th>`;
    s += num(r.estimate, pr.estimate, meaning, 'num estimate');
    s += num(r.lower, iv.lower[i], `Lower end of the ${ci}.`, 'num lower');
    s += num(r.upper, iv.upper[i], `Upper end of the ${ci}.`, 'num upper');
    s += num(
      r.p,
      r.p === null ? '' : pr.p || fmtP(r.p),
      r.p === null
        ? 'No p-value: the degrees of freedom of the t test are not available.'
        : `Two-sided p-value of the ${r.statName} test that the coefficient is zero${gaussian ? ' (Satterthwaite df)' : ''}.`,
      'num p',
    );
    s += `<td class="stars" aria-label="significance">${e(signifStars(r.p))}</td>`;
    s += num(r.se, pr.se, `Standard error of the ${r.name} estimate: its typical sampling error.`, 'num se secondary');
    if (gaussian) s += num(r.df, r.df === null ? '' : pr.df || fmt(r.df), 'Satterthwaite approximation of the denominator degrees of freedom of the t test.', 'num df secondary');
    s += num(r.statistic, pr.statistic, `${r.statName} statistic: estimate divided by its standard error.`, 'num stat secondary');
    if (ratio) {
      const k = 3 * i;
      const what = ratio.toLowerCase();
      s += num(r.ratio?.estimate, ratioCells[k] ?? '', `${ratio}: exp(estimate), the multiplicative change in the ${ratioScale(fit)}.`, 'num ratio secondary');
      s += num(r.ratio?.lower, ratioCells[k + 1] ?? '', `Lower end of the ${what}'s interval.`, 'num ratio secondary');
      s += num(r.ratio?.upper, ratioCells[k + 2] ?? '', `Upper end of the ${what}'s interval.`, 'num ratio secondary');
    }
    s += '</tr>';
  });
  s += '</tbody></table>';
  s += `<p class="signif-legend">Signif. codes: 0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1</p>`;
  s += `<p class="collapsed-note">Narrow panel: Std. Error, ${gaussian ? 'df, ' : ''}${stat}${ratio ? ` and the ${ratio.toLowerCase()}s` : ''} are hidden (widen the panel, or hover a number for its meaning).</p>`;
  const meanings = rows.map((r) => [r.name, explainCoef(fit, r.name)] as const).filter((m): m is readonly [string, string] => m[1] !== null);
  if (meanings.length) {
    s += `<details class="meanings"><summary>What the fixed effects mean</summary><ul>`;
    for (const [name, text] of meanings) s += `<li><strong>${e(name)}</strong>: ${e(text)}</li>`;
    s += `</ul></details>`;
  }
  const corr = correlationLines(fit, { correlation: true });
  if (corr.length) s += `<details class="fixef-correlation" id="fixef-correlation-${slug}"><summary>Correlation of fixed effects</summary><pre>${e(corr.slice(2).join('\n'))}</pre></details>`;
  return s;
}

/** lme4's "Scaled residuals" line (summary's five quantiles of the Pearson residuals / sigma). */
export function scaledResidualsHtml(fit: FitResult, slug: string): string {
  const lines = residualLines(fit, 4);
  if (lines.length < 3) return '';
  const names = ['Min', '1Q', 'Median', '3Q', 'Max'];
  const values = lines[2].trim().split(/\s+/);
  if (values.length !== 5) return '';
  const q = scaledResidualQuantiles(fit) ?? [];
  let s = `<table tabindex="0" class="scaled-residuals" id="scaled-residuals-${slug}"><caption>Scaled residuals</caption><thead><tr>`;
  for (const n of names) s += `<th scope="col">${n}</th>`;
  s += '</tr></thead><tbody><tr>';
  values.forEach((v, i) => (s += num(q[i], v, `${names[i]} of the scaled (Pearson) residuals, as lme4's summary prints them.`)));
  return s + '</tr></tbody></table>';
}

const COMPARISON_TIPS: Record<string, string> = {
  npar: 'Number of parameters of the model.',
  Df: 'Number of parameters of the model.',
  AIC: 'Akaike information criterion; smaller is better.',
  BIC: 'Bayesian information criterion; smaller is better.',
  logLik: 'Log-likelihood (models refitted with ML for the comparison).',
  deviance: '-2 × log-likelihood.',
  Chisq: 'Likelihood-ratio statistic: the drop in deviance from the smaller to the larger model.',
  'Chi Df': 'Degrees of freedom of the likelihood-ratio test: the difference in parameters.',
  'Pr(>Chisq)': 'p-value of the likelihood-ratio test: small values favour the larger model.',
};

function tableRowsOf(c: unknown): Record<string, unknown>[] | null {
  if (Array.isArray(c)) return c.every((r) => r && typeof r === 'object') ? (c as Record<string, unknown>[]) : null;
  if (c && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    for (const key of ['rows', 'table', 'models']) {
      const v = o[key];
      if (Array.isArray(v) && v.every((r) => r && typeof r === 'object')) return v as Record<string, unknown>[];
    }
  }
  return null;
}

function isAnovaRow(r: Record<string, unknown>): boolean {
  return typeof r.name === 'string' && typeof r.npar === 'number' && typeof r.logLik === 'number';
}

/** lme4's anova() layout for engine/src/inference/anova.ts tables, with a sentence per test. */
function anovaTableHtml(rows: AnovaRow[], k: number, title: string, notes: string[]): string {
  let s = `<table tabindex="0" class="comparison-table" id="comparison-table-${k}"><caption>${e(title)}</caption><thead><tr>`;
  const head: [string, string][] = [
    ['Model', 'Model name and formula.'],
    ['npar', COMPARISON_TIPS.npar],
    ['AIC', COMPARISON_TIPS.AIC],
    ['BIC', COMPARISON_TIPS.BIC],
    ['logLik', COMPARISON_TIPS.logLik],
    ['deviance', COMPARISON_TIPS.deviance],
    ['Chisq', COMPARISON_TIPS.Chisq],
    ['Df', COMPARISON_TIPS['Chi Df']],
    ['Pr(>Chisq)', COMPARISON_TIPS['Pr(>Chisq)']],
  ];
  // npar, BIC, logLik and deviance collapse in a narrow panel; the test's columns stay.
  const minor = new Set(['npar', 'BIC', 'logLik', 'deviance']);
  for (const [h, tip] of head) s += `<th scope="col" title="${e(tip)}"${minor.has(h) ? ' class="secondary"' : ''}>${e(h)}</th>`;
  s += '</tr></thead><tbody>';
  rows.forEach((r, i) => {
    const lrt = i > 0 ? (r.sentence ?? '') : `${r.name} is the reference model of the comparison.`;
    s += `<tr data-model="${e(r.name)}"><th scope="row" title="${e(r.formula ?? '')}">${e(r.name)}</th>`;
    s += num(r.npar, String(r.npar), COMPARISON_TIPS.npar, 'num secondary');
    s += num(r.AIC, fixed(r.AIC, 1), COMPARISON_TIPS.AIC);
    s += num(r.BIC, fixed(r.BIC, 1), COMPARISON_TIPS.BIC, 'num secondary');
    s += num(r.logLik, fixed(r.logLik, 1), COMPARISON_TIPS.logLik + (r.refitted ? ' Refitted with ML (instead of REML).' : ''), 'num secondary');
    s += num(r.deviance, fixed(r.deviance, 1), COMPARISON_TIPS.deviance, 'num secondary');
    s += num(r.Chisq, r.Chisq === null ? '' : fixed(r.Chisq, 3), `${COMPARISON_TIPS.Chisq} ${lrt}`);
    s += num(r.Df, r.Df === null ? '' : String(r.Df), COMPARISON_TIPS['Chi Df']);
    s += num(r.p, fmtP(r.p, 4), `${COMPARISON_TIPS['Pr(>Chisq)']} ${lrt}`);
    s += '</tr>';
  });
  s += '</tbody></table>';
  // the engine's sentences (AnovaRow.sentence, set by compareModels)
  const sentences = rows.slice(1).flatMap((r) => (typeof r.sentence === 'string' && r.sentence ? [r.sentence] : []));
  if (sentences.length || notes.length) {
    s += `<ul class="comparison-notes">`;
    for (const t of [...sentences, ...notes]) s += `<li>${e(t)}</li>`;
    s += `</ul>`;
  }
  return s;
}

/** Comparison tables from the server's `comparisons` (anova tables; other shapes read generically). */
export function comparisonsHtml(comparisons: unknown[]): string {
  if (!comparisons.length) return '';
  let s = `<section class="comparisons" id="comparison" aria-labelledby="comparison-heading"><h2 id="comparison-heading">Model comparison</h2>`;
  comparisons.forEach((c, k) => {
    const rows = tableRowsOf(c);
    if (!rows || rows.length === 0) return;
    const cols: string[] = [];
    for (const r of rows) for (const key of Object.keys(r)) if (!cols.includes(key) && (typeof r[key] !== 'object' || r[key] === null)) cols.push(key);
    const o = c as Record<string, unknown>;
    const models = Array.isArray(o.models) ? o.models.filter((m) => typeof m === 'string').join(' vs ') : '';
    const title = typeof o.title === 'string' ? o.title : models ? `Likelihood-ratio test: ${models}` : `Likelihood-ratio test ${k + 1}`;
    if (rows.every(isAnovaRow)) {
      const notes = Array.isArray(o.notes) ? o.notes.filter((n): n is string => typeof n === 'string') : [];
      s += anovaTableHtml(rows as unknown as AnovaRow[], k, title, notes);
      return;
    }
    s += `<table tabindex="0" class="comparison-table" id="comparison-table-${k}"><caption>${e(title)}</caption><thead><tr>`;
    for (const col of cols) s += `<th scope="col"${COMPARISON_TIPS[col] ? ` title="${e(COMPARISON_TIPS[col])}"` : ''}>${e(col)}</th>`;
    s += '</tr></thead><tbody>';
    for (const r of rows) {
      s += '<tr>';
      cols.forEach((col, j) => {
        const v = r[col];
        const tip = COMPARISON_TIPS[col] ?? col;
        if (typeof v === 'number') {
          const text = /^p$|Pr\(/.test(col) ? fmtP(v) : Number.isInteger(v) ? String(v) : fmt(v, 5);
          s += num(v, text, tip);
        } else if (j === 0) s += `<th scope="row">${e(v ?? '')}</th>`;
        else s += `<td>${e(v ?? '')}</td>`;
      });
      s += '</tr>';
    }
    s += '</tbody></table>';
    const note = typeof o.note === 'string' ? o.note : typeof o.interpretation === 'string' ? o.interpretation : null;
    if (note) s += `<p class="comparison-note">${e(note)}</p>`;
  });
  return s + '</section>';
}
