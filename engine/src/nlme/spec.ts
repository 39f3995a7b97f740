/**
 * The `correlation:` and `variance:` values of a model: nlme's constructors written as in R,
 * e.g. `corAR1(form = ~ 1 | Subject)`, `corARMA(p = 1, q = 1, form = ~ time | g)`,
 * `varIdent(form = ~ 1 | Sex)`, `varPower(form = ~ Days + 1)`. Parsed into a spec with spans (offsets
 * into the value text) so every problem can be located. Pure syntax: columns are checked later (./data.ts).
 */
import { FormulaSyntaxError, type Node, type Span } from '../formula/ast';
import { FORMULA_FUNCTIONS } from '../formula/functions';
import { parseExpression } from '../formula/parser';
import { suggestName } from '../formula/suggest';
import { COR_CONSTRUCTORS, VAR_CONSTRUCTORS, type CorType, type VarType } from '../mlmfile/keys';

export { COR_CONSTRUCTORS, VAR_CONSTRUCTORS, type CorType, type VarType };

/** `form = ~ covariate | groups`. */
export interface FormSpec {
  /** The covariate expression, or null for `~ 1`. */
  covariate: Node | null;
  /** The grouping (correlation) or strata (variance) expression after `|`, or null. */
  groups: Node | null;
  /** The form's text as written (R's deparse is close to it), e.g. '~1 | Subject'. */
  text: string;
  span: Span;
}

export interface CorSpec {
  kind: 'correlation';
  type: CorType;
  form: FormSpec | null;
  /** corARMA orders. */
  p: number;
  q: number;
  text: string;
  nameSpan: Span;
}

export interface VarSpec {
  kind: 'variance';
  type: VarType;
  form: FormSpec | null;
  text: string;
  nameSpan: Span;
}

/** A syntax problem at `span` of the value text. */
export class StructureSyntaxError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const ARGS: Record<CorType | VarType, string[]> = {
  corAR1: ['value', 'form'],
  corCAR1: ['value', 'form'],
  corCompSymm: ['value', 'form'],
  corSymm: ['value', 'form'],
  corARMA: ['value', 'form', 'p', 'q'],
  varIdent: ['value', 'form'],
  varPower: ['value', 'form'],
  varExp: ['value', 'form'],
  varConstPower: ['const', 'power', 'form'],
  varFixed: ['value'],
};

/** Splits `a, b = (c, d), e` at top-level commas: pieces with their offsets. */
function splitArgs(text: string, offset: number): { text: string; start: number }[] {
  const out: { text: string; start: number }[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (i === text.length || (c === ',' && depth === 0)) {
      out.push({ text: text.slice(start, i), start: offset + start });
      start = i + 1;
    }
  }
  return out;
}

function trimmed(piece: { text: string; start: number }): { text: string; span: Span } {
  const lead = piece.text.length - piece.text.trimStart().length;
  const t = piece.text.trim();
  return { text: t, span: { start: piece.start + lead, end: piece.start + lead + t.length } };
}

function shift(node: Node, by: number): Node {
  const s = (sp: Span): Span => ({ start: sp.start + by, end: sp.end + by });
  switch (node.type) {
    case 'ident':
    case 'number':
      return { ...node, span: s(node.span) };
    case 'call':
      return { ...node, nameSpan: s(node.nameSpan), span: s(node.span), args: node.args.map((a) => shift(a, by)) };
    case 'paren':
      return { ...node, expr: shift(node.expr, by), span: s(node.span) };
    case 'unary':
      return { ...node, expr: shift(node.expr, by), span: s(node.span) };
    case 'binary':
      return { ...node, left: shift(node.left, by), right: shift(node.right, by), span: s(node.span), opSpan: s(node.opSpan) };
    default:
      return { ...node, span: s(node.span) };
  }
}

function parseForm(text: string, span: Span): FormSpec {
  if (!text.startsWith('~')) throw new StructureSyntaxError(`form must be a one-sided formula such as '~ 1 | Subject', not '${text}'`, span);
  const body = text.slice(1);
  const lead = body.length - body.trimStart().length;
  const at = span.start + 1 + lead;
  if (body.trim() === '') throw new StructureSyntaxError("the form is empty: write e.g. '~ 1 | Subject'", span);
  let node: Node;
  try {
    node = shift(parseExpression(body.trim(), { functions: FORMULA_FUNCTIONS }), at);
  } catch (e) {
    if (e instanceof FormulaSyntaxError) throw new StructureSyntaxError(e.message, { start: e.span.start + at, end: e.span.end + at });
    throw e;
  }
  let covariate: Node | null = node, groups: Node | null = null;
  if (node.type === 'binary' && node.op === '|') {
    covariate = node.left;
    groups = node.right;
  }
  if (covariate && covariate.type === 'number' && covariate.value === 1) covariate = null;
  return { covariate, groups, text: '~' + body.trim().replace(/\s*\|\s*/, ' | '), span };
}

