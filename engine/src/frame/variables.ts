/**
 * Which columns a model uses and where they are in the .mlm text (for the language server:
 * hovers, rename, highlighting). Pure syntax: no data needed, never throws.
 */
import type { SourceRange } from '../diagnostics';
import type { Node } from '../formula/ast';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { ModelDecl } from '../mlmfile/types';
import { findBars } from './bars';
import { identifiersOf } from './structure';

export type VariableRole = 'response' | 'fixed' | 'random' | 'group' | 'offset' | 'weights';

export interface VariableUse {
  /** Column name. */
  name: string;
  role: VariableRole;
  range: SourceRange;
}

export function frameVariables(model: ModelDecl): VariableUse[] {
  const out: VariableUse[] = [];
  const f = model.formula;
  if (f && f.ast) {
    const loc = (s: { start: number; end: number }) => rangeOfSpan(f, s);
    for (const id of identifiersOf(f.ast.lhs)) out.push({ name: id.name, role: 'response', range: loc(id.span) });
    const bars = findBars(f.ast.rhs);
    const inBar = new Set<Node>();
    for (const b of bars) {
      for (const id of identifiersOf(b.left)) out.push({ name: id.name, role: 'random', range: loc(id.span) });
      for (const id of identifiersOf(b.right)) out.push({ name: id.name, role: 'group', range: loc(id.span) });
      inBar.add(b);
    }
    const walk = (n: Node, offset: boolean) => {
      if (inBar.has(n)) return;
      switch (n.type) {
        case 'ident':
          out.push({ name: n.name, role: offset ? 'offset' : 'fixed', range: loc(n.span) });
          return;
        case 'call':
          n.args.forEach((a) => walk(a, offset || n.name === 'offset'));
          return;
        case 'paren':
        case 'unary':
          walk(n.expr, offset);
          return;
        case 'binary':
          walk(n.left, offset);
          if (n.op !== '^') walk(n.right, offset);
          return;
      }
    };
    walk(f.ast.rhs, false);
  }
  if (model.weights?.ast) {
    const w = model.weights;
    for (const id of identifiersOf(w.ast)) out.push({ name: id.name, role: 'weights', range: rangeOfSpan(w, id.span) });
  }
  return out;
}
