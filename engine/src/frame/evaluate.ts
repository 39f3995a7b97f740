/**
 * Evaluation of formula expressions on a data table, with R's meaning: numeric expressions
 * (`I(age^2)`, `log(x, base = 2)`, `ses - meanses`), comparisons and logic (`I(minority == "Yes")`,
 * `%in%`), factors (`sector`, `factor(period)`, `relevel(f, ref = "b")`, `interaction(a, b)`,
 * `C(f, sum)`) and multi-column bases (`poly`, `ns`, `bs`). Values cover all data rows; missing
 * values are NaN (numeric, logical) or code -1 (factor).
 */
import { MlmError, type SourceRange } from '../diagnostics';
import { numericAsFactor, unknownColumnError as unknownColumnIn } from '../data/columns';
import { numberLabelR } from '../data/rsort';
import type { DataTable } from '../data/types';
import type { Node, Span } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { CONSTANTS, contrastKind, functionBaseName, matchArguments, NUMERIC_FUNCTIONS, type CallNode, type ContrastKind } from '../formula/functions';
import { polyBasis, polyPredict, rawPolyBasis, splineBasis, splineColumns, splineParams, type PolyCoefs, type SplineParams, type SplineRequest } from './basis';

export type VarValue =
  | { kind: 'numeric'; values: Float64Array }
  /** `contrasts`: how the factor is coded in a model matrix (default treatment). */
  | { kind: 'factor'; codes: Int32Array; levels: string[]; contrasts?: ContrastKind }
  /** Several columns from one variable (poly, ns, bs): coefficient names are the variable's name + suffix. */
  | { kind: 'matrix'; columns: Float64Array[]; suffixes: string[] };

/** What a data-dependent transformation learned from the training rows (R's makepredictcall). */
export type Learned =
  | { kind: 'scale'; center: number; scale: number }
  | { kind: 'poly'; coefs: PolyCoefs }
  | { kind: 'spline'; params: SplineParams };

export interface EvalContext {
  table: DataTable;
  /** Document range of a span of the expression's text (formula, weights, derive). */
  locate: (span: Span) => SourceRange | undefined;
  /**
   * Centres and scales of scale(), poly()'s coefficients and the knots of ns()/bs(), by the call's
   * text. With `record` they are computed from this table and stored; without it, stored ones are
   * applied (new rows for prediction are transformed as the training rows were, as R's predict()
   * does through makepredictcall).
   */
  learned?: { known: Map<string, Learned>; record: boolean };
}

/** A value while evaluating: the variable kinds plus logicals, constants and c(...) sets. */
type Value =
  | VarValue
  /** 0, 1 or NaN (NA) per row. */
  | { kind: 'logical'; values: Float64Array }
  | { kind: 'constant'; value: number | boolean | string }
  | { kind: 'set'; values: (number | boolean | string)[] };

export function unknownColumnError(ctx: EvalContext, name: string, span: Span): MlmError {
  if (name === '.') {
    return new MlmError({ code: 'unknown-column', message: "'.' (all other columns) is not supported: name the columns", range: ctx.locate(span), data: { column: '.' } });
  }
  return unknownColumnIn(ctx.table, name, ctx.locate(span));
}

function notNumberError(ctx: EvalContext, name: string, span: Span, asVariable = false): MlmError {
  const col = ctx.table.columns.get(name);
  if (col && col.kind === 'text' && col.firstNonNumeric) {
    const { row, text } = col.firstNonNumeric;
    const hint = asVariable ? ` (write factor(${name}) to use the column as categorical)` : '';
    return new MlmError({
      code: 'csv-not-a-number',
      message: `${ctx.table.fileName} line ${row}, column '${name}': '${text}' is not a number${hint}`,
      range: ctx.locate(span),
      csv: { file: ctx.table.fileName, row, column: name },
    });
  }
  const levels = col && col.kind === 'text' ? col.levels : [];
  return new MlmError({
    code: 'not-numeric',
    message: `column '${name}' is categorical (${levels.length} levels, e.g. '${levels[0] ?? ''}') and cannot be used in arithmetic`,
    range: ctx.locate(span),
  });
}

