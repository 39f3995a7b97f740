/** Walking formula ASTs (engine formula/ast) by character offset. */
import type { Node } from '../../engine/src/index';

/** Nodes from `root` down to the deepest one whose span holds `offset` (start <= offset <= end). */
export function nodePath(root: Node, offset: number): Node[] {
  const path: Node[] = [];
  let cur: Node | null = root;
  while (cur && cur.span.start <= offset && offset <= cur.span.end) {
    path.push(cur);
    const children = childrenOf(cur);
    cur = null;
    for (const c of children) {
      if (c.span.start <= offset && offset <= c.span.end) {
        cur = c;
        break;
      }
    }
  }
  return path;
}

export function childrenOf(n: Node): Node[] {
  switch (n.type) {
    case 'binary':
      return [n.left, n.right];
    case 'paren':
      return [n.expr];
    case 'unary':
      return [n.expr];
    case 'call':
      return n.args;
    default:
      return [];
  }
}

/** Column names an expression reads (identifiers that are not function names). */
export function identifiersOf(n: Node, out: string[] = []): string[] {
  if (n.type === 'ident') out.push(n.name);
  for (const c of childrenOf(n)) identifiersOf(c, out);
  return out;
}

export type BarNode = Extract<Node, { type: 'binary' }> & { op: '|' | '||' };

export function isBar(n: Node): n is BarNode {
  return n.type === 'binary' && (n.op === '|' || n.op === '||');
}
