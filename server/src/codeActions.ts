/**
 * Quick fixes: did-you-mean (columns, keys, model names, families, links), `(1 | parent/child)`, a missing
 * `data:` line; after a fit, simpler models for a singular fit and a convergence check.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { type Node, type Simplification, deparse, unparen, additiveNodes, additivePieces, findBars, suggestName, rangeOfSpan } from '../../engine/src/index';
import { listCsvFiles, type DocumentAnalysis } from './analysis';
import type { ServerHost } from './host';
import { dirnameUri } from './uris';

export async function codeActions(a: DocumentAnalysis, params: CodeActionParams, host: ServerHost): Promise<CodeAction[]> {
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    if (d.source && d.source !== 'mlm') continue;
    out.push(...(await fixesFor(a, d, host)));
  }
  return out;
}

function replace(a: DocumentAnalysis, d: Diagnostic, title: string, edits: TextEdit[], preferred = false): CodeAction {
  return {
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: preferred,
    edit: { changes: { [a.uri]: edits } },
  };
}

function dataOf(d: Diagnostic): Record<string, unknown> {
  return d.data && typeof d.data === 'object' ? (d.data as Record<string, unknown>) : {};
}

async function fixesFor(a: DocumentAnalysis, d: Diagnostic, host: ServerHost): Promise<CodeAction[]> {
  const data = dataOf(d);
  const out: CodeAction[] = [];
  const code = String(d.code ?? '');
  const current = a.textDocument.getText(d.range);

  // A rewrite computed by the engine: { replacement: '(1 | school/class)', replaceRange?: range }.
  if (typeof data.replacement === 'string') {
    const range = (data.replaceRange as Diagnostic['range'] | undefined) ?? d.range;
    out.push(replace(a, d, `Rewrite as '${data.replacement}'`, [{ range, newText: data.replacement }], true));
  }

  if (code === 'repeated-group-ids' && typeof data.suggestion === 'string') {
    const fix = nestedRewrite(a, d, data.suggestion, String(data.parent ?? ''));
    if (fix) out.push(fix);
    return out;
  }

  if (code === 'singular-fit' && typeof data.model === 'string' && Array.isArray(data.alternatives)) {
    out.push(...simplerModels(a, d, data.model, data.alternatives as Simplification[]));
    return out;
  }
  if (code === 'convergence-warning' && typeof data.model === 'string') {
    out.push({
      title: `Check the convergence of '${data.model}' with several optimizers`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      command: { title: 'Check convergence', command: 'mlm.checkModel', arguments: [a.uri, data.model] },
    });
    return out;
  }

  if (code === 'constant-within-group' && typeof data.variable === 'string') {
    const fix = dropRandomSlope(a, d, data.variable);
    if (fix) out.push(fix);
  }

  // Did-you-mean.
  const suggestions: string[] = [];
  if (typeof data.suggestion === 'string') suggestions.push(data.suggestion);
  if (Array.isArray(data.suggestions)) for (const s of data.suggestions) if (typeof s === 'string' && !suggestions.includes(s)) suggestions.push(s);
  if (suggestions.length === 0 && code === 'unknown-column' && a.table && current) {
    const names = [...a.table.names, ...a.doc.derives.map((x) => x.name.value)];
    const s = suggestName(current, names);
    if (s) suggestions.push(s);
  }
  if (code !== 'data-not-found') {
    suggestions.forEach((s, i) => {
      if (s === current) return;
      let range = d.range;
      let old = current;
      // `family: binomal(probit)`: replace the family name, keep the link.
      const lead = /^[A-Za-z]+/.exec(current);
      if (code === 'bad-family' && lead && lead[0].length < current.length && range.start.line === range.end.line) {
        old = lead[0];
        range = { start: range.start, end: { line: range.start.line, character: range.start.character + old.length } };
      }
      out.push(replace(a, d, `Change '${old}' to '${s}'`, [{ range, newText: s }], i === 0));
    });
  }

  // A 0/1 response in a gaussian model: set the family.
  if (typeof data.family === 'string') {
    const fix = setFamily(a, d, data.family);
    if (fix) out.push(fix);
  }

  // The data file.
  if (code === 'missing-data') {
    const csvs = await listCsvFiles(host, dirnameUri(a.uri));
    const line = insertionLine(a.lines);
    const list = csvs.length ? csvs : ['data.csv'];
    list.slice(0, 8).forEach((name, i) => {
      out.push(
        replace(a, d, `Add 'data: ${name}'`, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `data: ${name}\n` }], i === 0 && csvs.length === 1),
      );
    });
  }
  if (code === 'data-not-found') {
    const candidates = Array.isArray(data.candidates) ? (data.candidates as string[]) : [];
    const best = suggestName(current, candidates);
    const ordered = best ? [best, ...candidates.filter((c) => c !== best)] : candidates;
    ordered.slice(0, 8).forEach((name, i) => {
      out.push(replace(a, d, `Use '${name}'`, [{ range: d.range, newText: name }], i === 0 && !!best));
    });
  }
  return out;
}

/**
 * `(1 | class)` with class ids repeated across schools -> `(1 | school/class)`; the model's plain
 * `(1 | school)` term is removed, since `school/class` already gives school its intercept.
 */