function badExpression(ctx: EvalContext, span: Span, message: string, code = 'bad-expression'): MlmError {
  return new MlmError({ code, message, range: ctx.locate(span) });
}

const n = (ctx: EvalContext) => ctx.table.nrow;

/** Evaluates a numeric expression (a logical one gives 1/0, as R's arithmetic does). */
export function evalNumeric(node: Node, ctx: EvalContext): Float64Array {
  return asNumbers(evalValue(node, ctx), node, ctx);
}

function asNumbers(v: Value, node: Node, ctx: EvalContext): Float64Array {
  switch (v.kind) {
    case 'numeric':
    case 'logical':
      return v.values;
    case 'constant':
      if (typeof v.value === 'string') throw badExpression(ctx, node.span, `the text "${v.value}" is not a number`);
      return new Float64Array(n(ctx)).fill(Number(v.value));
    case 'factor': {
      const inner = unwrap(node);
      if (inner.type === 'ident') throw notNumberError(ctx, inner.name, inner.span);
      throw badExpression(ctx, node.span, `${deparse(node)} is categorical and cannot be used in arithmetic (as.numeric() gives its level numbers)`, 'not-numeric');
    }
    case 'matrix':
      throw badExpression(ctx, node.span, `${deparse(node)} gives ${v.columns.length} columns: it can only be a term of the formula`);
    case 'set':
      throw badExpression(ctx, node.span, 'c(...) is a set of values for %in%, not a number');
  }
}

function unwrap(node: Node): Node {
  while (node.type === 'paren') node = node.expr;
  return node;
}

/** Evaluates a formula variable: a column, a factor, a logical (a factor with levels FALSE, TRUE), a number or a basis. */
export function evalVariable(node: Node, ctx: EvalContext): VarValue {
  const inner = unwrap(node);
  if (inner.type === 'ident') {
    const col = ctx.table.columns.get(inner.name);
    if (col && col.kind === 'text' && col.firstNonNumeric && col.firstNonNumeric.numericCount >= 0.9 * col.codes.length) {
      // mostly numbers: almost certainly a typo in the data, not a categorical variable
      throw notNumberError(ctx, inner.name, inner.span, true);
    }
  }
  if (inner.type === 'number') {
    throw new MlmError({ code: 'bad-term', message: `the number ${inner.text} cannot be a variable`, range: ctx.locate(inner.span) });
  }
  if (inner.type === 'call') {
    const base = functionBaseName(inner.name);
    if (base === 'cbind') throw new MlmError({ code: 'bad-term', message: 'cbind() can only be the response of a binomial model', range: ctx.locate(inner.span) });
    if (base === 'offset') throw new MlmError({ code: 'bad-term', message: 'offset() can only be a term of the formula', range: ctx.locate(inner.span) });
  }
  const v = evalValue(node, ctx);
  switch (v.kind) {
    case 'logical':
      return logicalFactor(v.values);
    case 'constant':
    case 'set':
      throw new MlmError({ code: 'bad-term', message: `${deparse(node)} is the same for every row: it cannot be a variable`, range: ctx.locate(node.span) });
    default:
      return v;
  }
}

/** A logical as R's model.matrix codes it: a factor with levels FALSE and TRUE. */
function logicalFactor(values: Float64Array): VarValue {
  return { kind: 'factor', codes: Int32Array.from(values, (x) => (Number.isNaN(x) ? -1 : x)), levels: ['FALSE', 'TRUE'] };
}

