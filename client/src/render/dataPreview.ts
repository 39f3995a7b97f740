/**
 * The data preview page: the linked CSV's columns (type, missing values, summary; grouping factors
 * with their levels, rows per level and nesting) and its rows with data row numbers (1 = the first
 * data row), numbers right-aligned, sortable by a click on a column header and filtered by a text box.
 * The page holds the first rows only; the page script (webview/main.ts) draws the rows in view of a
 * scrolled window onto all of them, asking the extension for pages that the language server sorts
 * and filters (mlm/dataRows), and marks the rows of a group level hovered in the results panel.
 */
import type { DataPreviewResponse } from '../../../protocol/index';
import { escapeHtml } from '../shared/escape';
import { pageShell, PageOptions } from './panel';

const e = escapeHtml;

export function dataPreviewBody(p: DataPreviewResponse): string {
  let s = `<header><h1>Data: ${e(p.file)}</h1><p id="data-summary">${e(p.rows)} rows, ${e(p.columns.length)} columns; all rows can be scrolled, sorted and filtered.${p.source ? ` ${e(p.source[0].toUpperCase() + p.source.slice(1))}.` : ''}</p></header><main>`;
  s += `<table tabindex="0" class="data-columns" id="data-columns"><caption>Columns</caption><thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col" class="secondary">Missing</th><th scope="col">Summary</th></tr></thead><tbody>`;
  for (const c of p.columns) {
    const type = c.grouping ? 'group' : c.type;
    const tip = c.grouping
      ? 'A grouping factor of the models (after | in a formula): its levels get random effects.'
      : c.type === 'numeric'
        ? 'Numbers: usable as a covariate; wrap in factor() to treat as categorical.'
        : 'Text: read as a factor (categorical), levels in R\u2019s sort order.';
    // a numeric id used as a grouping factor is described by its levels, not by a mean of the ids
    const summary = c.grouping ? (c.type === 'numeric' ? c.grouping : `${c.grouping}. ${c.summary}`) : c.summary;
    s += `<tr data-column="${e(c.name)}"><th scope="row">${e(c.name)}</th><td title="${e(tip)}">${e(type)}</td><td class="num secondary">${e(c.missing)}</td><td>${e(summary)}</td></tr>`;
  }
  s += `</tbody></table>`;
  s += `<div class="plot-controls"><label>Filter rows <input type="search" class="row-filter" data-table="data-preview" placeholder="text in any cell" size="16"></label> <output id="rows-status" aria-live="polite"></output></div>`;
  // Filled by the page script when a group level is hovered or focused in the results panel.
  s += `<div id="linked-level" class="linked-level" hidden><span class="linked-text"></span> <button type="button" class="secondary show-level">Show only these rows</button><button type="button" class="secondary show-all-rows" hidden>Show all rows</button></div>`;
  // A window onto all rows: the page script asks for the rows in view (mlm/dataRows), sorted and filtered by the language server.
  s += `<div class="rows-viewport" id="rows-viewport" data-total="${e(p.rows)}">`;
  s += `<table class="data-preview" id="data-preview"><caption>Rows (click a header to sort)</caption><thead><tr><th scope="col" class="sortable" data-type="row" data-column="">row</th>`;
  for (const c of p.columns) s += `<th scope="col" class="sortable" data-type="${c.type}" data-column="${e(c.name)}">${e(c.name)}<span class="col-type">${e(c.grouping ? 'group' : c.type)}</span></th>`;
  s += `</tr></thead><tbody>`;
  p.head.forEach((row, i) => {
    s += dataRowHtml(i + 1, row, p.columns);
  });
  s += `</tbody></table></div></main>`;
  return s;
}

/** One row of the data table: its data row number, numbers right-aligned (the page script builds the same with DOM calls). */
export function dataRowHtml(n: number, cells: string[], columns: DataPreviewResponse['columns']): string {
  let s = `<tr data-row="${e(n)}"><th scope="row" class="num">${e(n)}</th>`;
  for (let j = 0; j < columns.length; j++) s += columns[j].type === 'numeric' ? `<td class="num">${e(cells[j] ?? '')}</td>` : `<td>${e(cells[j] ?? '')}</td>`;
  return s + `</tr>`;
}

export function renderDataPreviewPage(p: DataPreviewResponse, opts: PageOptions): string {
  return pageShell(`Data: ${p.file}`, dataPreviewBody(p), opts);
}
