/**
 * Parser of `.mlm` files (format: docs/mlm-format.md). Never throws: every problem becomes an
 * MlmDiagnostic with an exact range and parsing goes on (the language server calls it on every keystroke).
 */
import type { MlmDiagnostic, SourceRange } from '../diagnostics';
import { FormulaSyntaxError } from '../formula/ast';
import { CONTRASTS, contrastKind, DERIVE_FUNCTIONS, FORMULA_FUNCTIONS } from '../formula/functions';
import { tokenize } from '../formula/lexer';
import { parseExpression, parseFormula } from '../formula/parser';
import { suggestName } from '../formula/suggest';
import type { FamilyName, LinkName } from '../frame/types';
import { DATA_ENGINES, isDataEngine, DF_METHODS, FAMILY_ALIASES, FAMILY_LINKS, FILE_KEYS, isDfMethod, isModelName, METHOD_DOCS, MODEL_KEYS, MODEL_NAME_RULE, splitFamilyValue } from './keys';
import { parseStructure, StructureSyntaxError, type CorSpec, type VarSpec } from '../nlme/spec';
import { makeValueText, rangeOfSpan } from './textmap';
import { isClickHouseUrl, parseClickHouseUrl } from '../sql/clickhouse';
import type {
  CompareDecl,
  ContrastDecl,
  DeriveDecl,
  ExpressionDecl,
  Located,
  MlmDocument,
  MeansDecl,
  MlmEntry,
  ModelDecl,
  ValueText,
} from './types';

interface Line {
  index: number;
  /** Content without comment and trailing blanks. */
  text: string;
  indent: number;
  /** Full length of the raw line (for ranges of whole lines). */
  rawLength: number;
}

interface KeyItem {
  kind: 'key';
  line: number;
  indent: number;
  key: string;
  keyRange: SourceRange;
  segments: { line: number; character: number; text: string }[];
  model: ModelDecl | null;
  /** The formula written on the `model NAME: y ~ x` line itself. */
  shorthand?: boolean;
}

const KEY_RE = /^([A-Za-z_][A-Za-z0-9_.]*)\s*:/;
/** A derived column's name (a model name without '-'). */
const COLUMN_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function r(line: number, s: number, e: number): SourceRange {
  return { start: { line, character: s }, end: { line, character: e } };
}

/** Strips a `#` comment that is not inside quotes. */
function stripComment(raw: string): string {
  let quote: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '#') return raw.slice(0, i);
  }
  return raw;
}

function splitLines(text: string): Line[] {
  const raws = text.split(/\r\n|\r|\n/);
  return raws.map((raw, index) => {
    const content = stripComment(raw).replace(/\s+$/, '');
    const indent = content.length - content.replace(/^[ \t]+/, '').length;
    return { index, text: content, indent, rawLength: raw.length };
  });
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

/** The part [start, end) of a value (trimmed), with its own offsets and segments. */
export function subValue(v: ValueText, start: number, end: number): ValueText {
  while (start < end && /\s/.test(v.text[start])) start++;
  while (end > start && /\s/.test(v.text[end - 1])) end--;
  const segments = [];
  for (const s of v.segments) {
    const a = Math.max(s.offset, start);
    const b = Math.min(s.offset + s.length, end);
    if (b < a || (b === a && segments.length > 0)) continue;
    segments.push({ offset: a - start, line: s.line, character: s.character + (a - s.offset), length: b - a });
  }
  const text = v.text.slice(start, end);
  const range = rangeOfSpan({ segments }, { start: 0, end: text.length });
  return { text, range, segments };
}

/** Splits a value at top-level commas (and, when `spaces`, blanks) into located, unquoted items. */
function splitList(v: ValueText, spaces: boolean): Located[] {
  const out: Located[] = [];
  let quote: string | null = null;
  let start = 0;
  const push = (end: number) => {
    const sub = subValue(v, start, end);
    if (sub.text.length > 0) out.push({ value: unquote(sub.text), range: sub.range });
  };
  for (let i = 0; i < v.text.length; i++) {
    const c = v.text[i];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === ',' || (spaces && /\s/.test(c))) {
      push(i);
      start = i + 1;
    }
  }
  push(v.text.length);
  return out;
}

class MlmParser {
  diagnostics: MlmDiagnostic[] = [];
  models: ModelDecl[] = [];
  entries: MlmEntry[] = [];
  doc: MlmDocument;
  private implicit: ModelDecl | null = null;

