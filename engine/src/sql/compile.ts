/**
 * The query compiler: a model (its formula, the document's `factors:`/`levels:` lines and the
 * columns a SqlRunner describes) → the one aggregation query whose result holds every cross-product
 * block a linear mixed model needs (see docs/mlm-format.md, "Blocks").
 *
 * Every model column (the fixed-effects columns, the random-effects columns, the response) is a
 * linear function of a small *basis*: the constant 1 and the distinct SQL expressions v_1..v_m of
 * the model's numeric columns, each centred by its mean over the rows used (computed in the same
 * statement), so that large means do not eat precision. The query returns, for the empty grouping
 * (the whole data), for every grouping factor and for every pair of grouping factors, per group
 * the count and the sums Σ v_a and Σ v_a v_b; all blocks (X'X, X'y, y'y, Z_t'Z_t, Z_t'X, Z_t'y, Z_s'Z_t)
 * are linear transforms of these Gram matrices (blocks.ts).
 *
 * Rows with a missing value (NULL, NaN) in any variable of the model are left out in SQL (na.omit).
 */
import { MlmError, type SourceRange } from '../diagnostics';
import type { Node, Span } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { NUMERIC_FUNCTIONS } from '../formula/functions';
import type { TermsResult } from '../formula/terms';
import { suggestName } from '../formula/suggest';
import { modelStructure, type ModelStructure } from '../frame/structure';
import { termCoding } from '../frame/modelmatrix';
import type { VarValue } from '../frame/evaluate';
import type { RandomTermSpec } from '../frame/bars';
import { modelSettings } from '../mlmfile/spec';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { sqlColumnKind } from './columns';
import { dialectOf, innerAlias, wrapAliases, type SqlDialect } from './dialect';
import type { SqlColumn, SqlDialectName } from './runner';

/** A key column of the grouping (a grouping factor's part, or a factor of the fixed effects). */
export interface KeyColumn {
  /** Column name in the data. */
  column: string;
  /** True when the column is numeric (levels sorted as numbers, labelled as R's as.character). */
  numeric: boolean;
}

/** A variable of a term: a numeric SQL expression, or a factor (a key column, coded by its levels). */
export type PlanVar = { kind: 'numeric'; sql: string } | { kind: 'factor'; key: number; span: Span };

export interface PlanTerm {
  model: TermsResult;
  vars: (PlanVar | null)[];
}

export interface PlanRandom extends PlanTerm {
  spec: RandomTermSpec;
  /** Key columns of the grouping factor, in `:` order. */
  keys: number[];
}

/** A model compiled against a relation's columns, before the levels of fixed-effects factors are known. */
export interface BlocksPlan {
  dialect: SqlDialectName;
  relation: string;
  model: string;
  formula: string;
  REML: boolean;
  responseName: string;
  response: string;
  fixed: PlanTerm;
  random: PlanRandom[];
  keys: KeyColumn[];
  /** Keys whose levels the design needs (factors among the fixed effects or in random slopes). */
  factorKeys: number[];
  /** `levels:` orders by column name. */
  levelOrders: Map<string, string[]>;
  /** The data's columns the model uses. */
  columns: string[];
  /** Predicates of the rows used (no missing value in a variable of the model). */
  complete: string[];
  locate: (span: Span) => SourceRange;
}

/** Levels of a key column: labels as R prints them, and the values to compare with in SQL. */
export interface KeyLevels {
  labels: string[];
  values: (string | number)[];
}

export interface DesignColumn {
  name: string;
  /** Index into Design.basis (0: the constant 1). */
  basis: number;
}

export interface DesignRandom {
  columns: DesignColumn[];
  /** Key columns of the grouping factor. */
  keys: number[];
}