/** Evaluates any expression to a Value. Constants stay scalar until combined with a column. */
function evalValue(node: Node, ctx: EvalContext): Value {
  switch (node.type) {
    case 'number':
      return { kind: 'constant', value: node.value };
    case 'string':
      return { kind: 'constant', value: node.value };
    case 'ident': {
      const col = ctx.table.columns.get(node.name);
      if (col) return col.kind === 'numeric' ? { kind: 'numeric', values: col.values } : { kind: 'factor', codes: col.codes, levels: col.levels };
      const c = CONSTANTS[node.name];
      if (c) return { kind: 'constant', value: c.value };
      throw unknownColumnError(ctx, node.name, node.span);
    }
    case 'paren':
      return evalValue(node.expr, ctx);
    case 'unary': {
      const v = evalValue(node.expr, ctx);
      if (node.op === '!') {
        if (v.kind === 'constant') return { kind: 'constant', value: !truthy(v.value, ctx, node) };
        const x = asLogical(v, node.expr, ctx);
        return { kind: 'logical', values: x.map((b) => (Number.isNaN(b) ? NaN : b ? 0 : 1)) };
      }
      if (v.kind === 'constant') return { kind: 'constant', value: node.op === '-' ? -constNumber(v, node.expr, ctx) : constNumber(v, node.expr, ctx) };
      const x = asNumbers(v, node.expr, ctx);
      return { kind: 'numeric', values: node.op === '-' ? x.map((t) => -t) : x };
    }
    case 'binary':
      return evalBinary(node, ctx);
    case 'call':
      return evalCall(node, ctx);
  }
}

function truthy(v: number | boolean | string, ctx: EvalContext, node: Node): boolean {
  if (typeof v === 'string') throw badExpression(ctx, node.span, `the text "${v}" is not TRUE or FALSE`);
  return Boolean(v);
}

function constNumber(v: Value, node: Node, ctx: EvalContext): number {
  if (v.kind !== 'constant' || typeof v.value === 'string') throw badExpression(ctx, node.span, `${deparse(node)} must be a number here`);
  return Number(v.value);
}

/** 0/1/NaN per row: logicals as they are, numbers as R's as.logical (non-zero is TRUE). */
function asLogical(v: Value, node: Node, ctx: EvalContext): Float64Array {
  if (v.kind === 'logical') return v.values;
  if (v.kind === 'constant') {
    const b = truthy(v.value, ctx, node) ? 1 : 0;
    return new Float64Array(n(ctx)).fill(b);
  }
  if (v.kind === 'numeric') return v.values.map((x) => (Number.isNaN(x) ? NaN : x !== 0 ? 1 : 0));
  throw badExpression(ctx, node.span, `${deparse(node)} is not TRUE/FALSE: compare it first, e.g. ${deparse(node)} == "value"`);
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '^': (a, b) => Math.pow(a, b),
};

function evalBinary(node: Extract<Node, { type: 'binary' }>, ctx: EvalContext): Value {
  const op = node.op;
  if (op === '|' || op === '||' || op === '&' || op === '&&') {
    const a = evalValue(node.left, ctx);
    const b = evalValue(node.right, ctx);
    const or = op === '|' || op === '||';
    if (a.kind === 'constant' && b.kind === 'constant') {
      const x = truthy(a.value, ctx, node.left);
      const y = truthy(b.value, ctx, node.right);
      return { kind: 'constant', value: or ? x || y : x && y };
    }
    const x = asLogical(a, node.left, ctx);
    const y = asLogical(b, node.right, ctx);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      // R's three-valued logic: TRUE | NA is TRUE, FALSE & NA is FALSE
      const u = x[i];
      const w = y[i];
      if (or) out[i] = u === 1 || w === 1 ? 1 : Number.isNaN(u) || Number.isNaN(w) ? NaN : 0;
      else out[i] = u === 0 || w === 0 ? 0 : Number.isNaN(u) || Number.isNaN(w) ? NaN : 1;
    }
    return { kind: 'logical', values: out };
  }
  if (op in ARITHMETIC) {
    const a = evalValue(node.left, ctx);
    const b = evalValue(node.right, ctx);
    const f = ARITHMETIC[op];
    if (a.kind === 'constant' && b.kind === 'constant') return { kind: 'constant', value: f(constNumber(a, node.left, ctx), constNumber(b, node.right, ctx)) };
    const x = asNumbers(a, node.left, ctx);
    const y = asNumbers(b, node.right, ctx);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i], y[i]);
    return { kind: 'numeric', values: out };
  }
  if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') return compare(node, ctx);
  if (op === '%in%') return membership(node, ctx);
  throw badExpression(ctx, node.opSpan, `'${op}' is not arithmetic; inside I() use + - * / ^, comparisons (== != < <= > >=) and & | !`);
}