  constructor(private readonly text: string) {
    this.doc = {
      text,
      data: null,
      engine: null,
      blocks: null,
      levels: [],
      factors: [],
      derives: [],
      models: this.models,
      compares: [],
      entries: this.entries,
      diagnostics: this.diagnostics,
    };
  }

  error(code: string, message: string, range: SourceRange, data?: Record<string, unknown>): void {
    this.diagnostics.push({ severity: 'error', code, message, range, ...(data ? { data } : {}) });
  }
  warn(code: string, message: string, range: SourceRange, data?: Record<string, unknown>): void {
    this.diagnostics.push({ severity: 'warning', code, message, range, ...(data ? { data } : {}) });
  }

  newModel(name: string, nameRange: SourceRange, headerRange: SourceRange, implicit: boolean): ModelDecl {
    const m: ModelDecl = {
      name,
      nameRange,
      implicit,
      headerRange,
      range: headerRange,
      formula: null,
      method: null,
      family: null,
      link: null,
      nAGQ: null,
      weights: null,
      correlation: null,
      variance: null,
      means: [],
      estimates: [],
      contrasts: null,
      df: null,
      entries: [],
    };
    this.models.push(m);
    return m;
  }

  run(): MlmDocument {
    const lines = splitLines(this.text);
    const items: KeyItem[] = [];
    let current: ModelDecl | null = null;
    let last: KeyItem | null = null;
    const lastLineOfModel = new Map<ModelDecl, number>();
    for (const ln of lines) {
      if (ln.text.trim() === '') continue;
      const body = ln.text.slice(ln.indent);
      // under `model NAME: y ~ x`, an indented `family: …` line is the model's next key, not more formula
      const shorthandKey = last?.shorthand === true && (KEY_RE.exec(body)?.[1] ?? '') in MODEL_KEYS;
      if (last && ln.indent > last.indent && !shorthandKey) {
        // continuation of the previous key's value
        last.segments.push({ line: ln.index, character: ln.indent, text: body });
        if (last.model) lastLineOfModel.set(last.model, ln.index);
        continue;
      }
      const headerMatch = /^model\b([^:]*):(.*)$/.exec(body);
      if (headerMatch && ln.indent > 0) {
        this.error('indentation', "'model NAME:' must start at the beginning of the line", r(ln.index, 0, ln.indent));
      }
      if (ln.indent === 0 || headerMatch) {
        const hm = headerMatch;
        if (hm) {
          const rawName = hm[1];
          const name = rawName.trim();
          const nameStart = ln.indent + 5 + (rawName.length - rawName.replace(/^\s+/, '').length);
          const nameRange = r(ln.index, name ? nameStart : ln.indent, name ? nameStart + name.length : ln.indent + 5);
          if (!name) this.error('model-name', "a model needs a name: 'model NAME:'", r(ln.index, ln.indent, ln.text.length));
          else if (!isModelName(name)) this.error('model-name', `'${name}' is not a valid model name (${MODEL_NAME_RULE})`, nameRange);
          current = this.newModel(name || 'model', nameRange, r(ln.index, ln.indent, ln.text.length), false);
          lastLineOfModel.set(current, ln.index);
          last = null;
          const rest = hm[2];
          if (rest.trim() !== '') {
            // `model NAME: y ~ x + (1 | g)` is shorthand for a formula line
            const restStart = ln.indent + 5 + hm[1].length + 1;
            const lead = rest.length - rest.replace(/^\s+/, '').length;
            const item: KeyItem = {
              kind: 'key',
              line: ln.index,
              indent: 0,
              key: 'formula',
              keyRange: nameRange,
              segments: [{ line: ln.index, character: restStart + lead, text: rest.trim() }],
              model: current,
              shorthand: true,
            };
            items.push(item);
            last = item;
          }
          continue;
        }
        current = null;
      }
      const km = KEY_RE.exec(body);
      if (!km) {
        if (ln.indent > 0 && !current) {
          this.error('indentation', 'unexpected indentation: only model keys and continuation lines are indented', r(ln.index, 0, ln.text.length));
        } else {
          this.error('syntax', `expected 'key: value' (e.g. 'formula: y ~ x + (1 | g)'), found '${body}'`, r(ln.index, ln.indent, ln.text.length));
        }
        last = null;
        continue;
      }
      const key = km[1];
      const afterColon = ln.indent + km[0].length;
      const valueText = ln.text.slice(afterColon);
      const lead = valueText.length - valueText.replace(/^\s+/, '').length;
      const item: KeyItem = {
        kind: 'key',
        line: ln.index,
        indent: ln.indent,
        key,
        keyRange: r(ln.index, ln.indent, ln.indent + key.length),
        segments: [{ line: ln.index, character: afterColon + lead, text: valueText.trim() }],
        model: ln.indent > 0 ? current : null,
      };
      if (item.model) lastLineOfModel.set(item.model, ln.index);
      items.push(item);
      last = item;
    }
    for (const item of items) this.interpret(item);
    for (const [m, lastLine] of lastLineOfModel) {
      const ln = lines[lastLine];
      m.range = { start: m.headerRange.start, end: { line: lastLine, character: ln.text.length } };
    }
    this.finish(lines);
    return this.doc;
  }

