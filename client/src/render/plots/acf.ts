/**
 * nlme's plot(ACF(m, resType = "normalized"), alpha = 0.05): the autocorrelation of the normalized
 * residuals by lag (FitResult.acf, computed by the engine), with the engine's approximate 95% critical
 * bounds (acf.bound: ±qnorm(0.975)/√(number of pairs)) at each lag; bars inside the bounds mean the
 * correlation structure has taken up the serial dependence.
 */
import { scaleLinear } from 'd3-scale';
import type { FitResult } from '../../../../engine/src/index';
import { fmt } from '../../shared/format';
import { axisBottom, axisLeft, n2, PlotSvg, svgClose, svgOpen, withTip } from '../svg';

const W = 560;
const H = 300;
const M = { top: 14, right: 20, bottom: 52, left: 70 };

export function acfPlot(id: string, acf: NonNullable<FitResult['acf']>): PlotSvg {
  const title = 'Autocorrelation of the normalized residuals';
  // a result kept from an earlier version may lack the bounds: then none are drawn
  const bounds: (number | undefined)[] = acf.bound ?? [];
  const outside = acf.lag.filter((k, i) => k > 0 && Math.abs(acf.acf[i]) > (bounds[i] ?? Infinity)).length;
  const caption =
    `nlme's ACF of the normalized residuals by lag within groups, with the approximate 95% bounds (dashed). ` +
    `${outside === 0 ? 'No lag is' : `${outside} lag${outside === 1 ? ' is' : 's are'}`} outside the bounds` +
    (outside === 0 ? ': the correlation structure accounts for the serial dependence.' : ': some serial dependence remains.');
  const x = scaleLinear().domain([-0.5, Math.max(1, acf.lag.length - 0.5)]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([-1, 1]).range([H - M.bottom, M.top]);
  let s = svgOpen(id, W, H, title, caption);
  s += `<line class="ref-line" x1="${n2(x(-0.5))}" x2="${n2(x(acf.lag.length - 0.5))}" y1="${n2(y(0))}" y2="${n2(y(0))}"/>`;
  acf.lag.forEach((k, i) => {
    const b = bounds[i];
    if (k > 0 && b !== undefined && Number.isFinite(b)) {
      for (const v of [b, -b]) s += `<line class="bound-line" stroke-dasharray="4 3" x1="${n2(x(k - 0.4))}" x2="${n2(x(k + 0.4))}" y1="${n2(y(v))}" y2="${n2(y(v))}"/>`;
    }
    const v = acf.acf[i];
    if (!Number.isFinite(v)) return;
    s += withTip('line', `class="smooth-line" stroke-width="4" x1="${n2(x(k))}" x2="${n2(x(k))}" y1="${n2(y(0))}" y2="${n2(y(v))}"`, `lag ${k}: autocorrelation ${fmt(v)} (${acf.n[i]} pairs)`, true);
  });
  s += axisBottom(x, H - M.bottom + 4, 'lag', W, Math.min(10, acf.lag.length), (v) => (Number.isInteger(v) ? String(v) : ''));
  s += axisLeft(y, M.left - 4, 'autocorrelation');
  return { id, kind: 'acf', title, caption, svg: s + svgClose };
}
