/**
 * `mlm check` (singular fits explained with lme4's rePCA, and a convergence verdict from refits by
 * several optimizers) and `mlm residuals` (DHARMa's simulated residuals and tests). Text for people,
 * or one JSON object with --json.
 */
import { explainSingular, type RePcaBlock, type SingularReport } from '../inference/singular';
import { checkConvergenceByRefits, type ConvergenceCheck } from '../inference/allfit';
import { simulatedResiduals, type SimulatedResiduals } from '../inference/simres';
import { formatR, formatPval } from '../summary/rformat';
import { printCharMatrix } from '../summary/rprint';
import type { CliArgs } from './args';
import { eachModel } from './commands';
import type { CliStreams } from './session';

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

export function runCheck(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const singular = explainSingular(fitted.result);
    const convergence = await checkConvergenceByRefits(fitted.frame, fitted.result, s.progress.hooks(`checking ${m.name}`));
    const warnings = fitted.result.warnings ?? [];
    const text = [
      ...(warnings.length ? ['Warnings of the fit:', ...warnings.map((w) => `  ${w}`), ''] : []),
      ...formatSingular(singular),
      '',
      "Random-effects principal components (lme4's rePCA):",
      ...formatRePca(singular.rePCA),
      ...formatConvergence(convergence),
    ].join('\n');
    return { text: text + '\n', json: { singular, convergence, warnings } };
  });
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

export function runResiduals(args: CliArgs, io: CliStreams): Promise<number> {
  return eachModel(args, io, async (s, m, fitted) => {
    const r = await simulatedResiduals(fitted.frame, fitted.result, { nsim: args.nsim ?? 250, seed: args.seed ?? 1 }, s.progress.hooks(`simulating ${m.name}`));
    return { text: formatResiduals(r).join('\n') + '\n', json: r };
  });
}
