/**
 * Estimated marginal means and their pairwise contrasts, as emmeans computes them for a merMod:
 * the reference grid holds every combination of the levels of the model's factors (data columns
 * that enter the fixed part as factors) with numeric columns at their means over the rows used
 * (or at the values of `at`); the grid's fixed-effects rows are built by the same formula
 * evaluation as predictions (predict.ts fixedDesign), so an interaction of two covariates is
 * evaluated at the product of their means, as emmeans does. A mean of the specs' levels averages
 * the grid rows with equal weights over the other factors. SEs come from vcov(β) and df from the
 * fit's df method (Satterthwaite, Kenward-Roger or asymptotic); pairs are all differences of the
 * means within each `by` group, with Tukey (studentized range), Bonferroni, Holm or no adjustment.
 * GLMMs: on the link scale by default; with type 'response' as emmeans' type = "response": means
 * back-transformed by the inverse link with delta-method SEs (|dμ/dη|·SE) and the link-scale interval
 * transformed; contrasts of a logit or log link become odds ratios or ratios (exp of the difference,
 * SE exp(d)·SE, tested on the link scale), other links keep differences on the link scale.
 * Nothing is refitted.
 */
import { MlmError, type SourceRange } from '../diagnostics';
import type { DataTable, DataColumn } from '../data/types';
import type { ModelFrame } from '../frame/types';
import type { ModelDecl } from '../mlmfile/types';
import type { FitResult } from '../result';
import { evalVariable } from '../frame/evaluate';
import { identifiersOf, modelStructure } from '../frame/structure';
import { suggestName } from '../formula/suggest';
import { fixedDesign, fixedPartVariance } from './predict';
import { normalUpper, ptukey, qt, tTwoSided } from './distributions';
import type { ContrastDf } from './dfmethod';
import { LINKS } from '../glmm/family';
import type { LinkName } from '../frame/types';

export type PAdjust = 'tukey' | 'bonferroni' | 'holm' | 'none';
/** emmeans' type: the link scale (default) or the response scale (back-transformed). */
export type MeansType = 'link' | 'response';

export interface MeansOptions {
  /** Factors whose levels get a mean (data column names, or the formula's variable such as factor(x)). */
  specs: string[];
  /** Factors that split the means and contrasts into groups. */
  by?: string[];
  /** Values of covariates (numbers) or factors (a level) in the grid. */
  at?: Record<string, string>;
  adjust?: PAdjust;
  level?: number;
  /** 'response': back-transformed means and ratios of GLMMs (emmeans' type = "response"). */
  type?: MeansType;
  /** Where the request came from (the `means:` line), for located errors. */
  range?: SourceRange;
}

export interface MeanRow {
  /** Level of each spec and by factor. */
  levels: Record<string, string>;
  emmean: number;
  SE: number;
  /** Infinity for asymptotic (z) inference. */
  df: number;
  lower: number;
  upper: number;
  /** The row of L (coefficient weights) that gives the mean. */
  weights: number[];
  /** On the response scale: the link-scale mean, SE and interval it was transformed from. */
  link?: { emmean: number; SE: number; lower: number; upper: number };
}

export interface ContrastRow {
  /** emmeans' label, e.g. 'Public - Catholic' or 'denomina1 - denomina2'. */
  contrast: string;
  by: Record<string, string>;
  estimate: number;
  SE: number;
  df: number;
  /** t ratio (z ratio when df is infinite). */
  ratio: number;
  /** Adjusted p-value. */
  p: number;
  /** Ratios (odds ratios, ratios): the value under the null hypothesis, 1 (emmeans' `null` column). */
  null?: number;
}

export interface MeansResult {
  specs: string[];
  by: string[];
  /** Covariates of the grid and their values (means or `at`). */
  covariates: Record<string, number>;
  dfMethod: string;
  adjust: PAdjust;
  level: number;
  /** The scale of the means and contrasts. */
  type: MeansType;
  /** emmeans' name of the mean column: emmean (link scale), prob (binomial), rate (Poisson), response. */
  meanName: 'emmean' | 'prob' | 'rate' | 'response';
  /** emmeans' name of the contrast column: estimate (differences), odds.ratio (logit), ratio (log). */
  contrastName: 'estimate' | 'odds.ratio' | 'ratio';
  means: MeanRow[];
  pairs: ContrastRow[];
  /** Lines emmeans prints below its tables ('Results are averaged over the levels of: ...'). */
  notes: string[];
}

