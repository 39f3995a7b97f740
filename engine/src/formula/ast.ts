/** Formula AST with character spans (offsets into the formula text, end exclusive). */

export interface Span {
  start: number;
  end: number;
}

export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type BinaryOp = '+' | '-' | '*' | '/' | ':' | '^' | '|' | '||' | '&' | '&&' | '%in%' | ComparisonOp;

export type Node =
  | { type: 'ident'; name: string; span: Span }
  | { type: 'number'; value: number; text: string; span: Span }
  | { type: 'string'; value: string; span: Span }
  /**
   * `name` as written, with any `pkg::` prefix (`splines::ns`); `argNames[i]` is the name of a named
   * argument (`df` in `ns(x, df = 3)`) or undefined for a positional one.
   */
  | { type: 'call'; name: string; nameSpan: Span; args: Node[]; argNames?: (string | undefined)[]; span: Span }
  | { type: 'paren'; expr: Node; span: Span }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node; span: Span; opSpan: Span }
  | { type: 'unary'; op: '+' | '-' | '!'; expr: Node; span: Span };

export interface FormulaAst {
  /** Left of `~` (the response), or null for a one-sided formula. */
  lhs: Node | null;
  rhs: Node;
  tilde: Span;
  text: string;
}

/** Thrown by the lexer and parser; span locates the problem in the formula text. */
export class FormulaSyntaxError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly code: string = 'syntax',
    /** Structured data for quick fixes, e.g. { suggestion: 'log' }. */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FormulaSyntaxError';
  }
}
