/**
 * Term expansion as R's terms(): `+ - * / : ^ %in%`, `0`/`1`/`-1` for the intercept.
 * Variables are numbered by first appearance; terms are sorted by order (main effects, then
 * two-way interactions, ...), stable within an order; a term's variables are in variable order.
 */
import { FormulaSyntaxError, type Node, type Span } from './ast';
import { deparse, unparen } from './deparse';

export interface TermVariable {
  /** Deparsed expression, e.g. 'ses', 'factor(period)', 'I(age^2)'. */
  name: string;
  node: Node;
}

export interface Term {
  /** Indices into variables, increasing. */
  vars: number[];
  /** e.g. 'meanses:cses'. */
  label: string;
  /** Span of the source expression that first produced the term. */
  span: Span;
}

export interface TermsResult {
  variables: TermVariable[];
  terms: Term[];
  intercept: boolean;
  /** `offset(...)` calls found among the terms (not model-matrix terms). */
  offsets: Node[];
}

interface Expansion {
  terms: { vars: number[]; span: Span }[];
  /** true: `1` present; false: `0` or `-1`; undefined: not said. */
  intercept?: boolean;
}

/** Bound on the number of terms an expansion may produce (guards against a^n explosions). */
const MAX_TERMS = 4096;
/** R refuses a power beyond the integer range ("invalid power in formula"). */
const MAX_POWER = 2147483647;
/** Operators with a formula meaning; any other operator makes its expression one variable. */
const FORMULA_OPERATORS: ReadonlySet<string> = new Set(['+', '-', '*', '/', ':', '^', '%in%', '|', '||']);

function key(vars: number[]): string {
  return vars.join(',');
}