/** The model's columns as basis entries, and the grouping sets of the aggregation. */
export interface Design {
  plan: BlocksPlan;
  /** basis[0] is the constant 1 (null); then the distinct SQL expressions. */
  basis: (string | null)[];
  x: DesignColumn[];
  intercept: boolean;
  y: number;
  random: DesignRandom[];
  /** Key sets whose sums the fit needs: [] (everything), each grouping factor's keys, each pair's union. */
  sets: number[][];
  /**
   * The sets the query groups by: those not contained in another (the others are their roll-ups,
   * summed when the result is read): for (1 | g1) + (1 | g2) one GROUP BY g1, g2.
   */
  querySets: number[][];
  /**
   * For each query set: null when it carries every sum, else the sums it carries (column names): the
   * cells of a pair of grouping factors only need Σ z_s z_t of the two terms' columns (for two random
   * intercepts: the count), so they are grouped separately with the other sums left 0.
   */
  querySums: (Set<string> | null)[];
  /** Levels of the factor keys (by key index). */
  levels: Map<number, KeyLevels>;
}

/** The way out `unsupported` suggests: the in-memory engine (files read through DuckDB). */
export const UNSUPPORTED_HINT = "add 'engine: memory' to fit this model in memory";
/** ... and for a ClickHouse table, whose rows are never loaded. */
export const UNSUPPORTED_CLICKHOUSE_HINT = 'the rows of a ClickHouse table stay on the server, so only what SQL computes can be fitted from it';

/** What the blocks path cannot do: a located error that suggests the in-memory engine. */
export function unsupported(what: string, range: SourceRange | undefined): MlmError {
  return new MlmError({
    code: 'sql-unsupported',
    message: `${what} is not computed in SQL; ${UNSUPPORTED_HINT}`,
    range,
  });
}