/** Per-row labels of a categorical value, or per-row numbers; for comparisons. */
type Operand = { kind: 'text'; at: (i: number) => string | null } | { kind: 'number'; at: (i: number) => number };

function operand(v: Value, node: Node, ctx: EvalContext): Operand {
  switch (v.kind) {
    case 'factor': {
      const { codes, levels } = v;
      return { kind: 'text', at: (i) => (codes[i] < 0 ? null : levels[codes[i]]) };
    }
    case 'constant':
      if (typeof v.value === 'string') {
        const t = v.value;
        return { kind: 'text', at: () => t };
      }
      {
        const x = Number(v.value);
        return { kind: 'number', at: () => x };
      }
    case 'numeric':
    case 'logical': {
      const x = v.values;
      return { kind: 'number', at: (i) => x[i] };
    }
    default:
      throw badExpression(ctx, node.span, `${deparse(node)} cannot be compared`);
  }
}

function compare(node: Extract<Node, { type: 'binary' }>, ctx: EvalContext): Value {
  const op = node.op;
  const a = operand(evalValue(node.left, ctx), node.left, ctx);
  const b = operand(evalValue(node.right, ctx), node.right, ctx);
  const out = new Float64Array(n(ctx));
  if (a.kind === 'number' && b.kind === 'number') {
    for (let i = 0; i < out.length; i++) {
      const u = a.at(i);
      const w = b.at(i);
      out[i] = Number.isNaN(u) || Number.isNaN(w) ? NaN : cmp(op, u, w) ? 1 : 0;
    }
    return { kind: 'logical', values: out };
  }
  if (op !== '==' && op !== '!=') {
    throw badExpression(ctx, node.opSpan, `'${op}' is not meaningful for categorical values (compare with == or !=, or use as.numeric())`);
  }
  // text against text, or a number against text: R compares the number's label
  const label = (o: Operand, i: number): string | null => {
    if (o.kind === 'text') return o.at(i);
    const x = o.at(i);
    return Number.isNaN(x) ? null : numberLabelR(x);
  };
  for (let i = 0; i < out.length; i++) {
    const u = label(a, i);
    const w = label(b, i);
    out[i] = u === null || w === null ? NaN : (u === w) === (op === '==') ? 1 : 0;
  }
  return { kind: 'logical', values: out };
}

function cmp(op: string, u: number, w: number): boolean {
  switch (op) {
    case '==':
      return u === w;
    case '!=':
      return u !== w;
    case '<':
      return u < w;
    case '<=':
      return u <= w;
    case '>':
      return u > w;
    default:
      return u >= w;
  }
}

/** `x %in% c(...)`: TRUE where x's value (a number or a level's label) is in the set; NA is never in it. */
function membership(node: Extract<Node, { type: 'binary' }>, ctx: EvalContext): Value {
  const right = evalValue(node.right, ctx);
  let items: (number | boolean | string)[];
  if (right.kind === 'set') items = right.values;
  else if (right.kind === 'constant') items = [right.value];
  else {
    throw badExpression(
      ctx,
      node.right.span,
      `in a formula %in% between columns means nesting; inside I() write the values: I(${deparse(node.left)} %in% c("a", "b"))`,
    );
  }
  const labels = new Set(items.map((v) => (typeof v === 'number' ? numberLabelR(v) : typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v)));
  const a = operand(evalValue(node.left, ctx), node.left, ctx);
  const out = new Float64Array(n(ctx));
  for (let i = 0; i < out.length; i++) {
    const u = a.at(i);
    const lab = u === null ? null : typeof u === 'number' ? (Number.isNaN(u) ? null : numberLabelR(u)) : u;
    out[i] = lab !== null && labels.has(lab) ? 1 : 0;
  }
  return { kind: 'logical', values: out };
}

