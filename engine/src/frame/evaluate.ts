/**
 * Evaluation of formula expressions on a data table: numeric expressions (`I(age^2)`, `log(x)`,
 * `ses - meanses`) and factors (`sector`, `factor(period)`). Values cover all data rows;
 * missing values are NaN (numeric) or code -1 (factor).
 */
import { MlmError, type SourceRange } from '../diagnostics';
import { numericAsFactor, unknownColumnError as unknownColumnIn } from '../data/columns';
import type { DataTable } from '../data/types';
import type { Node, Span } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { NUMERIC_FUNCTIONS } from '../formula/functions';

export type VarValue =
  | { kind: 'numeric'; values: Float64Array }
  | { kind: 'factor'; codes: Int32Array; levels: string[] };

export interface EvalContext {
  table: DataTable;
  /** Document range of a span of the expression's text (formula, weights, derive). */
  locate: (span: Span) => SourceRange | undefined;
  /**
   * Centres and scales of the formula's scale() calls, by the call's text. With `record` they are
   * computed from this table and stored; without it, stored ones are applied (new rows for
   * prediction are scaled as the training rows were, as R's predict() does through makepredictcall).
   */
  scaling?: { known: Map<string, { center: number; scale: number }>; record: boolean };
}

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

const n = (ctx: EvalContext) => ctx.table.nrow;

/** Evaluates a numeric expression. */
export function evalNumeric(node: Node, ctx: EvalContext): Float64Array {
  switch (node.type) {
    case 'number':
      return new Float64Array(n(ctx)).fill(node.value);
    case 'ident': {
      const col = ctx.table.columns.get(node.name);
      if (!col) throw unknownColumnError(ctx, node.name, node.span);
      if (col.kind !== 'numeric') throw notNumberError(ctx, node.name, node.span);
      return col.values;
    }
    case 'paren':
      return evalNumeric(node.expr, ctx);
    case 'unary': {
      const v = evalNumeric(node.expr, ctx);
      return node.op === '-' ? v.map((x) => -x) : v;
    }
    case 'binary': {
      const a = evalNumeric(node.left, ctx);
      const b = evalNumeric(node.right, ctx);
      const out = new Float64Array(a.length);
      switch (node.op) {
        case '+':
          for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
          return out;
        case '-':
          for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
          return out;
        case '*':
          for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
          return out;
        case '/':
          for (let i = 0; i < a.length; i++) out[i] = a[i] / b[i];
          return out;
        case '^':
          for (let i = 0; i < a.length; i++) out[i] = Math.pow(a[i], b[i]);
          return out;
        default:
          throw new MlmError({
            code: 'bad-expression',
            message: `'${node.op}' is not arithmetic; inside I() use + - * / ^`,
            range: ctx.locate(node.opSpan),
          });
      }
    }
    case 'call': {
      const fn = NUMERIC_FUNCTIONS[node.name];
      if (fn) {
        expectArgs(node, 1, ctx);
        return evalNumeric(node.args[0], ctx).map(fn);
      }
      if (node.name === 'I') {
        expectArgs(node, 1, ctx);
        return evalNumeric(node.args[0], ctx);
      }
      if (node.name === 'scale') {
        expectArgs(node, 1, ctx);
        const x = evalNumeric(node.args[0], ctx);
        const key = deparse(node);
        const known = ctx.scaling && !ctx.scaling.record ? ctx.scaling.known.get(key) : undefined;
        const { center, scale } = known ?? scaleParameters(x);
        if (ctx.scaling?.record) ctx.scaling.known.set(key, { center, scale });
        return x.map((v) => (v - center) / scale);
      }
      throw new MlmError({
        code: 'bad-expression',
        message: `${node.name}() does not give numbers here`,
        range: ctx.locate(node.nameSpan),
      });
    }
  }
}

function expectArgs(node: Extract<Node, { type: 'call' }>, k: number, ctx: EvalContext): void {
  if (node.args.length !== k) {
    throw new MlmError({
      code: 'bad-arguments',
      message: `${node.name}() takes ${k} argument${k === 1 ? '' : 's'}, not ${node.args.length}`,
      range: ctx.locate(node.span),
    });
  }
}

/** R's scale(x) parameters: the mean and the standard deviation (missing values skipped). */
export function scaleParameters(x: Float64Array): { center: number; scale: number } {
  let s = 0;
  let m = 0;
  for (const v of x) if (!Number.isNaN(v)) (s += v), m++;
  const mean = s / m;
  let ss = 0;
  for (const v of x) if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  return { center: mean, scale: Math.sqrt(ss / (m - 1)) };
}

/** Evaluates a formula variable: a column, factor(x), or a numeric expression. */
export function evalVariable(node: Node, ctx: EvalContext): VarValue {
  if (node.type === 'paren') return evalVariable(node.expr, ctx);
  if (node.type === 'ident') {
    const col = ctx.table.columns.get(node.name);
    if (!col) throw unknownColumnError(ctx, node.name, node.span);
    if (col.kind === 'numeric') return { kind: 'numeric', values: col.values };
    if (col.firstNonNumeric && col.firstNonNumeric.numericCount >= 0.9 * (col.raw.length - 0)) {
      // mostly numbers: almost certainly a typo in the data, not a categorical variable
      throw notNumberError(ctx, node.name, node.span, true);
    }
    return { kind: 'factor', codes: col.codes, levels: col.levels };
  }
  if (node.type === 'call' && (node.name === 'factor' || node.name === 'as.factor')) {
    expectArgs(node, 1, ctx);
    const arg = node.args[0].type === 'paren' ? node.args[0].expr : node.args[0];
    if (arg.type === 'ident') {
      // factor(column): categorical whatever its fields look like
      const col = ctx.table.columns.get(arg.name);
      if (col && col.kind === 'text') return { kind: 'factor', codes: col.codes, levels: col.levels };
    }
    const inner = evalVariable(node.args[0], ctx);
    if (inner.kind === 'factor') return inner;
    return { kind: 'factor', ...numericAsFactor(inner.values) };
  }
  if (node.type === 'number') {
    throw new MlmError({ code: 'bad-term', message: `the number ${node.text} cannot be a variable`, range: ctx.locate(node.span) });
  }
  if (node.type === 'call' && node.name === 'cbind') {
    throw new MlmError({ code: 'bad-term', message: 'cbind() can only be the response of a binomial model', range: ctx.locate(node.span) });
  }
  if (node.type === 'call' && node.name === 'offset') {
    throw new MlmError({ code: 'bad-term', message: 'offset() can only be a term of the formula', range: ctx.locate(node.span) });
  }
  return { kind: 'numeric', values: evalNumeric(node, ctx) };
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
