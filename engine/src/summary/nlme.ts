/**
 * nlme's print(summary(lme)) layout (print.summary.lme, print.reStruct, print.summary.pdMat,
 * print.summary.corStruct / varFunc, print.correlation) for any gaussian FitResult: models fitted
 * by nlme's likelihood (correlation:/variance:) print it by default, lme4 fits with `--style nlme`.
 * The DF column shows the fit's df method (nlme's between/within for nlme fits).
 */
import type { FitResult } from '../result';
import { FormulaSyntaxError, type Node } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { FORMULA_FUNCTIONS } from '../formula/functions';
import { parseFormula } from '../formula/parser';
import { abbreviate } from './abbreviate';
import { printCharMatrix, printNamedVector } from './rprint';
import { formatR, quantiles5, roundR, zapsmall } from './rformat';
import type { SummaryOptions } from './sections';

const COR_NAMES: Record<string, string> = {
  corAR1: 'AR(1)',
  corCAR1: 'Continuous AR(1)',
  corCompSymm: 'Compound symmetry',
  corSymm: 'General correlation',
};
const VAR_NAMES: Record<string, string> = {
  varIdent: 'Different standard deviations per stratum',
  varPower: 'Power of variance covariate',
  varExp: 'Exponential of variance covariate',
  varConstPower: 'Constant plus power of variance covariate',
};

/** The random-effects bars of the formula (`lhs | group`) and the fixed part deparsed as R does. */
function splitFormula(formula: string): { fixed: string; bars: { lhs: string; group: Node }[] } {
  let ast;
  try {
    ast = parseFormula(formula, { functions: FORMULA_FUNCTIONS });
  } catch (e) {
    if (e instanceof FormulaSyntaxError) return { fixed: formula, bars: [] };
    throw e;
  }
  const bars: { lhs: string; group: Node }[] = [];
  const keep: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 'binary' && n.op === '+') {
      walk(n.left);
      walk(n.right);
    } else if (n.type === 'paren' && n.expr.type === 'binary' && (n.expr.op === '|' || n.expr.op === '||')) {
      bars.push({ lhs: deparse(n.expr.left), group: n.expr.right });
    } else keep.push(n);
  };
  walk(ast.rhs);
  const rhs = keep.length ? keep.map(deparse).join(' + ') : '1';
  return { fixed: `${ast.lhs ? deparse(ast.lhs) : ''} ~ ${rhs}`.trim(), bars };
}

/** nlme's one-sided formula of a random term: '~1', '~cses', '~age + Sex'. */
function pdFormula(lhs: string): string {
  const t = lhs.replace(/^1\s*\+\s*/, '');
  return `~${t === '' ? '1' : t}`;
}

/** The factors named in a grouping expression (`batch/cask` → batch, cask). */
function groupParts(node: Node): string[] {
  if (node.type === 'binary' && (node.op === '/' || node.op === ':')) return [...groupParts(node.left), ...groupParts(node.right)];
  if (node.type === 'paren') return groupParts(node.expr);
  return [deparse(node)];
}

/** print of a 1-row numeric matrix with row name 'StdDev:' (each column formatted separately). */
function stdDevRow(names: string[], values: number[]): string[] {
  const cells = values.map((v) => formatR([v])[0].trim());
  const w = names.map((n, i) => Math.max(n.length, cells[i].length));
  return [' '.repeat(7) + names.map((n, i) => ' ' + n.padStart(w[i])).join(''), 'StdDev:' + cells.map((c, i) => ' ' + c.padStart(w[i])).join('')];
}

/** print.data.frame of formatted columns (row names left-justified, cells and headers right-justified). */
function dataFrameLines(rowNames: string[], colNames: string[], cols: string[][]): string[] {
  const rw = Math.max(0, ...rowNames.map((s) => s.length));
  const w = colNames.map((c, j) => Math.max(c.length, ...cols[j].map((s) => s.length)));
  const lines = [' '.repeat(rw) + colNames.map((c, j) => ' ' + c.padStart(w[j])).join('')];
  rowNames.forEach((r, i) => lines.push(r.padEnd(rw) + cols.map((col, j) => ' ' + col[i].padStart(w[j])).join('')));
  return lines;
}