/** A setting of a call (df = 3, raw = TRUE, ref = "b", knots = c(2, 5)): a constant or a set of constants. */
function setting(node: Node, ctx: EvalContext): (number | boolean | string)[] {
  const v = evalValue(node, ctx);
  if (v.kind === 'constant') return [v.value];
  if (v.kind === 'set') return v.values;
  throw badExpression(ctx, node.span, `${deparse(node)} must be a value written in the formula, not a column`, 'bad-arguments');
}

function settingNumber(node: Node, ctx: EvalContext, what: string, check: (x: number) => boolean = Number.isFinite): number {
  const v = setting(node, ctx);
  if (v.length !== 1 || typeof v[0] === 'string' || !check(Number(v[0]))) throw badExpression(ctx, node.span, `${what}, not ${deparse(node)}`, 'bad-arguments');
  return Number(v[0]);
}

function settingBool(node: Node, ctx: EvalContext, what: string): boolean {
  const v = setting(node, ctx);
  if (v.length !== 1 || typeof v[0] !== 'boolean') throw badExpression(ctx, node.span, `${what} must be TRUE or FALSE, not ${deparse(node)}`, 'bad-arguments');
  return v[0];
}

function settingNumbers(node: Node, ctx: EvalContext, what: string): number[] {
  const v = setting(node, ctx);
  if (v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw badExpression(ctx, node.span, `${what} must be numbers, e.g. c(2, 5)`, 'bad-arguments');
  return v as number[];
}

const isWhole = (lo: number, hi = 1e6) => (x: number) => Number.isInteger(x) && x >= lo && x <= hi;

function evalCall(node: CallNode, ctx: EvalContext): Value {
  const name = functionBaseName(node.name);
  let args: Map<string, Node>;
  try {
    args = matchArguments(node);
  } catch (e) {
    const err = e as { message: string; span: Span };
    throw badExpression(ctx, err.span ?? node.span, err.message, 'bad-arguments');
  }
  const arg = (p: string): Node | undefined => args.get(p);
  const x = arg('x');
  const fn = NUMERIC_FUNCTIONS[name];
  if (fn && x) {
    const v = evalValue(x, ctx);
    let f = fn;
    const baseNode = arg('base');
    if (baseNode) {
      const b = settingNumber(baseNode, ctx, 'the base of log() must be a positive number', (t) => t > 0);
      f = (t) => Math.log(t) / Math.log(b);
    }
    if (v.kind === 'constant') return { kind: 'constant', value: f(constNumber(v, x, ctx)) };
    return { kind: 'numeric', values: asNumbers(v, x, ctx).map(f) };
  }
  switch (name) {
    case 'I':
      return evalValue(arg('expr')!, ctx);
    case 'c': {
      const values: (number | boolean | string)[] = [];
      for (const a of node.args) values.push(...setting(a, ctx));
      return { kind: 'set', values };
    }
    case 'as.numeric': {
      const v = evalValue(x!, ctx);
      if (v.kind === 'factor') return { kind: 'numeric', values: Float64Array.from(v.codes, (c) => (c < 0 ? NaN : c + 1)) };
      if (v.kind === 'constant') return { kind: 'constant', value: constNumber(v, x!, ctx) };
      return { kind: 'numeric', values: asNumbers(v, x!, ctx) };
    }
    case 'factor':
    case 'as.factor':
      return asFactor(x!, ctx);
    case 'relevel': {
      const f = asFactor(x!, ctx, true);
      const refNode = arg('ref');
      if (!refNode) throw badExpression(ctx, node.span, 'relevel() needs the reference level: relevel(f, ref = "level")', 'bad-arguments');
      const r = setting(refNode, ctx);
      let k = -1;
      if (r.length === 1 && typeof r[0] === 'string') k = f.levels.indexOf(r[0]);
      else if (r.length === 1 && typeof r[0] === 'number' && Number.isInteger(r[0])) k = r[0] >= 1 && r[0] <= f.levels.length ? r[0] - 1 : -1;
      if (k < 0) {
        const shown = f.levels.slice(0, 6).map((l) => `"${l}"`).join(', ');
        throw badExpression(ctx, refNode.span, `'ref' must be one of the levels of ${deparse(x!)} (${shown}${f.levels.length > 6 ? ', …' : ''}), not ${deparse(refNode)}`, 'bad-arguments');
      }
      const map = new Int32Array(f.levels.length);
      for (let l = 0; l < f.levels.length; l++) map[l] = l === k ? 0 : l < k ? l + 1 : l;
      return {
        kind: 'factor',
        codes: Int32Array.from(f.codes, (c) => (c < 0 ? -1 : map[c])),
        levels: [f.levels[k], ...f.levels.filter((_, l) => l !== k)],
        ...(f.contrasts ? { contrasts: f.contrasts } : {}),
      };
    }
    case 'interaction': {
      if (node.args.length === 0) throw badExpression(ctx, node.span, 'interaction() needs factors: interaction(a, b)', 'bad-arguments');
      return rInteraction(node.args.map((a) => asFactor(a, ctx)));
    }
    case 'C': {
      const f = asFactor(arg('object')!, ctx, true);
      const cNode = arg('contr');
      if (!cNode) throw badExpression(ctx, node.span, 'C() needs the contrasts: C(f, sum)', 'bad-arguments');
      const inner = unwrap(cNode);
      const label = inner.type === 'ident' ? inner.name : inner.type === 'string' ? inner.value : '';
      const kind = contrastKind(label);
      if (!kind) throw badExpression(ctx, cNode.span, `unknown contrasts '${deparse(cNode)}': use treatment, sum, helmert or poly`, 'bad-arguments');
      return { kind: 'factor', codes: f.codes, levels: f.levels, contrasts: kind };
    }
    case 'scale':
      return scaleCall(node, x!, arg('center'), arg('scale'), ctx);
    case 'poly':
      return polyCall(node, x!, arg('degree'), arg('raw'), ctx);
    case 'ns':
    case 'bs':
      return splineCall(node, name, args, ctx);
  }
  throw new MlmError({ code: 'bad-expression', message: `${node.name}() does not give numbers here`, range: ctx.locate(node.nameSpan) });
}

/** A value as a factor (R's factor()): text as it is, numbers by their distinct values, logicals as FALSE/TRUE. */
function asFactor(node: Node, ctx: EvalContext, strict = false): Extract<VarValue, { kind: 'factor' }> {
  const inner = unwrap(node);
  if (inner.type === 'ident') {
    const col = ctx.table.columns.get(inner.name);
    // factor(column): categorical whatever its fields look like
    if (col && col.kind === 'text') return { kind: 'factor', codes: col.codes, levels: col.levels };
  }
  const v = evalValue(node, ctx);
  if (v.kind === 'factor') return v;
  if (v.kind === 'numeric') {
    if (strict) throw badExpression(ctx, node.span, `${deparse(node)} holds numbers: write factor(${deparse(node)}) to use it as categorical`, 'not-a-factor');
    return { kind: 'factor', ...numericAsFactor(v.values) };
  }
  if (v.kind === 'logical') {
    // R: factor(logical) has the levels that occur, in the order FALSE, TRUE
    const f = logicalFactor(v.values) as Extract<VarValue, { kind: 'factor' }>;
    const seen = [false, false];
    for (const c of f.codes) if (c >= 0) seen[c] = true;
    if (seen[0] && seen[1]) return f;
    const only = seen[1] ? 1 : 0;
    return { kind: 'factor', codes: f.codes.map((c) => (c < 0 ? -1 : 0)), levels: [only ? 'TRUE' : 'FALSE'] };
  }
  throw badExpression(ctx, node.span, `${deparse(node)} cannot be made a factor`);
}

/** R's interaction(a, b, …): every combination of levels, the first factor varying fastest, labels a.b. */
function rInteraction(parts: Extract<VarValue, { kind: 'factor' }>[]): VarValue {
  let codes = parts[0].codes;
  let levels = parts[0].levels;
  for (let k = 1; k < parts.length; k++) {
    const b = parts[k];
    const na = levels.length;
    if (na * b.levels.length > 1_000_000) break;
    const next = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) next[i] = codes[i] < 0 || b.codes[i] < 0 ? -1 : b.codes[i] * na + codes[i];
    const lv: string[] = [];
    for (const bl of b.levels) for (const al of levels) lv.push(`${al}.${bl}`);
    codes = next;
    levels = lv;
  }
  return { kind: 'factor', codes, levels };
}