/** Compiles a model declaration against the columns of a relation (no query is run). */
export function compilePlan(doc: MlmDocument, decl: ModelDecl, columns: readonly SqlColumn[], dialectName: SqlDialectName, relation: string): BlocksPlan {
  const d = dialectOf(dialectName);
  const st: ModelStructure = modelStructure(decl);
  const settings = modelSettings(decl);
  const whole = decl.formula!.range;
  if (settings.family !== 'gaussian' || settings.link !== 'identity') throw unsupported(`a ${settings.family} model (family: ${decl.family?.value ?? settings.family})`, decl.family?.range ?? whole);
  if (decl.weights) throw unsupported('weights:', decl.weights.range);
  if (decl.correlation) throw unsupported('correlation:', decl.correlation.range);
  if (decl.variance) throw unsupported('variance:', decl.variance.range);
  if (decl.contrasts && decl.contrasts.some((c) => c.kind.value !== 'treatment')) throw unsupported('contrasts: other than treatment', decl.contrasts.find((c) => c.kind.value !== 'treatment')!.kind.range);
  if (doc.derives.length > 0) throw unsupported('derive:', doc.derives[0].name.range);
  if (st.fixed.offsets.length > 0) throw unsupported('offset()', st.locate(st.fixed.offsets[0].span));
  if (!st.lhs) throw new MlmError({ code: 'no-response', message: "the formula has no response: write 'y ~ ...'", range: st.locate(st.formula.ast!.tilde) });
  if (st.random.length === 0) throw new MlmError({ code: 'no-random-effects', message: 'the formula has no random-effects term such as (1 | group); a mixed model needs at least one', range: whole });

  const byName = new Map(columns.map((c) => [c.name, c]));
  const factorCols = new Set(doc.factors.map((f) => f.value));
  for (const f of doc.factors) if (!byName.has(f.value)) throw unknownColumn(f.value, columns, f.range);
  const levelOrders = new Map<string, string[]>();
  for (const l of doc.levels) {
    if (!byName.has(l.factor.value)) throw unknownColumn(l.factor.value, columns, l.factor.range);
    levelOrders.set(l.factor.value, l.levels.map((x) => x.value));
  }
  const keys: KeyColumn[] = [];
  const complete = new Set<string>();
  const keyOf = (name: string): number => {
    let i = keys.findIndex((k) => k.column === name);
    if (i < 0) {
      const col = byName.get(name)!;
      keys.push({ column: name, numeric: sqlColumnKind(col.type) === 'numeric' });
      i = keys.length - 1;
      complete.add(`${d.ident(name)} IS NOT NULL`);
    }
    return i;
  };
  const usedColumns = new Set<string>();
  const column = (node: Extract<Node, { type: 'ident' }>): SqlColumn => {
    const c = byName.get(node.name);
    if (!c) throw unknownColumn(node.name, columns, st.locate(node.span));
    usedColumns.add(c.name);
    if (sqlColumnKind(c.type) === 'logical') throw unsupported(`the logical column '${c.name}' (${c.type})`, st.locate(node.span));
    return c;
  };
  const numericSql = (node: Node): string => {
    switch (node.type) {
      case 'ident': {
        const c = column(node);
        if (sqlColumnKind(c.type) !== 'numeric' || factorCols.has(c.name))
          throw new MlmError({ code: 'not-numeric', message: `'${c.name}' is categorical (${c.type}) and cannot be used in arithmetic`, range: st.locate(node.span) });
        return d.toDouble(d.ident(c.name));
      }
      case 'number':
        return d.num(node.value);
      case 'paren':
        return `(${numericSql(node.expr)})`;
      case 'unary':
        if (node.op === '-') return `(-${numericSql(node.expr)})`;
        if (node.op === '+') return numericSql(node.expr);
        break;
      case 'binary':
        if (node.op === '+' || node.op === '-' || node.op === '*' || node.op === '/') return `(${numericSql(node.left)} ${node.op} ${numericSql(node.right)})`;
        if (node.op === '^') return d.pow(numericSql(node.left), numericSql(node.right));
        break;
      case 'call': {
        if (node.name === 'I' && node.args.length === 1) return numericSql(node.args[0]);
        if (node.name in NUMERIC_FUNCTIONS && node.args.length === 1 && !node.argNames?.[0]) {
          const f = d.func(node.name, [numericSql(node.args[0])]);
          if (f) return f;
        }
        break;
      }
    }
    throw unsupported(`'${deparse(node)}'`, st.locate(node.span));
  };
  const numericVar = (node: Node): { kind: 'numeric'; sql: string } => {
    const sql = numericSql(node);
    complete.add(`${sql} IS NOT NULL`);
    complete.add(`NOT ${d.isNaN(sql)}`);
    return { kind: 'numeric', sql };
  };
  const planVar = (node: Node): PlanVar => {
    const inner = node.type === 'paren' ? node.expr : node;
    if (inner.type === 'ident') {
      const c = column(inner);
      if (sqlColumnKind(c.type) !== 'numeric' || factorCols.has(c.name) || levelOrders.has(c.name)) return { kind: 'factor', key: keyOf(c.name), span: inner.span };
      return numericVar(inner);
    }
    if (inner.type === 'call' && (inner.name === 'factor' || inner.name === 'as.factor') && inner.args.length === 1 && inner.args[0].type === 'ident') {
      column(inner.args[0]);
      return { kind: 'factor', key: keyOf(inner.args[0].name), span: inner.span };
    }
    return numericVar(inner);
  };
  const planTerm = (model: TermsResult): PlanTerm => {
    const used = new Set(model.terms.flatMap((t) => t.vars));
    return { model, vars: model.variables.map((v, i) => (used.has(i) ? planVar(v.node) : null)) };
  };
  const response = numericVar(st.lhs).sql;
  const fixed = planTerm(st.fixed);
  const random: PlanRandom[] = st.random.map((spec) => {
    const t = planTerm(spec.model);
    const ks = spec.groupParts.map((p) => {
      const inner = p.type === 'paren' ? p.expr : p;
      if (inner.type !== 'ident') throw unsupported(`the grouping expression '${deparse(p)}'`, st.locate(p.span));
      column(inner);
      return keyOf(inner.name);
    });
    return { ...t, spec, keys: ks };
  });
  const factorKeys = [...new Set([fixed, ...random].flatMap((t) => t.vars.flatMap((v) => (v && v.kind === 'factor' ? [v.key] : []))))];
  return {
    dialect: dialectName,
    relation,
    model: decl.name,
    formula: st.formula.text,
    REML: settings.REML,
    responseName: deparse(st.lhs),
    response,
    fixed,
    random,
    keys,
    factorKeys,
    levelOrders,
    columns: [...usedColumns],
    complete: [...complete],
    locate: st.locate,
  };
}