  interpret(item: KeyItem): void {
    const value = makeValueText(item.segments);
    if (value.segments.length === 0 || value.text === '') {
      value.range = { start: item.keyRange.end, end: item.keyRange.end };
      value.segments = [{ offset: 0, line: item.keyRange.end.line, character: item.keyRange.end.character + 1, length: 0 }];
    }
    const entry: MlmEntry = { key: item.key, keyRange: item.keyRange, value };
    let model = item.model;
    if (!model && item.key in MODEL_KEYS) {
      if (!this.implicit) {
        this.implicit = this.newModel('model', item.keyRange, item.keyRange, true);
      }
      model = this.implicit;
      lastLine(model, value.range);
    }
    if (model) entry.model = model.name;
    this.entries.push(entry);
    if (model) model.entries.push(entry);

    const allowed = model ? MODEL_KEYS : FILE_KEYS;
    if (!(item.key in allowed)) {
      const candidates = model ? Object.keys(MODEL_KEYS) : [...Object.keys(FILE_KEYS), ...Object.keys(MODEL_KEYS)];
      const s = suggestName(item.key, candidates);
      const where = model ? `in model '${model.name}'` : 'at the top of the file';
      const elsewhere = !model ? '' : item.key in FILE_KEYS ? ` ('${item.key}:' belongs at the top of the file, not indented in a model)` : '';
      this.error(
        'unknown-key',
        `unknown key '${item.key}' ${where}${s ? ` (did you mean '${s}'?)` : ''}${elsewhere}. Known keys: ${Object.keys(allowed).join(', ')}`,
        item.keyRange,
        s ? { suggestion: s } : undefined,
      );
      return;
    }
    if (value.text === '' && item.key !== 'formula') {
      this.error('missing-value', `'${item.key}:' needs a value`, item.keyRange);
      return;
    }
    if (model) this.modelKey(model, item, value);
    else this.fileKey(item, value);
  }

  /** `data: clickhouse://host:port/db.table`: a malformed URL or credentials in it are located errors. */
  checkClickHouseUrl(value: ValueText): void {
    const quoted = unquote(value.text) !== value.text ? 1 : 0;
    const r = parseClickHouseUrl(unquote(value.text));
    if ('problem' in r) {
      const { code, message, offset, length } = r.problem;
      this.error(code, message, rangeOfSpan(value, { start: quoted + offset, end: quoted + offset + length }));
    }
  }

