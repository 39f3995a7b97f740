/**
 * Plain-English sentences for the headline numbers of a fit: fixed effects, variance components,
 * the ICC and likelihood-ratio tests. Wording is generic (built from the names in the formula;
 * units are unknown). Numbers are rounded for reading, p-values in APA style (p < .001, p = .032).
 */
import type { FitResult, VarCorrRow } from '../result';
import type { AnovaRow } from './anova';
import type { IccResult } from './variance';
import { baseGroup } from './variance';
import { normalUpper, tTwoSided } from './distributions';
import { ratioKind } from './coefficients';
import { parseFormula } from '../formula/parser';
import { expandTerms } from '../formula/terms';
import { noBars } from '../frame/bars';

/** Fixed number of decimals, or 3 significant digits for very small/large magnitudes. */
export function fmtNum(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 0.01 || a >= 1e6)) return x.toPrecision(3);
  return x.toFixed(decimals);
}

/** A p-value in APA style for sentences (not R's table format, see summary/rformat formatPvalue): 'p < .001' or 'p = .032' (no leading zero). */
export function apaP(p: number): string {
  if (!Number.isFinite(p)) return 'p = NA';
  if (p < 0.001) return 'p < .001';
  const s = p.toFixed(3);
  return `p = ${s.replace(/^0\./, '.')}`;
}

function responseOf(result: FitResult): string {
  return result.responseName || result.formula.split('~')[0].trim();
}