export interface GridVariable {
  column: string;
  kind: 'factor' | 'covariate';
  /** Factor levels (in the fit's order) or the covariate's mean over the rows used. */
  levels: string[];
  mean: number;
  /** The formula's variable text that names it (e.g. 'factor(denomina)'). */
  variables: string[];
}

export interface GridInput {
  model: ModelDecl;
  /** The data table after the document's derive:/factors:/levels: (the fit's training table). */
  table: DataTable;
  frame: ModelFrame;
}

/** gridVariables by frame and model declaration: the effect plots, the means: lines and the hovers' factor means share one pass over the rows. */
const gridCache = new WeakMap<ModelFrame, WeakMap<ModelDecl, { table: DataTable; vars: GridVariable[] }>>();

/** The data columns of the fixed part and whether each is a factor (with its levels) or a covariate (with its mean). */
export function gridVariables(input: GridInput): GridVariable[] {
  let byModel = gridCache.get(input.frame);
  if (!byModel) gridCache.set(input.frame, (byModel = new WeakMap()));
  const hit = byModel.get(input.model);
  if (hit && hit.table === input.table) return hit.vars.map((g) => ({ ...g, levels: g.levels.slice(), variables: g.variables.slice() }));
  const vars = computeGridVariables(input);
  byModel.set(input.model, { table: input.table, vars });
  return vars.map((g) => ({ ...g, levels: g.levels.slice(), variables: g.variables.slice() }));
}

function computeGridVariables(input: GridInput): GridVariable[] {
  const st = modelStructure(input.model);
  const ctx = { table: input.table, locate: st.locate };
  const out = new Map<string, GridVariable>();
  const used = new Set(st.fixed.terms.flatMap((t) => t.vars));
  const nodes = [...st.fixed.variables.filter((_, i) => used.has(i)).map((v) => ({ node: v.node, name: v.name })), ...st.fixed.offsets.map((o) => ({ node: o, name: '' }))];
  const rows = input.frame.rows;
  for (const { node, name } of nodes) {
    const ids = [...new Set(identifiersOf(node).map((x) => x.name))].filter((c) => input.table.columns.has(c));
    let factorLevels: string[] | null = null;
    if (name) {
      const v = evalVariable(node, ctx);
      if (v.kind === 'factor' && ids.length === 1) {
        const seen = new Uint8Array(v.levels.length);
        for (const r of rows) if (v.codes[r] >= 0) seen[v.codes[r]] = 1;
        factorLevels = v.levels.filter((_, l) => seen[l]);
      }
    }
    for (const c of ids) {
      const col = input.table.columns.get(c) as DataColumn;
      let g = out.get(c);
      if (!g) {
        if (factorLevels) g = { column: c, kind: 'factor', levels: factorLevels, mean: NaN, variables: [] };
        else if (col.kind === 'text') {
          const seen = new Uint8Array(col.levels.length);
          for (const r of rows) if (col.codes[r] >= 0) seen[col.codes[r]] = 1;
          g = { column: c, kind: 'factor', levels: col.levels.filter((_, l) => seen[l]), mean: NaN, variables: [] };
        } else {
          let s = 0;
          for (const r of rows) s += col.values[r];
          g = { column: c, kind: 'covariate', levels: [], mean: s / rows.length, variables: [] };
        }
        out.set(c, g);
      }
      if (name && !g.variables.includes(name)) g.variables.push(name);
    }
  }
  return [...out.values()];
}

/** The grid column of a name given by the user: the column itself or a formula variable such as factor(x). */
function resolveName(name: string, vars: GridVariable[], what: string, model: string, range?: SourceRange): GridVariable {
  const g = vars.find((v) => v.column === name) ?? vars.find((v) => v.variables.includes(name));
  if (g) return g;
  const factors = vars.filter((v) => v.kind === 'factor');
  const s = suggestName(name, vars.map((v) => v.column));
  const list = factors.length ? `its factors: ${factors.map((v) => v.column).join(', ')}` : 'it has no factor';
  throw new MlmError({
    code: 'means-unknown',
    message: `${what} '${name}' is not a variable of the fixed part of model ${model}${s ? ` (did you mean '${s}'?)` : ''}; ${list}`,
    range,
    ...(s ? { data: { suggestion: s } } : {}),
  });
}

/** Numeric-looking levels are labelled with their factor's name in contrasts ('denomina1'), as emmeans does. */
function levelLabel(g: GridVariable, level: string): string {
  return /^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(level) ? `${g.column}${level}` : level;
}

