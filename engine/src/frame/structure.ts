/**
 * The structure of a model's formula before any data: response, fixed-effects terms,
 * random-effects terms (expanded as lme4 does), offsets. Pure syntax; no data needed.
 */
import { MlmError, type SourceRange } from '../diagnostics';
import { FormulaSyntaxError, type Node, type Span } from '../formula/ast';
import { CONSTANTS, dataArguments } from '../formula/functions';
import { expandTerms, type TermsResult } from '../formula/terms';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { FormulaDecl, ModelDecl } from '../mlmfile/types';
import { noBars, randomTerms, type RandomTermSpec } from './bars';

export interface ModelStructure {
  formula: FormulaDecl;
  lhs: Node | null;
  fixed: TermsResult;
  random: RandomTermSpec[];
  /** Document range of a span of the formula text. */
  locate: (span: Span) => SourceRange;
}

/** Throws MlmError (syntax, with range) when the formula is missing or malformed. */
export function modelStructure(model: ModelDecl): ModelStructure {
  const formula = model.formula;
  if (!formula || !formula.ast) {
    throw new MlmError({
      code: formula ? 'syntax' : 'missing-formula',
      message: formula ? `the formula of model '${model.name}' has a syntax error` : `model '${model.name}' has no 'formula:'`,
      range: formula ? formula.range : model.nameRange,
    });
  }
  const locate = (span: Span) => rangeOfSpan(formula, span);
  try {
    const rhs = formula.ast.rhs;
    const random = randomTerms(rhs);
    const fixedRhs = noBars(rhs);
    const fixed = expandTerms(fixedRhs);
    return { formula, lhs: formula.ast.lhs, fixed, random, locate };
  } catch (e) {
    if (e instanceof FormulaSyntaxError) throw new MlmError({ code: e.code, message: e.message, range: locate(e.span), ...(e.data ? { data: e.data } : {}) });
    throw e;
  }
}

/** Columns (identifiers) used by an expression, with their spans (not constants such as TRUE or pi, nor settings of a call). */
export function identifiersOf(node: Node | null, out: { name: string; span: Span }[] = []): { name: string; span: Span }[] {
  if (!node) return out;
  switch (node.type) {
    case 'ident':
      if (!(node.name in CONSTANTS)) out.push({ name: node.name, span: node.span });
      break;
    case 'call':
      // settings such as df = 3 or C(f, sum)'s `sum` are not columns
      dataArguments(node).forEach((a) => identifiersOf(a, out));
      break;
    case 'paren':
    case 'unary':
      identifiersOf(node.expr, out);
      break;
    case 'binary':
      identifiersOf(node.left, out);
      identifiersOf(node.right, out);
      break;
  }
  return out;
}