function unknownColumn(name: string, columns: readonly SqlColumn[], range: SourceRange | undefined): MlmError {
  const s = suggestName(name, columns.map((c) => c.name));
  return new MlmError({
    code: 'unknown-column',
    message: `no column '${name}' in the data${s ? ` (did you mean '${s}'?)` : ''}`,
    range,
    data: { column: name, ...(s ? { suggestion: s } : {}) },
  });
}

/** The WHERE clause of the rows used. */
export function whereComplete(plan: BlocksPlan): string {
  return plan.complete.length ? plan.complete.join(' AND ') : dialectOf(plan.dialect).true;
}

/** The query of the distinct values of a key column among the rows used. */
export function levelsQuery(plan: BlocksPlan, key: number): string {
  const d = dialectOf(plan.dialect);
  const c = d.ident(plan.keys[key].column);
  return wrapAliases(d, `SELECT DISTINCT ${c} AS ${innerAlias(d, 'v')} FROM ${plan.relation} WHERE ${whereComplete(plan)}`, ['v']);
}

/**
 * Orders the distinct values of a key column as R orders factor levels: numbers numerically and
 * labelled as R's as.character, text in R's collation; a `levels:` line puts its levels first.
 */
export function orderKeyLevels(values: readonly (string | number)[], numeric: boolean, order: readonly string[] | undefined, compare: (a: string, b: string) => number, label: (x: number) => string): KeyLevels {
  let pairs: { label: string; value: string | number }[];
  if (numeric) {
    const nums = [...new Set(values.map(Number))].sort((a, b) => a - b);
    pairs = nums.map((v) => ({ label: label(v), value: v }));
  } else {
    const strs = [...new Set(values.map(String))].sort(compare);
    pairs = strs.map((v) => ({ label: v, value: v }));
  }
  if (order && order.length) {
    const first: typeof pairs = [];
    const used = new Set<number>();
    for (const l of order) {
      const i = pairs.findIndex((p) => p.label === l);
      if (i >= 0 && !used.has(i)) {
        used.add(i);
        first.push(pairs[i]);
      }
    }
    pairs = [...first, ...pairs.filter((_, i) => !used.has(i))];
  }
  return { labels: pairs.map((p) => p.label), values: pairs.map((p) => p.value) };
}

/** Model-matrix columns of a term list as R's model.matrix names them, each a product of pieces. */
function termColumns(plan: BlocksPlan, d: SqlDialect, t: PlanTerm, levels: Map<number, KeyLevels>, spanOf: (v: number) => Span): { name: string; sql: string | null }[] {
  const values: VarValue[] = t.vars.map((v) => {
    if (!v || v.kind === 'numeric') return { kind: 'numeric', values: new Float64Array(0) };
    return { kind: 'factor', codes: new Int32Array(0), levels: levels.get(v.key)!.labels };
  });
  const coding = termCoding(t.model, values);
  const out: { name: string; sql: string | null }[] = [];
  if (t.model.intercept) out.push({ name: '(Intercept)', sql: null });
  t.model.terms.forEach((term, ti) => {
    let combos: { name: string; parts: string[] }[] = [{ name: '', parts: [] }];
    for (const vi of term.vars) {
      const v = t.vars[vi]!;
      const name = t.model.variables[vi].name;
      let pieces: { name: string; sql: string }[];
      if (v.kind === 'numeric') pieces = [{ name, sql: v.sql }];
      else {
        const lv = levels.get(v.key)!;
        const first = coding[ti].get(vi) === 2 ? 0 : 1;
        if (first === 1 && lv.labels.length < 2)
          throw new MlmError({
            code: 'single-level-factor',
            message: `'${name}' has a single level ('${lv.labels[0] ?? ''}') in the rows used, so it has no contrast to estimate`,
            range: plan.locate(spanOf(vi)),
          });
        const key = d.ident(plan.keys[v.key].column);
        pieces = [];
        for (let l = first; l < lv.labels.length; l++) {
          const val = lv.values[l];
          const lit = typeof val === 'number' ? d.num(val) : d.str(val);
          pieces.push({ name: name + lv.labels[l], sql: `(CASE WHEN ${key} = ${lit} THEN 1.0 ELSE 0.0 END)` });
        }
      }
      const next: typeof combos = [];
      for (const p of pieces) for (const c of combos) next.push({ name: c.name ? `${c.name}:${p.name}` : p.name, parts: [...c.parts, p.sql] });
      combos = next;
    }
    for (const c of combos) out.push({ name: c.name, sql: c.parts.length === 1 ? c.parts[0] : c.parts.join(' * ') });
  });
  return out;
}

