/** All plots of one fit, in panel order. Plots whose data are missing are left out (the caption of the section says why). */
import type { FitResult } from '../../../../engine/src/index';
import { asArray } from '../../shared/fitView';
import { groupEstimates } from '../../shared/groupEstimates';
import type { PlotSvg } from '../svg';
import { slug } from '../svg';
import { caterpillarPlot } from './caterpillar';
import { choosePredictor, groupLinesPlot } from './groupLines';
import { populationPlot } from './population';
import { qqPlot, residualsPlot } from './residuals';
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
  blocks.forEach((b, bi) => {
    asArray(b.terms).forEach((t, k) => {
      plots.push(caterpillarPlot(`plot-${modelSlug}-caterpillar-${bi}-${k}-${slug(b.group)}`, b, k));
    });
  });
  if (fit.plotData) {
    blocks.forEach((b, bi) => {
      const est = groupEstimates(fit, b);
      if (est) plots.push(shrinkagePlot(`plot-${modelSlug}-shrinkage-${bi}-${slug(b.group)}`, est, linearScaleName(fit)));
    });
  } else missing.push('The shrinkage and per-group line plots need the fit\u2019s data, which this result does not carry.');
  plots.push(residualsPlot(`plot-${modelSlug}-residuals`, fit));
  plots.push(qqPlot(`plot-${modelSlug}-qq`, fit));
  if (fit.plotData && blocks.length) {
    const g = blocks[0].group;
    const predictor = choosePredictor(fit, g);
    if (predictor) plots.push(groupLinesPlot(`plot-${modelSlug}-group-lines-${slug(g)}`, fit, g, predictor));
    else missing.push('No numeric predictor to draw per-group fitted lines over.');
  }
  blocks.forEach((b, bi) => {
    if (!asArray(b.terms).includes('(Intercept)')) return;
    const p = populationPlot(`plot-${modelSlug}-population-${bi}-${slug(b.group)}`, fit, b);
    if (p) plots.push(p);
  });
  // An SVG whose parts are focusable is a group (role img would hide its children from screen readers).
  for (const p of plots) if (p.svg.includes(' tabindex="0" aria-label=')) p.svg = p.svg.replace(' role="img" ', ' role="group" ');
  return { plots, missing };
}
