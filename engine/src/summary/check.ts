/**
 * The model-checking assistant's results as text: singular terms in words, lme4's rePCA as R prints
 * summary(rePCA(m)), the convergence verdict's table, and DHARMa's tests. Used by the CLI (mlm check,
 * mlm residuals) and by the editor's check command; they format what the engine computed.
 */
import type { RePcaBlock, SingularReport } from '../inference/singular';
import type { ConvergenceCheck } from '../inference/allfit';
import type { SimulatedResiduals } from '../inference/simres';
import { formatR, formatPval } from './rformat';
import { printCharMatrix } from './rprint';

/** summary(rePCA(m)) as R prints it: one importance table per grouping factor. */
export function formatRePca(blocks: RePcaBlock[]): string[] {
  const lines: string[] = [];
  for (const b of blocks) {
    lines.push(`$${b.group}`, 'Importance of components:');
    const cols = b.sdev.map((_, i) => `[,${i + 1}]`);
    // print(importance, digits = 4): each column formatted on its own
    const cells = [[], [], []] as string[][];
    b.sdev.forEach((_, i) => {
      const col = formatR([b.sdev[i], b.proportion[i], b.cumulative[i]].map((v) => (Number.isNaN(v) ? null : v)), 4, 0, 'NaN');
      col.forEach((c, r) => cells[r].push(c));
    });
    lines.push(...printCharMatrix(['Standard deviation', 'Proportion of Variance', 'Cumulative Proportion'], cols, cells, { right: true }), '');
  }
  return lines;
}

export function formatSingular(r: SingularReport): string[] {
  const lines = [`Singular fit: ${r.singular ? 'yes' : 'no'}`];
  for (const t of r.terms) lines.push(`  ${t.term}: ${t.detail}`);
  return lines;
}

export function formatConvergence(c: ConvergenceCheck): string[] {
  const rows = c.runs.map((r) => r.optimizer);
  const devs = formatR(c.runs.map((r) => r.deviance), 10);
  const cells = c.runs.map((r, i) => [r.deviance === null ? `failed: ${r.error ?? ''}` : devs[i], String(r.evaluations), r.seconds.toFixed(2)]);
  return [
    `Convergence: the objective minimised again by ${c.runs.length} optimizers`,
    ...printCharMatrix(rows, ['deviance', 'evaluations', 'seconds'], cells, { right: true }),
    `Largest relative difference: ${formatR([c.maxRelativeSpread], 3)[0]}${c.worst ? ` (${c.worst})` : ''}`,
    `Verdict: ${c.verdict}`,
  ];
}

export function formatResiduals(r: SimulatedResiduals): string[] {
  const p = (x: number) => formatPval([x], 3)[0];
  const t = r.tests;
  const lines = [
    `Scaled residuals from ${r.nsim} simulations (seed ${r.seed}; random effects simulated anew, as DHARMa's default)`,
    `  uniformity (${t.uniformity.method}): D = ${formatR([t.uniformity.statistic], 4)[0]}, p-value = ${p(t.uniformity.p)}`,
    `  dispersion (sd of residuals, observed / simulated): ratio = ${formatR([t.dispersion.ratio], 4)[0]}, p-value = ${p(t.dispersion.p)}`,
  ];
  if (t.zeroInflation) lines.push(`  zero inflation (zeros, observed / simulated): ratio = ${formatR([t.zeroInflation.ratio], 4)[0]}, p-value = ${p(t.zeroInflation.p)}`);
  lines.push(`  outliers (outside the simulation envelope): ${t.outliers.count} of ${r.scaled.length}, frequency ${formatR([t.outliers.frequency], 4)[0]} (expected ${formatR([t.outliers.expected], 4)[0]}), p-value = ${p(t.outliers.p)}`);
  const flagged = [
    t.uniformity.p < 0.05 ? 'the residuals are not uniform: the distribution or the mean structure may be misspecified' : null,
    t.dispersion.p < 0.05 ? (t.dispersion.ratio > 1 ? 'overdispersion: consider an observation-level random effect or a negative binomial family' : 'underdispersion') : null,
    t.zeroInflation && t.zeroInflation.p < 0.05 ? (t.zeroInflation.ratio > 1 ? 'more zeros than the model expects (zero inflation)' : 'fewer zeros than the model expects') : null,
    t.outliers.p < 0.05 ? 'more values outside the simulation envelope than expected' : null,
  ].filter((x): x is string => x !== null);
  lines.push(flagged.length ? `Flagged at 5%: ${flagged.join('; ')}.` : 'No test flags a problem at 5%.');
  return lines;
}

/** The whole check of one model: the fit's warnings, the singular terms, rePCA and the convergence verdict. */
export function formatModelCheck(singular: SingularReport, convergence: ConvergenceCheck, warnings: readonly string[]): string {
  return [
    ...(warnings.length ? ['Warnings of the fit:', ...warnings.map((w) => `  ${w}`), ''] : []),
    ...formatSingular(singular),
    '',
    "Random-effects principal components (lme4's rePCA):",
    ...formatRePca(singular.rePCA),
    ...formatConvergence(convergence),
  ].join('\n') + '\n';
}