  fileKey(item: KeyItem, value: ValueText): void {
    switch (item.key) {
      case 'data':
        if (this.doc.data) {
          this.error('duplicate-key', "'data:' is given twice; a .mlm file uses one CSV file", item.keyRange);
          return;
        }
        this.doc.data = { value: unquote(value.text), range: value.range };
        if (isClickHouseUrl(this.doc.data.value)) this.checkClickHouseUrl(value);
        return;
      case 'blocks':
        if (this.doc.blocks) {
          this.error('duplicate-key', "'blocks:' is given twice", item.keyRange);
          return;
        }
        this.doc.blocks = { value: unquote(value.text), range: value.range };
        return;
      case 'engine': {
        if (this.doc.engine) {
          this.error('duplicate-key', "'engine:' is given twice", item.keyRange);
          return;
        }
        const v = value.text.trim();
        if (!isDataEngine(v)) {
          const s = suggestName(v, Object.keys(DATA_ENGINES));
          this.error('unknown-engine', `unknown engine '${v}'${s ? ` (did you mean '${s}'?)` : ''}; use ${Object.keys(DATA_ENGINES).join(' or ')}`, value.range, s ? { suggestion: s } : undefined);
          return;
        }
        this.doc.engine = { value: v, range: value.range };
        return;
      }
      case 'levels': {
        const eq = value.text.indexOf('=');
        if (eq < 0) {
          this.error('syntax', "expected 'levels: FACTOR = LEVEL1, LEVEL2, ...'", value.range);
          return;
        }
        const f = subValue(value, 0, eq);
        const levels = splitList(subValue(value, eq + 1, value.text.length), false);
        if (f.text === '') this.error('syntax', "the factor's name is missing before '='", value.range);
        if (levels.length === 0) this.error('syntax', "the levels are missing after '='", value.range);
        if (f.text === '' || levels.length === 0) return;
        const seen = new Set<string>();
        for (const l of levels) {
          if (seen.has(l.value)) this.error('duplicate-level', `level '${l.value}' is listed twice`, l.range);
          seen.add(l.value);
        }
        this.doc.levels.push({ factor: { value: unquote(f.text), range: f.range }, levels, range: value.range });
        return;
      }
      case 'factors':
        this.doc.factors.push(...splitList(value, true));
        return;
      case 'derive':
        this.derive(value);
        return;
      case 'compare': {
        const models = splitList(value, true);
        const decl: CompareDecl = { models, range: value.range };
        this.doc.compares.push(decl);
        return;
      }
    }
  }

  derive(value: ValueText): void {
    const eq = value.text.indexOf('=');
    if (eq < 0) {
      this.error('syntax', "expected 'derive: NAME = EXPRESSION' or 'derive: NAME = EXPRESSION by GROUP'", value.range);
      return;
    }
    const nameV = subValue(value, 0, eq);
    if (!COLUMN_NAME_RE.test(nameV.text)) {
      this.error('syntax', `'${nameV.text}' is not a valid column name for a derived column`, nameV.text ? nameV.range : value.range);
      return;
    }
    const rest = subValue(value, eq + 1, value.text.length);
    // find a top-level `by`
    let byAt = -1;
    let byEnd = -1;
    try {
      const toks = tokenize(rest.text);
      let depth = 0;
      for (let i = 0; i < toks.length; i++) {
        const t = toks[i];
        if (t.type === '(') depth++;
        else if (t.type === ')') depth--;
        else if (depth === 0 && t.type === 'ident' && t.text === 'by' && toks[i + 1]?.type !== '(' && i > 0) {
          byAt = t.span.start;
          byEnd = t.span.end;
        }
      }
    } catch {
      /* reported by the expression parser below */
    }
    const exprV = subValue(rest, 0, byAt >= 0 ? byAt : rest.text.length);
    const expr = this.expression(exprV, DERIVE_FUNCTIONS, 'the expression');
    let by: ExpressionDecl | null = null;
    if (byAt >= 0) {
      const byV = subValue(rest, byEnd, rest.text.length);
      if (byV.text === '') {
        this.error('syntax', "a grouping column is missing after 'by'", rangeOfSpan(rest, { start: byAt, end: byEnd }));
      } else by = this.expression(byV, new Set(), 'the grouping');
    }
    const decl: DeriveDecl = { name: { value: nameV.text, range: nameV.range }, expr, by, range: value.range };
    this.doc.derives.push(decl);
  }

  expression(v: ValueText, functions: ReadonlySet<string>, what: string): ExpressionDecl {
    if (v.text === '') {
      this.error('syntax', `${what} is missing`, v.range);
      return { ...v, ast: null };
    }
    try {
      return { ...v, ast: parseExpression(v.text, { functions }) };
    } catch (e) {
      if (e instanceof FormulaSyntaxError) {
        this.error(e.code, e.message, rangeOfSpan(v, e.span), e.data);
        return { ...v, ast: null };
      }
      throw e;
    }
  }

