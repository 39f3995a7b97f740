/**
 * Hovers. Before a fit: keys, columns (type, missing count, levels or range), random terms in words.
 * After a fit (latest successful result of the model): fixed effects (estimate, SE, statistic, df, p,
 * 95% interval and an interpretation sentence), random terms (SDs and correlations), and the response
 * or model name (fit statistics).
 */
import { MarkupKind, type Hover, type Position, type Range } from 'vscode-languageserver';
import {
  type Node,
  deparse,
  unparen,
  randomTerms,
  type RandomTermSpec,
  type AnovaTable,
  FILE_KEYS,
  CLICKHOUSE_ENV,
  clickHouseAddress,
  parseClickHouseUrl,
  MODEL_KEYS,
  FAMILY_DOCS,
  splitFamilyValue,
  COR_CONSTRUCTORS,
  VAR_CONSTRUCTORS,
  DATA_ENGINES,
  DF_METHODS,
  LINK_DOCS,
  SPEC_BY_NAME,
  formatPvalue,
  modelSettings,
  offsetAt,
  rangeOfSpan,
  type FormulaDecl,
  type ModelDecl,
  type FitResult,
  functionBaseName,
  type CoefficientInference,
} from '../../engine/src/index';
import type { DocumentAnalysis } from './analysis';
import { columnInfo, formatNumber } from './columnInfo';
import { identifiersOf, isBar, nodePath, type BarNode } from './formulaNav';
import { countGroups } from './groupCounts';
import { escapeMarkdown as esc, markdownCode as code } from './markdown';
import { inferenceSection } from './inferenceHover';

function within(pos: Position, r: Range): boolean {
  if (pos.line < r.start.line || pos.line > r.end.line) return false;
  if (pos.line === r.start.line && pos.character < r.start.character) return false;
  if (pos.line === r.end.line && pos.character > r.end.character) return false;
  return true;
}

function md(value: string, range?: Range): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, range };
}

export function hover(
  a: DocumentAnalysis,
  pos: Position,
  results: ReadonlyMap<string, FitResult>,
  comparisons: readonly unknown[] = [],
  inferenceOf: (model: string, coef: string) => CoefficientInference | undefined = () => undefined,
): Hover | null {
  const doc = a.doc;
  for (const c of doc.compares) {
    if (!within(pos, c.range)) continue;
    const names = c.models.map((m) => m.value);
    const table = comparisons.find((x) => (x as { models?: string[] }).models?.join(',') === names.join(',')) as AnovaTable | undefined;
    if (table) return md(compareHover(table), c.range);
    const unfitted = names.filter((n) => !results.has(n));
    return md(`**compare:** likelihood-ratio test of ${esc(names.join(', '))}${unfitted.length ? `\n\n_Fit ${esc(unfitted.join(', '))} to see the test._` : ''}`, c.range);
  }
  for (const m of doc.models) {
    if (within(pos, m.nameRange) && !m.implicit) return md(modelHover(a, m, results.get(m.name)), m.nameRange);
    if (m.formula && m.formula.ast) {
      const off = offsetAt(m.formula, pos);
      if (off >= 0) return formulaHover(a, m, m.formula, off, results.get(m.name), inferenceOf);
    }
  }
  for (const m of doc.models) {
    for (const est of m.estimates) {
      if (!within(pos, est.range)) continue;
      const r = results.get(m.name);
      const got = r?.postfit?.estimates.find((x) => x.range.start.line === est.range.start.line && x.combination === est.combination.text.trim());
      if (got) return md(estimateHover(got), est.range);
      if (r) {
        const err = r.postfit?.errors.find((d) => d.range && d.range.start.line === est.range.start.line);
        if (err) return md(`**estimate:** ${escapeMarkdown(err.message)}`, est.range);
      }
      return md(`**estimate:** ${escapeMarkdown(est.combination.text)}\n\n_${r ? 'Fit the model again to see this estimate.' : 'Fit the model to see the estimate.'}_`, est.range);
    }
  }
  for (const e of doc.entries) {
    if (within(pos, e.keyRange)) {
      const text = e.model ? MODEL_KEYS[e.key] : FILE_KEYS[e.key];
      if (text) return md(`**${e.key}:** ${text}`, e.keyRange);
    }
    if (e.key === 'engine' && !e.model && within(pos, e.value.range)) {
      const v = e.value.text.trim();
      if (Object.hasOwn(DATA_ENGINES, v)) return md(`**engine: ${v}** — ${DATA_ENGINES[v as keyof typeof DATA_ENGINES]}`, e.value.range);
    }
    if ((e.key === 'correlation' || e.key === 'variance' || e.key === 'df') && within(pos, e.value.range)) {
      const doc = structureValueDoc(e.key, e.value.text);
      if (doc) return md(doc, e.value.range);
    }
    if ((e.key === 'family' || e.key === 'link') && within(pos, e.value.range)) {
      const doc = valueDoc(e.value.text);
      if (doc) return md(doc, e.value.range);
    }
  }
  if (doc.data && within(pos, doc.data.range)) return md(dataHover(a), doc.data.range);
  // Column names in factors:, levels:, derive:, weights:
  const word = wordAt(a.lines[pos.line] ?? '', pos.character);
  if (word && a.table && a.table.columns.has(word.text)) {
    const r: Range = { start: { line: pos.line, character: word.start }, end: { line: pos.line, character: word.end } };
    if (doc.entries.some((e) => within(pos, e.value.range))) return md(columnHover(a, word.text), r);
  }
  return null;
}

