/** Completion: keys, columns (with type and summary), grouping factors after `|`, functions, families, links, model names, data files. */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { CLICKHOUSE_URL_TEMPLATE, CONTRASTS, COR_CONSTRUCTORS, DATA_ENGINES, DF_METHODS, FAMILY_DOCS, FAMILY_LINKS, FILE_KEYS, FUNCTION_SPECS, LINK_DOCS, METHOD_DOCS, MODEL_KEYS, VAR_CONSTRUCTORS, findBars } from '../../engine/src/index';
import type { Analyzer, DocumentAnalysis } from './analysis';
import { allColumnInfo, columnInfo, isFactorLike, type ColumnInfo } from './columnInfo';
import { cursorContext, type CursorContext } from './cursorContext';
import type { ServerHost } from './host';
import { identifiersOf } from './formulaNav';
import { dirnameUri, resolveRelative } from './uris';
import { escapeMarkdown } from './markdown';

export const COMPLETION_TRIGGERS = ['~', '+', '|', '(', '*', ':', '/', ',', ' ', '='];

export async function completion(
  a: DocumentAnalysis,
  position: Position,
  analyzer: Analyzer,
  host: ServerHost,
): Promise<CompletionItem[]> {
  const ctx = cursorContext(a.lines, position.line, position.character);
  const range = (start: number): Range => ({ start: { line: position.line, character: start }, end: position });
  switch (ctx.kind) {
    case 'key':
      return keyItems(a, ctx, position, range(ctx.start));
    case 'formula': {
      let cols = columnItems(a, range(ctx.start), ctx.part === 'grouping' ? 'grouping' : ctx.part === 'lhs' ? 'response' : 'any');
      if (ctx.part === 'rhs') cols = rankFormulaColumns(cols, a.lines[position.line] ?? '', ctx.start, position.character);
      const fns = ctx.part === 'grouping' ? [] : functionItems(ctx.part, range(ctx.start));
      return [...cols, ...fns];
    }
    case 'columns': {
      const cols = columnItems(a, range(ctx.start), ctx.key === 'factors' ? 'factors' : 'any');
      if (ctx.key === 'weights') return [...cols, ...functionItems('rhs', range(ctx.start))];
      if (ctx.key === 'derive') return [...cols, ...functionItems('derive', range(ctx.start))];
      return cols;
    }
    case 'family': {
      if (ctx.inParens) {
        const links = FAMILY_LINKS[ctx.family] ?? allLinks();
        return links.map((l, i) => simple(l, LINK_DOCS[l] ?? '', CompletionItemKind.EnumMember, range(ctx.start), i));
      }
      return Object.keys(FAMILY_LINKS).map((f, i) => simple(f, FAMILY_DOCS[f] ?? '', CompletionItemKind.EnumMember, range(ctx.start), i));
    }
    case 'link': {
      const model = modelAtLine(a, position.line);
      const fam = model?.family?.value ?? 'gaussian';
      const allowed = FAMILY_LINKS[fam] ?? [];
      return allLinks().map((l, i) =>
        simple(l, `${LINK_DOCS[l] ?? ''}${allowed.includes(l) ? '' : ` (not for ${fam})`}`, CompletionItemKind.EnumMember, range(ctx.start), allowed.includes(l) ? i : 10 + i),
      );
    }
    case 'contrasts':
      return contrastItems(range(ctx.start));
    case 'method':
      return Object.entries(METHOD_DOCS).map(([m, doc], i) => simple(m, doc, CompletionItemKind.EnumMember, range(ctx.start), i));
    case 'engine':
      return Object.entries(DATA_ENGINES).map(([m, doc], i) => simple(m, doc, CompletionItemKind.EnumMember, range(ctx.start), i));
    case 'df':
      return Object.entries(DF_METHODS).map(([m, doc], i) => simple(m, doc, CompletionItemKind.EnumMember, range(ctx.start), i));
    case 'structure': {
      if (ctx.inParens) {
        const args = ctx.constructor === 'corARMA' ? ['p = ', 'q = ', 'form = ~ '] : ctx.constructor === 'varFixed' ? ['~ '] : ['form = ~ '];
        return args.map((t, i) => simple(t.replace(/ = ~ $| = $|~ $/, ''), `${ctx.constructor}(${t}…)`, CompletionItemKind.Property, range(ctx.start), i)).map((it, i) => ({ ...it, textEdit: { range: range(ctx.start), newText: args[i] } }));
      }
      const table: Record<string, string> = ctx.which === 'correlation' ? COR_CONSTRUCTORS : VAR_CONSTRUCTORS;
      return Object.entries(table).map(([name, doc], i) => ({
        ...simple(name, doc, CompletionItemKind.Function, range(ctx.start), i),
        textEdit: { range: range(ctx.start), newText: name === 'varFixed' ? `${name}(~ )` : `${name}(form = ~ )` },
      }));
    }
    case 'compare': {
      const listed = new Set(ctx.listed);
      return a.doc.models
        .filter((m) => !listed.has(m.name))
        .map((m, i) => simple(m.name, m.formula?.text ?? '', CompletionItemKind.Class, range(ctx.start), i));
    }
    case 'data':
      return dataFileItems(a, ctx, position, analyzer, host);
    case 'levelValues': {
      const t = a.rawTable ?? a.table;
      const info = t ? columnInfo(t, ctx.column) : undefined;
      if (!info?.levels) return [];
      const listed = new Set(ctx.listed);
      return info.levels
        .filter((l) => !listed.has(l.label))
        .map((l, i) => simple(l.label, `${l.count} rows`, CompletionItemKind.EnumMember, range(ctx.start), i));
    }
    default:
      return [];
  }
}