function wholeNumber(text: string, span: Span, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 10) throw new StructureSyntaxError(`${what} must be a whole number from 0 to 10, not '${text}'`, span);
  return n;
}

/** Parses a `correlation:` or `variance:` value. Throws StructureSyntaxError (span in the value text). */
export function parseStructure(text: string, kind: 'correlation' | 'variance'): CorSpec | VarSpec {
  const known = kind === 'correlation' ? COR_CONSTRUCTORS : VAR_CONSTRUCTORS;
  const m = /^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(\(([\s\S]*)\))?\s*$/.exec(text);
  if (!m) throw new StructureSyntaxError(`expected an nlme constructor such as ${kind === 'correlation' ? "'corAR1(form = ~ 1 | Subject)'" : "'varIdent(form = ~ 1 | Sex)'"}`, { start: 0, end: text.length });
  const name = m[1];
  const nameStart = text.indexOf(name);
  const nameSpan = { start: nameStart, end: nameStart + name.length };
  if (!(name in known)) {
    const other = kind === 'correlation' ? VAR_CONSTRUCTORS : COR_CONSTRUCTORS;
    const s = suggestName(name, Object.keys(known));
    const hint = name in other ? ` ('${name}' is a ${kind === 'correlation' ? 'variance function: use variance:' : 'correlation structure: use correlation:'})` : s ? ` (did you mean '${s}'?)` : '';
    throw new StructureSyntaxError(`unknown ${kind === 'correlation' ? 'correlation structure' : 'variance function'} '${name}'${hint}; use ${Object.keys(known).join(', ')}`, nameSpan, s ? { suggestion: s } : undefined);
  }
  const type = name as CorType | VarType;
  let form: FormSpec | null = null;
  let p = -1, q = -1;
  if (m[2] && m[3].trim() !== '') {
    const inner = m[3];
    const innerStart = text.indexOf('(', nameSpan.end) + 1;
    splitArgs(inner, innerStart).forEach((piece, i) => {
      const { text: arg, span } = trimmed(piece);
      const named = /^([A-Za-z.][A-Za-z0-9_.]*)\s*=(?!=)\s*([\s\S]*)$/.exec(arg);
      let key: string, value: string, vspan: Span;
      if (named) {
        key = named[1];
        value = named[2].trim();
        vspan = { start: span.start + arg.length - named[2].length + (named[2].length - named[2].trimStart().length), end: span.end };
      } else {
        // positional: varFixed(~ v) takes the formula; the others' first argument is the value
        key = type === 'varFixed' || arg.startsWith('~') ? 'form' : i === 0 ? 'value' : '';
        value = arg;
        vspan = span;
      }
      if (!ARGS[type].includes(key) && !(type === 'varFixed' && key === 'form')) {
        const s = suggestName(key || arg, ARGS[type]);
        throw new StructureSyntaxError(`${type}() has no argument '${key || arg}'${s ? ` (did you mean '${s}'?)` : ''}; its arguments are ${ARGS[type].join(', ')}`, span, s ? { suggestion: s } : undefined);
      }
      if (key === 'form' || (type === 'varFixed' && key === 'value')) form = parseForm(value, vspan);
      else if (key === 'p') p = wholeNumber(value, vspan, 'p');
      else if (key === 'q') q = wholeNumber(value, vspan, 'q');
      else throw new StructureSyntaxError(`${type}(${key} = …): initial values are not supported; the parameters are estimated from their defaults (leave '${key}' out)`, span);
    });
  }
  if (type === 'varFixed' && !(form as FormSpec | null)?.covariate) throw new StructureSyntaxError("varFixed needs a covariate: 'varFixed(~ v)'", nameSpan);
  if (kind === 'correlation') {
    if (type === 'corARMA') {
      if (p < 0 && q < 0) throw new StructureSyntaxError("corARMA needs its orders: 'corARMA(p = 1, q = 0, form = ~ time | g)'", nameSpan);
      if (Math.max(p, 0) + Math.max(q, 0) === 0) throw new StructureSyntaxError('corARMA needs p + q ≥ 1', nameSpan);
    } else if (p >= 0 || q >= 0) throw new StructureSyntaxError(`${type}() has no argument 'p' or 'q'`, nameSpan);
    return { kind, type: type as CorType, form, p: Math.max(p, 0), q: Math.max(q, 0), text: text.trim(), nameSpan };
  }
  return { kind, type: type as VarType, form, text: text.trim(), nameSpan };
}