function learned<T extends Learned>(ctx: EvalContext, key: string, compute: () => T): T {
  const store = ctx.learned;
  if (store && !store.record) {
    const known = store.known.get(key);
    if (known) return known as T;
  }
  const v = compute();
  if (store?.record) store.known.set(key, v);
  return v;
}

function scaleCall(node: CallNode, x: Node, centerNode: Node | undefined, scaleNode: Node | undefined, ctx: EvalContext): Value {
  const values = evalNumeric(x, ctx);
  const spec = (a: Node | undefined, what: string): boolean | number => {
    if (!a) return true;
    const v = setting(a, ctx);
    if (v.length === 1 && (typeof v[0] === 'boolean' || (typeof v[0] === 'number' && Number.isFinite(v[0])))) return v[0];
    throw badExpression(ctx, a.span, `${what} must be TRUE, FALSE or a number, not ${deparse(a)}`, 'bad-arguments');
  };
  const c = spec(centerNode, 'center');
  const sc = spec(scaleNode, 'scale');
  const p = learned(ctx, deparse(node), () => {
    const center = c === true ? meanOf(values) : c === false ? 0 : c;
    // R: with center = FALSE the scale is the root mean square, sqrt(sum(x^2)/(n-1))
    const scale = sc === true ? rootMeanSquare(values, center) : sc === false ? 1 : sc;
    return { kind: 'scale' as const, center, scale };
  });
  return { kind: 'numeric', values: values.map((v) => (v - p.center) / p.scale) };
}

