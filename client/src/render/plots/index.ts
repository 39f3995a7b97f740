/** All plots of one fit, in panel order. Plots whose data are missing are left out (the caption of the section says why). */
import type { FitResult } from '../../../../engine/src/index';
import { asArray } from '../../shared/fitView';
import type { PlotSvg } from '../svg';
import { slug } from '../svg';
import { caterpillarPlot } from './caterpillar';
import { effectPlot } from './effects';
import { choosePredictor, groupPanelsPlot } from './groupPanels';
import { populationPlot } from './population';
import { binnedPlot, qqPlot, residualsPlot } from './residuals';
import { simulatedPlots } from './simulated';
import { acfPlot } from './acf';
import { shrinkagePlot } from './shrinkage';

export interface PlotSet {
  plots: PlotSvg[];
  /** Plots that could not be drawn and why. */
  missing: string[];
}

function linearScaleName(fit: FitResult): string {
  if (fit.link === 'logit') return 'log-odds';
  if (fit.link === 'log') return 'log';
  if (fit.link === 'identity') return '';
  return `${fit.link} link`;
}

export function plotsForFit(fit: FitResult, modelSlug: string): PlotSet {
  const plots: PlotSvg[] = [];
  const missing: string[] = [];
  const blocks = asArray(fit.ranef);
  const fig = fit.plotData?.figures;
  // the engine's intervals, one per term in ranef order
  const intervals = asArray(fit.ranefIntervals);
  let ti = 0;
  blocks.forEach((b, bi) => {
    asArray(b.terms).forEach((t, k) => {
      const iv = intervals[ti++];
      plots.push(caterpillarPlot(`plot-${modelSlug}-caterpillar-${bi}-${k}-${slug(b.group)}`, b, k, iv && iv.group === b.group && iv.term === t ? iv : undefined));
    });
  });
  if (fig) {
    fig.noPooling.forEach((est, bi) => plots.push(shrinkagePlot(`plot-${modelSlug}-shrinkage-${bi}-${slug(est.group)}`, est, linearScaleName(fit))));
  } else if (fit.residualSummary)
    missing.push(
      fit.sqlSource?.dialect === 'clickhouse'
        ? 'The shrinkage, per-group, effect and residual-check plots need the data rows, and a fit from a ClickHouse table reads no rows (only their cross products); the rows stay on the server.'
        : "The shrinkage, per-group, effect and residual-check plots need the data rows, and a fit from SQL blocks reads no rows (only their cross products); add 'engine: memory' to fit in memory and draw them.",
    );
  else missing.push('The shrinkage, per-group, effect and residual-check plots need the figures the engine computes with the fit, which this result does not carry; fit the model again.');
  if (fit.plotData && blocks.length) {
    const g = blocks[0].group;
    const predictor = choosePredictor(fit, g);
    const p = predictor ? groupPanelsPlot(`plot-${modelSlug}-group-panels-${slug(g)}`, fit, g, predictor) : null;
    if (p) plots.push(p);
    else missing.push(`No predictor varies within the levels of ${g}, so there are no per-${g} lines to draw.`);
  }
  for (const c of fig?.effects ?? []) plots.push(effectPlot(`plot-${modelSlug}-effect-${slug(c.term)}`, fit, c));
  if (fit.acf) plots.push(acfPlot(`plot-${modelSlug}-acf`, fit.acf));
  if (fit.family === 'gaussian') {
    plots.push(residualsPlot(`plot-${modelSlug}-residuals`, fit));
    if (fig?.qq) plots.push(qqPlot(`plot-${modelSlug}-qq`, fig.qq));
  } else {
    // GLMMs: DHARMa's simulated residuals first; the binned deviance residuals stay one plot below
    if (fig?.simulated) plots.push(...simulatedPlots(`plot-${modelSlug}-simulated`, fig.simulated));
    else if (fig?.simulatedNote) missing.push(fig.simulatedNote);
    if (fig?.binned?.length) plots.push(binnedPlot(`plot-${modelSlug}-binned`, fit, fig.binned));
  }
  for (const sum of fig?.population ?? []) {
    const bi = blocks.findIndex((b) => b.group === sum.group);
    plots.push(populationPlot(`plot-${modelSlug}-population-${bi}-${slug(sum.group)}`, fit, sum));
  }
  // An SVG whose parts are focusable is a group (role img would hide its children from screen readers).
  for (const p of plots) if (p.svg.includes(' tabindex="0" aria-label=')) p.svg = p.svg.replace(' role="img" ', ' role="group" ');
  return { plots, missing };
}
