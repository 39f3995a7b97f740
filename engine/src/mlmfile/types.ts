/**
 * The `.mlm` document model (see docs/mlm-format.md). Produced by parseMlm(), which never throws:
 * problems are collected in `diagnostics`, each with an exact range.
 */
import type { DataEngine } from '../data/route';
import type { MlmDiagnostic, SourceRange } from '../diagnostics';
import type { FormulaAst, Node, Span } from '../formula/ast';
import type { ContrastKind } from '../formula/functions';
import type { FamilyName, LinkName } from '../frame/types';
import type { DfMethod } from './keys';
import type { CorSpec, VarSpec } from '../nlme/spec';

export interface Located<T = string> {
  value: T;
  range: SourceRange;
}

/** One piece of a (possibly multi-line) value: text offset `offset` starts at document line/character. */
export interface TextSegment {
  offset: number;
  line: number;
  character: number;
  length: number;
}

/**
 * A value's text (continuation lines joined with a single space) and the map from its character
 * offsets back to document positions (see textmap.ts: positionAt, rangeOfSpan).
 */
export interface ValueText {
  text: string;
  range: SourceRange;
  segments: TextSegment[];
}

/** Every `key: value` line (after joining continuation lines), for hovers and completion. */
export interface MlmEntry {
  key: string;
  keyRange: SourceRange;
  value: ValueText;
  /** Name of the model block the key belongs to; undefined for file-level keys. */
  model?: string;
}

export interface FormulaDecl extends ValueText {
  /** The parsed formula, or null when it has a syntax error (reported in the diagnostics). */
  ast: FormulaAst | null;
}

export interface ExpressionDecl extends ValueText {
  ast: Node | null;
}

export interface ModelDecl {
  /** 'bryk' for `model bryk:`; 'model' for the keys of a file without `model NAME:` lines. */
  name: string;
  nameRange: SourceRange;
  /** True for the unnamed model of a single-model file. */
  implicit: boolean;
  /** The `model NAME:` line (for the implicit model: its first key line). */
  headerRange: SourceRange;
  /** From the header to the block's last line. */
  range: SourceRange;
  formula: FormulaDecl | null;
  method: Located<'REML' | 'ML'> | null;
  family: Located<FamilyName> | null;
  /** Link from `family: binomial(probit)` or `link:`. */
  link: Located<LinkName> | null;
  nAGQ: Located<number> | null;
  weights: ExpressionDecl | null;
  /** `correlation:` (nlme's corStruct), parsed; spec null when it has an error (reported). */
  correlation: StructureDecl<CorSpec> | null;
  /** `variance:` (nlme's varFunc), parsed; spec null when it has an error (reported). */
  variance: StructureDecl<VarSpec> | null;
  /** `means:` lines (marginal means and pairwise contrasts). */
  means: MeansDecl[];
  /** `estimate:` lines (linear combinations of coefficients). */
  estimates: EstimateDecl[];
  /** `contrasts: sector = sum, grade = poly`: codings of the fixed-effects factors (default treatment). */
  contrasts: ContrastDecl[] | null;
  /** `df:` method of the t tests. */
  df: Located<DfMethod> | null;
  entries: MlmEntry[];
}

export interface StructureDecl<T> extends ValueText {
  spec: T | null;
}

/** `means: SPECS [by FACTORS] [at NAME = VALUE, ...]` */
export interface MeansDecl {
  specs: Located[];
  by: Located[];
  at: { name: Located; value: Located }[];
  /** The whole value. */
  range: SourceRange;
}

/** `estimate: [NAME =] COMBINATION` */
export interface EstimateDecl {
  name: Located | null;
  /** The combination's text and its map to document positions. */
  combination: ValueText;
  range: SourceRange;
}

/** One `FACTOR = CODING` of a `contrasts:` line; FACTOR is the variable as the formula writes it. */
export interface ContrastDecl {
  factor: Located;
  kind: Located<ContrastKind>;
}

export interface LevelsDecl {
  factor: Located;
  levels: Located[];
  range: SourceRange;
}

/** `derive: NAME = EXPR [by GROUP]` */
export interface DeriveDecl {
  name: Located;
  expr: ExpressionDecl;
  /** Grouping expression after `by` (a column or `a:b`), or null. */
  by: ExpressionDecl | null;
  range: SourceRange;
}

export interface CompareDecl {
  models: Located[];
  range: SourceRange;
}

export interface MlmDocument {
  text: string;
  data: Located | null;
  /** The `blocks:` line: a file of cross-product blocks computed by `mlm sql`'s query elsewhere, or null. */
  blocks: Located | null;
  /** The `engine:` line (memory or duckdb), null when absent or invalid. */
  engine: (Located & { value: DataEngine }) | null;
  levels: LevelsDecl[];
  factors: Located[];
  derives: DeriveDecl[];
  models: ModelDecl[];
  compares: CompareDecl[];
  entries: MlmEntry[];
  diagnostics: MlmDiagnostic[];
}

export type { Span };