function simple(label: string, detail: string, kind: CompletionItemKind, range: Range, order: number): CompletionItem {
  return { label, detail, kind, sortText: String(order).padStart(3, '0'), textEdit: { range, newText: label } };
}

function modelAtLine(a: DocumentAnalysis, line: number) {
  return a.doc.models.find((m) => m.range.start.line <= line && line <= m.range.end.line);
}

function keyItems(a: DocumentAnalysis, ctx: Extract<CursorContext, { kind: 'key' }>, position: Position, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  const lineText = a.lines[position.line] ?? '';
  const hasColon = /^\s*[A-Za-z_][A-Za-z0-9_.]*\s*:/.test(lineText);
  const suffix = hasColon ? '' : ': ';
  if (ctx.inModel) {
    const model = a.doc.models.find((m) => m.range.start.line < position.line && position.line <= m.range.end.line + 1);
    const present = new Set((model?.entries ?? []).filter((e) => e.keyRange.start.line !== position.line).map((e) => e.key));
    let i = 0;
    for (const [key, doc] of Object.entries(MODEL_KEYS)) {
      if (present.has(key)) continue;
      items.push(keyItem(key, doc, suffix, range, i++));
    }
    return items;
  }
  let i = 0;
  const present = new Set(a.doc.entries.filter((e) => !e.model && e.keyRange.start.line !== position.line).map((e) => e.key));
  for (const [key, doc] of Object.entries(FILE_KEYS)) {
    if (key === 'data' && present.has('data')) continue;
    items.push(keyItem(key, doc, suffix, range, i++));
  }
  items.push({
    label: 'model',
    kind: CompletionItemKind.Keyword,
    detail: 'a model block: model NAME:',
    documentation: { kind: MarkupKind.Markdown, value: 'A named model: `model NAME:` followed by indented `formula:`, `method:`, `family:` … lines.' },
    sortText: String(i++).padStart(3, '0'),
    textEdit: { range, newText: hasColon ? 'model' : 'model ' },
  });
  return items;
}

