/**
 * Checks of a model against its data before any fit (fast; the language server runs it while typing).
 * Codes: unknown-column, constant-within-group, single-group, too-many-random-effects,
 * repeated-group-ids, non-numeric-response, binary-response, no-rows, rank-deficient, rows-dropped,
 * nagq-vector, and the frame builder's own codes.
 */
import { MlmError, type MlmDiagnostic, type SourceRange } from '../diagnostics';
import { ROWS_PER_STEP, runSteps, runStepsAsync, Ticker, type FitHooks, type Steps } from '../hooks';
import { unknownColumnError } from '../data/columns';
import type { DataTable } from '../data/types';
import type { Node } from '../formula/ast';
import { deparse } from '../formula/deparse';
import { modelSettings } from '../mlmfile/spec';
import { rangeOfSpan } from '../mlmfile/textmap';
import type { MlmDocument, ModelDecl } from '../mlmfile/types';
import { evalVariable, type EvalContext } from './evaluate';
import { buildFromStructureSteps, groupFactor } from './modelframe';
import { identifiersOf, modelStructure, type ModelStructure } from './structure';
import { applyDocument } from './table';
import type { ModelFrame } from './types';

function diag(severity: MlmDiagnostic['severity'], code: string, message: string, range: SourceRange | undefined, data?: Record<string, unknown>): MlmDiagnostic {
  return { severity, code, message, ...(range ? { range } : {}), ...(data ? { data } : {}) };
}

function formulaRangeOf(st: ModelStructure): SourceRange {
  return st.formula.range;
}

/** Analyzes a model against the raw CSV table (applies derive:, factors:, levels: first). */
export function analyzeModel(doc: MlmDocument, model: ModelDecl, table: DataTable): MlmDiagnostic[] {
  let prepared: DataTable;
  try {
    prepared = applyDocument(doc, table);
  } catch (e) {
    if (e instanceof MlmError) return [e.diagnostic];
    throw e;
  }
  return analyzePrepared(doc, model, prepared);
}

/** Unknown columns of a model (formula and weights), each located, with a did-you-mean. */
export function unknownColumns(model: ModelDecl, st: ModelStructure | null, table: DataTable): MlmDiagnostic[] {
  const out: MlmDiagnostic[] = [];
  const check = (ids: { name: string; span: { start: number; end: number } }[], locate: (s: { start: number; end: number }) => SourceRange) => {
    for (const id of ids) {
      if (table.columns.has(id.name)) continue;
      if (id.name === '.') {
        out.push(diag('error', 'unknown-column', "'.' (all other columns) is not supported: name the columns", locate(id.span), { column: '.' }));
        continue;
      }
      out.push(unknownColumnError(table, id.name, locate(id.span)).diagnostic);
    }
  };
  if (st && st.formula.ast) {
    const ast = st.formula.ast;
    check([...identifiersOf(ast.lhs), ...identifiersOf(ast.rhs)], st.locate);
  }
  if (model.weights?.ast) {
    const w = model.weights;
    check(identifiersOf(w.ast), (span) => rangeOfSpan(w, span));
  }
  return out;
}

/** Analyzes a model against a table that already went through applyDocument. */
export function analyzePrepared(doc: MlmDocument, model: ModelDecl, table: DataTable): MlmDiagnostic[] {
  return runSteps(analyzePreparedSteps(doc, model, table));
}

/**
 * analyzePrepared that hands the event loop back between slices of rows (FitHooks.yieldEveryMs), so a
 * language server answers requests on other documents while it checks a model against a large data set.
 */
export function analyzePreparedAsync(doc: MlmDocument, model: ModelDecl, table: DataTable, hooks: FitHooks = {}): Promise<MlmDiagnostic[]> {
  return runStepsAsync(analyzePreparedSteps(doc, model, table), new Ticker(hooks), 'checking against the data');
}

