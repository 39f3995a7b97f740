/** Quick fixes: did-you-mean (columns, keys, model names, families, links), `(1 | parent/child)`, a missing `data:` line. */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import { suggestName } from '../../engine/src/formula/suggest';
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

  // Did-you-mean.
  const suggestions: string[] = [];
  if (typeof data.suggestion === 'string') suggestions.push(data.suggestion);
  if (Array.isArray(data.suggestions)) for (const s of data.suggestions) if (typeof s === 'string' && !suggestions.includes(s)) suggestions.push(s);
  if (suggestions.length === 0 && code === 'unknown-column' && a.table && current) {
    const names = [...a.table.names, ...a.doc.derives.map((x) => x.name.value)];
    const s = suggestName(current, names);
    if (s) suggestions.push(s);
  }
  if (code !== 'data-missing') {
    suggestions.forEach((s, i) => {
      if (s === current) return;
      out.push(replace(a, d, `Change '${current}' to '${s}'`, [{ range: d.range, newText: s }], i === 0));
    });
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
  if (code === 'data-missing') {
    const candidates = Array.isArray(data.candidates) ? (data.candidates as string[]) : [];
    const best = suggestName(current, candidates);
    const ordered = best ? [best, ...candidates.filter((c) => c !== best)] : candidates;
    ordered.slice(0, 8).forEach((name, i) => {
      out.push(replace(a, d, `Use '${name}'`, [{ range: d.range, newText: name }], i === 0 && !!best));
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
