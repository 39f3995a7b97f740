/**
 * The data behind a model's `correlation:` and `variance:`: per used row of the model frame, the
 * correlation group and time, the variance covariate and stratum. Checks nlme's conditions with
 * located errors (integer times for corAR1/corARMA, enough observations per group for corSymm, at least
 * two observations per varIdent stratum, no missing values).
 */
import { MlmError } from '../diagnostics';
import type { DataTable } from '../data/types';
import type { Node } from '../formula/ast';
import { evalNumeric, evalVariable, interactFactors, type EvalContext } from '../frame/evaluate';
import type { ModelFrame } from '../frame/types';
import { nestedLevels } from '../inference/betweenwithin';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { ModelDecl, StructureDecl } from '../mlmfile/types';
import type { CorSpec, VarSpec } from './spec';

export interface CorrelationData {
  spec: CorSpec;
  /** Correlation group (0-based code) of each used row. */
  group: Int32Array;
  groupLevels: string[];
  /** Time of each used row: the covariate, or the position within its group (1, 2, ...) for `~ 1`. */
  time: Float64Array;
  /** corSymm: index 0..m-1 of each row's time among the sorted distinct times; m. */
  timeIndex: Int32Array | null;
  nTimes: number;
}

export interface VarianceData {
  spec: VarSpec;
  covariate: Float64Array | null;
  /** Stratum (0-based, in nlme's order: first appearance after sorting by the grouping factors) of each row. */
  stratum: Int32Array | null;
  strata: string[];
}

export interface StructureData {
  correlation: CorrelationData | null;
  variance: VarianceData | null;
}

function factorOf(node: Node, ctx: EvalContext): { codes: Int32Array; levels: string[] } {
  const parts: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 'binary' && (n.op === ':' || n.op === '/' || n.op === '*')) {
      walk(n.left);
      walk(n.right);
    } else if (n.type === 'paren') walk(n.expr);
    else parts.push(n);
  };
  walk(node);
  const vals = parts.map((p) => {
    const v = evalVariable(p, ctx);
    if (v.kind === 'factor') return { codes: v.codes, levels: v.levels };
    if (v.kind !== 'numeric') throw new MlmError({ code: 'bad-structure', message: 'a grouping or stratum must be a column or a factor', range: ctx.locate(p.span) });
    // a numeric grouping column: its distinct values as levels (as R's factor())
    const uniq = [...new Set(Array.from(v.values).filter((x) => !Number.isNaN(x)))].sort((a: number, b: number) => a - b);
    const index = new Map(uniq.map((u, i) => [u, i]));
    return { codes: Int32Array.from(v.values, (x) => (Number.isNaN(x) ? -1 : index.get(x)!)), levels: uniq.map(String) };
  });
  return vals.length === 1 ? vals[0] : interactFactors(vals);
}

/** Rows in nlme's order: sorted by the grouping factors (outermost first), ties in data order. */
function nlmeOrder(frame: ModelFrame): number[] {
  let levels: ReturnType<typeof nestedLevels> = [];
  try {
    levels = nestedLevels(frame.reTerms);
  } catch {
    levels = [];
  }
  const idx = Array.from({ length: frame.n }, (_, i) => i);
  return idx.sort((a, b) => {
    for (const l of levels) if (l.refs[a] !== l.refs[b]) return l.refs[a] - l.refs[b];
    return a - b;
  });
}

/**
 * Evaluates the structures of a model on the rows its frame uses. Returns null when the model has
 * neither key. Throws located MlmErrors.
 */