/** A `df:` method or an nlme constructor of `correlation:` / `variance:`: its description. */
function structureValueDoc(key: string, text: string): string | null {
  const t = text.trim();
  if (key === 'df') return Object.hasOwn(DF_METHODS, t) ? `**df: ${t}** — ${DF_METHODS[t as keyof typeof DF_METHODS]}` : null;
  const name = /^([A-Za-z][A-Za-z0-9]*)/.exec(t)?.[1] ?? '';
  const table: Record<string, string> = key === 'correlation' ? COR_CONSTRUCTORS : VAR_CONSTRUCTORS;
  return Object.hasOwn(table, name) ? `**${name}** (nlme): ${table[name]}` : null;
}

/** A `family:` or `link:` value (`binomial(probit)`, `poisson`, `log`): the family's and the link's lines. */
function valueDoc(text: string): string | null {
  const t = text.trim();
  const v = splitFamilyValue(t);
  const [family, link] = v && Object.hasOwn(FAMILY_DOCS, v.family) ? [v.family, v.link ?? ''] : ['', t];
  const lines: string[] = [];
  if (Object.hasOwn(FAMILY_DOCS, family)) lines.push(`**${family}** family: ${FAMILY_DOCS[family]}`);
  if (Object.hasOwn(LINK_DOCS, link)) lines.push(`**${link}** link: ${LINK_DOCS[link]}`);
  return lines.length ? lines.join('\n\n') : null;
}

