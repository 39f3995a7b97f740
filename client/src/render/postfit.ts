/**
 * Panel sections after the fit, from what the engine attached to each FitResult (`postfit`, from
 * inference/postfit.ts postFitSummary) or arranged by the engine's modelTable: "Means and
 * contrasts" (the means: lines), "F tests" (lmerTest's type III table), "Estimates" (the estimate:
 * lines), and the model table when a file has several models. Self-contained: the panel calls postFitSectionsHtml per model and modelTableHtml once.
 * Every data-derived string is escaped.
 */
import { modelTable, type FitResult, type PostFitSummary } from '../../../engine/src/index';
import { escapeHtml } from '../shared/escape';
import { exact, fmt, fmtP } from '../shared/format';

const e = escapeHtml;

function cell(value: number | null | undefined, text: string, tip: string, cls = 'num'): string {
  const t = value === null || value === undefined ? tip : `${tip} (exact value ${exact(value)})`;
  return `<td class="${cls}" title="${e(t)}">${e(text)}</td>`;
}

const dfText = (df: number | null) => (df === null ? 'Inf' : fmt(df, 4));
/** Column headers; those named in `secondary` collapse when the table is wider than the panel. */
const head = (cols: string[], secondary: string[] = []) =>
  `<thead><tr>${cols.map((c) => `<th scope="col"${secondary.includes(c) ? ' class="secondary"' : ''}>${e(c)}</th>`).join('')}</tr></thead>`;

export function meansHtml(fit: FitResult, slug: string): string {
  const blocks = fit.postfit?.means ?? [];
  if (blocks.length === 0) return '';
  let h = `<h3>Means and contrasts</h3>`;
  blocks.forEach((b, k) => {
    const z = b.means.some((m) => m.df === null);
    // older results (before the response scale) carry no names: emmeans' link-scale ones
    const meanName = b.meanName ?? 'emmean';
    const contrastName = b.contrastName ?? 'estimate';
    const response = b.type === 'response';
    const cols = [...b.specs, ...b.by, meanName, 'SE', 'df', z ? 'asymp.LCL' : 'lower.CL', z ? 'asymp.UCL' : 'upper.CL'];
    const scale = response ? `, ${meanName === 'prob' ? 'probabilities' : meanName === 'rate' ? 'rates' : 'response scale'}` : '';
    h += `<table tabindex="0" class="emmeans" id="emmeans-${slug}-${k}" data-specs="${e(b.specs.join(','))}"><caption>Estimated marginal means of ${e(b.specs.join(', '))}${b.by.length ? ` by ${e(b.by.join(', '))}` : ''} (${e(b.dfMethod)} df${scale})</caption>${head(cols, ['SE', 'df'])}<tbody>`;
    for (const m of b.means) {
      h += `<tr>${[...b.specs, ...b.by].map((s) => `<th scope="row">${e(m.levels[s] ?? '')}</th>`).join('')}`;
      h += cell(
        m.emmean,
        fmt(m.emmean, 5),
        response
          ? 'Estimated marginal mean on the response scale: the inverse link of the link-scale mean (the model\'s prediction at this level, averaged with equal weights over the other factors on the link scale, covariates at their means)'
          : 'Estimated marginal mean: the model\'s prediction at this level, averaged with equal weights over the other factors, covariates at their means',
      );
      h += cell(m.SE, fmt(m.SE, 4), response ? 'Standard error by the delta method: |dμ/dη| × the link-scale SE' : 'Standard error of the mean', 'num secondary');
      h += cell(m.df, dfText(m.df), m.df === null ? 'Asymptotic: a z interval' : `${b.dfMethod} degrees of freedom`, 'num secondary');
      const back = response ? ' (the link-scale interval back-transformed)' : '';
      h += cell(m.lower, fmt(m.lower, 5), `Lower end of the ${b.level * 100}% confidence interval${back}`);
      h += cell(m.upper, fmt(m.upper, 5), `Upper end of the ${b.level * 100}% confidence interval${back}`) + '</tr>';
    }
    h += '</tbody></table>';
    if (b.pairs.length) {
      const pcols = ['contrast', ...b.by, contrastName, 'SE', 'df', z ? 'z.ratio' : 't.ratio', 'p.value'];
      const ratioOf = contrastName === 'odds.ratio' ? 'Odds ratio of the two levels: exp of the difference of their log odds' : contrastName === 'ratio' ? 'Ratio of the two means: exp of the difference of their logs' : 'Difference of the two means';
      const caption = contrastName === 'estimate' ? '' : `; ${contrastName === 'odds.ratio' ? 'odds ratios' : 'ratios'}, tested on the log scale`;
      h += `<table tabindex="0" class="contrasts" id="contrasts-${slug}-${k}"><caption>Pairwise contrasts (p adjusted: ${e(b.adjust)}${caption})</caption>${head(pcols, ['SE', 'df', 'z.ratio', 't.ratio'])}<tbody>`;
      for (const c of b.pairs) {
        h += `<tr><th scope="row">${e(c.contrast)}</th>${b.by.map((s) => `<td>${e(c.by[s] ?? '')}</td>`).join('')}`;
        h += cell(c.estimate, fmt(c.estimate, 4), ratioOf);
        h += cell(c.SE, fmt(c.SE, 4), contrastName === 'estimate' ? 'Standard error of the difference' : 'Standard error of the ratio by the delta method (the ratio × the SE of the log ratio)', 'num secondary');
        h += cell(c.df, dfText(c.df), 'Degrees of freedom of the test', 'num secondary');
        h += cell(c.ratio, fmt(c.ratio, 4), contrastName === 'estimate' ? 'Difference divided by its standard error' : 'Log ratio divided by its standard error', 'num secondary');
        h += cell(c.p, fmtP(c.p), `p-value (${b.adjust} adjustment for the family of comparisons)`) + '</tr>';
      }
      h += '</tbody></table>';
    }
    if (b.notes.length) h += `<p class="emmeans-notes">${b.notes.map(e).join(' ')}</p>`;
  });
  return h;
}