/** analyzePrepared in steps (hooks.ts Steps). */
export function* analyzePreparedSteps(doc: MlmDocument, model: ModelDecl, table: DataTable): Steps<MlmDiagnostic[]> {
  void doc;
  let st: ModelStructure;
  try {
    st = modelStructure(model);
  } catch (e) {
    if (e instanceof MlmError) {
      // syntax problems are already reported by parseMlm; structural ones (e.g. a|b outside parentheses) are not
      return model.formula?.ast ? [e.diagnostic] : [];
    }
    throw e;
  }
  const unknown = unknownColumns(model, st, table);
  if (unknown.length > 0) return unknown;

  const out: MlmDiagnostic[] = [];
  const rhs = st.formula.ast!.rhs;
  if (rhs.type === 'binary' && (rhs.op === '|' || rhs.op === '||')) {
    const left = rhs.left;
    const bar = `${rhs.op} ${deparse(rhs.right)}`;
    const meant = left.type === 'binary' && left.op === '+' ? `${deparse(left.left)} + (${deparse(left.right)} ${bar})` : `(${deparse(left)} ${bar})`;
    out.push(
      diag(
        'warning',
        'bar-without-parens',
        `without parentheses '${rhs.op}' takes the whole right-hand side: this reads as (${deparse(left)} ${bar}) with no fixed effects but the intercept; did you mean ${meant}?`,
        st.locate(rhs.opSpan),
        // a rewrite of the whole right-hand side (quick fix): { replacement, replaceRange }
        { replacement: meant, replaceRange: st.locate(rhs.span) },
      ),
    );
  }
  if (st.random.length === 0) {
    out.push(
      diag('error', 'no-random-effects', "the formula has no random-effects term such as (1 | group); a mixed model needs at least one", formulaRangeOf(st)),
    );
    return out;
  }
  const settings = modelSettings(model);
  let frame: ModelFrame;
  try {
    frame = yield* buildFromStructureSteps(model, st, table);
  } catch (e) {
    if (e instanceof MlmError) return [...out, e.diagnostic];
    throw e;
  }
  const ctx: EvalContext = { table, locate: st.locate };
  const formulaRange = st.formula.range;

  if (frame.rowsDropped > 0) {
    out.push(
      diag('information', 'rows-dropped', `${frame.rowsDropped} of ${table.nrow} rows have a missing value in a variable of this model and are left out (${frame.n} rows used)`, formulaRange, {
        rowsDropped: frame.rowsDropped,
      }),
    );
  }
  for (const w of frame.warnings) {
    if (w.startsWith('fixed-effect model matrix is rank deficient')) out.push(diag('warning', 'rank-deficient', w, formulaRange, { dropped: frame.droppedCoefs }));
    else if (w.startsWith('Some predictor variables are on very different scales')) out.push(diag('warning', 'scale-x', w, formulaRange));
    else out.push(diag('warning', 'frame-warning', w, formulaRange));
  }

  // response checks
  if (settings.family === 'gaussian' && st.lhs) {
    let binary = frame.n > 1;
    for (let i = 0; i < frame.n && binary; i++) if (frame.y[i] !== 0 && frame.y[i] !== 1) binary = false;
    if (binary) {
      out.push(
        diag('warning', 'binary-response', `the response '${frame.responseName}' only takes the values 0 and 1: a logistic model ('family: binomial') is usually meant`, st.locate(st.lhs.span), {
          family: 'binomial',
        }),
      );
    }
  }

  // random-effects terms
  const groupsSeen = new Set<string>();
  for (const spec of st.random) {
    const termRange = st.locate(spec.span);
    const g = groupFactor(spec.groupParts, ctx);
    yield;
    // restrict to used rows: refs numbers the levels in order of first appearance
    const refs = new Int32Array(frame.n);
    const number = new Int32Array(g.levels.length).fill(-1);
    let nl = 0;
    for (let start = 0; start < frame.n; start += ROWS_PER_STEP) {
      const end = Math.min(frame.n, start + ROWS_PER_STEP);
      for (let i = start; i < end; i++) {
        const c = g.codes[frame.rows[i]];
        if (number[c] < 0) number[c] = nl++;
        refs[i] = number[c];
      }
      yield;
    }
    if (!groupsSeen.has(spec.group)) {
      groupsSeen.add(spec.group);
      if (nl < 2) {
        out.push(
          diag('error', 'single-group', `the grouping factor '${spec.group}' has a single level${nl === 1 ? ` ('${g.levels[g.codes[frame.rows[0]]]}')` : ''} in the rows used: a random effect needs at least two groups`, termRange),
        );
        continue;
      }
      if (settings.family === 'gaussian' && nl >= frame.n) {
        out.push(
          diag('error', 'too-many-random-effects', `'${spec.group}' has ${nl} levels for ${frame.n} observations: each group needs more than one observation to separate the group variance from the residual variance`, termRange),
        );
      }
    }
    // slopes constant within every group (a term is constant when all its variables are)
    function* constantWithin(v: number): Steps<boolean> {
      const val = evalVariable(spec.model.variables[v].node, ctx);
      yield;
      const first = new Float64Array(nl).fill(NaN);
      for (let start = 0; start < frame.n; start += ROWS_PER_STEP) {
        const end = Math.min(frame.n, start + ROWS_PER_STEP);
        for (let i = start; i < end; i++) {
          const row = frame.rows[i];
          // a basis (poly, ns) is constant within a group exactly when its first column is
          const x = val.kind === 'numeric' ? val.values[row] : val.kind === 'matrix' ? val.columns[0][row] : val.codes[row];
          const r = refs[i];
          if (Number.isNaN(first[r])) first[r] = x;
          else if (first[r] !== x) return false;
        }
        yield;
      }
      return true;
    }
    for (const t of spec.model.terms) {
      let constant = true;
      for (const v of t.vars) if (!(constant = yield* constantWithin(v))) break;
      if (!constant) continue;
      const unit = spec.group;
      const name = t.label;
      const node = t.vars.length === 1 ? spec.model.variables[t.vars[0]].node : null;
      out.push(
        diag(
          'warning',
          'constant-within-group',
          `each ${unit} has one value of ${name}; a slope for ${name} by ${unit} cannot be estimated (${name} only varies between ${unit} groups: keep it as a fixed effect)`,
          st.locate(node ? node.span : t.span),
          { variable: name, group: unit },
        ),
      );
    }
  }
  if (settings.family === 'gaussian') {
    // lme4's check.nobs.vs.nRE (lmer): each term must have fewer random effects than observations
    const reported = new Set(out.filter((d) => d.code === 'too-many-random-effects' || d.code === 'single-group').map((d) => JSON.stringify(d.range)));
    for (const t of frame.reTerms) {
      const qt = t.k * t.levels.length;
      const range = t.span ? st.locate(t.span) : formulaRange;
      if (qt < frame.n || reported.has(JSON.stringify(range))) continue;
      reported.add(JSON.stringify(range));
      out.push(
        diag('error', 'too-many-random-effects', `the term ${t.text} has ${qt} random effects (${t.k} × ${t.levels.length} groups) for ${frame.n} observations; its variances and the residual variance cannot all be identified`, range),
      );
    }
  }
  if (settings.nAGQ > 1 && settings.family !== 'gaussian') {
    if (frame.reTerms.length !== 1 || frame.reTerms[0].k !== 1) {
      out.push(
        diag('error', 'nagq-vector', 'nAGQ > 1 needs a single random-effects term with one column, such as (1 | g); use nAGQ: 1 (Laplace) for this model', model.nAGQ?.range ?? formulaRange),
      );
    }
  }
  out.push(...(yield* repeatedIds(st, ctx, frame)));
  out.push(...teachingHints(st, frame));
  return out;
}