export function buildStructureData(decl: ModelDecl, table: DataTable, frame: ModelFrame): StructureData | null {
  const cor = decl.correlation?.spec ?? null;
  const vf = decl.variance?.spec ?? null;
  if (!cor && !vf) return null;
  if (frame.weights)
    throw new MlmError({ code: 'bad-structure', message: "prior 'weights:' cannot be combined with correlation: or variance: (write the weighting as 'variance: varFixed(~ v)')", range: (decl.correlation ?? decl.variance)!.range });
  try {
    nestedLevels(frame.reTerms);
  } catch (e) {
    if (e instanceof MlmError) throw new MlmError({ ...e.diagnostic, range: (decl.correlation ?? decl.variance)!.range });
    throw e;
  }
  const order = nlmeOrder(frame);
  const rows = frame.rows;
  const pick = <T extends Float64Array | Int32Array>(all: T): T => {
    const out = new (all.constructor as { new (n: number): T })(frame.n);
    for (let i = 0; i < frame.n; i++) out[i] = all[rows[i]];
    return out;
  };
  const ctxFor = (d: StructureDecl<unknown>): EvalContext => ({ table, locate: (span) => rangeOfSpan(d, span) });
  const innermost = (): { codes: Int32Array; levels: string[] } => {
    const lv = nestedLevels(frame.reTerms);
    const inner = frame.reTerms.find((t) => t.group === lv[lv.length - 1].name)!;
    return { codes: inner.refs, levels: inner.levels };
  };
  let correlation: CorrelationData | null = null;
  if (cor) {
    const d = decl.correlation!;
    const ctx = ctxFor(d);
    const where = (node: Node | null) => (node ? rangeOfSpan(d, node.span) : d.range);
    const g = cor.form?.groups ? factorOf(cor.form.groups, ctx) : null;
    const group = g ? pick(g.codes) : innermost().codes;
    const groupLevels = g ? g.levels : innermost().levels;
    for (let i = 0; i < frame.n; i++)
      if (group[i] < 0) throw new MlmError({ code: 'missing-values', message: `the correlation group has a missing value in data row ${rows[i] + 2}`, range: where(cor.form?.groups ?? null) });
    let time: Float64Array;
    if (cor.form?.covariate) {
      time = pick(evalNumeric(cor.form.covariate, ctx));
      for (let i = 0; i < frame.n; i++)
        if (Number.isNaN(time[i])) throw new MlmError({ code: 'missing-values', message: `the time covariate is missing in data row ${rows[i] + 2}`, range: where(cor.form.covariate) });
    } else {
      time = new Float64Array(frame.n);
      const count = new Map<number, number>();
      for (const i of order) {
        const c = (count.get(group[i]) ?? 0) + 1;
        count.set(group[i], c);
        time[i] = c;
      }
    }
    // times within a group must be distinct
    const seen = new Map<string, number>();
    for (let i = 0; i < frame.n; i++) {
      const key = `${group[i]}\u0000${time[i]}`;
      if (seen.has(key))
        throw new MlmError({
          code: 'bad-structure',
          message: `two observations of group '${groupLevels[group[i]]}' have the same time ${time[i]} (data rows ${rows[seen.get(key)!] + 2} and ${rows[i] + 2}); ${cor.type} needs distinct times within each group`,
          range: where(cor.form?.covariate ?? null),
        });
      seen.set(key, i);
    }
    if ((cor.type === 'corAR1' || cor.type === 'corARMA' || cor.type === 'corSymm') && cor.form?.covariate) {
      for (let i = 0; i < frame.n; i++)
        if (!Number.isInteger(time[i]))
          throw new MlmError({
            code: 'bad-structure',
            message: `${cor.type} needs an integer time covariate within groups, but data row ${rows[i] + 2} has ${Number(time[i].toPrecision(6))}; use corCAR1 for continuous times`,
            range: where(cor.form.covariate),
          });
    }
    let timeIndex: Int32Array | null = null;
    let nTimes = 0;
    if (cor.type === 'corSymm') {
      const uniq = [...new Set(Array.from(time))].sort((a, b) => a - b);
      const index = new Map(uniq.map((u, i) => [u, i]));
      timeIndex = Int32Array.from(time, (t) => index.get(t)!);
      nTimes = uniq.length;
      const sizes = new Map<number, number>();
      for (let i = 0; i < frame.n; i++) sizes.set(group[i], (sizes.get(group[i]) ?? 0) + 1);
      const maxSize = Math.max(...sizes.values());
      const pairs = nTimes * (nTimes - 1) / 2;
      if (maxSize < 2 || nTimes > maxSize || pairs > frame.n - frame.p)
        throw new MlmError({
          code: 'bad-structure',
          message: `corSymm would estimate ${pairs} correlations among ${nTimes} distinct times, but the largest group has ${maxSize} observations; use a coarser time (or corAR1 / corCompSymm)`,
          range: where(cor.form?.covariate ?? null),
        });
    }
    correlation = { spec: cor, group, groupLevels, time, timeIndex, nTimes };
  }
  let variance: VarianceData | null = null;
  if (vf) {
    const d = decl.variance!;
    const ctx = ctxFor(d);
    const where = (node: Node | null) => (node ? rangeOfSpan(d, node.span) : d.range);
    let covariate: Float64Array | null = null;
    if (vf.form?.covariate) {
      covariate = pick(evalNumeric(vf.form.covariate, ctx));
      for (let i = 0; i < frame.n; i++)
        if (Number.isNaN(covariate[i])) throw new MlmError({ code: 'missing-values', message: `the variance covariate is missing in data row ${rows[i] + 2}`, range: where(vf.form.covariate) });
      if (vf.type === 'varFixed' && covariate.some((v) => !(v > 0)))
        throw new MlmError({ code: 'bad-structure', message: 'varFixed needs a positive covariate (the variance is proportional to it)', range: where(vf.form.covariate) });
    } else if (vf.type === 'varPower' || vf.type === 'varExp' || vf.type === 'varConstPower') {
      throw new MlmError({ code: 'bad-structure', message: `${vf.type} needs a covariate: '${vf.type}(form = ~ v)' (nlme's default, the fitted values, is not supported)`, range: d.range });
    }
    let stratum: Int32Array | null = null;
    let strata: string[] = [];
    if (vf.form?.groups) {
      const f = factorOf(vf.form.groups, ctx);
      const codes = pick(f.codes);
      // nlme's order: first appearance after sorting by the grouping factors
      const first: number[] = [];
      const map = new Map<number, number>();
      for (const i of order) {
        if (codes[i] < 0) throw new MlmError({ code: 'missing-values', message: `the stratum is missing in data row ${rows[i] + 2}`, range: where(vf.form.groups) });
        if (!map.has(codes[i])) {
          map.set(codes[i], first.length);
          first.push(codes[i]);
        }
      }
      stratum = Int32Array.from(codes, (c) => map.get(c)!);
      strata = first.map((c) => f.levels[c]);
      const counts = new Array<number>(strata.length).fill(0);
      for (let i = 0; i < frame.n; i++) counts[stratum[i]]++;
      const lonely = counts.findIndex((c) => c < 2);
      if (vf.type === 'varIdent' && lonely >= 0)
        throw new MlmError({
          code: 'bad-structure',
          message: `varIdent stratum '${strata[lonely]}' has ${counts[lonely]} observation; its variance cannot be estimated (merge it with another stratum or drop it)`,
          range: where(vf.form.groups),
        });
    } else if (vf.type === 'varIdent') {
      throw new MlmError({ code: 'bad-structure', message: "varIdent needs strata: 'varIdent(form = ~ 1 | g)'", range: d.range });
    }
    variance = { spec: vf, covariate, stratum, strata };
  }
  return { correlation, variance };
}