/** Two-sided p of a t (or z when df is infinite) ratio. */
function pTwoSided(t: number, df: number): number {
  return Number.isFinite(df) ? tTwoSided(t, df) : 2 * normalUpper(Math.abs(t));
}

/** p-values adjusted for a family of m tests (Holm: step-down over the family). */
export function adjustP(ps: number[], method: 'bonferroni' | 'holm' | 'none'): number[] {
  const m = ps.length;
  if (method === 'none') return ps.slice();
  if (method === 'bonferroni') return ps.map((p) => Math.min(1, p * m));
  const order = ps.map((_, i) => i).sort((a, b) => ps[a] - ps[b]);
  const out = new Array<number>(m);
  let run = 0;
  order.forEach((i, k) => {
    run = Math.max(run, Math.min(1, (m - k) * ps[i]));
    out[i] = run;
  });
  return out;
}

/** A linear function of β: estimate, SE, df and two-sided test (t, or z when df is infinite). */
export function linearFunction(L: number[], beta: number[], dfm: ContrastDf): { estimate: number; SE: number; df: number; ratio: number; p: number } {
  const estimate = L.reduce((s, v, i) => s + v * beta[i], 0);
  const SE = Math.sqrt(fixedPartVariance(L, dfm.vcov));
  const df = dfm.df(L);
  const ratio = estimate / SE;
  return { estimate, SE, df, ratio, p: pTwoSided(ratio, df) };
}