/** The design of a plan once the levels of its factor keys are known. */
export function designOf(plan: BlocksPlan, levels: Map<number, KeyLevels>): Design {
  const d = dialectOf(plan.dialect);
  const basis: (string | null)[] = [null];
  const basisOf = (sql: string | null): number => {
    if (sql === null) return 0;
    let i = basis.indexOf(sql);
    if (i < 0) {
      basis.push(sql);
      i = basis.length - 1;
    }
    return i;
  };
  const y = basisOf(plan.response);
  const x = termColumns(plan, d, plan.fixed, levels, (v) => plan.fixed.model.variables[v].node.span).map((c) => ({ name: c.name, basis: basisOf(c.sql) }));
  const random = plan.random.map((r) => ({
    columns: termColumns(plan, d, r, levels, (v) => r.model.variables[v].node.span).map((c) => ({ name: c.name, basis: basisOf(c.sql) })),
    keys: r.keys,
  }));
  const sets: number[][] = [[]];
  const keyOfSet = (s: number[]) => s.join(',');
  const seen = new Set<string>(['']);
  const addSet = (s: number[]) => {
    const sorted = [...new Set(s)].sort((a, b) => a - b);
    const k = keyOfSet(sorted);
    if (!seen.has(k)) {
      seen.add(k);
      sets.push(sorted);
    }
  };
  for (const r of random) addSet(r.keys);
  for (let a = 0; a < random.length; a++) for (let b = a + 1; b < random.length; b++) addSet([...random[a].keys, ...random[b].keys]);
  const contains = (a: number[], b: number[]) => b.every((k) => a.includes(k));
  const same = (a: number[], b: number[]) => a.length === b.length && contains(a, b);
  // full sets: everything and each grouping factor; the others are cells of pairs of factors
  const full = sets.filter((st) => st.length === 0 || random.some((r) => same(r.keys, st)));
  const cells = sets.filter((st) => !full.includes(st));
  const fullQuery = full.filter((a, i) => !full.some((b, j) => j !== i && b.length > a.length && contains(b, a)));
  const cellSums = cells.map((st) => {
    const need = new Set<string>();
    random.forEach((ra, i) =>
      random.forEach((rb, j) => {
        if (j <= i || !same([...new Set([...ra.keys, ...rb.keys])], st)) return;
        for (const ca of [0, ...ra.columns.map((c) => c.basis)])
          for (const cb of [0, ...rb.columns.map((c) => c.basis)]) if (ca !== 0 || cb !== 0) need.add(sumColumn(Math.min(ca, cb), Math.max(ca, cb)));
      }),
    );
    return need;
  });
  return { plan, basis, x, intercept: plan.fixed.model.intercept, y, random, sets, querySets: [...fullQuery, ...cells], querySums: [...fullQuery.map(() => null), ...cellSums], levels };
}