function compareHover(t: AnovaTable & { text?: string }): string {
  const lines = ['**Likelihood-ratio test**', ''];
  if (t.text) lines.push('````', t.text.replace(/`{3,}/g, ''), '````', '');
  for (const r of t.rows.slice(1)) if (r.sentence) lines.push(esc(r.sentence));
  for (const n of t.notes ?? []) lines.push('', `_${esc(n)}_`);
  return lines.join('\n');
}

function wordAt(line: string, ch: number): { text: string; start: number; end: number } | null {
  const re = /[A-Za-z_.][A-Za-z0-9_.]*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    if (m.index <= ch && ch <= m.index + m[0].length) return { text: m[0], start: m.index, end: m.index + m[0].length };
  }
  return null;
}

function dataHover(a: DocumentAnalysis): string {
  const ch = a.doc.data ? parseClickHouseUrl(a.doc.data.value) : null;
  if (ch && 'location' in ch) {
    const l = ch.location;
    return [
      `**ClickHouse table** ${code(`${l.database}.${l.table}`)} at ${code(clickHouseAddress(l))}${l.secure ? ' (HTTPS)' : ''}`,
      '',
      'Each model is fitted from one aggregation query run on the server: only the cross-product blocks come back, never the rows.',
      '',
      `Credentials: "MLM: Set ClickHouse Password", or ${code(CLICKHOUSE_ENV.user)} and ${code(CLICKHOUSE_ENV.password)} in the environment of the desktop server; never in the .mlm file.`,
    ].join('\n');
  }
  if (!a.table) return `**data:** ${esc(a.doc.data?.value ?? '')} — not loaded`;
  const t = a.table;
  const cols = t.names.map((n) => {
    const c = columnInfo(t, n)!;
    return `- ${code(n)} ${c.type}${c.missing ? `, ${c.missing} missing` : ''}`;
  });
  return [`**${esc(t.fileName)}** — ${t.nrow} rows, ${t.names.length} columns`, '', ...cols.slice(0, 30), cols.length > 30 ? '- …' : ''].join('\n');
}

function columnHover(a: DocumentAnalysis, name: string): string {
  const info = columnInfo(a.table!, name)!;
  const declared = a.doc.factors.some((f) => f.value === name);
  const type = declared ? 'numbers treated as a factor (factors:)' : info.type === 'factor' ? 'factor (text)' : info.integer ? 'numeric (whole numbers)' : 'numeric';
  const lines = [`**${esc(name)}** — ${type}`, '', esc(info.summary)];
  lines.push('', info.missing === 0 ? 'no missing values' : `${info.missing} missing value${info.missing === 1 ? '' : 's'} of ${a.table!.nrow}`);
  return lines.join('\n');
}

function staleNote(m: ModelDecl, r: FitResult): string {
  const now = m.formula?.text.replace(/\s+/g, ' ').trim();
  const then = r.formula.replace(/\s+/g, ' ').trim();
  return now && now !== then ? `\n\n_From the last fit, of ${code(r.formula)}._` : '';
}

export function fitStatistics(r: FitResult): string {
  const rows: string[] = [];
  rows.push(`| | |`, `|---|---|`);
  rows.push(`| logLik | ${formatNumber(r.logLik)} (df = ${r.df}) |`);
  rows.push(`| AIC | ${formatNumber(r.AIC)} |`, `| BIC | ${formatNumber(r.BIC)} |`);
  if (r.REMLcrit !== null && r.REMLcrit !== undefined) rows.push(`| REML criterion | ${formatNumber(r.REMLcrit)} |`);
  if (r.deviance !== null && r.deviance !== undefined) rows.push(`| deviance | ${formatNumber(r.deviance)} |`);
  rows.push(`| observations | ${r.nobs} |`);
  for (const [g, n] of Object.entries(r.ngrps)) rows.push(`| groups: ${esc(g)} | ${n} |`);
  if (r.family === 'gaussian') rows.push(`| residual SD | ${formatNumber(r.sigma)} |`);
  if (r.dfMethod) rows.push(`| df of the t tests | ${r.dfMethod} |`);
  const cs = r.correlationStructure;
  if (cs) rows.push(`| ${cs.type} ${codeSpan(cs.form)} | ${cs.names.map((n, i) => `${codeSpan(n)} = ${formatNumber(cs.parameters[i])}`).join(', ')} |`);
  const vf = r.varianceFunction;
  if (vf) {
    const params = Object.entries(vf.parameters).map(([k, v]) => `${codeSpan(k)} = ${formatNumber(v)}`);
    rows.push(`| ${vf.type} ${codeSpan(vf.form)} | ${params.length ? params.join(', ') : 'no parameter'} |`);
  }
  if (r.dispersion) rows.push(`| ${r.dispersion.name === 'theta' ? 'θ (negative binomial)' : `sigma (${r.family})`} | ${formatNumber(r.dispersion.value)} |`);
  const notes: string[] = [];
  if (r.singular) notes.push('singular fit (a variance is estimated at zero or a correlation at ±1)');
  if (!r.converged) notes.push('the optimizer did not converge');
  return rows.join('\n') + (notes.length ? `\n\n⚠ ${notes.join('; ')}` : '');
}

/** Data-derived text (stratum levels, forms) as an inline code span in a table cell: no Markdown or HTML is interpreted; '|' escaped for the table. */
function codeSpan(s: string): string {
  return '`' + s.replace(/[`\r\n]/g, ' ').replace(/\|/g, '\\|') + '`';
}

function modelHover(a: DocumentAnalysis, m: ModelDecl, r: FitResult | undefined): string {
  const s = modelSettings(m);
  const nlme = Boolean(m.correlation || m.variance);
  const how = s.family === 'gaussian' ? `linear mixed model (${nlme ? "nlme's lme" : 'lmer'}), ${s.REML ? 'REML' : 'ML'}` : `${s.family} GLMM (glmer), ${s.link} link, ${s.nAGQ === 1 ? 'Laplace' : `nAGQ = ${s.nAGQ}`}`;
  const head = `**model ${esc(m.name)}** — ${how}\n\n${code(m.formula?.text ?? '')}`;
  if (!r) return `${head}\n\n_Not fitted yet._`;
  return `${head}\n\n${fitStatistics(r)}${staleNote(m, r)}`;
}

function formulaHover(a: DocumentAnalysis, m: ModelDecl, f: FormulaDecl, off: number, r: FitResult | undefined, inferenceOf: (model: string, coef: string) => CoefficientInference | undefined): Hover | null {
  const ast = f.ast!;
  const range = (n: { span: { start: number; end: number } }) => rangeOfSpan(f, n.span);
  // Response side and the tilde.
  if (ast.lhs && off >= ast.lhs.span.start && off <= ast.lhs.span.end) {
    const path = nodePath(ast.lhs, off);
    const leaf = path[path.length - 1];
    const parts: string[] = [];
    const fn = functionDoc(path, off);
    if (fn) parts.push(fn);
    parts.push(`**response** ${code(deparse(ast.lhs))}`);
    if (leaf?.type === 'ident' && a.table?.columns.has(leaf.name)) parts.push(columnHover(a, leaf.name));
    if (r) parts.push(`**Fit of ${esc(m.name)}**\n\n${fitStatistics(r)}${staleNote(m, r)}`);
    return md(parts.join('\n\n---\n\n'), range(ast.lhs));
  }
  if (off >= ast.tilde.start && off <= ast.tilde.end) {
    if (!r) return null;
    return md(`**Fit of ${esc(m.name)}**\n\n${fitStatistics(r)}${staleNote(m, r)}`, rangeOfSpan(f, ast.tilde));
  }
  const path = nodePath(ast.rhs, off);
  if (path.length === 0) return null;
  const barIdx = path.findIndex(isBar);
  if (barIdx >= 0) {
    const bar = path[barIdx] as BarNode;
    const parenAbove = barIdx > 0 && path[barIdx - 1].type === 'paren' ? path[barIdx - 1] : bar;
    // On a column of the grouping side: the column, then the term.
    const leaf = path[path.length - 1];
    const onGroup = off >= bar.right.span.start;
    const parts: string[] = [];
    parts.push(randomTermHover(a, bar, r));
    if (leaf.type === 'ident' && a.table?.columns.has(leaf.name)) parts.push(columnHover(a, leaf.name));
    return md(parts.join('\n\n---\n\n'), onGroup && leaf.type === 'ident' ? range(leaf) : range(parenAbove));
  }
  // Fixed part: find the term under the cursor.
  const leaf = path[path.length - 1];
  let termNode: Node = leaf;
  // Inside a call (factor(x), I(x^2), log(x)), the whole call is the variable.
  for (let i = 0; i < path.length; i++) {
    if (path[i].type === 'call') {
      termNode = path[i];
      break;
    }
  }
  if (leaf.type === 'binary' && (leaf.op === ':' || leaf.op === '*')) termNode = leaf;
  if (termNode.type === 'paren') termNode = unparen(termNode);
  const parts: string[] = [];
  const fn = functionDoc(path, off);
  if (fn) parts.push(fn);
  if (r) {
    const categorical = (label: string) => {
      if (/^(as\.)?factor\(/.test(label)) return true;
      const col = a.table?.columns.get(label);
      return col ? col.kind === 'text' : true;
    };
    const coefs = matchingCoefs(termNode, r, categorical);
    const withInference = (c: string) => `${fixedEffectHover(r, c)}\n\n${inferenceSection(a.uri, m.name, c, inferenceOf(m.name, c))}`;
    if (coefs.length) parts.push(coefs.map(withInference).join('\n\n---\n\n') + staleNote(m, r));
    else if (termNode.type === 'number' && termNode.value === 1 && r.fixef['(Intercept)'] !== undefined) parts.push(withInference('(Intercept)'));
  }
  // a factor's marginal means (computed by the engine after the fit)
  const factorCol = termNode.type === 'ident' ? termNode.name : termNode.type === 'call' && /^(as\.)?factor$/.test(termNode.name) ? identifiersOf(termNode)[0] : undefined;
  const fm = factorCol !== undefined ? r?.postfit?.factorMeans?.[factorCol] : undefined;
  if (fm && factorCol !== undefined) parts.push(factorMeansHover(factorCol, fm));
  if (termNode.type === 'ident' && a.table?.columns.has(termNode.name)) parts.push(columnHover(a, termNode.name));
  else if (termNode.type === 'call' && !r) {
    const ids = identifiersOf(termNode).filter((n) => a.table?.columns.has(n));
    if (ids.length) parts.push(`${code(deparse(termNode))}\n\n` + ids.map((n) => columnHover(a, n)).join('\n\n'));
  }
  if (parts.length === 0) return null;
  return md(parts.join('\n\n---\n\n'), range(termNode));
}

/** Markdown-escapes data-derived text (level labels, names) for hovers. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

const num4 = (x: number) => formatNumber(x);

function factorMeansHover(col: string, fm: NonNullable<FitResult['postfit']>['factorMeans'][string]): string {
  const z = fm.means.some((m) => m.df === null);
  const name = fm.meanName ?? 'emmean';
  const scale = name === 'prob' ? '; probabilities' : name === 'rate' ? '; rates' : name === 'response' ? '; response scale' : '';
  const rows = [`**Estimated marginal means of ${escapeMarkdown(col)}** (as emmeans; ${escapeMarkdown(fm.dfMethod)} df${scale})`, '', `| ${escapeMarkdown(col)} | ${escapeMarkdown(name)} | SE | df | ${fm.level * 100}% CI |`, '|---|---:|---:|---:|---|'];
  for (const m of fm.means) rows.push(`| ${escapeMarkdown(m.level)} | ${num4(m.emmean)} | ${num4(m.SE)} | ${m.df === null ? 'Inf' : num4(m.df)} | ${num4(m.lower)} to ${num4(m.upper)} |`);
  if (fm.notes.length) rows.push('', `_${fm.notes.map(escapeMarkdown).join(' ')}_`);
  if (z) rows.push('', '_z intervals (asymptotic df)._');
  return rows.join('\n');
}

function estimateHover(e: NonNullable<FitResult['postfit']>['estimates'][number]): string {
  const stat = e.df === null ? 'z' : 't';
  return [
    `**estimate ${escapeMarkdown(e.label)}** = ${escapeMarkdown(e.combination)}`,
    '',
    '| estimate | SE | df | ' + stat + ' | p | ' + `${e.level * 100}% CI |`,
    '|---:|---:|---:|---:|---:|---|',
    `| ${num4(e.estimate)} | ${num4(e.SE)} | ${e.df === null ? 'Inf' : num4(e.df)} | ${num4(e.statistic)} | ${formatPvalue(e.p)} | ${num4(e.lower)} to ${num4(e.upper)} |`,
    '',
    `_${escapeMarkdown(e.dfMethod)} df; the interval is estimate ± ${e.df === null ? 'z' : 't(df)'} × SE with the df of the test._`,
  ].join('\n');
}

/** On a function's name (`log` in `log(x)`): its R signature and what it does. */
function functionDoc(path: Node[], off: number): string | null {
  for (const n of path) {
    if (n.type !== 'call' || off < n.nameSpan.start || off > n.nameSpan.end) continue;
    const spec = SPEC_BY_NAME.get(functionBaseName(n.name));
    if (spec) return `\`${spec.signature}\` — ${spec.doc}`;
  }
  return null;
}

/** Coefficient names of a fit that come from this term: `Days` -> Days; `sector` -> sectorCatholic; `a:b` / `a*b` -> a:b... */
export function matchingCoefs(node: Node, r: FitResult, isCategorical: (label: string) => boolean = () => true): string[] {
  let labels: string[][];
  if (node.type === 'binary' && node.op === '*') {
    const l = deparse(unparen(node.left));
    const rr = deparse(unparen(node.right));
    labels = [[l], [rr], [l, rr]];
  } else if (node.type === 'binary' && node.op === ':') {
    labels = [flattenColon(node).map((n) => deparse(unparen(n)))];
  } else {
    labels = [[deparse(node)]];
  }
  const out: string[] = [];
  for (const coef of r.coefnames) {
    const parts = coef.split(':');
    for (const lab of labels) {
      if (lab.length !== parts.length) continue;
      // Components may appear in another order in the coefficient name (R orders by variable).
      const used = new Set<number>();
      const ok = lab.every((l) => {
        // A categorical variable's coefficients are its name followed by a level: sectorCatholic.
        const j = parts.findIndex((p, k) => !used.has(k) && (p === l || (p.startsWith(l) && p.length > l.length && isCategorical(l))));
        if (j < 0) return false;
        used.add(j);
        return true;
      });
      if (ok && !out.includes(coef)) out.push(coef);
    }
  }
  return out;
}

function flattenColon(n: Node): Node[] {
  const u = unparen(n);
  if (u.type === 'binary' && u.op === ':') return [...flattenColon(u.left), ...flattenColon(u.right)];
  return [u];
}

export function fixedEffectHover(r: FitResult, name: string): string {
  // everything from the engine: the coefficient row (test and interval of the same kind) and its sentence
  const row = r.coefficients?.find((c) => c.name === name);
  const est = row?.estimate ?? r.fixef[name];
  const se = row?.se ?? r.se[name];
  const statName = r.family === 'gaussian' ? 't' : 'z';
  const interval = row && Number.isFinite(row.lower) && Number.isFinite(row.upper) ? `[${formatNumber(row.lower)}, ${formatNumber(row.upper)}]` : '—';
  const dash = (x: string | null) => x ?? '—';
  const sentence = r.interpretation?.fixef?.[name];
  const rows = [
    `**${esc(name)}** — fixed effect in model ${esc(r.id)}`,
    '',
    `| estimate | SE | ${statName} | df | p | ${esc(r.intervalMethod ?? '95% CI')} |`,
    '|---|---|---|---|---|---|',
    `| ${formatNumber(est)} | ${formatNumber(se)} | ${row && Number.isFinite(row.statistic) ? row.statistic.toFixed(2) : '—'} | ${dash(row?.df != null ? row.df.toFixed(1) : null)} | ${dash(row?.p != null ? formatPvalue(row.p) : null)} | ${interval} |`,
  ];
  if (sentence) rows.push('', esc(sentence));
  if (row?.df != null) rows.push('', `_${esc(r.intervalMethod ?? '95% CI')}: estimate ± t(df) × SE with the df of the t test._`);
  else if (row && r.family !== 'gaussian') rows.push('', '_Wald z test._');
  return rows.join('\n');
}

/** "correlated random intercept and slope for Days by Subject; 18 groups" */
export function describeRandomTerm(
  specs: RandomTermSpec[],
  op: '|' | '||',
  groupCount: (spec: RandomTermSpec) => number | null,
  nested = false,
): string {
  if (specs.length === 0) return 'random-effects term';
  const intercept = specs.some((s) => s.model.intercept);
  const slopes: string[] = [];
  for (const s of specs) for (const t of s.model.terms) if (!slopes.includes(t.label)) slopes.push(t.label);
  let groups: string[] = [];
  for (const s of specs) if (!groups.includes(s.group)) groups.push(s.group);
  // `a/b` expands innermost first (b:a, a); read it outermost first: "by a and by b within a".
  if (nested) groups = groups.reverse();
  const k = (intercept ? 1 : 0) + slopes.length;
  const slopeWords = slopes.length === 0 ? '' : `${slopes.length === 1 ? 'slope' : 'slopes'} for ${joinAnd(slopes)}`;
  let what: string;
  let after = '';
  if (intercept && slopes.length === 0) what = 'random intercept';
  else if (!intercept) {
    what = `random ${slopeWords}`;
    after = ' (no random intercept)';
  } else what = `random intercept and ${slopeWords}`;
  if (k > 1) what = `${op === '||' ? 'uncorrelated' : 'correlated'} ${what}`;
  const words = (g: string): string => {
    const spec = specs.find((s) => s.group === g)!;
    if (spec.groupParts.length < 2) return g;
    const names = spec.groupParts.map((p) => deparse(p));
    return nested ? `${names[0]} within ${names.slice(1).join(' within ')} (${g})` : `each combination of ${joinAnd(names)} (${g})`;
  };
  const by = groups.map(words);
  const counts = groups.map((g) => {
    const spec = specs.find((s) => s.group === g)!;
    const n = groupCount(spec);
    return n === null ? null : groups.length > 1 ? `${n} ${g} groups` : `${n} groups`;
  });
  const countText = counts.every((c) => c !== null) ? `; ${counts.join(', ')}` : '';
  return `${what} by ${by.join(' and by ')}${after}${countText}`;
}

function joinAnd(xs: string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function randomTermHover(a: DocumentAnalysis, bar: BarNode, r: FitResult | undefined): string {
  let specs: RandomTermSpec[];
  try {
    specs = randomTerms(bar);
  } catch (e) {
    return `random-effects term: ${esc(e instanceof Error ? e.message : String(e))}`;
  }
  const groupColumns = (s: RandomTermSpec) => s.groupParts.map((p) => (p.type === 'ident' ? p.name : identifiersOf(p)[0] ?? ''));
  const count = (s: RandomTermSpec): number | null => {
    if (r && r.ngrps[s.group] !== undefined) return r.ngrps[s.group];
    return a.table ? countGroups(a.table, groupColumns(s)) : null;
  };
  const sentence = describeRandomTerm(specs, bar.op, count, unparen(bar.right).type === 'binary' && (unparen(bar.right) as { op: string }).op === '/');
  const lines = [`**${esc(`(${deparse(bar)})`)}** — ${esc(sentence)}`];
  if (r) {
    const groups = [...new Set(specs.map((s) => s.group))];
    const rows = r.varcorr.filter((v) => groups.some((g) => v.grp === g || new RegExp(`^${escapeRe(g)}\\.\\d+$`).test(v.grp)));
    if (rows.length) {
      lines.push('', '| group | term | SD / corr |', '|---|---|---|');
      for (const v of rows) {
        if (v.var2 === null) lines.push(`| ${esc(v.grp)} | sd ${esc(paren(v.var1 ?? ''))} | ${formatNumber(v.sdcor)} (variance ${formatNumber(v.vcov)}) |`);
        else lines.push(`| ${esc(v.grp)} | corr ${esc(paren(`${v.var1}, ${v.var2}`))} | ${v.sdcor.toFixed(2)} |`);
      }
      if (r.family === 'gaussian') lines.push(`| Residual | sd | ${formatNumber(r.sigma)} |`);
      // the engine's sentences (FitResult.interpretation.varcorr, in varcorr order)
      const sentences = rows.map((v) => r.interpretation?.varcorr?.[r.varcorr.indexOf(v)]).filter((x): x is string => typeof x === 'string' && x.length > 0);
      if (sentences.length) lines.push('', ...sentences.map((x) => `- ${esc(x)}`));
    }
  }
  return lines.join('\n');
}

function paren(s: string): string {
  return s.startsWith('(') && !s.includes(',') ? s : `(${s})`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
