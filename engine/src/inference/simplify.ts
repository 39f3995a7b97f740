/**
 * Simpler random-effects structures for a singular fit, as formula text: the term made
 * uncorrelated (`(x | g)` → `(x || g)`), a component whose variance is 0 dropped
 * (`(Days | Subject)` → `(1 | Subject)`), or the whole term dropped. The text outside the term is
 * kept as the user wrote it. Each alternative carries a suffix for the name of the new model.
 */
import type { Node } from '../formula/ast';
import { additiveNodes, additivePieces, deparse, unparen } from '../formula/deparse';
import { parseFormula } from '../formula/parser';
import type { SingularReport } from './singular';

export interface Simplification {
  kind: 'uncorrelated' | 'drop slope' | 'drop term';
  /** What the change does, in words: "make (Days | Subject) uncorrelated". */
  title: string;
  /** The whole new formula. */
  formula: string;
  /** For the new model's name: 'uncorrelated', 'no_Days', 'no_Subject'. */
  suffix: string;
}

interface AdditiveTerm {
  node: Node;
  start: number;
  end: number;
}

/** The additive terms of the right-hand side with their spans in the formula text. */
function additiveTerms(rhs: Node): AdditiveTerm[] {
  return additiveNodes(rhs).map((n) => ({ node: n, start: n.span.start, end: n.span.end }));
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'term';

/** Alternatives for each term the report finds on the boundary (empty when the formula does not parse). */
export function simplifySingular(formula: string, report: SingularReport): Simplification[] {
  let ast;
  try {
    ast = parseFormula(formula);
  } catch {
    return [];
  }
  const rhsStart = ast.rhs.span.start;
  const terms = additiveTerms(ast.rhs);
  const bars = terms
    .map((t, i) => ({ t, i, bar: unparen(t.node) }))
    .filter((x): x is { t: AdditiveTerm; i: number; bar: Extract<Node, { type: 'binary' }> } => x.bar.type === 'binary' && (x.bar.op === '|' || x.bar.op === '||'));
  const out: Simplification[] = [];
  const seen = new Set<string>();
  const push = (s: Simplification) => {
    if (seen.has(s.formula) || s.formula === formula) return;
    seen.add(s.formula);
    out.push(s);
  };
  const replaceTerm = (idx: number, text: string | null): string => {
    const t = terms[idx];
    if (text !== null) return formula.slice(0, t.start) + text + formula.slice(t.end);
    // remove the term with the '+' before it (or after it, for the first term)
    if (idx > 0) return (formula.slice(0, terms[idx - 1].end) + formula.slice(t.end)).replace(/\s+$/, '');
    const next = terms[idx + 1];
    return next ? formula.slice(0, rhsStart) + formula.slice(next.start) : formula;
  };
  for (const st of report.terms) {
    const group = st.term.replace(/^\(.*\|\s*/, '').replace(/\)$/, '').trim();
    const match = bars.find((b) => deparse(b.bar.right) === group);
    if (!match) continue;
    const { bar, i } = match;
    const pieces = additivePieces(formula, bar.left);
    const right = formula.slice(bar.right.span.start, bar.right.span.end).trim();
    const hasExplicitNoIntercept = pieces.some((p) => p === '0' || p === '-1');
    const slopes = pieces.filter((p) => p !== '1' && p !== '0' && p !== '-1');
    const withIntercept = !hasExplicitNoIntercept;
    const original = formula.slice(terms[i].start, terms[i].end).trim();
    if (bar.op === '|' && slopes.length + (withIntercept ? 1 : 0) >= 2) {
      push({ kind: 'uncorrelated', title: `make ${original} uncorrelated`, formula: replaceTerm(i, `(${pieces.join(' + ')} || ${right})`), suffix: 'uncorrelated' });
    }
    if (st.kind === 'zero variance') {
      const c = st.components[0];
      if (c !== '(Intercept)' && slopes.includes(c)) {
        const rest = pieces.filter((p) => p !== c);
        const restSlopes = rest.filter((p) => p !== '1' && p !== '0' && p !== '-1');
        const lhs = restSlopes.length === 0 ? (withIntercept ? '1' : null) : rest.join(' + ');
        const op = restSlopes.length === 0 ? '|' : bar.op;
        if (lhs !== null) push({ kind: 'drop slope', title: `drop the random slope of ${c} (${original} → (${lhs} ${op} ${right}))`, formula: replaceTerm(i, `(${lhs} ${op} ${right})`), suffix: `no_${safeName(c)}` });
      } else if (c === '(Intercept)' && slopes.length > 0) {
        push({ kind: 'drop slope', title: `drop the random intercept by ${group} (${original} → (0 + ${slopes.join(' + ')} ${bar.op} ${right}))`, formula: replaceTerm(i, `(0 + ${slopes.join(' + ')} ${bar.op} ${right})`), suffix: `no_intercept_${safeName(group)}` });
      }
    }
    if (bars.length > 1) push({ kind: 'drop term', title: `drop ${original}`, formula: replaceTerm(i, null), suffix: `no_${safeName(group)}` });
  }
  return out;
}