/** Keys whose values are offered next: accepting the key opens the list of values at once. */
const KEYS_WITH_VALUES = new Set(['family', 'method', 'data', 'engine', 'formula', 'compare', 'factors', 'levels']);

function keyItem(key: string, doc: string, suffix: string, range: Range, order: number): CompletionItem {
  return {
    label: key,
    kind: CompletionItemKind.Property,
    detail: `${key}:`,
    documentation: { kind: MarkupKind.Markdown, value: doc },
    sortText: String(order).padStart(3, '0'),
    textEdit: { range, newText: key + suffix },
    ...(suffix && KEYS_WITH_VALUES.has(key) ? { command: { title: 'values', command: 'editor.action.triggerSuggest' } } : {}),
  };
}

/**
 * On the right-hand side of a formula: the columns already in the formula are dropped, and the
 * response's variables go last (a predictor is what is wanted there).
 */
export function rankFormulaColumns(items: CompletionItem[], line: string, start: number, end: number): CompletionItem[] {
  const tilde = line.indexOf('~');
  const colon = line.indexOf('formula:');
  if (tilde < 0 || start <= tilde) return items;
  const names = (text: string) => new Set(text.match(/[A-Za-z_.][A-Za-z0-9_.]*/g) ?? []);
  const response = names(line.slice(colon >= 0 ? colon + 'formula:'.length : 0, tilde));
  // the formula without the word at the cursor (typed so far, and its rest after the cursor)
  const wordEnd = end + (/^[A-Za-z0-9_.]*/.exec(line.slice(end))?.[0].length ?? 0);
  const rhs = line.slice(tilde + 1, start) + ' ' + line.slice(wordEnd);
  const fixedPart = rhs.replace(/\([^()]*\|[^()]*\)/g, ' ');
  // Inside parentheses (a random-effects term or a function) the fixed terms are wanted again (random slopes).
  const before = line.slice(tilde + 1, start);
  const open = (before.match(/\(/g) ?? []).length - (before.match(/\)/g) ?? []).length;
  const present = open > 0 ? new Set<string>() : names(fixedPart);
  return items
    .filter((it) => !present.has(it.label))
    .map((it) => (response.has(it.label) ? { ...it, sortText: `9${it.sortText ?? ''}` } : it));
}

type ColumnFilter = 'any' | 'grouping' | 'response' | 'factors';

export function columnDocumentation(info: ColumnInfo, nrow: number): string {
  const lines = [
    `**${escapeMarkdown(info.name)}** — ${info.type === 'factor' ? 'factor (text)' : info.integer ? 'numeric (whole numbers)' : 'numeric'}`,
    '',
    escapeMarkdown(info.summary),
    '',
    `${nrow} rows, ${info.missing === 0 ? 'no missing values' : `${info.missing} missing`}`,
  ];
  return lines.join('\n');
}

function columnItems(a: DocumentAnalysis, range: Range, filter: ColumnFilter): CompletionItem[] {
  const items: CompletionItem[] = [];
  const declared = new Set(a.doc.factors.map((f) => f.value));
  const known = new Set([...declared, ...groupingColumns(a)]);
  if (a.table) {
    const infos = allColumnInfo(a.table);
    infos.forEach((info, i) => {
      const factorLike = isFactorLike(info, known);
      if (filter === 'grouping' && !factorLike) return;
      if (filter === 'factors' && info.type === 'factor') return;
      // Order: for grouping, text factors before id-like numbers; otherwise file order.
      const rank = filter === 'grouping' ? (info.type === 'factor' || declared.has(info.name) ? 0 : 1) : 0;
      items.push({
        label: info.name,
        kind: info.type === 'factor' || declared.has(info.name) ? CompletionItemKind.Enum : CompletionItemKind.Field,
        detail: `${info.type === 'factor' || declared.has(info.name) ? 'factor' : 'numeric'} · ${info.summary}`,
        documentation: { kind: MarkupKind.Markdown, value: columnDocumentation(info, a.table!.nrow) },
        sortText: `${rank}${String(i).padStart(4, '0')}`,
        textEdit: { range, newText: info.name },
      });
    });
  }
  for (const d of a.doc.derives) {
    if (filter === 'factors') continue;
    items.push({
      label: d.name.value,
      kind: CompletionItemKind.Variable,
      detail: `derived · ${d.expr.text}${d.by ? ` by ${d.by.text}` : ''}`,
      sortText: `2${d.name.value}`,
      textEdit: { range, newText: d.name.value },
    });
  }
  return items;
}