/**
 * Child ids that repeat across the groups of another grouping factor (e.g. classes numbered 1, 2, 3
 * within every school): suggests `(1 | parent/child)`. Flagged when, for two single-variable grouping
 * factors P and C of the model: most C levels occur under several P levels, each P level holds at least
 * two C levels, P has more levels than C (ids restart within each P), and the P:C cells hold two or more
 * observations on average (a crossed design usually has one per cell).
 */
function* repeatedIds(st: ModelStructure, ctx: EvalContext, frame: ModelFrame): Steps<MlmDiagnostic[]> {
  const singles = new Map<string, { node: Node; span: { start: number; end: number } }>();
  const groups = new Set(st.random.map((r) => r.group));
  for (const r of st.random) if (r.groupParts.length === 1 && !singles.has(r.group)) singles.set(r.group, { node: r.groupParts[0], span: r.span });
  const out: MlmDiagnostic[] = [];
  const names = [...singles.keys()];
  const facs = new Map(names.map((nm) => [nm, groupFactor([singles.get(nm)!.node], ctx)]));
  for (const parent of names) {
    for (const child of names) {
      if (parent === child || groups.has(`${child}:${parent}`) || groups.has(`${parent}:${child}`)) continue;
      const P = facs.get(parent)!;
      const C = facs.get(child)!;
      if (P.levels.length <= C.levels.length) continue; // the parent has more groups than the child
      const nc = C.levels.length;
      const np = P.levels.length;
      // distinct (parent, child) cells among the used rows, in slices of rows (a bit set, or a set of keys
      // when there are too many possible cells)
      const cells = np * nc;
      const bits = cells <= 1 << 27 ? new Uint32Array(Math.ceil(cells / 32)) : null;
      const keys = bits ? null : new Set<number>();
      const parentsPerChild = new Int32Array(nc);
      const childrenPerParent = new Int32Array(np);
      const twoParents = new Int32Array(nc * 2).fill(-1); // the two smallest parents of each child
      let cellCount = 0;
      for (let start = 0; start < frame.n; start += ROWS_PER_STEP) {
        const end = Math.min(frame.n, start + ROWS_PER_STEP);
        for (let i = start; i < end; i++) {
          const p = P.codes[frame.rows[i]];
          const c = C.codes[frame.rows[i]];
          const key = p * nc + c;
          if (bits) {
            const mask = 1 << key % 32;
            const w = Math.floor(key / 32);
            if (bits[w] & mask) continue;
            bits[w] |= mask;
          } else {
            if (keys!.has(key)) continue;
            keys!.add(key);
          }
          cellCount++;
          parentsPerChild[c]++;
          childrenPerParent[p]++;
          const a = twoParents[2 * c];
          const b = twoParents[2 * c + 1];
          if (a < 0 || p < a) {
            twoParents[2 * c + 1] = a;
            twoParents[2 * c] = p;
          } else if (b < 0 || p < b) twoParents[2 * c + 1] = p;
        }
        yield;
      }
      let usedChildren = 0;
      let repeated = 0;
      for (let c = 0; c < nc; c++) {
        if (parentsPerChild[c] > 0) usedChildren++;
        if (parentsPerChild[c] > 1) repeated++;
      }
      let usedParents = 0;
      let minChildren = Infinity;
      for (let p = 0; p < np; p++) {
        if (childrenPerParent[p] === 0) continue;
        usedParents++;
        minChildren = Math.min(minChildren, childrenPerParent[p]);
      }
      const perCell = frame.n / cellCount;
      if (usedParents > usedChildren && repeated * 2 > usedChildren && minChildren >= 2 && perCell >= 2 && cellCount > usedChildren) {
        let exampleChild = 0;
        while (parentsPerChild[exampleChild] < 2) exampleChild++;
        const p1 = twoParents[2 * exampleChild];
        const p2 = twoParents[2 * exampleChild + 1];
        out.push(
          diag(
            'warning',
            'repeated-group-ids',
            `the same ${child} ids occur in several ${parent} groups (${child} '${C.levels[exampleChild]}' is in ${parent} '${P.levels[p1]}' and '${P.levels[p2]}'); if each ${parent} has its own ${child}s, write (1 | ${parent}/${child}) so that they count as different groups`,
            st.locate(singles.get(child)!.span),
            { parent, child, suggestion: `(1 | ${parent}/${child})` },
          ),
        );
      }
    }
  }
  return out;
}

