/**
 * Recursive-descent parser for lme4 formulas, with R's operator precedence
 * (lowest first): `~`, `|` `||`, `+ -`, `* /`, `%in%`, `:`, unary `- +`, `^`.
 */
import { FormulaSyntaxError, type BinaryOp, type FormulaAst, type Node, type Span } from './ast';
import { FORMULA_FUNCTIONS } from './functions';
import { tokenize, type Token } from './lexer';
import { suggestName } from './suggest';

export interface ParseOptions {
  /** Function names accepted in calls (default: the formula functions). */
  functions?: ReadonlySet<string>;
}

class Parser {
  private pos = 0;
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
    return `'${t.text}'`;
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
    return this.bar(after);
  }

  bar(after?: Token): Node {
    let left = this.add(after);
    while (this.isOp('|', '||')) {
      const op = this.next();
      const right = this.add(op);
      left = bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  add(after?: Token): Node {
    let left = this.mul(after);
    while (this.isOp('+', '-')) {
      const op = this.next();
      if (this.isOp('+', '|', '||', '*', '/', ':', '^', '%in%')) this.missingOperand(op);
      const right = this.mul(op);
      left = bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  mul(after?: Token): Node {
    let left = this.special(after);
    while (this.isOp('*', '/')) {
      const op = this.next();
      const right = this.special(op);
      left = bin(op.text as BinaryOp, left, right, op.span);
    }
    return left;
  }

  special(after?: Token): Node {
    let left = this.colon(after);
    while (this.isOp('%in%')) {
      const op = this.next();
      const right = this.colon(op);
      left = bin('%in%', left, right, op.span);
    }
    return left;
  }

  colon(after?: Token): Node {
    let left = this.unary(after);
    while (this.isOp(':')) {
      const op = this.next();
      const right = this.unary(op);
      left = bin(':', left, right, op.span);
    }
    return left;
  }

  unary(after?: Token): Node {
    if (this.isOp('-', '+')) {
      const op = this.next();
      if (op.text === '+' && after && after.type === 'op') this.missingOperand(after);
      const expr = this.unary(op);
      return { type: 'unary', op: op.text as '+' | '-', expr, span: { start: op.span.start, end: expr.span.end } };
    }
    return this.power(after);
  }

  power(after?: Token): Node {
    const base = this.primary(after);
    if (this.isOp('^')) {
      const op = this.next();
      const exp = this.unary(op);
      return bin('^', base, exp, op.span);
    }
    return base;
  }

  primary(after?: Token): Node {
    const t = this.peek();
    if (t.type === 'number') {
      this.next();
      return { type: 'number', value: Number(t.text), text: t.text, span: t.span };
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
      return { type: 'paren', expr: inner, span: { start: open.span.start, end: close.span.end } };
    }
    if (t.type === '~') throw new FormulaSyntaxError("a formula has a single '~'", t.span);
    if (t.type === ',') throw new FormulaSyntaxError("unexpected ','", t.span);
    return this.missingOperand(after);
  }

  call(name: Token): Node {
    if (!this.functions.has(name.text)) {
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
    if (this.peek().type === ')') {
      const close = this.next();
      return { type: 'call', name: name.text, nameSpan: name.span, args, span: { start: name.span.start, end: close.span.end } };
    }
    for (;;) {
      args.push(this.expr(open));
      const t = this.peek();
      if (t.type === ',') {
        this.next();
        continue;
      }
      if (t.type === ')') {
        this.next();
        return { type: 'call', name: name.text, nameSpan: name.span, args, span: { start: name.span.start, end: t.span.end } };
      }
      if (t.type === 'eof') throw new FormulaSyntaxError(`unbalanced parenthesis: the '(' of ${name.text}( is never closed`, open.span);
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
    throw new FormulaSyntaxError(`unexpected ${this.describe(t)}: an operator such as '+' is missing before it`, t.span);
  }
}

function bin(op: BinaryOp, left: Node, right: Node, opSpan: Span): Node {
  return { type: 'binary', op, left, right, opSpan, span: { start: left.span.start, end: right.span.end } };
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