export function fTestsHtml(fit: FitResult, slug: string): string {
  const a = fit.postfit?.anova;
  if (a?.error) return `<h3>F tests</h3><p class="f-tests-error" id="f-tests-${slug}">F tests could not be computed: ${e(a.error)}</p>`;
  if (!a || a.rows.length === 0) return '';
  const asymptotic = a.method === 'asymptotic';
  // models with between/within df (nlme's fits): nlme's anova.lme, which has no sums of squares
  const nlme = a.method === 'containment';
  const caption = nlme
    ? `F tests as nlme's anova.lme (${a.type === 1 ? 'sequential' : 'marginal'}) with between/within denominator df`
    : asymptotic
      ? `Type ${a.type === 1 ? 'I' : 'III'} Wald F tests with asymptotic df (F = χ²/NumDF, infinite denominator df, as emmeans' joint_tests)`
      : `Type ${a.type === 1 ? 'I' : 'III'} analysis of variance with ${a.method}'s method (as lmerTest)`;
  let h = `<h3>F tests</h3><table tabindex="0" class="f-tests" id="f-tests-${slug}"><caption>${e(caption)}</caption>`;
  // key columns first (F, its df, p); the sums of squares collapse in a narrow panel
  h += `<thead><tr>${['Term', 'F value', 'NumDF', 'DenDF', 'Pr(>F)'].map((c) => `<th scope="col">${e(c)}</th>`).join('')}`;
  if (!nlme) h += `${['Sum Sq', 'Mean Sq'].map((c) => `<th scope="col" class="secondary">${e(c)}</th>`).join('')}`;
  h += '</tr></thead><tbody>';
  for (const r of a.rows) {
    h += `<tr><th scope="row">${e(r.term)}</th>`;
    h += cell(
      r.F,
      fmt(r.F, 4),
      `F statistic of the hypothesis that all the term's coefficients are zero (type III: averaged over the factors of terms that contain it)${a.method === 'Kenward-Roger' ? '; Kenward-Roger: the Wald F with the adjusted covariance, scaled by λ' : ''}`,
    );
    h += cell(r.NumDF, r.NumDF === null ? '' : String(r.NumDF), 'Numerator degrees of freedom: the coefficients the term adds');
    const den = asymptotic && r.F !== null ? 'Inf' : r.DenDF !== null && Number.isInteger(r.DenDF) ? String(r.DenDF) : fmt(r.DenDF, 4);
    h += cell(r.DenDF, den, `Denominator degrees of freedom (${nlme ? 'nlme\'s between/within' : asymptotic ? 'asymptotic: infinite, the p-value is that of the Wald chi-square' : a.method})`);
    h += cell(r.p, fmtP(r.p), 'p-value of the F test');
    const unscaled = a.method === 'Kenward-Roger' ? ' (F before Kenward-Roger\'s scaling λ, as lmerTest)' : '';
    if (!nlme) {
      h += cell(r.sumSq, fmt(r.sumSq, 5), `Sum of squares: F × σ² × NumDF${unscaled}`, 'num secondary');
      h += cell(r.meanSq, fmt(r.meanSq, 5), `Mean square: F × σ²${unscaled}`, 'num secondary');
    }
    h += '</tr>';
  }
  return h + '</tbody></table>';
}