function meanOf(x: Float64Array): number {
  let s = 0;
  let m = 0;
  for (const v of x) if (!Number.isNaN(v)) (s += v), m++;
  return s / m;
}

function rootMeanSquare(x: Float64Array, center: number): number {
  let ss = 0;
  let m = 0;
  for (const v of x) if (!Number.isNaN(v)) (ss += (v - center) ** 2), m++;
  return Math.sqrt(ss / (m - 1));
}

/** R's scale(x) parameters: the mean and the standard deviation (missing values skipped). */
export function scaleParameters(x: Float64Array): { center: number; scale: number } {
  const center = meanOf(x);
  return { center, scale: rootMeanSquare(x, center) };
}

function polyCall(node: CallNode, x: Node, degreeNode: Node | undefined, rawNode: Node | undefined, ctx: EvalContext): Value {
  const values = evalNumeric(x, ctx);
  const degree = degreeNode ? settingNumber(degreeNode, ctx, 'the degree of poly() must be a whole number from 1', isWhole(1, 50)) : 1;
  const raw = rawNode ? settingBool(rawNode, ctx, 'raw') : false;
  const suffixes = Array.from({ length: degree }, (_, k) => String(k + 1));
  if (raw) return { kind: 'matrix', columns: rawPolyBasis(values, degree), suffixes };
  const p = learned(ctx, deparse(node), () => {
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) {
        throw badExpression(ctx, x.span, `poly() cannot have missing values (as in R): row ${i + 2} of ${ctx.table.fileName} has none for ${deparse(x)}`, 'missing-in-poly');
      }
    }
    const distinct = new Set(values).size;
    if (degree >= distinct) {
      throw badExpression(ctx, degreeNode?.span ?? node.span, `the degree of poly() must be less than the number of distinct values of ${deparse(x)} (${distinct})`, 'bad-arguments');
    }
    return { kind: 'poly' as const, coefs: polyBasis(values, degree).coefs };
  });
  return { kind: 'matrix', columns: polyPredict(values, degree, p.coefs), suffixes };
}