/** nlme's print.correlation body: lower triangle rounded to 3 digits, columns abbreviated. */
function correlationMatrixLines(names: string[], corr: (i: number, j: number) => number, abbrev: boolean): string[] {
  const p = names.length;
  const vals: number[] = [];
  for (let j = 0; j < p; j++) for (let i = j + 1; i < p; i++) vals.push(roundR(corr(i, j), 3));
  const f = formatR(vals);
  const cells: string[][] = [];
  for (let i = 1; i < p; i++) {
    const row: string[] = [];
    for (let j = 0; j < p - 1; j++) {
      // index of (i, j) in the column-major lower triangle
      const idx = j < i ? j * p - (j * (j + 1)) / 2 + (i - j - 1) : -1;
      row.push(idx >= 0 ? f[idx] : '');
    }
    cells.push(row);
  }
  const colNames = (abbrev ? abbreviate(names, 6) : names).slice(0, p - 1);
  return printCharMatrix(names.slice(1), colNames, cells, { right: false });
}

function nlmeBic(r: FitResult): number {
  if (r.fitter === 'nlme') return r.BIC;
  const n = r.REML ? r.nobs - r.coefnames.length : r.nobs;
  return -2 * r.logLik + r.df * Math.log(n);
}

function randomEffectLines(r: FitResult, bars: { lhs: string; group: Node }[]): string[] {
  const rows = r.varcorr.filter((v) => v.grp !== 'Residual');
  const base = (g: string) => g.replace(/\.\d+$/, '');
  const groups = [...new Set(rows.map((v) => base(v.grp)))].filter((g) => g in r.ngrps).sort((a, b) => r.ngrps[a] - r.ngrps[b]);
  // nlme's level names: inner %in% outer, from the factor names of the nested terms
  const short: string[] = [];
  groups.forEach((g, i) => {
    const prev = i > 0 ? groups[i - 1] : null;
    short.push(prev && g.endsWith(':' + prev) ? g.slice(0, g.length - prev.length - 1) : g);
  });
  const out = ['Random effects:'];
  groups.forEach((g, li) => {
    const level = short.slice(0, li + 1).reverse().join(' %in% ');
    const resid = li === groups.length - 1;
    const bar = bars.find((b) => {
      const parts = groupParts(b.group);
      return parts.join(':') === g || parts[parts.length - 1] === short[li] || deparse(b.group) === g;
    });
    out.push(` Formula: ${pdFormula(bar?.lhs ?? '1')} | ${level}`);
    const mine = rows.filter((v) => base(v.grp) === g);
    const sds = mine.filter((v) => v.var2 === null);
    const names = sds.map((v) => v.var1 ?? '(Intercept)');
    const sigma = r.sigma;
    const hasCorr = mine.some((v) => v.var2 !== null);
    if (sds.length === 1) {
      out.push(...stdDevRow(resid ? [...names, 'Residual'] : names, resid ? [sds[0].sdcor, sigma] : [sds[0].sdcor]));
    } else if (!hasCorr) {
      out.push(' Structure: Diagonal');
      out.push(...stdDevRow(resid ? [...names, 'Residual'] : names, resid ? [...sds.map((v) => v.sdcor), sigma] : sds.map((v) => v.sdcor)));
    } else {
      out.push(' Structure: General positive-definite, Log-Cholesky parametrization');
      const k = names.length;
      const sdStr = formatR(resid ? [...sds.map((v) => v.sdcor), sigma] : sds.map((v) => v.sdcor));
      const corrOf = (i: number, j: number) => mine.find((v) => v.var2 !== null && ((v.var1 === names[i] && v.var2 === names[j]) || (v.var1 === names[j] && v.var2 === names[i])))?.sdcor ?? 0;
      const vals: number[] = [];
      for (let j = 0; j < k; j++) for (let i = j + 1; i < k; i++) vals.push(roundR(corrOf(i, j), 3));
      const f = formatR(vals);
      const colNames = ['StdDev', 'Corr', ...new Array(Math.max(0, k - 2)).fill('')];
      const abbr = abbreviate(names, 6);
      const cells: string[][] = names.map((_, i) => {
        const row = [sdStr[i]];
        for (let j = 0; j < k - 1; j++) {
          if (i === 0) row.push(abbr[j]);
          else row.push(j < i ? f[j * k - (j * (j + 1)) / 2 + (i - j - 1)] : '');
        }
        return row;
      });
      const rowNames = [...names];
      if (resid) {
        rowNames.push('Residual');
        cells.push([sdStr[k], ...new Array(k - 1).fill('')]);
      }
      out.push(...printCharMatrix(rowNames, colNames, cells, { right: false }));
    }
    out.push('');
  });
  return out;
}