/** The key columns the grouping sets use (output as g<i>), increasing. */
export function groupedKeys(design: Design): number[] {
  return [...new Set(design.querySets.flat())].sort((a, b) => a - b);
}

/** Name of the output column of Σ v_a v_b (a ≤ b; a = 0 is the constant). */
export function sumColumn(a: number, b: number): string {
  return `s_${a}_${b}`;
}

/**
 * The aggregation query. Output columns: `g0`, `g1`, ... (the key columns; NULL where a row's
 * grouping does not use the key), `n` (rows), `s_a_b` for 0 ≤ a ≤ b ≤ m, (a, b) ≠ (0, 0) (Σ v_a v_b
 * of the centred basis; s_0_b = Σ v_b), `c_b` (the centre of v_b) and `n_all` (rows before na.omit).
 * One row per group of each set of design.querySets (the set of a row: its non-NULL keys); the sums of
 * the other sets the fit needs are their roll-ups.
 */
/** What a blocks result must say about the query that made it, so that the fit can read it back (the `blocks:` key). */
export interface DesignMeta {
  mlm: 1;
  dialect: SqlDialectName;
  relation: string;
  /** The model's columns and their types as the compiler saw them. */
  columns: SqlColumn[];
  /** Levels of the categorical predictors, by column. */
  levels: Record<string, KeyLevels>;
  /** The basis expressions, to check that the .mlm still describes the same model. */
  basis: (string | null)[];
}

/** Name of the output column that carries DesignMeta as JSON (only in `mlm sql`'s query). */
export const META_COLUMN = 'mlm_design';

export function designMeta(design: Design, columns: readonly SqlColumn[]): DesignMeta {
  const plan = design.plan;
  const used = new Set(plan.columns);
  const levels: Record<string, KeyLevels> = {};
  for (const [k, lv] of design.levels) levels[plan.keys[k].column] = lv;
  return { mlm: 1, dialect: plan.dialect, relation: plan.relation, columns: columns.filter((c) => used.has(c.name)), levels, basis: design.basis };
}

/** The centres of the basis (index 0 unused) and the rows of the relation, from a first pass (centresQuery) or from rows at hand. */
export interface KnownCentres {
  centres: ArrayLike<number>;
  nAll: number;
}

/**
 * The whole blocks query in one statement. `meta`: add the column META_COLUMN with the design (JSON) to every
 * row, so that the result can be read back by the `blocks:` key without the data. `known`: the centres as
 * numbers in the query (written out as the columns c_b and n_all when `meta` is given); without them the
 * statement computes them itself, which needs a dialect with table CTEs (computed once). ClickHouse 18.16
 * has none, and a scalar subquery is evaluated again in every UNION ALL branch: on a large Distributed table
 * two evaluations of one average differ in the last digit and ClickHouse refuses the query (code 179, two
 * expressions for one alias), so its queries always take known centres.
 */
export function blocksQuery(design: Design, known?: KnownCentres, meta?: DesignMeta): string {
  return blocksQueryPart(design, known, meta);
}

/**
 * The blocks query in parts, each a smaller result: the full sets (every sum), then the cells of each pair
 * of grouping factors with only their own sums (no zero columns). fitFromSql runs these; readSets takes
 * their results together. Needs the centres (first pass).
 */
export function blocksQueries(design: Design, known: KnownCentres): string[] {
  const cells = design.querySets.map((_, i) => i).filter((i) => design.querySums[i] !== null);
  return [blocksQueryPart(design, known, undefined, 'full'), ...cells.map((i) => blocksQueryPart(design, known, undefined, i))];
}