  modelKey(model: ModelDecl, item: KeyItem, value: ValueText): void {
    const dup = (present: unknown) => {
      if (present) this.error('duplicate-key', `'${item.key}:' is given twice in model '${model.name}'`, item.keyRange);
      return Boolean(present);
    };
    switch (item.key) {
      case 'formula': {
        if (dup(model.formula)) return;
        if (value.text === '') {
          this.error('missing-value', "'formula:' needs a formula, e.g. 'y ~ x + (1 | g)'", item.keyRange);
          model.formula = { ...value, ast: null };
          return;
        }
        try {
          model.formula = { ...value, ast: parseFormula(value.text, { functions: FORMULA_FUNCTIONS }) };
        } catch (e) {
          if (!(e instanceof FormulaSyntaxError)) throw e;
          this.error(e.code, e.message, rangeOfSpan(value, e.span), e.data);
          model.formula = { ...value, ast: null };
        }
        return;
      }
      case 'method': {
        if (dup(model.method)) return;
        const v = value.text.toUpperCase();
        if (!Object.hasOwn(METHOD_DOCS, v)) {
          this.error('bad-value', `method must be ${Object.keys(METHOD_DOCS).join(' or ')}, not '${value.text}'`, value.range);
          return;
        }
        model.method = { value: v as 'REML' | 'ML', range: value.range };
        return;
      }
      case 'family': {
        if (dup(model.family)) return;
        const m = splitFamilyValue(value.text);
        const fam = m?.family;
        if (!m || !fam || !(fam in FAMILY_LINKS)) {
          const s = fam ? (FAMILY_ALIASES[fam] ?? suggestName(fam, Object.keys(FAMILY_LINKS))) : undefined;
          this.error(
            'bad-family',
            `unknown family '${value.text}'${s ? ` (did you mean '${s}'?)` : ''}; use ${Object.keys(FAMILY_LINKS).join(', ')}, with a link in parentheses if needed (e.g. binomial(probit), Gamma(log))`,
            value.range,
            s ? { suggestion: s } : undefined,
          );
          return;
        }
        model.family = { value: fam as FamilyName, range: value.range };
        if (m.link) {
          if (!FAMILY_LINKS[fam].includes(m.link)) {
            this.error('bad-link', `link '${m.link}' is not available for the ${fam} family (use ${FAMILY_LINKS[fam].join(', ')})`, value.range);
            return;
          }
          if (model.link) this.error('duplicate-key', 'the link is given twice (in family: and link:)', value.range);
          else model.link = { value: m.link as LinkName, range: value.range };
        }
        return;
      }
      case 'link': {
        if (dup(model.link)) return;
        const all = new Set(Object.values(FAMILY_LINKS).flat());
        if (!all.has(value.text)) {
          const s = suggestName(value.text, [...all]);
          this.error('bad-link', `unknown link '${value.text}'${s ? ` (did you mean '${s}'?)` : ''}`, value.range, s ? { suggestion: s } : undefined);
          return;
        }
        model.link = { value: value.text as LinkName, range: value.range };
        return;
      }
      case 'nAGQ': {
        if (dup(model.nAGQ)) return;
        const n = /^\d+$/.test(value.text) ? Number(value.text) : NaN;
        if (!Number.isInteger(n) || n < 0 || n > 100) {
          this.error('bad-value', `nAGQ must be a whole number from 0 to 100 (1 = Laplace), not '${value.text}'`, value.range);
          return;
        }
        model.nAGQ = { value: n, range: value.range };
        return;
      }
      case 'df': {
        if (dup(model.df)) return;
        const v = value.text.toLowerCase();
        if (!isDfMethod(v)) {
          const s = suggestName(v, Object.keys(DF_METHODS));
          this.error('bad-value', `df must be one of ${Object.keys(DF_METHODS).join(', ')}, not '${value.text}'${s ? ` (did you mean '${s}'?)` : ''}`, value.range, s ? { suggestion: s } : undefined);
          return;
        }
        model.df = { value: v, range: value.range };
        return;
      }
      case 'correlation':
      case 'variance': {
        const key = item.key;
        if (dup(model[key])) return;
        let spec: CorSpec | VarSpec | null = null;
        try {
          spec = parseStructure(value.text, key);
        } catch (e) {
          if (!(e instanceof StructureSyntaxError)) throw e;
          this.error('bad-structure', e.message, rangeOfSpan(value, e.span), e.data);
        }
        if (key === 'correlation') model.correlation = { ...value, spec: spec as CorSpec | null };
        else model.variance = { ...value, spec: spec as VarSpec | null };
        return;
      }
      case 'weights': {
        if (dup(model.weights)) return;
        model.weights = this.expression(value, FORMULA_FUNCTIONS, 'the weights');
        return;
      }
      case 'means': {
        const d = parseMeansValue(value, (message, range) => this.error('bad-value', message, range));
        if (d) model.means.push(d);
        return;
      }
      case 'estimate': {
        const m = /^\s*([A-Za-z._][\w.]*)\s*=(?!=)/.exec(value.text);
        const start = m ? m[0].length : 0;
        const combination = subValue(value, start, value.text.length);
        if (combination.text.trim() === '') {
          this.error('missing-value', "'estimate:' needs a combination of coefficients, e.g. 'between = a + b'", value.range);
          return;
        }
        const name = m ? { value: m[1], range: rangeOfSpan(value, { start: value.text.indexOf(m[1]), end: value.text.indexOf(m[1]) + m[1].length }) } : null;
        model.estimates.push({ name, combination, range: value.range });
        return;
      }
      case 'contrasts': {
        if (dup(model.contrasts)) return;
        model.contrasts = this.contrasts(value);
        return;
      }
    }
  }