function correlationStructureLines(r: FitResult): string[] {
  const c = r.correlationStructure;
  if (!c) return [];
  const arma = /^corARMA$/.test(c.type) ? `ARMA(${c.names.filter((n) => n.startsWith('Phi')).length},${c.names.filter((n) => n.startsWith('Theta')).length})` : null;
  const out = [`Correlation Structure: ${arma ?? COR_NAMES[c.type] ?? c.type}`, ` Formula: ${c.form} `, ' Parameter estimate(s):'];
  if (c.type === 'corSymm') {
    const m = Math.round((1 + Math.sqrt(1 + 8 * c.parameters.length)) / 2);
    const C = (i: number, j: number) => {
      const [a, b] = i > j ? [i, j] : [j, i];
      return c.parameters[b * m - (b * (b + 1)) / 2 + (a - b - 1)];
    };
    out.push(' Correlation: ', ...correlationMatrixLines(Array.from({ length: m }, (_, i) => String(i + 1)), C, false));
  } else {
    out.push(...printNamedVector(c.names, formatR(c.parameters)));
  }
  return out;
}

function varianceFunctionLines(r: FitResult): string[] {
  const v = r.varianceFunction;
  if (!v) return [];
  if (v.type === 'varFixed') return ['Variance function:', ' Structure: fixed weights', ` Formula: ${v.form} `];
  let names = Object.keys(v.parameters);
  let values = Object.values(v.parameters);
  let struct = VAR_NAMES[v.type] ?? v.type;
  if (v.type === 'varIdent') {
    // allCoef: the reference stratum with 1 first
    names = [v.strata?.[0] ?? '1', ...names];
    values = [1, ...values];
  } else if (names.length > 0 && !['power', 'expon', 'const'].includes(names[0])) struct += ', different strata';
  return ['Variance function:', ` Structure: ${struct}`, ` Formula: ${v.form} `, ' Parameter estimates:', ...printNamedVector(names, formatR(values))];
}

/** nlme's summary print of a gaussian fit. opts.data: the CSV path (its base name is printed). */
export function formatNlmeSummary(r: FitResult, opts: SummaryOptions = {}): string {
  const { fixed, bars } = splitFormula(r.formula);
  const out: string[] = [`Linear mixed-effects model fit by ${r.REML ? 'REML' : 'maximum likelihood'}`];
  if (opts.data) out.push(`  Data: ${opts.data.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '')}`);
  const stats = [r.AIC, nlmeBic(r), r.logLik].map((x) => formatR([x])[0].trim());
  out.push(...dataFrameLines([' '], ['AIC', 'BIC', 'logLik'], stats.map((s) => [s])));
  out.push('');
  out.push(...randomEffectLines(r, bars));
  out.push(...correlationStructureLines(r));
  out.push(...varianceFunctionLines(r));
  out.push(`Fixed effects:  ${fixed} `);
  const names = r.coefnames;
  const t = names.map((n) => r.tests?.[n]);
  const col = (xs: number[]) => formatR(zapsmall(xs, 7));
  const value = names.map((n) => r.fixef[n]);
  const se = names.map((n, i) => t[i]?.se ?? r.se[n]);
  const df = t.map((x) => x?.df ?? NaN);
  const tv = names.map((_, i) => value[i] / se[i]);
  const p = t.map((x) => (x?.p === null || x?.p === undefined ? NaN : roundR(x.p, 4)));
  const cols = [col(value), col(se), df.every(Number.isFinite) ? col(df) : df.map(() => 'Inf'), col(tv), formatR(p)];
  out.push(...dataFrameLines(names, ['Value', 'Std.Error', 'DF', 't-value', 'p-value'], cols));
  if (names.length > 1) {
    out.push(' Correlation: ');
    const v = r.vcov;
    out.push(...correlationMatrixLines(names, (i, j) => v[i][j] / Math.sqrt(v[i][i] * v[j][j]), true));
  }
  out.push('', 'Standardized Within-Group Residuals:');
  const q = r.scaledResidualQuantiles ?? quantiles5((r.residuals ?? []).map((e) => e / r.sigma));
  out.push(...printNamedVector(['Min', 'Q1', 'Med', 'Q3', 'Max'], formatR(q)));
  out.push('', `Number of Observations: ${r.nobs}`);
  const levels = Object.entries(r.ngrps).sort((a, b) => a[1] - b[1]);
  if (levels.length === 1) out.push(`Number of Groups: ${levels[0][1]} `);
  else {
    const short: string[] = [];
    levels.forEach(([g], i) => {
      const prev = i > 0 ? levels[i - 1][0] : null;
      short.push(prev && g.endsWith(':' + prev) ? g.slice(0, g.length - prev.length - 1) : g);
    });
    const labels = short.map((_, i) => short.slice(0, i + 1).reverse().join(' %in% '));
    out.push('Number of Groups: ', ...printNamedVector(labels, formatR(levels.map(([, n]) => n))));
  }
  return out.join('\n') + '\n';
}