/**
 * Hints about model structure that lme4 accepts silently but that usually are not meant:
 * few groups (lme4's check.nlev.gtreq.5, off by default there), a grouping factor that is also a
 * fixed effect, and a random slope without the matching fixed effect.
 */
function teachingHints(st: ModelStructure, frame: ModelFrame): MlmDiagnostic[] {
  const out: MlmDiagnostic[] = [];
  const seen = new Set<string>();
  for (const t of frame.reTerms) {
    if (seen.has(t.group)) continue;
    seen.add(t.group);
    if (t.levels.length >= 2 && t.levels.length < 5) {
      out.push(
        diag(
          'information',
          'few-groups',
          `'${t.group}' has only ${t.levels.length} groups: a variance estimated from fewer than 5 groups is unreliable (consider '${t.group}' as a fixed effect)`,
          t.span ? st.locate(t.span) : st.formula.range,
          { group: t.group, levels: t.levels.length },
        ),
      );
    }
  }
  const fixedNames = new Map(st.fixed.variables.map((v) => [v.name, v]));
  const fixedTerms = new Set(st.fixed.terms.map((t) => t.label));
  const groups = new Set(st.random.map((r) => r.group));
  for (const g of groups) {
    const v = fixedNames.get(g);
    if (v && fixedTerms.has(g)) {
      out.push(
        diag(
          'warning',
          'group-also-fixed',
          `'${g}' is both a fixed effect and a grouping factor: its fixed effects take up all differences between the groups, so the random intercept of '${g}' cannot be estimated`,
          st.locate(v.node.span),
          { group: g },
        ),
      );
    }
  }
  const reported = new Set<string>();
  for (const r of st.random) {
    for (const term of r.model.terms) {
      if (fixedTerms.has(term.label) || reported.has(term.label)) continue;
      reported.add(term.label);
      const node = r.model.variables[term.vars[0]].node;
      out.push(
        diag(
          'information',
          'slope-without-fixed',
          `'${term.label}' has a random slope by ${r.group} but no fixed effect, so its average slope is fixed at 0; add '${term.label}' to the fixed part unless that is intended`,
          st.locate(term.vars.length === 1 ? node.span : term.span),
          { term: term.label, group: r.group },
        ),
      );
    }
  }
  return out;
}
