/**
 * Which columns a model uses and where they are in the .mlm text (for the language server:
 * hovers, rename, highlighting). Pure syntax: no data needed, never throws.
 */
import type { SourceRange } from '../diagnostics';
import type { Node } from '../formula/ast';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { CONSTANTS, dataArguments } from '../formula/functions';
import { findBars } from './bars';
import { identifiersOf } from './structure';

export type VariableRole =
  | 'response'
  | 'fixed'
  | 'random'
  | 'group'
  | 'offset'
  | 'weights'
  /** file-level lines: `levels: NAME = ...`, `factors: NAME`, a column read by `derive:`, the column a `derive:` defines */
  | 'levels'
  | 'factors'
  | 'derive'
  | 'derived';

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
          if (!(n.name in CONSTANTS)) out.push({ name: n.name, role: offset ? 'offset' : 'fixed', range: loc(n.span) });
          return;
        case 'call':
          dataArguments(n).forEach((a) => walk(a, offset || n.name === 'offset'));
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

/** Columns named by the file-level lines (levels:, factors:, derive:), with their ranges. */
export function documentVariables(doc: MlmDocument): VariableUse[] {
  const out: VariableUse[] = [];
  for (const l of doc.levels) out.push({ name: l.factor.value, role: 'levels', range: l.factor.range });
  for (const f of doc.factors) out.push({ name: f.value, role: 'factors', range: f.range });
  for (const d of doc.derives) {
    out.push({ name: d.name.value, role: 'derived', range: d.name.range });
    for (const id of identifiersOf(d.expr.ast)) out.push({ name: id.name, role: 'derive', range: rangeOfSpan(d.expr, id.span) });
    if (d.by) {
      const by = d.by;
      for (const id of identifiersOf(by.ast)) out.push({ name: id.name, role: 'derive', range: rangeOfSpan(by, id.span) });
    }
  }
  return out;
}

/**
 * The columns among `names` that the document may read: every name that appears in its text as an R name or
 * a `backquoted name` (a superset of what formulas, weights:, derive:, levels:, factors:, correlation: and
 * variance: use). Readers that load columns on demand (DuckDB) load only these.
 */
export function documentColumns(doc: MlmDocument, names: readonly string[]): string[] {
  const words = new Set<string>(doc.text.match(/[A-Za-z.\u00C0-\uFFFF][A-Za-z0-9._\u00C0-\uFFFF]*/g) ?? []);
  for (const m of doc.text.matchAll(/`([^`]+)`/g)) words.add(m[1]);
  return names.filter((n) => words.has(n));
}
