/**
 * Recursive-descent parser for lme4 formulas, with R's operator precedence (lowest first):
 * `~`, `|` `||`, `&` `&&`, `!`, comparisons (`== != < <= > >=`), `+ -`, `* /`, `%in%`, `:`, unary `- +`, `^`.
 * Depth-bounded: nesting (parentheses, calls, chains of unary operators) and the depth of the tree
 * (a long chain of `+`) stop with a located error instead of exhausting the stack of every later walk.
 */
import { FormulaSyntaxError, type BinaryOp, type FormulaAst, type Node, type Span } from './ast';
import { FORMULA_FUNCTIONS, functionBaseName, matchArguments } from './functions';
import { tokenize, type Token } from './lexer';
import { suggestName } from './suggest';

export interface ParseOptions {
  /** Function names accepted in calls (default: the formula functions). */
  functions?: ReadonlySet<string>;
}

/** Most levels of parentheses, calls and unary operators inside one another. */
export const MAX_NESTING = 100;
/** Most nodes on a path from the root of an expression to a leaf (a chain of 500 `+` reaches it). */
export const MAX_DEPTH = 500;

const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='];

class Parser {
  private pos = 0;
  private nesting = 0;
  private readonly depth = new WeakMap<Node, number>();
  constructor(
    private readonly toks: Token[],
    private readonly functions: ReadonlySet<string>,
  ) {}

