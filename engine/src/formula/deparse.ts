/**
 * R's deparse() of formula expressions (`+ - * | & ==` … spaced; `^ : /` not; strings in double quotes): the names lme4 gives to variables and coefficients
 * (`I(age^2)`, `log(x + 1)`, `factor(period)`, `cbind(incidence, size - incidence)`).
 */
import { numberLabelR } from '../data/rsort';
import type { Node } from './ast';

const SYNTACTIC = /^(?:[A-Za-z\u00C0-\uFFFF]|\.(?![0-9]))[A-Za-z0-9._\u00C0-\uFFFF]*$|^\.$/;

export function deparseName(name: string): string {
  return SYNTACTIC.test(name) ? name : '`' + name + '`';
}

export function deparse(node: Node): string {
  switch (node.type) {
    case 'ident':
      return deparseName(node.name);
    case 'number':
      return numberLabelR(node.value);
    case 'string':
      return JSON.stringify(node.value);
    case 'call':
      return `${node.name}(${node.args.map((a, i) => (node.argNames?.[i] !== undefined ? `${node.argNames[i]} = ${deparse(a)}` : deparse(a))).join(', ')})`;
    case 'paren':
      return `(${deparse(node.expr)})`;
    case 'unary':
      return `${node.op}${deparse(node.expr)}`;
    case 'binary': {
      const l = deparse(node.left);
      const r = deparse(node.right);
      if (node.op === '^' || node.op === ':' || node.op === '/') return `${l}${node.op}${r}`;
      return `${l} ${node.op} ${r}`;
    }
  }
}

/** Removes redundant outer parentheses. */
export function unparen(node: Node): Node {
  while (node.type === 'paren') node = node.expr;
  return node;
}

/** The terms of a sum as nodes, left to right (`a + (b + c)` gives a and the parenthesised sum: only bare `+` is split). */
export function additiveNodes(node: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 'binary' && n.op === '+') {
      walk(n.left);
      walk(n.right);
    } else out.push(n);
  };
  walk(node);
  return out;
}

/** The additive pieces of an expression as written in `text`: ['1', 'Days'] for `1 + Days` (parentheses around a sum opened). */
export function additivePieces(text: string, node: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    const u = unparen(n);
    if (u.type === 'binary' && u.op === '+') {
      walk(u.left);
      walk(u.right);
    } else out.push(text.slice(n.span.start, n.span.end).trim());
  };
  walk(node);
  return out;
}
