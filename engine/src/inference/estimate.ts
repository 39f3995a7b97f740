/**
 * Linear combinations of fixed effects written with lme4's coefficient names, as the `estimate:`
 * key and `mlm estimate` take them: `IQ.ver.cen + avg.IQ.ver.cen`, `(Intercept) + 2*age - 0.5*SexMale`.
 * Each term is an optional sign, an optional number with `*` (before or after the name) and a
 * coefficient name; names may hold parentheses, dots, colons and commas inside parentheses.
 * The value is c'β with SE √(c'Vc), the df of the fit's df method, t (or z), p and a t(df) interval.
 */
import { MlmError } from '../diagnostics';
import { suggestName } from '../formula/suggest';
import type { Span } from '../formula/ast';
import { linearFunction } from './emmeans';
import type { ContrastDf } from './dfmethod';
import { qt } from './distributions';

export class CombinationError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

/** Splits the text into signed terms at + and - outside parentheses (a leading sign belongs to the first term). */
function splitTerms(text: string): { sign: number; text: string; start: number }[] {
  const out: { sign: number; text: string; start: number }[] = [];
  let depth = 0;
  let sign = 1;
  let start = 0;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    // a sign after the 'e' of a number (2e-3 * a) is part of the number
    const inExponent = /^\s*[0-9]*\.?[0-9]+[eE]$/.test(cur);
    if (depth === 0 && (ch === '+' || ch === '-') && !inExponent) {
      if (cur.trim() === '' && out.length === 0) {
        if (ch === '-') sign = -sign; // a leading sign
      } else {
        out.push({ sign, text: cur, start });
        sign = ch === '-' ? -1 : 1;
      }
      cur = '';
      start = i + 1;
      continue;
    }
    cur += ch;
  }
  out.push({ sign, text: cur, start });
  return out;
}

/** The weights c (in coefnames order) of a combination; throws CombinationError with the span of the faulty part. */
export function parseCombination(text: string, coefnames: string[]): number[] {
  const c = new Array<number>(coefnames.length).fill(0);
  const terms = splitTerms(text);
  if (terms.length === 0 || text.trim() === '') throw new CombinationError('the linear combination is empty; write coefficient names joined by + and -, e.g. a + b', { start: 0, end: text.length });
  for (const t of terms) {
    const lead = t.text.length - t.text.trimStart().length;
    const body = t.text.trim();
    const span = { start: t.start + lead, end: t.start + lead + body.length };
    if (body === '') throw new CombinationError("a term is missing between the signs (write 'a + b' or 'a - b')", { start: t.start, end: t.start });
    let k = 1;
    let name = body;
    let nameStart = span.start;
    const pre = /^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*\*\s*/.exec(body);
    const post = /\s*\*\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)$/.exec(body);
    if (pre) {
      k = Number(pre[1]);
      name = body.slice(pre[0].length);
      nameStart += pre[0].length;
    } else if (post) {
      k = Number(post[1]);
      name = body.slice(0, body.length - post[0].length);
    }
    const j = coefnames.indexOf(name);
    if (j < 0) {
      const s = suggestName(name, coefnames);
      throw new CombinationError(
        `'${name}' is not a coefficient of the model${s ? ` (did you mean '${s}'?)` : ''}; the coefficients are ${coefnames.join(', ')}`,
        { start: nameStart, end: nameStart + name.length },
        s,
      );
    }
    c[j] += t.sign * k;
  }
  return c;
}

export interface EstimateResult {
  /** The name given in `estimate: NAME = ...`, or the combination's text. */
  label: string;
  combination: string;
  weights: Record<string, number>;
  estimate: number;
  SE: number;
  df: number;
  /** t (z when df is infinite). */
  statistic: number;
  p: number;
  lower: number;
  upper: number;
  level: number;
  dfMethod: string;
}

/** Evaluates a combination; a bad name is an MlmError located by `locate` (the text's offsets → document range). */
export function estimateCombination(
  text: string,
  label: string | undefined,
  coefnames: string[],
  beta: number[],
  dfm: ContrastDf,
  opts: { level?: number; locate?: (span: Span) => import('../diagnostics').SourceRange | undefined } = {},
): EstimateResult {
  let c: number[];
  try {
    c = parseCombination(text, coefnames);
  } catch (e) {
    if (e instanceof CombinationError) throw new MlmError({ code: 'estimate-unknown', message: e.message, range: opts.locate?.(e.span), ...(e.suggestion ? { data: { suggestion: e.suggestion } } : {}) });
    throw e;
  }
  const level = opts.level ?? 0.95;
  const f = linearFunction(c, beta, dfm);
  const q = qt(0.5 + level / 2, f.df);
  return {
    label: label ?? text.trim(),
    combination: text.trim(),
    weights: Object.fromEntries(coefnames.map((n, i) => [n, c[i]]).filter(([, w]) => w !== 0)),
    estimate: f.estimate,
    SE: f.SE,
    df: f.df,
    statistic: f.ratio,
    p: f.p,
    lower: f.estimate - q * f.SE,
    upper: f.estimate + q * f.SE,
    level,
    dfMethod: dfm.name,
  };
}