  peek(): Token {
    return this.toks[this.pos];
  }
  next(): Token {
    return this.toks[this.pos++];
  }
  isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.type === 'op' && ops.includes(t.text);
  }

  private describe(t: Token): string {
    if (t.type === 'eof') return 'the end of the formula';
    if (t.type === 'string') return `the text "${t.text}"`;
    return `'${t.text}'`;
  }

  /** Enters one level of nesting (a parenthesis, a call, a unary operator); bounded by MAX_NESTING. */
  private enter(at: Token): void {
    if (++this.nesting > MAX_NESTING) {
      throw new FormulaSyntaxError(`the expression nests too deeply (more than ${MAX_NESTING} levels of parentheses, calls or signs)`, at.span, 'too-deep');
    }
  }
  private leave(): void {
    this.nesting--;
  }

  /** Records a new node's depth; beyond MAX_DEPTH the expression is refused where it got too deep. */
  private made<T extends Node>(node: T, at: Span, children: readonly Node[]): T {
    let d = 0;
    for (const c of children) d = Math.max(d, this.depth.get(c) ?? 1);
    if (d + 1 > MAX_DEPTH) {
      throw new FormulaSyntaxError(
        `the expression is too long: more than ${MAX_DEPTH} operations in one chain (split it, or compute a column with derive:)`,
        at,
        'too-deep',
      );
    }
    this.depth.set(node, d + 1);
    return node;
  }

  private bin(op: BinaryOp, left: Node, right: Node, opSpan: Span): Node {
    return this.made({ type: 'binary', op, left, right, opSpan, span: { start: left.span.start, end: right.span.end } }, opSpan, [left, right]);
  }

  /** Called where a term must start: reports empty terms and trailing operators. */
  private missingOperand(after: Token | undefined): never {
    const t = this.peek();
    if (after && after.type === 'op') {
      if (t.type === 'eof') throw new FormulaSyntaxError(`the formula ends with '${after.text}': a term is missing after it`, after.span);
      if (t.type === ')') throw new FormulaSyntaxError(`a term is missing after '${after.text}'`, { start: after.span.start, end: t.span.end });
      throw new FormulaSyntaxError(`empty term between '${after.text}' and '${t.text}'`, { start: after.span.start, end: t.span.end });
    }
    if (after && after.type === '(' && t.type === ')') throw new FormulaSyntaxError('empty parentheses', { start: after.span.start, end: t.span.end });
    if (t.type === 'eof') throw new FormulaSyntaxError('a term is missing at the end of the formula', t.span);
    if (t.type === ')') throw new FormulaSyntaxError("unbalanced parenthesis: this ')' has no matching '('", t.span);
    throw new FormulaSyntaxError(`expected a term, found ${this.describe(t)}`, t.span);
  }

  expr(after?: Token): Node {
    this.enter(this.peek());
    try {
      return this.or(after);
    } finally {
      this.leave();
    }
  }

  or(after?: Token): Node {
    let left = this.and(after);
    while (this.isOp('|', '||')) {
      const op = this.next();
      const right = this.and(op);
      left = this.bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  and(after?: Token): Node {
    let left = this.not(after);
    while (this.isOp('&', '&&')) {
      const op = this.next();
      const right = this.not(op);
      left = this.bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  not(after?: Token): Node {
    if (this.isOp('!')) {
      const op = this.next();
      this.enter(op);
      try {
        const expr = this.not(op);
        return this.made({ type: 'unary', op: '!', expr, span: { start: op.span.start, end: expr.span.end } }, op.span, [expr]);
      } finally {
        this.leave();
      }
    }
    return this.comparison(after);
  }

  comparison(after?: Token): Node {
    const left = this.add(after);
    if (this.isOp(...COMPARISONS)) {
      const op = this.next();
      const right = this.add(op);
      if (this.isOp(...COMPARISONS)) {
        throw new FormulaSyntaxError(`comparisons cannot be chained: write (a ${op.text} b) & (b ${this.peek().text} c)`, this.peek().span);
      }
      return this.bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  add(after?: Token): Node {
    let left = this.mul(after);
    while (this.isOp('+', '-')) {
      const op = this.next();
      if (this.isOp('+', '|', '||', '*', '/', ':', '^', '%in%', '&', '&&', ...COMPARISONS)) this.missingOperand(op);
      const right = this.mul(op);
      left = this.bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  mul(after?: Token): Node {
    let left = this.special(after);
    while (this.isOp('*', '/')) {
      const op = this.next();
      const right = this.special(op);
      left = this.bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  special(after?: Token): Node {
    let left = this.colon(after);
    while (this.isOp('%in%')) {
      const op = this.next();
      const right = this.colon(op);
      left = this.bin('%in%', left, right, op.span);
    }
    return left;
  }

  colon(after?: Token): Node {
    let left = this.unary(after);
    while (this.isOp(':')) {
      const op = this.next();
      const right = this.unary(op);
      left = this.bin(':', left, right, op.span);
    }
    return left;
  }

  unary(after?: Token): Node {
    if (this.isOp('-', '+')) {
      const op = this.next();
      if (op.text === '+' && after && after.type === 'op') this.missingOperand(after);
      this.enter(op);
      try {
        const expr = this.unary(op);
        return this.made({ type: 'unary', op: op.text as '+' | '-', expr, span: { start: op.span.start, end: expr.span.end } }, op.span, [expr]);
      } finally {
        this.leave();
      }
    }
    if (this.isOp('!')) {
      // `-!x`, `x^!y`: R's `!` inside an arithmetic operand
      const op = this.next();
      this.enter(op);
      try {
        const expr = this.unary(op);
        return this.made({ type: 'unary', op: '!', expr, span: { start: op.span.start, end: expr.span.end } }, op.span, [expr]);
      } finally {
        this.leave();
      }
    }
    return this.power(after);
  }

  power(after?: Token): Node {
    const base = this.primary(after);
    if (this.isOp('^')) {
      const op = this.next();
      this.enter(op);
      try {
        const exp = this.unary(op);
        return this.bin('^', base, exp, op.span);
      } finally {
        this.leave();
      }
    }
    return base;
  }

  primary(after?: Token): Node {
    const t = this.peek();
    if (t.type === 'number') {
      this.next();
      return { type: 'number', value: Number(t.text), text: t.text, span: t.span };
    }
    if (t.type === 'string') {
      this.next();
      return { type: 'string', value: t.text, span: t.span };
    }
    if (t.type === 'ident') {
      this.next();
      if (this.peek().type === '(') return this.call(t);
      return { type: 'ident', name: t.text, span: t.span };
    }
    if (t.type === '(') {
      const open = this.next();
      if (this.peek().type === ')') this.missingOperand(open);
      const inner = this.expr(open);
      const close = this.peek();
      if (close.type !== ')') {
        if (close.type === 'eof') throw new FormulaSyntaxError("unbalanced parenthesis: this '(' is never closed", open.span);
        throw new FormulaSyntaxError(`expected ')' to close the '(' but found ${this.describe(close)}`, close.span);
      }
      this.next();
      return this.made({ type: 'paren', expr: inner, span: { start: open.span.start, end: close.span.end } }, open.span, [inner]);
    }
    if (t.type === '~') throw new FormulaSyntaxError("a formula has a single '~'", t.span);
    if (t.type === ',') throw new FormulaSyntaxError("unexpected ','", t.span);
    if (t.type === '=') throw equalsError(t);
    return this.missingOperand(after);
  }

  call(name: Token): Node {
    if (!this.functions.has(functionBaseName(name.text)) || !knownPackage(name.text)) {
      const s = suggestName(name.text, [...this.functions]);
      throw new FormulaSyntaxError(
        `unknown function '${name.text}'${s ? ` (did you mean '${s}'?)` : ''}`,
        name.span,
        'unknown-function',
        s ? { suggestion: s } : undefined,
      );
    }
    const open = this.next(); // '('
    const args: Node[] = [];
    const argNames: (string | undefined)[] = [];
    const done = (close: Token): Node => {
      const node = this.made(
        { type: 'call' as const, name: name.text, nameSpan: name.span, args, argNames, span: { start: name.span.start, end: close.span.end } },
        name.span,
        args,
      );
      matchArguments(node);
      return node;
    };
    if (this.peek().type === ')') return done(this.next());
    for (;;) {
      const t0 = this.peek();
      let argName: string | undefined;
      if (t0.type === 'ident' && this.toks[this.pos + 1]?.type === '=') {
        argName = t0.text;
        if (argNames.includes(argName)) throw new FormulaSyntaxError(`the argument '${argName}' is given twice`, t0.span, 'bad-arguments');
        this.next();
        const eq = this.next();
        if (this.peek().type === ',' || this.peek().type === ')') throw new FormulaSyntaxError(`a value is missing after '${argName} ='`, eq.span);
      }
      args.push(this.expr(open));
      argNames.push(argName);
      const t = this.peek();
      if (t.type === ',') {
        this.next();
        continue;
      }
      if (t.type === ')') {
        this.next();
        return done(t);
      }
      if (t.type === 'eof') throw new FormulaSyntaxError(`unbalanced parenthesis: the '(' of ${name.text}( is never closed`, open.span);
      if (t.type === '=') throw equalsError(t);
      throw new FormulaSyntaxError(`expected ',' or ')' in ${name.text}(...), found ${this.describe(t)}`, t.span);
    }
  }

  /** After the response: the next token must be '~'. */
  expectTilde(): void {
    if (this.peek().type === '~') return;
    this.expectEnd();
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.type === 'eof') return;
    if (t.type === ')') throw new FormulaSyntaxError("unbalanced parenthesis: this ')' has no matching '('", t.span);
    if (t.type === '~') throw new FormulaSyntaxError("a formula has a single '~'", t.span);
    if (t.type === '=') throw equalsError(t);
    throw new FormulaSyntaxError(`unexpected ${this.describe(t)}: an operator such as '+' is missing before it`, t.span);
  }
}

function equalsError(t: Token): FormulaSyntaxError {
  return new FormulaSyntaxError("'=' names an argument, as in scale(x, center = TRUE); to compare two values write '=='", t.span);
}

/** `pkg::f` is accepted for the packages whose functions the formula language has. */
function knownPackage(name: string): boolean {
  const i = name.indexOf('::');
  return i < 0 || ['base', 'stats', 'splines'].includes(name.slice(0, i));
}

/** Parses `response ~ terms` (or `~ terms`). Throws FormulaSyntaxError. */
export function parseFormula(text: string, options: ParseOptions = {}): FormulaAst {
  const toks = tokenize(text);
  const p = new Parser(toks, options.functions ?? FORMULA_FUNCTIONS);
  if (toks[0].type === 'eof') throw new FormulaSyntaxError('the formula is empty', { start: 0, end: text.length });
  const tildeIndex = toks.findIndex((t) => t.type === '~');
  if (tildeIndex < 0) {
    throw new FormulaSyntaxError("a formula needs '~' between the response and the terms (e.g. y ~ x + (1 | g))", {
      start: 0,
      end: text.length,
    });
  }
  let lhs: Node | null = null;
  if (tildeIndex > 0) {
    lhs = p.expr();
    p.expectTilde();
  }
  const tilde = p.next();
  if (p.peek().type === 'eof') throw new FormulaSyntaxError("the formula ends with '~': terms are missing after it", tilde.span);
  const rhs = p.expr(tilde);
  p.expectEnd();
  return { lhs, rhs, tilde: tilde.span, text };
}

/** Parses a single expression (used by `derive:` and `weights:`). Throws FormulaSyntaxError. */
export function parseExpression(text: string, options: ParseOptions = {}): Node {
  const toks = tokenize(text);
  const p = new Parser(toks, options.functions ?? FORMULA_FUNCTIONS);
  if (toks[0].type === 'eof') throw new FormulaSyntaxError('the expression is empty', { start: 0, end: text.length });
  const node = p.expr();
  p.expectEnd();
  return node;
}

