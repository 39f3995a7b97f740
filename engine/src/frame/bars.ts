/**
 * Random-effects terms of a formula, as lme4's findbars()/nobars()/expandDoubleVerts():
 * `(expr | g)`, `(expr || g)` split into one term per column-term (`(1|g) + (0+x|g)`),
 * `(expr | a/b)` = `(expr | b:a) + (expr | a)`, `(expr | a:b)`.
 */
import { FormulaSyntaxError, type Node, type Span } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { expandTerms, type Term, type TermsResult } from '../formula/terms';

export interface RandomTermSpec {
  /** Model of the term's columns: variables, terms and intercept (after `||` splitting). */
  model: TermsResult;
  /** Grouping factor components in `:` order, e.g. [cask, batch] for 'cask:batch'. */
  groupParts: Node[];
  /** lme4's name of the grouping factor, e.g. 'cask:batch'. */
  group: string;
  /** Text of the term as lme4 would write it, e.g. '(0 + Days | Subject)'. */
  text: string;
  /** Span of the source term (the whole parenthesized term) in the formula text. */
  span: Span;
  fromDoubleBar: boolean;
}

/** The `|`/`||` nodes of the right-hand side, left to right. */
export function findBars(node: Node): Extract<Node, { type: 'binary' }>[] {
  switch (node.type) {
    case 'paren':
      return findBars(node.expr);
    case 'binary':
      if (node.op === '|' || node.op === '||') return [node];
      return [...findBars(node.left), ...findBars(node.right)];
    case 'unary':
      return findBars(node.expr);
    default:
      return [];
  }
}

/** The right-hand side without random-effects terms (lme4's nobars), or null if nothing is left. */
export function noBars(node: Node): Node | null {
  switch (node.type) {
    case 'paren': {
      const inner = noBars(node.expr);
      if (!inner) return null;
      return inner === node.expr ? node : { ...node, expr: inner };
    }
    case 'binary': {
      if (node.op === '|' || node.op === '||') return null;
      if (node.op !== '+' && node.op !== '-') {
        if (findBars(node).length > 0) {
          const bar = findBars(node)[0];
          throw new FormulaSyntaxError(`a random-effects term cannot be combined with '${node.op}'; add it with '+'`, bar.span, 'bad-term');
        }
        return node;
      }
      const l = noBars(node.left);
      const r = noBars(node.right);
      if (!l && !r) return null;
      if (!l) return node.op === '-' ? { type: 'unary', op: '-', expr: r!, span: node.span } : r;
      if (!r) return l;
      if (l === node.left && r === node.right) return node;
      return { ...node, left: l, right: r };
    }
    default:
      return node;
  }
}

function groupComponents(node: Node): Node[] {
  if (node.type === 'paren') return groupComponents(node.expr);
  if (node.type === 'binary' && node.op === ':') return [...groupComponents(node.left), ...groupComponents(node.right)];
  if (node.type === 'ident') return [node];
  if (node.type === 'call' && (node.name === 'factor' || node.name === 'as.factor') && node.args.length === 1) return [node];
  throw new FormulaSyntaxError(
    `the grouping factor must be a column name or an interaction such as a:b or a/b, not '${deparse(node)}'`,
    node.span,
    'bad-group',
  );
}

/**
 * `a/b/c` -> groups as lme4's expandSlash makes them, innermost first:
 * `c:(b:a)`, `b:a`, `a` (names deparsed as lme4 does: a right operand that is an interaction gets parentheses).
 */
function slashGroups(node: Node): { parts: Node[]; name: string }[] {
  const pieces: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 'paren') return walk(n.expr);
    if (n.type === 'binary' && n.op === '/') {
      walk(n.left);
      walk(n.right);
      return;
    }
    pieces.push(n);
  };
  walk(node);
  const comps = pieces.map(groupComponents);
  const names = comps.map((c) => c.map(deparse).join(':'));
  if (pieces.length === 1) return [{ parts: comps[0], name: names[0] }];
  const out: { parts: Node[]; name: string }[] = [];
  let prevName = names[0];
  let prevParts = comps[0];
  const chain: { parts: Node[]; name: string }[] = [{ parts: prevParts, name: prevName }];
  for (let k = 1; k < comps.length; k++) {
    const right = prevParts.length > 1 ? `(${prevName})` : prevName;
    const name = `${names[k]}:${right}`;
    const parts = [...comps[k], ...prevParts];
    chain.push({ parts, name });
    prevName = name;
    prevParts = parts;
  }
  for (let k = chain.length - 1; k >= 0; k--) out.push(chain[k]);
  return out;
}

function lhsText(model: TermsResult): string {
  const parts: string[] = [];
  if (!model.intercept) parts.push('0');
  else if (model.terms.length === 0) parts.push('1');
  for (const t of model.terms) parts.push(t.label);
  return parts.join(' + ');
}

/** Expands the random-effects terms of a right-hand side in lme4's order (before sorting by levels). */
export function randomTerms(rhs: Node): RandomTermSpec[] {
  const out: RandomTermSpec[] = [];
  for (const bar of findBars(rhs)) {
    const lhs = bar.left;
    const groups = slashGroups(bar.right);
    const full = expandTerms(lhs);
    if (full.offsets.length > 0) throw new FormulaSyntaxError('offset() cannot be part of a random-effects term', full.offsets[0].span, 'bad-term');
    const pieces: { model: TermsResult; fromDoubleBar: boolean }[] = [];
    if (bar.op === '||') {
      if (full.intercept) pieces.push({ model: { ...full, terms: [], intercept: true }, fromDoubleBar: true });
      for (const t of full.terms) pieces.push({ model: { ...full, terms: [t as Term], intercept: false }, fromDoubleBar: true });
    } else {
      pieces.push({ model: full, fromDoubleBar: false });
    }
    if (pieces.length === 0 || (pieces.length === 1 && !pieces[0].model.intercept && pieces[0].model.terms.length === 0)) {
      throw new FormulaSyntaxError('this random-effects term has no columns (nothing left of the bar)', lhs.span, 'empty-term');
    }
    // lme4: expandDoubleVerts first, then expandSlash on each resulting term
    for (const piece of pieces) {
      for (const { parts, name: group } of groups) {
        out.push({
          model: piece.model,
          groupParts: parts,
          group,
          text: `(${piece.fromDoubleBar ? lhsText(piece.model) : deparse(lhs)} | ${group})`,
          span: spanOfParen(rhs, bar),
          fromDoubleBar: piece.fromDoubleBar,
        });
      }
    }
  }
  return out;
}

/** The span of the parentheses around a bar when present, else the bar's own span. */
function spanOfParen(root: Node, bar: Node): Span {
  let found: Span = bar.span;
  const walk = (n: Node, parent: Node | null) => {
    if (n === bar) {
      if (parent && parent.type === 'paren') found = parent.span;
      return;
    }
    if (n.type === 'paren') walk(n.expr, n);
    else if (n.type === 'binary') {
      walk(n.left, n);
      walk(n.right, n);
    } else if (n.type === 'unary') walk(n.expr, n);
  };
  walk(root, null);
  return found;
}