/** part: undefined = the whole query; 'full' = the full sets only; a query-set index = that cell set only, without unneeded columns. */
function blocksQueryPart(design: Design, known?: KnownCentres, meta?: DesignMeta, part?: 'full' | number): string {
  const plan = design.plan;
  const d = dialectOf(plan.dialect);
  const m = design.basis.length - 1;
  const where = whereComplete(plan);
  const rel = plan.relation;
  if (!known && !d.cte) throw new Error(`the ${d.name} blocks query needs the centres of a first pass (centresQuery)`);
  const as = (name: string): string => innerAlias(d, name);
  // centres known (from centresQuery): literals; else computed once in the CTE ctr
  const centre = (a: number): string => (known ? d.num(known.centres[a]) : `ctr.c_${a}`);
  const v = (a: number): string => `(${design.basis[a]} - ${centre(a)})`;
  const aggsOf = (only: Set<string> | null): string[] => {
    const out = [`${d.toDouble(d.countAll)} AS ${as('n')}`];
    for (let a = 0; a <= m; a++)
      for (let b = Math.max(a, 1); b <= m; b++) {
        const name = sumColumn(a, b);
        if (only && !only.has(name)) {
          // a cell query of its own carries only its sums; in one statement the branches need the same columns
          if (typeof part !== 'number') out.push(`0.0 AS ${as(name)}`);
        }
        else out.push(`sum(${a === 0 ? v(b) : a === b ? `${v(a)} * ${v(a)}` : `${v(a)} * ${v(b)}`}) AS ${as(name)}`);
      }
    return out;
  };
  // the columns that let a result be read back alone (mlm sql's query): the design, the centres, the rows before na.omit
  const selfContained = !known || meta !== undefined;
  const centreOut = (): string[] => {
    if (!selfContained) return [];
    const out: string[] = [];
    if (meta) out.push(`min(${d.str(JSON.stringify(meta))}) AS ${as(META_COLUMN)}`);
    for (let b = 1; b <= m; b++) out.push(`${known ? d.toDouble(d.num(known.centres[b])) : `min(ctr.c_${b})`} AS ${as(`c_${b}`)}`);
    out.push(`${known ? d.toDouble(d.num(known.nAll)) : 'min(ctr.n_all)'} AS ${as('n_all')}`);
    return out;
  };
  const keyCols = plan.keys.map((k) => d.ident(k.column));
  const grouped = groupedKeys(design);
  const qs = design.querySets;
  const fullIdx = typeof part === 'number' ? [] : qs.map((_, i) => i).filter((i) => design.querySums[i] === null);
  const cellIdx = part === 'full' ? [] : typeof part === 'number' ? [part] : qs.map((_, i) => i).filter((i) => design.querySums[i] !== null);
  const list = (st: number[]) => st.map((k) => keyCols[k]).join(', ');
  if (d.cte) {
    const from = `FROM ${rel}${known ? '' : ' CROSS JOIN ctr'}\nWHERE ${where}`;
    const selects: string[] = [];
    const keyOut = (inSet: (k: number) => boolean) => grouped.flatMap((k) => (inSet(k) ? [`${keyCols[k]} AS g${k}`] : part === undefined ? [`NULL AS g${k}`] : []));
    // the full sets in one GROUPING SETS (or one GROUP BY); keys a set does not use are NULL there
    const fullSets = fullIdx.map((i) => qs[i]);
    if (fullSets.length) {
      const groupBy = fullSets.length === 1 ? (fullSets[0].length ? `\nGROUP BY ${list(fullSets[0])}` : '') : `\nGROUP BY GROUPING SETS (${fullSets.map((st) => `(${list(st)})`).join(', ')})`;
      const fullKeys = [...new Set(fullSets.flat())];
      selects.push(`SELECT ${[...grouped.map((k) => (fullKeys.includes(k) ? `${keyCols[k]} AS g${k}` : `NULL AS g${k}`)), ...aggsOf(null), ...centreOut()].join(',\n  ')}\n${from}${groupBy}`);
    }
    for (const i of cellIdx) selects.push(`SELECT ${[...keyOut((k) => qs[i].includes(k)), ...aggsOf(design.querySums[i]), ...centreOut()].join(',\n  ')}\n${from}\nGROUP BY ${list(qs[i])}`);
    const head = known ? '' : `WITH ctr AS (SELECT ${ctrColumns(design).join(', ')} FROM ${rel})\n`;
    return head + selects.join('\nUNION ALL\n');
  }
  // no GROUPING SETS (ClickHouse 18.16): one GROUP BY per set, the centres as numbers; its aliases shadow
  // columns of the same name, so the branches name their outputs innerAlias(…) and an outer SELECT renames them
  const chosen = [...fullIdx, ...cellIdx].sort((a, b) => a - b);
  const outKeys = typeof part === 'number' ? grouped.filter((k) => qs[part].includes(k)) : grouped;
  const branches = chosen.map((i) => {
    const st = qs[i];
    // every branch gives its keys the same type (nullable text)
    const keysOut = outKeys.map((k) => (st.includes(k) ? `toNullable(toString(${keyCols[k]})) AS ${as(`g${k}`)}` : `CAST(NULL AS Nullable(String)) AS ${as(`g${k}`)}`));
    const group = st.length ? `\nGROUP BY ${list(st)}` : '';
    return `SELECT ${[...keysOut, ...aggsOf(design.querySums[i]), ...centreOut()].join(',\n  ')}\nFROM ${rel}\nWHERE ${where}${group}`;
  });
  const outputs = [...outKeys.map((k) => `g${k}`), 'n'];
  const only = typeof part === 'number' ? design.querySums[part] : null;
  for (let a = 0; a <= m; a++) for (let b = Math.max(a, 1); b <= m; b++) if (!only || only.has(sumColumn(a, b))) outputs.push(sumColumn(a, b));
  if (selfContained) outputs.push(...(meta ? [META_COLUMN] : []), ...Array.from({ length: m }, (_, b) => `c_${b + 1}`), 'n_all');
  return wrapAliases(d, branches.join('\nUNION ALL\n'), outputs);
}