/** Estimated marginal means of `specs` (see the file comment). */
export function marginalMeans(input: GridInput & { result: FitResult; dfMethod: ContrastDf }, opts: MeansOptions): MeansResult {
  const { result, frame } = input;
  const vars = gridVariables(input);
  const modelName = input.model.name;
  const specs = opts.specs.map((s) => resolveName(s, vars, 'means:', modelName, opts.range));
  const by = (opts.by ?? []).map((s) => resolveName(s, vars, 'by', modelName, opts.range));
  for (const g of [...specs, ...by]) {
    if (g.kind !== 'factor') {
      throw new MlmError({
        code: 'means-covariate',
        message: `'${g.column}' is a numeric covariate of model ${modelName}, not a factor: marginal means are for factors (set a covariate's value with at ${g.column} = VALUE)`,
        range: opts.range,
      });
    }
  }
  const at = new Map<string, string>();
  for (const [name, value] of Object.entries(opts.at ?? {})) {
    const g = resolveName(name, vars, 'at', modelName, opts.range);
    if (g.kind === 'covariate') {
      const x = Number(value);
      if (value.trim() === '' || !Number.isFinite(x)) {
        throw new MlmError({ code: 'means-at-type', message: `at ${name} = '${value}': ${g.column} is numeric in model ${modelName}, so its value must be a number`, range: opts.range });
      }
    } else if (!g.levels.includes(value)) {
      const s = suggestName(value, g.levels);
      throw new MlmError({
        code: 'means-at-type',
        message: `at ${name} = '${value}': ${g.column} is a factor in model ${modelName} and '${value}' is not one of its levels (${g.levels.join(', ')})${s ? `; did you mean '${s}'?` : ''}`,
        range: opts.range,
      });
    }
    at.set(g.column, value);
  }
  // the grid: every combination of factor levels (first factor fastest), covariates at their means or `at`
  const factors = vars.filter((v) => v.kind === 'factor');
  const gridLevels = factors.map((f) => (at.has(f.column) ? [at.get(f.column)!] : f.levels));
  const nGrid = gridLevels.reduce((s, l) => s * l.length, 1);
  if (nGrid > 200000) throw new MlmError({ code: 'means-grid', message: `the reference grid of model ${modelName} would have ${nGrid} rows; fix some factors with at`, range: opts.range });
  const codes = factors.map(() => new Int32Array(nGrid));
  for (let r = 0; r < nGrid; r++) {
    let rest = r;
    factors.forEach((_, k) => {
      codes[k][r] = rest % gridLevels[k].length;
      rest = Math.floor(rest / gridLevels[k].length);
    });
  }
  const columns = new Map<string, DataColumn>();
  const covariates: Record<string, number> = {};
  const empty = new Array<string>(nGrid).fill('');
  factors.forEach((f, k) => columns.set(f.column, { kind: 'text', name: f.column, codes: codes[k], levels: gridLevels[k], raw: Array.from(codes[k], (c) => gridLevels[k][c]) }));
  for (const v of vars) {
    if (v.kind !== 'covariate') continue;
    const x = at.has(v.column) ? Number(at.get(v.column)) : v.mean;
    covariates[v.column] = x;
    columns.set(v.column, { kind: 'numeric', name: v.column, values: new Float64Array(nGrid).fill(x), raw: empty });
  }
  const grid: DataTable = { fileName: 'reference grid', nrow: nGrid, names: [...columns.keys()], columns };
  const design = fixedDesign({ model: input.model, trainTable: input.table, frame, newTable: grid });
  const p = frame.coefnames.length;
  const beta = frame.coefnames.map((c) => result.fixef[c]);
  // cells: combinations of spec levels (first spec fastest) within by combinations
  const cellVars = [...specs, ...by];
  const cellIdx = cellVars.map((g) => factors.indexOf(g));
  const cellLevels = cellIdx.map((k) => gridLevels[k]);
  const nCells = cellLevels.reduce((s, l) => s * l.length, 1);
  const sums = Array.from({ length: nCells }, () => new Float64Array(p));
  const counts = new Float64Array(nCells);
  for (let r = 0; r < nGrid; r++) {
    let cell = 0;
    let mult = 1;
    cellIdx.forEach((k, i) => {
      cell += codes[k][r] * mult;
      mult *= cellLevels[i].length;
    });
    counts[cell]++;
    for (let j = 0; j < p; j++) sums[cell][j] += design.X[j * nGrid + r];
  }
  const level = opts.level ?? 0.95;
  const means: MeanRow[] = [];
  const cellOf: { specKey: number; byKey: number; levels: Record<string, string> }[] = [];
  const nSpec = specs.reduce((s, g) => s * gridLevels[factors.indexOf(g)].length, 1);
  for (let c = 0; c < nCells; c++) {
    const L = Array.from(sums[c], (v) => v / counts[c]);
    const f = linearFunction(L, beta, input.dfMethod);
    const q = Number.isFinite(f.df) ? qt(0.5 + level / 2, f.df) : qt(0.5 + level / 2, Infinity);
    const levels: Record<string, string> = {};
    let rest = c;
    cellVars.forEach((g, i) => {
      levels[g.column] = cellLevels[i][rest % cellLevels[i].length];
      rest = Math.floor(rest / cellLevels[i].length);
    });
    means.push({ levels, emmean: f.estimate, SE: f.SE, df: f.df, lower: f.estimate - q * f.SE, upper: f.estimate + q * f.SE, weights: L });
    cellOf.push({ specKey: c % nSpec, byKey: Math.floor(c / nSpec), levels });
  }
  const adjust = opts.adjust ?? 'tukey';
  const pairs: ContrastRow[] = [];
  const nBy = nCells / nSpec;
  const specLabel = (c: number) => specs.map((g) => levelLabel(g, cellOf[c].levels[g.column])).join(' ');
  for (let b = 0; b < nBy; b++) {
    const family: ContrastRow[] = [];
    const raw: number[] = [];
    for (let i = 0; i < nSpec; i++) {
      for (let j = i + 1; j < nSpec; j++) {
        const ci = b * nSpec + i;
        const cj = b * nSpec + j;
        const L = means[ci].weights.map((v, k) => v - means[cj].weights[k]);
        const f = linearFunction(L, beta, input.dfMethod);
        const byLevels = Object.fromEntries(by.map((g) => [g.column, cellOf[ci].levels[g.column]]));
        raw.push(f.p);
        family.push({ contrast: `${specLabel(ci)} - ${specLabel(cj)}`, by: byLevels, estimate: f.estimate, SE: f.SE, df: f.df, ratio: f.ratio, p: f.p });
      }
    }
    if (adjust === 'tukey') {
      for (const row of family) row.p = nSpec > 2 ? 1 - ptukey(Math.abs(row.ratio) * Math.SQRT2, nSpec, row.df) : row.p;
    } else {
      const adj = adjustP(raw, adjust);
      family.forEach((row, k) => (row.p = adj[k]));
    }
    pairs.push(...family);
  }
  const notes: string[] = [];
  const averaged = factors.filter((f) => !cellVars.includes(f) && !at.has(f.column));
  if (averaged.length) notes.push(`Results are averaged over the levels of: ${averaged.map((f) => f.column).join(', ')}`);
  const back = opts.type === 'response' && result.link !== 'identity' ? backTransform(result, means, pairs) : null;
  if (result.link !== 'identity' && !back) notes.push(`Results are given on the ${result.link} (not the response) scale.`);
  notes.push(Number.isFinite(means[0]?.df ?? Infinity) ? `Degrees-of-freedom method: ${input.dfMethod.name}` : `Degrees-of-freedom method: ${input.dfMethod.name} (z tests and intervals)`);
  notes.push(`Confidence level used: ${level}`);
  if (back) notes.push(`Intervals are back-transformed from the ${result.link} scale`);
  if (back && back.contrastName === 'estimate' && pairs.length) notes.push(`Note: contrasts are still on the ${result.link} scale`);
  if (nSpec > 2) {
    const m = (nSpec * (nSpec - 1)) / 2;
    if (adjust === 'tukey') notes.push(`P value adjustment: tukey method for comparing a family of ${nSpec} estimates`);
    else if (adjust !== 'none') notes.push(`P value adjustment: ${adjust} method for ${m} tests`);
  }
  if (back && back.contrastName !== 'estimate' && pairs.length) notes.push(`Tests are performed on the ${back.contrastName === 'odds.ratio' ? 'log odds ratio' : 'log'} scale`);
  return {
    specs: specs.map((g) => g.column),
    by: by.map((g) => g.column),
    covariates,
    dfMethod: input.dfMethod.name,
    adjust,
    level,
    type: back ? 'response' : 'link',
    meanName: back?.meanName ?? 'emmean',
    contrastName: back?.contrastName ?? 'estimate',
    means,
    pairs,
    notes,
  };
}