export function estimatesHtml(fit: FitResult, slug: string): string {
  const rows = fit.postfit?.estimates ?? [];
  if (rows.length === 0) return '';
  const z = rows.some((r) => r.df === null);
  let h = `<h3>Estimates</h3><table tabindex="0" class="estimates" id="estimates-${slug}"><caption>Linear combinations of coefficients (estimate: lines)</caption>`;
  h += head(['Estimate', 'Combination', 'Value', 'SE', 'df', z ? 'z' : 't', 'p', 'lower', 'upper']) + '<tbody>';
  for (const r of rows) {
    h += `<tr><th scope="row">${e(r.label)}</th><td><code>${e(r.combination)}</code></td>`;
    h += cell(r.estimate, fmt(r.estimate, 5), 'The combination of the estimated coefficients');
    h += cell(r.SE, fmt(r.SE, 4), 'Standard error √(c\'Vc)');
    h += cell(r.df, dfText(r.df), `${r.dfMethod} degrees of freedom`);
    h += cell(r.statistic, fmt(r.statistic, 4), 'Estimate divided by its standard error');
    h += cell(r.p, fmtP(r.p), 'Two-sided p-value');
    h += cell(r.lower, fmt(r.lower, 5), `Lower end of the ${r.level * 100}% interval (${r.df === null ? 'z' : 't(df)'}, the same df as the test)`);
    h += cell(r.upper, fmt(r.upper, 5), `Upper end of the ${r.level * 100}% interval`) + '</tr>';
  }
  return h + '</tbody></table>';
}

/** All post-fit sections of one model, in reading order. */
export function postFitSectionsHtml(fit: FitResult, slug: string): string {
  // odds and rate ratios are shown beside the coefficients (tables.ts, from FitResult.coefficients)
  return fTestsHtml(fit, slug) + meansHtml(fit, slug) + estimatesHtml(fit, slug);
}

/** The models side by side (engine's modelTable) when there are several. */
export function modelTableHtml(results: FitResult[]): string {
  if (results.length < 2) return '';
  const t = modelTable(results.map((r) => ({ name: r.id, result: r })));
  let h = `<section id="model-table" aria-labelledby="model-table-heading"><h2 id="model-table-heading">Models side by side</h2>`;
  // one click away: with several models the table is wider than a side panel
  h += `<details class="model-table-details"><summary>${t.models.length} models: estimates (SE), random-effect SDs and fit statistics</summary>`;
  h += `<table tabindex="0" class="model-table"><caption>Estimates (SE); random-effect SDs; fit statistics</caption>${head(['', ...t.models])}<tbody>`;
  t.terms.forEach((term, i) => {
    h += `<tr><th scope="row">${e(term)}</th>`;
    for (const c of t.cells[i]) h += c ? cell(c.estimate, `${fmt(c.estimate, 4)} (${fmt(c.se, 3)})`, `Estimate (standard error)${c.p !== null ? `, p = ${fmtP(c.p)} (${t.tests})` : ''}`) : '<td></td>';
    h += '</tr>';
  });
  t.sdLabels.forEach((l, i) => {
    h += `<tr><th scope="row">SD ${e(l)}</th>${t.sds[i].map((v) => (v === null ? '<td></td>' : cell(v, fmt(v, 4), 'Standard deviation of the random effect'))).join('')}</tr>`;
  });
  const stat = (label: string, xs: (number | null)[], d: number, tip: string) =>
    `<tr><th scope="row">${e(label)}</th>${xs.map((v) => (v === null ? '<td></td>' : cell(v, Number.isInteger(v) ? String(v) : fmt(Math.abs(v) < 1e-10 ? 0 : v, d), tip))).join('')}</tr>`;
  h += stat('N', t.stats.nobs, 7, 'Observations used');
  h += stat('logLik', t.stats.logLik, 7, 'Log-likelihood (REML criterion for REML fits)');
  h += stat('AIC', t.stats.AIC, 7, 'Akaike information criterion');
  h += stat('BIC', t.stats.BIC, 7, 'Bayesian information criterion');
  h += stat('R² marginal', t.stats.r2Marginal, 3, 'Variance explained by the fixed effects');
  h += stat('R² conditional', t.stats.r2Conditional, 3, 'Variance explained by fixed and random effects');
  h += stat('ICC', t.stats.icc, 3, 'Intraclass correlation');
  h += stat('RMSE', t.stats.RMSE, 4, 'Root mean squared residual');
  if (t.stats.aicWeight) h += stat('AIC weight', t.stats.aicWeight, 3, 'Akaike weight: relative support among these models');
  h += '</tbody></table></details>';
  if (t.notes.length) h += `<ul class="model-table-notes">${t.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`;
  return h + '</section>';
}