/** A readable response label: 'cbind(m, n - m)' becomes 'the proportion of m'. */
function responseLabel(result: FitResult): string {
  const r = responseOf(result);
  const m = /^cbind\(\s*([^,]+),/.exec(r);
  return m ? m[1].trim() : r;
}

function testText(result: FitResult, name: string): string {
  const est = result.fixef[name];
  const se = result.se[name];
  const t = result.tests?.[name];
  if (result.family === 'gaussian') {
    const df = t?.df ?? result.satterthwaite?.df[name] ?? null;
    const stat = est / se;
    const p = t?.p ?? result.satterthwaite?.p[name] ?? (df !== null ? tTwoSided(stat, df) : null);
    if (df !== null && p !== null) return `SE ${fmtNum(se)}, t(${df.toFixed(1)}) = ${stat.toFixed(2)}, ${apaP(p)}`;
    return `SE ${fmtNum(se)}, t = ${stat.toFixed(2)}`;
  }
  const z = est / se;
  const p = t?.p ?? 2 * normalUpper(Math.abs(z));
  return `SE ${fmtNum(se)}, z = ${z.toFixed(2)}, ${apaP(p)}`;
}

/** What a coefficient name stands for, read from the formula: a numeric variable or a level of a factor. */
export interface CoefPart {
  variable: string;
  /** Set when the part is a dummy column of a factor: the level compared with the reference level. */
  level: string | null;
}

/** Variables of the fixed part of the formula (random-effects terms removed), longest first. */
function fixedVariables(formula: string): string[] {
  // the variables as the formula parser names them (R's deparse: `poly(ses, 2)`, `I(minority == "Yes")`)
  try {
    const vars = expandTerms(noBars(parseFormula(formula).rhs)).variables.map((v) => v.name);
    return vars.sort((a, b) => b.length - a.length);
  } catch {
    /* a formula the parser refuses has no fit; fall back to its names */
  }
  const rhs = formula.includes('~') ? formula.slice(formula.indexOf('~') + 1) : formula;
  const vars = new Set<string>();
  for (const m of rhs.matchAll(/(?:as\.)?factor\([^()]*\)|[A-Za-z.][A-Za-z0-9._]*/g)) if (m[0] !== 'offset') vars.add(m[0]);
  return [...vars].sort((a, b) => b.length - a.length);
}

/** A multi-column basis (poly, ns, bs): its coefficients are columns, not levels. */
const isBasis = (variable: string): boolean => /^(?:(?:stats|splines)::)?(?:poly|ns|bs)\(/.test(variable);
/** A TRUE/FALSE variable (a comparison or logic): its coefficient is named …TRUE. */
const isLogical = (p: CoefPart): boolean => p.level === 'TRUE' && /==|!=|<|>|&|\||!|%in%/.test(p.variable);

/** Splits a coefficient name into its variables and factor levels ('cses:sectorCatholic' -> cses, sector = Catholic). */
export function parseCoefName(formula: string, name: string): CoefPart[] {
  const vars = fixedVariables(formula);
  return name.split(':').map((part) => {
    if (vars.includes(part)) return { variable: part, level: null };
    const v = vars.find((x) => part.startsWith(x) && part.length > x.length);
    return v ? { variable: v, level: part.slice(v.length) } : { variable: part, level: null };
  });
}

function partText(p: CoefPart): string {
  return p.level === null ? p.variable : `${p.variable} = ${p.level}`;
}

/** One sentence for a fixed effect. */
export function interpretFixedEffect(result: FitResult, name: string): string {
  const est = result.fixef[name];
  if (est === undefined) return `${name} is not a fixed effect of this model.`;
  const y = responseLabel(result);
  const stats = testText(result, name);
  const isIntercept = name === '(Intercept)';
  const parts = isIntercept ? [] : parseCoefName(result.formula, name);
  const others = result.coefnames.filter((c) => c !== '(Intercept)').length > 1 ? ', holding the other predictors constant' : '';
  // what a one-unit / one-level change of this coefficient means
  const change = (): string => {
    if (parts.length === 1) {
      const p = parts[0];
      if (p.level === null) return `Each one-unit increase in ${p.variable}`;
      if (isBasis(p.variable)) return `Each one-unit increase in column ${p.level} of ${p.variable}`;
      if (isLogical(p)) return `Having ${p.variable} TRUE rather than FALSE`;
      return `Having ${p.variable} = ${p.level} rather than the reference level`;
    }
    return '';
  };
  const interaction = (effect: string): string => {
    const [first, ...rest] = parts;
    const by = rest.map((p) => (p.level === null ? `for each one-unit increase in ${p.variable}` : `when ${p.variable} = ${p.level} rather than the reference level`)).join(' and ');
    const what = first.level === null ? `The effect of ${first.variable}` : `The difference for ${partText(first)}`;
    return `${what} on ${y} ${effect} ${by} (interaction ${name}; ${stats}).`;
  };
  if (result.family === 'gaussian') {
    if (isIntercept) return `When all predictors are zero (or at their reference levels), the expected ${y} is ${fmtNum(est)} (${stats}).`;
    const dir = est >= 0 ? 'higher' : 'lower';
    if (parts.length > 1) return interaction(`is ${fmtNum(Math.abs(est))} ${dir === 'higher' ? 'larger' : 'smaller'}`);
    return `${change()} is associated with a ${fmtNum(Math.abs(est))} ${dir} ${y}${others} (${stats}).`;
  }
  const ratio = Math.exp(est);
  if (result.family === 'binomial' && result.link === 'logit') {
    if (isIntercept) return `When all predictors are zero (or at their reference levels), the odds of ${y} are ${fmtNum(ratio)} (probability ${fmtNum(ratio / (1 + ratio))}; log-odds ${fmtNum(est)}, ${stats}).`;
    if (parts.length > 1) return interaction(`on the odds is multiplied by ${fmtNum(ratio)}`).replace(` on ${y} on the odds`, ` on the odds of ${y}`);
    return `${change()} multiplies the odds of ${y} by ${fmtNum(ratio)}${others} (log-odds ${fmtNum(est)}, ${stats}).`;
  }
  if (result.link === 'log' && result.family !== 'binomial') {
    // a log link on a mean (Poisson, negative binomial, Gamma, inverse Gaussian): ratios of expected values
    const rate = ratioKind(result) === 'rate ratio';
    if (isIntercept) return `When all predictors are zero (or at their reference levels), the expected ${y} is ${fmtNum(ratio)} (log ${fmtNum(est)}, ${stats}).`;
    if (parts.length > 1) return interaction(`is multiplied by ${fmtNum(ratio)}`);
    return `${change()} multiplies the expected ${y} by ${fmtNum(ratio)}${others} (${rate ? 'log rate ratio' : 'log ratio of means'} ${fmtNum(est)}, ${stats}).`;
  }
  return `The coefficient of ${name} is ${fmtNum(est)} on the ${result.link} scale (${stats}).`;
}

function plural(group: string): string {
  if (/^[a-z]+$/.test(group)) return /(s|x|ch|sh)$/.test(group) ? `${group}es` : `${group}s`;
  return `levels of ${group}`;
}

/** One sentence for a row of VarCorr (a variance, a correlation or the residual). */
export function interpretVarCorr(result: FitResult, row: VarCorrRow): string {
  const y = responseLabel(result);
  const scale = result.family === 'gaussian' ? y : `${y} (on the ${result.link} scale)`;
  if (row.grp === 'Residual') {
    return `Within groups, observations of ${y} scatter around their group's prediction with a residual SD of ${fmtNum(row.sdcor)} (variance ${fmtNum(row.vcov)}).`;
  }
  const g = baseGroup(row.grp, result);
  if (row.var2 !== null) {
    const strength = Math.abs(row.sdcor) < 0.1 ? 'essentially uncorrelated' : row.sdcor > 0 ? 'positively correlated' : 'negatively correlated';
    return `Across ${plural(g)}, the random ${row.var1} and ${row.var2} effects are ${strength} (r = ${row.sdcor.toFixed(2)}).`;
  }
  const sd = row.sdcor;
  if (row.var1 === '(Intercept)') {
    return `The average ${scale} varies between ${plural(g)} with SD ${fmtNum(sd)} (variance ${fmtNum(row.vcov)}): about 95% of ${plural(g)} have an intercept within ±${fmtNum(1.96 * sd)} of the overall intercept.`;
  }
  const fe = result.fixef[row.var1 ?? ''];
  const range = fe !== undefined ? `; about 95% of ${plural(g)} have a ${row.var1} effect between ${fmtNum(fe - 1.96 * sd)} and ${fmtNum(fe + 1.96 * sd)}` : '';
  return `The effect of ${row.var1} on ${scale} varies between ${plural(g)} with SD ${fmtNum(sd)} (variance ${fmtNum(row.vcov)})${range}.`;
}

/** The ICC sentence, e.g. '22% of the variance in mathach lies between schools (ICC = 0.22).' */
export function interpretIcc(result: FitResult, iccResult: IccResult): string {
  const y = responseLabel(result);
  if (!iccResult.applicable || iccResult.icc === null) return iccResult.reason ?? 'The ICC is not available for this model.';
  const latent = result.family === 'gaussian' ? '' : ' (on the latent scale)';
  if (iccResult.groups.length === 1) {
    const g = iccResult.groups[0];
    return `${Math.round(100 * g.icc)}% of the variance in ${y}${latent} lies between ${plural(g.group)} (ICC = ${g.icc.toFixed(2)}).`;
  }
  const each = iccResult.groups.map((g) => `${Math.round(100 * g.icc)}% between ${plural(g.group)}`).join(', ');
  return `${Math.round(100 * iccResult.icc)}% of the variance in ${y}${latent} lies between groups (${each}).`;
}

/** One sentence for a likelihood-ratio test row of an anova table (against the row before it). */
export function interpretLrt(row: AnovaRow, previous: AnovaRow): string {
  if (row.Chisq === null || row.Df === null) return `${row.name} is the reference model of the comparison.`;
  if (row.p === null) return `${row.name} and ${previous.name} have the same number of parameters, so no likelihood-ratio test is possible; compare their AIC (${fmtNum(row.AIC, 1)} vs ${fmtNum(previous.AIC, 1)}).`;
  const sig = row.p < 0.05;
  const stat = `χ²(${row.Df}) = ${row.Chisq.toFixed(2)}, ${apaP(row.p)}`;
  const first = sig
    ? `${row.name} fits significantly better than ${previous.name} (${stat}).`
    : `${row.name} does not fit significantly better than ${previous.name} (${stat}); the simpler model is adequate.`;
  if (typeof row.pBoundary !== 'number') return first;
  const dAic = row.AIC - previous.AIC;
  const mixture = row.Df === 1 ? 'half the χ²(1) p-value' : `the 50:50 mixture of χ²(${row.Df - 1}) and χ²(${row.Df})`;
  return `${first} The added variance is tested on its boundary (a variance cannot be negative), so ${mixture} is the better reference: ${apaP(row.pBoundary)}; ΔAIC = ${dAic.toFixed(1)} (${dAic < 0 ? row.name : previous.name} has the lower AIC).`;
}

/** The R² sentence: 'The fixed effects explain 28% of the variance in Reaction (marginal R² = 0.28); with the random effects, 80% (conditional R² = 0.80).' */
export function interpretR2(result: FitResult, r2: { marginal: number; conditional: number }): string {
  const y = responseLabel(result);
  const latent = result.family === 'gaussian' ? '' : ' (on the latent scale)';
  return `The fixed effects explain ${Math.round(100 * r2.marginal)}% of the variance in ${y}${latent} (marginal R² = ${r2.marginal.toFixed(2)}); with the random effects, ${Math.round(100 * r2.conditional)}% (conditional R² = ${r2.conditional.toFixed(2)}).`;
}

/** A sentence for one row of a confidence-interval table (profile, Wald or bootstrap). */
export function interpretInterval(table: { method: string; level: number; labels: string[]; lower: (number | null)[]; upper: (number | null)[] }, i: number): string {
  const label = table.labels[i];
  const lo = table.lower[i];
  const hi = table.upper[i];
  const pct = `${Math.round(100 * table.level)}%`;
  const method = table.method === 'boot' || table.method === 'bootstrap' ? 'parametric bootstrap' : table.method;
  let what = label;
  const m = /^(sd|cor)_(.+)\|(.+)$/.exec(label);
  if (m && m[1] === 'sd') what = `the SD of the ${m[2]} across levels of ${m[3]}`;
  else if (m) what = `the correlation ${m[2].replace('.', ' / ')} across levels of ${m[3]}`;
  else if (label === 'sigma') what = 'the residual SD';
  if (lo === null || hi === null) return `No ${pct} ${method} interval is available for ${what}.`;
  const excludesZero = !m && label !== 'sigma' && (lo > 0 || hi < 0);
  const tail = m || label === 'sigma' ? '' : excludesZero ? '; it excludes 0' : '; it includes 0';
  return `The ${pct} ${method} interval for ${what} runs from ${fmtNum(lo)} to ${fmtNum(hi)}${tail}.`;
}