function nestedRewrite(a: DocumentAnalysis, d: Diagnostic, suggestion: string, parent: string): CodeAction | null {
  const model = a.doc.models.find((m) => m.formula && m.formula.ast && m.range.start.line <= d.range.start.line && d.range.end.line <= m.range.end.line);
  const edits: TextEdit[] = [{ range: d.range, newText: suggestion }];
  const f = model?.formula;
  if (f && f.ast && parent) {
    // The additive terms of the right-hand side, with their spans.
    const terms = additiveNodes(f.ast.rhs);
    const idx = terms.findIndex((t) => {
      const u = unparen(t);
      return (
        t.type === 'paren' &&
        u.type === 'binary' &&
        u.op === '|' &&
        unparen(u.right).type === 'ident' &&
        (unparen(u.right) as { name: string }).name === parent &&
        unparen(u.left).type === 'number' &&
        (unparen(u.left) as { value: number }).value === 1
      );
    });
    if (idx >= 0) {
      const t = terms[idx];
      const span = idx > 0 ? { start: terms[idx - 1].span.end, end: t.span.end } : { start: t.span.start, end: terms[idx + 1]?.span.start ?? t.span.end };
      const r = rangeOfSpan(f, span);
      if (r.end.line < d.range.start.line || (r.end.line === d.range.start.line && r.end.character <= d.range.start.character) || r.start.line > d.range.end.line || (r.start.line === d.range.end.line && r.start.character >= d.range.end.character)) {
        edits.push({ range: r, newText: '' });
      }
    }
  }
  return replace(a, d, `Rewrite as '${suggestion}' (nested ids)`, edits, true);
}

/** `(pracad | school)` where pracad is constant within schools -> `(1 | school)`: the slope cannot be estimated. */
function dropRandomSlope(a: DocumentAnalysis, d: Diagnostic, variable: string): CodeAction | null {
  const model = a.doc.models.find((m) => m.formula?.ast && m.range.start.line <= d.range.start.line && d.range.end.line <= m.range.end.line);
  const f = model?.formula;
  if (!f || !f.ast) return null;
  for (const bar of findBars(f.ast.rhs)) {
    const lr = rangeOfSpan(f, bar.left.span);
    const inside =
      (lr.start.line < d.range.start.line || (lr.start.line === d.range.start.line && lr.start.character <= d.range.start.character)) &&
      (lr.end.line > d.range.end.line || (lr.end.line === d.range.end.line && lr.end.character >= d.range.end.character));
    if (!inside) continue;
    const terms = additivePieces(f.text, bar.left);
    const kept = terms.filter((t) => t.replace(/\s+/g, '') !== variable.replace(/\s+/g, ''));
    if (kept.length === terms.length) return null;
    const left = kept.length === 0 || kept.every((t) => t === '0') ? '1' : kept.join(' + ');
    return replace(a, d, `Remove the random slope of ${variable} (keep '${left} | ${deparse(bar.right)}')`, [{ range: lr, newText: left }], true);
  }
  return null;
}

function setFamily(a: DocumentAnalysis, d: Diagnostic, family: string): CodeAction | null {
  const model = a.doc.models.find((m) => m.range.start.line <= d.range.start.line && d.range.start.line <= m.range.end.line);
  if (!model) return null;
  if (model.family) return replace(a, d, `Set 'family: ${family}'`, [{ range: model.family.range, newText: family }], true);
  const formulaEntry = model.entries.find((e) => e.key === 'formula');
  const indent = formulaEntry ? ' '.repeat(formulaEntry.keyRange.start.character) : model.implicit ? '' : '  ';
  const line = model.range.end.line + 1;
  const atEnd = line >= a.lines.length;
  const edit: TextEdit = atEnd
    ? { range: { start: { line: line - 1, character: a.lines[line - 1].length }, end: { line: line - 1, character: a.lines[line - 1].length } }, newText: `\n${indent}family: ${family}` }
    : { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}family: ${family}\n` };
  return replace(a, d, `Set 'family: ${family}'`, [edit], true);
}

/**
 * A singular fit's simpler alternatives: each writes a new model block after the original (which is
 * never changed) with a `compare:` line, then fits the file's models and shows the comparison.
 */
function simplerModels(a: DocumentAnalysis, d: Diagnostic, name: string, alternatives: Simplification[]): CodeAction[] {
  const model = a.doc.models.find((m) => m.name === name);
  if (!model || model.implicit || !model.formula) return [];
  const taken = new Set(a.doc.models.map((m) => m.name));
  const lines = a.lines.slice(model.range.start.line, model.range.end.line + 1);
  const f = model.formula;
  const out: CodeAction[] = [];
  for (const alt of alternatives) {
    if (typeof alt?.formula !== 'string' || typeof alt.suffix !== 'string') continue;
    let newName = `${name}_${alt.suffix}`;
    for (let i = 2; taken.has(newName); i++) newName = `${name}_${alt.suffix}${i}`;
    // the block's text with the new name and formula (a formula on one line: continuation lines dropped)
    const block = lines.map((text, i) => {
      const line = model.range.start.line + i;
      if (line === model.headerRange.start.line) return text.replace(/^(\s*model\s+)[^:]+:/, `$1${newName}:`);
      if (line === f.range.start.line) return text.slice(0, f.range.start.character) + alt.formula;
      if (line > f.range.start.line && line <= f.range.end.line) return null;
      return text;
    });
    const body = block.filter((t): t is string => t !== null);
    while (body.length && body[body.length - 1].trim() === '') body.pop();
    const end = model.range.end.line;
    const insertAt = { line: end, character: a.lines[end]?.length ?? 0 };
    const newText = `\n\n${body.join('\n')}\n\ncompare: ${name}, ${newName}`;
    out.push({
      title: `Try a simpler model: ${alt.title} (new model '${newName}', compared with '${name}')`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: { changes: { [a.uri]: [{ range: { start: insertAt, end: insertAt }, newText }] } },
      command: { title: 'Fit and compare', command: 'mlm.compareModels', arguments: [a.uri] },
    });
  }
  return out;
}

/** Where to add a `data:` line: after the leading comments. */
function insertionLine(lines: string[]): number {
  let i = 0;
  while (i < lines.length && /^\s*#/.test(lines[i])) i++;
  return i;
}