/** emmeans' label of back-transformed means: prob (binomial), rate (Poisson), else response. */
function responseName(family: string): 'prob' | 'rate' | 'response' {
  return family === 'binomial' ? 'prob' : family === 'poisson' ? 'rate' : 'response';
}

/**
 * Means and pairs moved to the response scale in place (emmeans' type = "response"): mean μ = g⁻¹(η)
 * with SE |dμ/dη|·SE_η and the interval's ends transformed; pairs of a logit or log link as ratios
 * exp(d) with SE exp(d)·SE_d (their test statistic and p stay those of the link scale).
 */
function backTransform(result: FitResult, means: MeanRow[], pairs: ContrastRow[]): { meanName: 'prob' | 'rate' | 'response'; contrastName: 'estimate' | 'odds.ratio' | 'ratio' } {
  const link = LINKS[result.link as LinkName];
  if (!link) throw new MlmError({ code: 'means-type', message: `means on the response scale are not available for the ${result.link} link` });
  for (const m of means) {
    m.link = { emmean: m.emmean, SE: m.SE, lower: m.lower, upper: m.upper };
    const a = link.linkinv(m.lower), b = link.linkinv(m.upper);
    m.SE = Math.abs(link.muEta(m.emmean)) * m.SE;
    m.emmean = link.linkinv(m.emmean);
    m.lower = Math.min(a, b);
    m.upper = Math.max(a, b);
  }
  const contrastName = result.link === 'logit' ? 'odds.ratio' : result.link === 'log' ? 'ratio' : 'estimate';
  if (contrastName !== 'estimate') {
    for (const c of pairs) {
      c.contrast = c.contrast.replace(' - ', ' / ');
      c.estimate = Math.exp(c.estimate);
      c.SE = c.estimate * c.SE;
      c.null = 1;
    }
  }
  return { meanName: responseName(result.family), contrastName };
}

/**
 * emmeans' JSON rows: the spec columns, then emmean (prob, rate or response on the response scale), SE, df,
 * lower.CL, upper.CL (asymp.LCL/UCL and df 'Inf' for z); pairs with estimate (odds.ratio or ratio, and null).
 */
export function meansJson(r: MeansResult): { emmeans: Record<string, unknown>[]; pairs: Record<string, unknown>[]; type: MeansType; adjust: PAdjust; df_method: string; notes: string[] } {
  const df = (d: number) => (Number.isFinite(d) ? d : 'Inf');
  return {
    emmeans: r.means.map((m) => {
      const z = !Number.isFinite(m.df);
      return { ...m.levels, [r.meanName]: m.emmean, SE: m.SE, df: df(m.df), [z ? 'asymp.LCL' : 'lower.CL']: m.lower, [z ? 'asymp.UCL' : 'upper.CL']: m.upper };
    }),
    pairs: r.pairs.map((c) => {
      const z = !Number.isFinite(c.df);
      return { contrast: c.contrast, ...c.by, [r.contrastName]: c.estimate, SE: c.SE, df: df(c.df), ...(c.null !== undefined ? { null: c.null } : {}), [z ? 'z.ratio' : 't.ratio']: c.ratio, 'p.value': c.p };
    }),
    type: r.type,
    adjust: r.adjust,
    df_method: r.dfMethod,
    notes: r.notes,
  };
}
