export * from './ast';
export { tokenize, type Token, type TokenType } from './lexer';
export { parseFormula, parseExpression, type ParseOptions } from './parser';
export { deparse, deparseName } from './deparse';
export { expandTerms, type Term, type TermVariable, type TermsResult } from './terms';
export { suggestName, editDistance } from './suggest';
export {
  NUMERIC_FUNCTIONS,
  FORMULA_FUNCTIONS,
  DERIVE_FUNCTIONS,
  AGGREGATES,
  FORMULA_SPECIALS,
  FUNCTION_SPECS,
  SPEC_BY_NAME,
  CONSTANTS,
  CONTRASTS,
  contrastKind,
  functionBaseName,
  type FunctionSpec,
  type ContrastKind,
} from './functions';