function splineCall(node: CallNode, kind: 'ns' | 'bs', args: Map<string, Node>, ctx: EvalContext): Value {
  const x = args.get('x')!;
  const values = evalNumeric(x, ctx);
  const p = learned(ctx, deparse(node), () => {
    const req: SplineRequest = {};
    const a = (k: string) => args.get(k);
    if (a('df')) req.df = settingNumber(a('df')!, ctx, `df of ${kind}() must be a whole number from 1`, isWhole(1, 100));
    if (a('knots')) req.knots = settingNumbers(a('knots')!, ctx, 'the knots');
    if (a('degree')) req.degree = settingNumber(a('degree')!, ctx, `the degree of ${kind}() must be a whole number from 1 to 10`, isWhole(1, 10));
    if (a('intercept')) req.intercept = settingBool(a('intercept')!, ctx, 'intercept');
    if (a('Boundary.knots')) {
      const b = settingNumbers(a('Boundary.knots')!, ctx, 'Boundary.knots');
      if (b.length !== 2 || !(b[0] < b[1])) throw badExpression(ctx, a('Boundary.knots')!.span, 'Boundary.knots must be two increasing numbers, e.g. c(0, 10)', 'bad-arguments');
      req.boundary = [b[0], b[1]];
    }
    const params = splineParams(kind, values, req);
    if (!Number.isFinite(params.boundary[0])) throw badExpression(ctx, x.span, `${deparse(x)} has no values for ${kind}()`);
    if (splineColumns(params) < 1) throw badExpression(ctx, node.span, `${kind}() would have no columns: give a larger df`, 'bad-arguments');
    return { kind: 'spline' as const, params };
  });
  const columns = splineBasis(values, p.params);
  return { kind: 'matrix', columns, suffixes: columns.map((_, k) => String(k + 1)) };
}

/** Combines factors as lme4's a:b grouping: observed combinations ordered by (a's level, b's level). */
export function interactFactors(parts: { codes: Int32Array; levels: string[] }[]): { codes: Int32Array; levels: string[] } {
  let acc = parts[0];
  for (let k = 1; k < parts.length; k++) {
    const b = parts[k];
    const nb = b.levels.length;
    const len = acc.codes.length;
    const combo = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const ca = acc.codes[i];
      const cb = b.codes[i];
      combo[i] = ca < 0 || cb < 0 ? -1 : ca * nb + cb;
    }
    // observed combinations in increasing order of (a's level, b's level)
    const sorted = Float64Array.from(combo).sort();
    const keys: number[] = [];
    for (let i = 0; i < len; i++) {
      const v = sorted[i];
      if (v >= 0 && (keys.length === 0 || keys[keys.length - 1] !== v)) keys.push(v);
    }
    const total = acc.levels.length * nb;
    const dense = total <= 4_000_000 ? new Int32Array(total) : null;
    const index = new Map<number, number>();
    keys.forEach((key, j) => (dense ? (dense[key] = j) : index.set(key, j)));
    const levels = keys.map((key) => `${acc.levels[Math.floor(key / nb)]}:${b.levels[key % nb]}`);
    const codes = new Int32Array(len);
    let lastKey = -2;
    let lastCode = -1;
    for (let i = 0; i < len; i++) {
      const key = combo[i];
      if (key !== lastKey) {
        lastKey = key;
        lastCode = key < 0 ? -1 : dense ? dense[key] : index.get(key)!;
      }
      codes[i] = lastCode;
    }
    acc = { codes, levels };
  }
  return acc;
}

/** Human name of a variable node. */
export function variableName(node: Node): string {
  return deparse(node);
}
