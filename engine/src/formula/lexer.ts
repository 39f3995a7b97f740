/** Tokens of lme4 formulas and `derive:` expressions. */
import { FormulaSyntaxError, type Span } from './ast';

export type TokenType = 'ident' | 'number' | 'string' | 'op' | '=' | '(' | ')' | ',' | '~' | 'eof';

export interface Token {
  type: TokenType;
  /** Identifier name (backquotes removed; `pkg::name` as one name), operator text, number text or a string's value. */
  text: string;
  span: Span;
}

/** A number at a position (sticky: no copy of the rest of the text per number). */
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?L?/y;
const OPS = ['||', '&&', '%in%', '==', '!=', '<=', '>=', '+', '-', '*', '/', ':', '^', '|', '&', '<', '>', '!'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'" };

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src)!;
      i += m[0].length;
      if (i < n && /[A-Za-z_.]/.test(src[i])) {
        let j = i;
        while (j < n && /[A-Za-z0-9_.]/.test(src[j])) j++;
        throw new FormulaSyntaxError(`'${src.slice(start, j)}' is not a valid name or number`, { start, end: j });
      }
      out.push({ type: 'number', text: m[0].replace(/L$/, ''), span: { start, end: i } });
      continue;
    }
    if (/[A-Za-z.\u00C0-\uFFFF]/.test(c)) {
      while (i < n && /[A-Za-z0-9_.\u00C0-\uFFFF]/.test(src[i])) i++;
      // `splines::ns`, `stats::poly`: one name, as R deparses it
      if (src.startsWith('::', i) && /[A-Za-z.]/.test(src[i + 2] ?? '')) {
        i += 2;
        while (i < n && /[A-Za-z0-9_.\u00C0-\uFFFF]/.test(src[i])) i++;
      }
      out.push({ type: 'ident', text: src.slice(start, i), span: { start, end: i } });
      continue;
    }
    if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new FormulaSyntaxError('unclosed backquote', { start, end: n });
      out.push({ type: 'ident', text: src.slice(i + 1, close), span: { start, end: close + 1 } });
      i = close + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '~') {
      out.push({ type: c, text: c, span: { start, end: i + 1 } });
      i++;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ type: 'op', text: op, span: { start, end: i + op.length } });
      i += op.length;
      continue;
    }
    if (c === '%') {
      const close = src.indexOf('%', i + 1);
      const end = close < 0 ? n : close + 1;
      throw new FormulaSyntaxError(`unsupported operator '${src.slice(i, end)}'`, { start, end });
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < n && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < n) {
          value += ESCAPES[src[j + 1]] ?? src[j + 1];
          j += 2;
        } else value += src[j++];
      }
      if (j >= n) throw new FormulaSyntaxError(`unclosed quote: this ${c} has no matching ${c}`, { start, end: start + 1 });
      out.push({ type: 'string', text: value, span: { start, end: j + 1 } });
      i = j + 1;
      continue;
    }
    if (c === '=' && src[i + 1] !== '=') {
      out.push({ type: '=', text: '=', span: { start, end: i + 1 } });
      i++;
      continue;
    }
    throw new FormulaSyntaxError(`unexpected character '${c}'`, { start, end: start + 1 });
  }
  out.push({ type: 'eof', text: '', span: { start: n, end: n } });
  return out;
}