/** The centres computed in the blocks query itself (when no first pass gave them). */
function ctrColumns(design: Design): string[] {
  const d = dialectOf(design.plan.dialect);
  const where = whereComplete(design.plan);
  const ctr = [`${d.countAll} AS n_all`];
  for (let b = 1; b < design.basis.length; b++) ctr.push(`avg(CASE WHEN ${where} THEN ${design.basis[b]} END) AS c_${b}`);
  return ctr;
}

/**
 * The first pass: rows in the relation (n_all), rows used (n) and the mean of every basis column over
 * the rows used (c_1, ...), the centres of blocksQuery.
 */
export function centresQuery(design: Design): string {
  const plan = design.plan;
  const d = dialectOf(plan.dialect);
  const where = whereComplete(plan);
  const cols = [`${d.countAll} AS n_all`, `sum(CASE WHEN ${where} THEN 1 ELSE 0 END) AS n`];
  for (let b = 1; b < design.basis.length; b++) cols.push(`avg(CASE WHEN ${where} THEN ${design.basis[b]} END) AS c_${b}`);
  return `SELECT ${cols.join(', ')} FROM ${plan.relation}`;
}

/** A query of about `rows` random used rows with the response and the model's columns (for residual quantiles). */
export function sampleQuery(design: Design, rows: number, seed = 1): string {
  const plan = design.plan;
  const d = dialectOf(plan.dialect);
  const names = [...design.basis.slice(1).map((_e, i) => `v${i + 1}`), ...groupedKeys(design).map((i) => `g${i}`)];
  const exprs = [...design.basis.slice(1).map((e) => e as string), ...groupedKeys(design).map((i) => d.ident(plan.keys[i].column))];
  const cols = exprs.map((e, j) => `${e} AS ${innerAlias(d, names[j])}`);
  const clause = d.sampleClause(rows, seed);
  if (clause) return wrapAliases(d, `SELECT ${cols.join(', ')} FROM (SELECT * FROM ${plan.relation} WHERE ${whereComplete(plan)}) AS t ${clause}`, names);
  return wrapAliases(d, `SELECT ${cols.join(', ')} FROM ${plan.relation} WHERE ${whereComplete(plan)} ORDER BY ${d.random(seed, exprs)} LIMIT ${rows}`, names);
}

