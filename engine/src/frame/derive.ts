/**
 * `derive:` columns: arithmetic on columns with aggregates (mean, sum, sd, var, min, max, median, n)
 * computed over the whole data, or within the groups of `by GROUP` (missing values skipped).
 * `derive: meanses = mean(ses) by school`, `derive: cses = ses - mean(ses) by school`.
 */
import { MlmError } from '../diagnostics';
import { factorValues, makeNumericColumn, withColumn } from '../data/columns';
import type { DataTable } from '../data/types';
import type { Node } from '../formula/ast';
import { AGGREGATES, NUMERIC_FUNCTIONS } from '../formula/functions';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { DeriveDecl } from '../mlmfile/types';
import { evalNumeric, interactFactors, unknownColumnError, type EvalContext } from './evaluate';

interface Groups {
  codes: Int32Array; // -1: row has no group (missing)
  count: number;
}

function aggregate(name: string, x: Float64Array, g: Groups): Float64Array {
  const k = g.count;
  const buckets: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < x.length; i++) {
    const c = g.codes[i];
    if (c >= 0 && !Number.isNaN(x[i])) buckets[c].push(x[i]);
  }
  const stat = buckets.map((b) => {
    const m = b.length;
    if (name === 'n') return m;
    if (m === 0) return NaN;
    const sum = b.reduce((s, v) => s + v, 0);
    switch (name) {
      case 'sum':
        return sum;
      case 'mean':
        return sum / m;
      case 'min':
        return Math.min(...b);
      case 'max':
        return Math.max(...b);
      case 'median': {
        const s = [...b].sort((u, v) => u - v);
        return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
      }
      case 'sd':
      case 'var': {
        if (m < 2) return NaN;
        const mean = sum / m;
        const v = b.reduce((s, u) => s + (u - mean) ** 2, 0) / (m - 1);
        return name === 'sd' ? Math.sqrt(v) : v;
      }
    }
    return NaN;
  });
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = g.codes[i] < 0 ? NaN : stat[g.codes[i]];
  return out;
}

function evalDerive(node: Node, ctx: EvalContext, groups: Groups): Float64Array {
  switch (node.type) {
    case 'paren':
      return evalDerive(node.expr, ctx, groups);
    case 'unary': {
      const v = evalDerive(node.expr, ctx, groups);
      return node.op === '-' ? v.map((x) => -x) : v;
    }
    case 'binary': {
      if (!['+', '-', '*', '/', '^'].includes(node.op)) {
        throw new MlmError({ code: 'bad-expression', message: `'${node.op}' cannot be used in derive: (use + - * / ^)`, range: ctx.locate(node.opSpan) });
      }
      const a = evalDerive(node.left, ctx, groups);
      const b = evalDerive(node.right, ctx, groups);
      const out = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const u = a[i];
        const v = b[i];
        out[i] = node.op === '+' ? u + v : node.op === '-' ? u - v : node.op === '*' ? u * v : node.op === '/' ? u / v : Math.pow(u, v);
      }
      return out;
    }
    case 'call': {
      if ((AGGREGATES as readonly string[]).includes(node.name)) {
        if (node.name === 'n') {
          if (node.args.length !== 0) throw new MlmError({ code: 'bad-arguments', message: 'n() takes no argument (it counts the rows of each group)', range: ctx.locate(node.span) });
          return aggregate('n', new Float64Array(ctx.table.nrow), groups);
        }
        if (node.args.length !== 1) throw new MlmError({ code: 'bad-arguments', message: `${node.name}() takes one argument`, range: ctx.locate(node.span) });
        return aggregate(node.name, evalDerive(node.args[0], ctx, groups), groups);
      }
      const fn = NUMERIC_FUNCTIONS[node.name];
      if (fn && node.args.length === 1) return evalDerive(node.args[0], ctx, groups).map(fn);
      return evalNumeric(node, ctx);
    }
    default:
      return evalNumeric(node, ctx);
  }
}

function groupsOf(by: Node, ctx: EvalContext): Groups {
  const parts: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 'paren') walk(n.expr);
    else if (n.type === 'binary' && n.op === ':') {
      walk(n.left);
      walk(n.right);
    } else if (n.type === 'ident') parts.push(n);
    else throw new MlmError({ code: 'bad-group', message: "after 'by' write a column name (or a:b for combinations)", range: ctx.locate(n.span) });
  };
  walk(by);
  const factors = parts.map((p) => {
    if (p.type !== 'ident') throw new Error('unreachable');
    if (!ctx.table.columns.has(p.name)) throw unknownColumnError(ctx, p.name, p.span);
    return factorValues(ctx.table, p.name);
  });
  const f = interactFactors(factors);
  return { codes: f.codes, count: f.levels.length };
}

/** Adds the derived columns to a table (in order: each may use the previous ones). */
export function applyDerives(table: DataTable, derives: DeriveDecl[]): DataTable {
  let t = table;
  for (const d of derives) {
    if (!d.expr.ast) continue; // syntax error already reported by parseMlm
    const exprCtx: EvalContext = { table: t, locate: (span) => rangeOfSpan(d.expr, span) };
    let groups: Groups = { codes: new Int32Array(t.nrow), count: 1 };
    if (d.by) {
      if (!d.by.ast) continue;
      const byDecl = d.by;
      groups = groupsOf(d.by.ast, { table: t, locate: (span) => rangeOfSpan(byDecl, span) });
    }
    const values = evalDerive(d.expr.ast, exprCtx, groups);
    t = withColumn(t, makeNumericColumn(d.name.value, values));
  }
  return t;
}