  /** `contrasts: sector = sum, grade = poly` */
  contrasts(value: ValueText): ContrastDecl[] {
    const out: ContrastDecl[] = [];
    let start = 0;
    let depth = 0;
    const items: ValueText[] = [];
    for (let i = 0; i <= value.text.length; i++) {
      const c = value.text[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      if (i === value.text.length || (c === ',' && depth === 0)) {
        items.push(subValue(value, start, i));
        start = i + 1;
      }
    }
    for (const item of items) {
      const eq = item.text.indexOf('=');
      if (item.text === '' || eq < 0) {
        this.error('syntax', "expected 'contrasts: FACTOR = CODING, ...' with treatment, sum, helmert or poly (e.g. contrasts: sector = sum)", item.text ? item.range : value.range);
        continue;
      }
      const f = subValue(item, 0, eq);
      const k = subValue(item, eq + 1, item.text.length);
      const kindText = unquote(k.text);
      const kind = contrastKind(kindText);
      if (f.text === '') {
        this.error('syntax', "the factor's name is missing before '='", item.range);
        continue;
      }
      if (!kind) {
        const s = suggestName(kindText, Object.keys(CONTRASTS));
        this.error(
          'bad-contrasts',
          `unknown contrasts '${kindText}'${s ? ` (did you mean '${s}'?)` : ''}: use treatment, sum, helmert or poly`,
          k.text ? k.range : item.range,
          s ? { suggestion: s } : undefined,
        );
        continue;
      }
      if (out.some((d) => d.factor.value === f.text)) {
        this.error('duplicate-key', `the contrasts of '${f.text}' are given twice`, f.range);
        continue;
      }
      out.push({ factor: { value: unquote(f.text), range: f.range }, kind: { value: kind, range: k.range } });
    }
    return out;
  }

  finish(lines: Line[]): void {
    const doc = this.doc;
    if (!doc.data && !doc.blocks) {
      const first = lines.findIndex((l) => l.text.trim() !== '');
      const line = first < 0 ? 0 : first;
      this.error('missing-data', "the file has no 'data:' line naming the CSV file (e.g. 'data: mydata.csv')", r(line, 0, lines[line]?.text.length ?? 0));
    }
    if (this.models.length === 0 && lines.some((l) => l.text.trim() !== '')) {
      this.warn('no-models', "the file has no model: add 'formula: y ~ x + (1 | g)' or a 'model NAME:' block", r(0, 0, lines[0]?.text.length ?? 0));
    }
    const byName = new Map<string, ModelDecl>();
    for (const m of this.models) {
      if (byName.has(m.name)) this.error('duplicate-model', `a model named '${m.name}' is defined twice`, m.nameRange);
      else byName.set(m.name, m);
      if (!m.formula && m.implicit && this.models.length > 1) {
        for (const e of m.entries) {
          this.error('misplaced-key', `'${e.key}:' is a model key: indent it under the 'model NAME:' line of the model it belongs to`, e.keyRange);
        }
      } else if (!m.formula) this.error('missing-formula', `model '${m.name}' has no 'formula:'`, m.nameRange);
      const fam = m.family?.value ?? 'gaussian';
      if (m.link && !m.family && !FAMILY_LINKS.gaussian.includes(m.link.value)) {
        this.error('bad-link', `link '${m.link.value}' needs a family (e.g. 'family: binomial')`, m.link.range);
      } else if (m.link && !FAMILY_LINKS[fam].includes(m.link.value)) {
        this.error('bad-link', `link '${m.link.value}' is not available for the ${fam} family (use ${FAMILY_LINKS[fam].join(', ')})`, m.link.range);
      }
      if (fam !== 'gaussian' && m.df) this.warn('ignored-key', `a ${fam} model gets Wald z tests (as glmer); df: is ignored`, m.df.range);
      const structure = m.correlation ?? m.variance;
      if (structure && fam !== 'gaussian') this.error('bad-structure', `correlation: and variance: need a gaussian model (nlme's lme); this model is ${fam}`, structure.range);
      if (structure && m.df && (m.df.value === 'satterthwaite' || m.df.value === 'kenward-roger'))
        this.error('bad-value', `df: ${m.df.value} is not available for a model with correlation: or variance: (fitted by nlme's likelihood); use between-within (the default), residual or asymptotic`, m.df.range);
      if (m.df?.value === 'kenward-roger' && m.method?.value === 'ML')
        this.error('bad-value', "df: kenward-roger needs a REML fit (as lmerTest): remove 'method: ML' or choose another df", m.df.range);
      if (fam === 'gaussian' && m.nAGQ) this.warn('ignored-key', 'nAGQ applies to binomial and poisson models; it is ignored for a gaussian model', m.nAGQ.range);
      if (fam !== 'gaussian' && m.method?.value === 'REML')
        this.warn('ignored-key', `a ${fam} model is fitted by maximum likelihood (as glmer); method: REML is ignored`, m.method.range);
    }
    for (const c of doc.compares) {
      if (c.models.length < 2) this.error('compare-size', "'compare:' needs at least two model names", c.range);
      for (const name of c.models) {
        if (!byName.has(name.value)) {
          const s = suggestName(name.value, byName.keys());
          this.error('unknown-model', `no model named '${name.value}'${s ? ` (did you mean '${s}'?)` : ''}`, name.range, s ? { suggestion: s } : undefined);
        }
      }
    }
  }
}

/** `means: sector, female by minority at cses = 0, meanses = 1` (names separated by commas or spaces). */
function parseMeansValue(v: ValueText, error: (message: string, range: SourceRange) => void): MeansDecl | null {
  const text = v.text;
  const words = [...text.matchAll(/\b(by|at)\b/g)];
  const byAt = words.filter((w) => w.index !== undefined);
  const cut = (kw: string) => byAt.find((w) => w[1] === kw)?.index;
  const byI = cut('by');
  const atI = cut('at');
  const ends = [byI, atI, text.length].filter((x): x is number => x !== undefined);
  const names = (start: number, end: number): Located[] => {
    const out: Located[] = [];
    for (const m of text.slice(start, end).matchAll(/[^\s,]+/g)) {
      const a = start + (m.index ?? 0);
      out.push({ value: m[0], range: rangeOfSpan(v, { start: a, end: a + m[0].length }) });
    }
    return out;
  };
  const specs = names(0, Math.min(...ends));
  if (specs.length === 0) {
    error("'means:' needs the factor(s) whose marginal means to show, e.g. 'means: sector' or 'means: sector by female'", v.range);
    return null;
  }
  const by = byI === undefined ? [] : names(byI + 2, atI !== undefined && atI > byI ? atI : text.length);
  const at: MeansDecl['at'] = [];
  if (atI !== undefined) {
    const end = byI !== undefined && byI > atI ? byI : text.length;
    let offset = atI + 2;
    for (const part of text.slice(atI + 2, end).split(',')) {
      const m = /^\s*([^\s=]+)\s*=\s*(\S+)\s*$/.exec(part);
      if (!m) {
        const lead = part.length - part.trimStart().length;
        error(`'at' needs NAME = VALUE pairs separated by commas, e.g. 'at cses = 0', not '${part.trim()}'`, rangeOfSpan(v, { start: offset + lead, end: offset + part.trimEnd().length }));
        return null;
      }
      const ns = offset + part.indexOf(m[1]);
      const vs = offset + part.lastIndexOf(m[2]);
      at.push({ name: { value: m[1], range: rangeOfSpan(v, { start: ns, end: ns + m[1].length }) }, value: { value: m[2], range: rangeOfSpan(v, { start: vs, end: vs + m[2].length }) } });
      offset += part.length + 1;
    }
  }
  return { specs, by, at, range: v.range };
}

function lastLine(m: ModelDecl, range: SourceRange): void {
  m.range = { start: m.range.start, end: range.end };
}

/** Parses a `.mlm` document. Never throws; see `diagnostics`. */
export function parseMlm(text: string): MlmDocument {
  return new MlmParser(text).run();
}