/** Columns already used as grouping factors somewhere in the document. */
function groupingColumns(a: DocumentAnalysis): string[] {
  const out: string[] = [];
  for (const m of a.doc.models) {
    if (!m.formula?.ast) continue;
    for (const bar of findBars(m.formula.ast.rhs)) out.push(...identifiersOf(bar.right));
  }
  return out;
}

/** Every link of some family, in the order the families list them. */
function allLinks(): string[] {
  return [...new Set(Object.values(FAMILY_LINKS).flat())];
}

/** The functions allowed at the cursor: in a formula's response or terms (and weights:), or in derive:. */
function functionItems(part: 'lhs' | 'rhs' | 'derive', range: Range): CompletionItem[] {
  const allowed = FUNCTION_SPECS.filter((f) => (part === 'derive' ? f.where !== 'formula' : f.where !== 'derive' && (part === 'lhs' || !f.lhsOnly)));
  return allowed.map((f, i) => ({
    label: f.name,
    kind: CompletionItemKind.Function,
    detail: f.signature,
    documentation: { kind: MarkupKind.Markdown, value: `\`${f.signature}\`\n\n${f.doc}` },
    sortText: `5${String(i).padStart(3, '0')}`,
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range, newText: f.signature.endsWith('()') ? `${f.name}()` : `${f.name}($1)` },
  }));
}

function contrastItems(range: Range): CompletionItem[] {
  return Object.entries(CONTRASTS).map(([name, detail], i) => simple(name, detail, CompletionItemKind.EnumMember, range, i));
}

async function dataFileItems(
  a: DocumentAnalysis,
  ctx: Extract<CursorContext, { kind: 'data' }>,
  position: Position,
  analyzer: Analyzer,
  host: ServerHost,
): Promise<CompletionItem[]> {
  const typed = ctx.typed.replace(/\\/g, '/');
  if (/^clickhouses?:/i.test(typed)) return []; // a ClickHouse table, not a file
  const slash = typed.lastIndexOf('/');
  const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
  const probe = resolveRelative(a.uri, dirPart + 'x');
  if (!probe || analyzer.resolveDataPath(a.uri, dirPart + 'x').outside) return [];
  const folderUri = dirnameUri(probe);
  const entries = (await host.readDirectory(folderUri)) ?? [];
  const range: Range = { start: { line: position.line, character: ctx.start + dirPart.length }, end: { line: position.line, character: Math.max(ctx.end, position.character) } };
  const items: CompletionItem[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.type === 'directory') {
      items.push({ label: e.name + '/', kind: CompletionItemKind.Folder, sortText: `1${e.name}`, textEdit: { range, newText: e.name + '/' }, command: { title: 'more', command: 'editor.action.triggerSuggest' } });
    } else if (/\.(csv|tsv|parquet)$/i.test(e.name)) {
      items.push({ label: e.name, kind: CompletionItemKind.File, detail: 'CSV file', sortText: `0${e.name}`, textEdit: { range, newText: e.name } });
    }
  }
  if (dirPart === '') {
    items.push({
      label: CLICKHOUSE_URL_TEMPLATE,
      kind: CompletionItemKind.Reference,
      detail: 'a table on a ClickHouse server',
      documentation: { kind: 'markdown', value: FILE_KEYS.data },
      sortText: '2',
      textEdit: { range, newText: CLICKHOUSE_URL_TEMPLATE },
    });
  }
  return items;
}