function union(a: number[], b: number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function dedup(ts: { vars: number[]; span: Span }[]): { vars: number[]; span: Span }[] {
  const seen = new Set<string>();
  const out: { vars: number[]; span: Span }[] = [];
  for (const t of ts) {
    const k = key(t.vars);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}

class Expander {
  variables: TermVariable[] = [];
  offsets: Node[] = [];
  private byName = new Map<string, number>();

  variable(node: Node): number {
    const name = deparse(node);
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.variables.length;
      this.byName.set(name, id);
      this.variables.push({ name, node });
    }
    return id;
  }

  expand(node: Node): Expansion {
    switch (node.type) {
      case 'paren':
        return this.expand(node.expr);
      case 'number':
        if (node.value === 1) return { terms: [], intercept: true };
        if (node.value === 0) return { terms: [], intercept: false };
        throw new FormulaSyntaxError(`the number ${node.text} cannot be a term (only 0 and 1, for the intercept)`, node.span, 'bad-term');
      case 'ident':
        return { terms: [{ vars: [this.variable(node)], span: node.span }] };
      case 'call':
        if (node.name === 'offset') {
          this.offsets.push(node);
          return { terms: [] };
        }
        return { terms: [{ vars: [this.variable(node)], span: node.span }] };
      case 'unary': {
        if (node.op === '!') return { terms: [{ vars: [this.variable(node)], span: node.span }] };
        const inner = this.expand(node.expr);
        if (node.op === '+') return inner;
        // `-x` alone: removing from nothing; only the intercept part matters
        return { terms: [], intercept: inner.intercept === undefined ? undefined : !inner.intercept };
      }
      case 'string':
        throw new FormulaSyntaxError('text in quotes cannot be a term; write column names without quotes', node.span, 'bad-term');
      case 'binary':
        return this.binary(node);
    }
  }

  private binary(node: Extract<Node, { type: 'binary' }>): Expansion {
    const { op } = node;
    if (op === '|' || op === '||') {
      throw new FormulaSyntaxError(
        `a random-effects term must be in parentheses: (${deparse(node)})`,
        node.span,
        'bar-without-parens',
      );
    }
    if (op === '^') {
      const base = this.expand(node.left);
      const r = unparen(node.right);
      if (r.type !== 'number' || !Number.isInteger(r.value) || r.value < 1) {
        throw new FormulaSyntaxError("the power of a term must be a positive whole number, e.g. (a + b + c)^2 (use I(x^2) for a squared variable)", node.right.span, 'bad-term');
      }
      if (r.value > MAX_POWER) throw new FormulaSyntaxError('invalid power in formula (beyond the integer range, as R says)', node.right.span, 'bad-term');
      // R's PowerTerms: right = left; repeat: right = unique(l ∪ r for l in left, for r in right).
      // Each step keeps the terms it had, so once a step adds none the rest add none either.
      let acc = base.terms;
      for (let k = 2; k <= r.value; k++) {
        const prod: { vars: number[]; span: Span }[] = [];
        if (base.terms.length * acc.length > MAX_TERMS * 4) {
          throw new FormulaSyntaxError(`this power expands to too many terms (more than ${MAX_TERMS})`, node.span, 'too-many-terms');
        }
        for (const a of base.terms) for (const b of acc) prod.push({ vars: union(a.vars, b.vars), span: node.span });
        const nextAcc = dedup(prod);
        if (nextAcc.length === acc.length) break;
        acc = nextAcc;
      }
      return { terms: acc, intercept: base.intercept };
    }
    if (!FORMULA_OPERATORS.has(op)) {
      // a comparison or logical operator: the whole expression is one variable (R: `x > 3` gives `x > 3TRUE`)
      return { terms: [{ vars: [this.variable(node)], span: node.span }] };
    }
    const left = this.expand(node.left);
    const right = this.expand(node.right);
    switch (op) {
      case '+':
        return { terms: dedup([...left.terms, ...right.terms]), intercept: right.intercept ?? left.intercept };
      case '-': {
        const drop = new Set(right.terms.map((t) => key(t.vars)));
        let intercept = left.intercept;
        if (right.intercept === true) intercept = false;
        else if (right.intercept === false) intercept = true;
        return { terms: left.terms.filter((t) => !drop.has(key(t.vars))), intercept };
      }
      case ':':
      case '%in%': {
        if (left.terms.length * right.terms.length > MAX_TERMS) {
          throw new FormulaSyntaxError(`this interaction expands to too many terms (more than ${MAX_TERMS})`, node.span, 'too-many-terms');
        }
        const out: { vars: number[]; span: Span }[] = [];
        for (const a of left.terms) for (const b of right.terms) out.push({ vars: union(a.vars, b.vars), span: node.span });
        return { terms: dedup(out) };
      }
      case '*': {
        if (left.terms.length * right.terms.length > MAX_TERMS) {
          throw new FormulaSyntaxError(`this product expands to too many terms (more than ${MAX_TERMS})`, node.span, 'too-many-terms');
        }
        const prod: { vars: number[]; span: Span }[] = [];
        for (const a of left.terms) for (const b of right.terms) prod.push({ vars: union(a.vars, b.vars), span: node.span });
        return { terms: dedup([...left.terms, ...right.terms, ...prod]), intercept: right.intercept ?? left.intercept };
      }
      case '/': {
        const all = left.terms.reduce<number[]>((acc, t) => union(acc, t.vars), []);
        const nested = right.terms.map((b) => ({ vars: union(all, b.vars), span: node.span }));
        return { terms: dedup([...left.terms, ...nested]), intercept: left.intercept };
      }
    }
    throw new FormulaSyntaxError(`unsupported operator '${op}'`, node.opSpan);
  }
}

/**
 * Expands the right-hand side of a formula (without random-effects terms) into terms.
 * `preVariables`: nodes to register first (the response), so variable numbering follows R.
 */
export function expandTerms(rhs: Node | null, preVariables: Node[] = []): TermsResult {
  const ex = new Expander();
  for (const n of preVariables) ex.variable(n);
  let result: Expansion = { terms: [] };
  if (rhs) {
    registerInOrder(rhs, ex);
    result = ex.expand(rhs);
  }
  const terms = result.terms
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.vars.length - b.t.vars.length || a.i - b.i)
    .map(({ t }) => ({
      vars: t.vars,
      span: t.span,
      label: t.vars.map((v) => ex.variables[v].name).join(':'),
    }));
  return { variables: ex.variables, terms, intercept: result.intercept ?? true, offsets: ex.offsets };
}

/** Registers variables in order of first appearance (left to right), as R numbers them. */
function registerInOrder(node: Node, ex: Expander): void {
  switch (node.type) {
    case 'ident':
      ex.variable(node);
      return;
    case 'call':
      if (node.name !== 'offset') ex.variable(node);
      return;
    case 'paren':
      registerInOrder(node.expr, ex);
      return;
    case 'unary':
      if (node.op === '!') ex.variable(node);
      else registerInOrder(node.expr, ex);
      return;
    case 'binary':
      if (!FORMULA_OPERATORS.has(node.op)) {
        ex.variable(node);
        return;
      }
      if (node.op === '^') {
        registerInOrder(node.left, ex);
        return;
      }
      registerInOrder(node.left, ex);
      registerInOrder(node.right, ex);
      return;
    case 'number':
    case 'string':
      return;
  }
}
