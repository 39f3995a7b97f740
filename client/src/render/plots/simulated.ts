/**
 * DHARMa's two residual plots from the engine's simulated residuals (FitResult.plotData.figures.simulated):
 * the scaled residuals against the uniform distribution (QQ) with the Kolmogorov-Smirnov, dispersion and
 * outlier tests in the caption, and the residuals against the rank of the predicted value with the
 * quartile lines the engine computed per bin (flat at 0.25, 0.5 and 0.75 when the model fits).
 */
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { SimulatedResidualsFigure } from '../../../../engine/src/index';
import { fmt } from '../../shared/format';
import { axisBottom, axisLeft, n2, PlotSvg, svgClose, svgOpen } from '../svg';

const W = 560;
const H = 360;
const M = { top: 14, right: 20, bottom: 52, left: 70 };

function dots(xy: [number, number][]): string {
  const d = xy.map(([cx, cy]) => `M${n2(cx - 2)},${n2(cy)}a2,2 0 1,0 4,0a2,2 0 1,0 -4,0`).join('');
  return `<path class="pt pt-many" d="${d}"/>`;
}

const p3 = (p: number) => (p < 0.001 ? '< 0.001' : p.toFixed(3));

export function simulatedPlots(idBase: string, sim: SimulatedResidualsFigure): PlotSvg[] {
  const t = sim.tests;
  const unit = scaleLinear().domain([0, 1]);
  const x = unit.copy().range([M.left, W - M.right]);
  const y = unit.copy().range([H - M.bottom, M.top]);

  const qqTitle = 'Simulated residuals: QQ plot against the uniform';
  const qqCaption =
    `Scaled residuals from ${sim.nsim} simulations of the fitted model (DHARMa's method, seed ${sim.seed}) against uniform quantiles; on the line when the model fits. ` +
    `Kolmogorov-Smirnov test p = ${p3(t.uniformity.p)}; dispersion ratio ${fmt(t.dispersion.ratio)} (p = ${p3(t.dispersion.p)}); ` +
    `${t.outliers.count} outside the simulation envelope (p = ${p3(t.outliers.p)})` +
    (t.zeroInflation ? `; zeros observed / expected ${fmt(t.zeroInflation.ratio)} (p = ${p3(t.zeroInflation.p)})` : '') +
    '. The deviance residuals are in the binned plot below.';
  let a = svgOpen(`${idBase}-qq`, W, H, qqTitle, qqCaption);
  a += `<line class="ref-line" x1="${n2(x(0))}" y1="${n2(y(0))}" x2="${n2(x(1))}" y2="${n2(y(1))}"/>`;
  a += dots(sim.qq.expected.map((e, k) => [x(e), y(sim.qq.observed[k])]));
  a += axisBottom(x, H - M.bottom + 4, 'expected (uniform quantile)', W);
  a += axisLeft(y, M.left - 4, 'observed scaled residual');

  const rTitle = 'Simulated residuals against predicted';
  const rCaption =
    'Scaled residuals against the rank of the predicted value (0 = smallest, 1 = largest); the lines are the quartiles of the residuals in bins of predicted rank, ' +
    'which stay flat at 0.25, 0.5 and 0.75 (dashed) when the mean and the spread are modelled well.';
  let b = svgOpen(`${idBase}-vs-predicted`, W, H, rTitle, rCaption);
  for (const q of [0.25, 0.5, 0.75]) b += `<line class="ref-line" stroke-dasharray="4 3" x1="${n2(x(0))}" x2="${n2(x(1))}" y1="${n2(y(q))}" y2="${n2(y(q))}"/>`;
  b += dots(sim.points.x.map((v, k) => [x(v), y(sim.points.y[k])]));
  const qs = sim.quantiles;
  for (const key of ['q25', 'q50', 'q75'] as const) {
    const path = line<number>()
      .x((k) => x(qs.x[k]))
      .y((k) => y(qs[key][k]));
    b += `<path class="smooth-line" d="${path(qs.x.map((_, k) => k)) ?? ''}"><title>Quartile ${key.slice(1)}% of the residuals per bin</title></path>`;
  }
  b += axisBottom(x, H - M.bottom + 4, 'predicted value (rank-transformed)', W);
  b += axisLeft(y, M.left - 4, 'scaled residual');
  return [
    { id: `${idBase}-qq`, kind: 'simulated-qq', title: qqTitle, caption: qqCaption, svg: a + svgClose },
    { id: `${idBase}-vs-predicted`, kind: 'simulated-residuals', title: rTitle, caption: rCaption, svg: b + svgClose },
  ];
}
