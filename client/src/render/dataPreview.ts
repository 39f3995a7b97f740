/**
 * The data preview page: the linked CSV's columns (type, missing values, summary; grouping factors
 * with their levels, rows per level and nesting) and its rows with data row numbers (1 = the first
 * data row), numbers right-aligned, sortable by a click on a column header and filtered by a text box
 * (the page script, webview/main.ts).
 */
import type { DataPreviewResponse } from '../../../protocol/index';
import { escapeHtml } from '../shared/escape';
import { pageShell, PageOptions } from './panel';

const e = escapeHtml;

export function dataPreviewBody(p: DataPreviewResponse): string {
  const shown = p.head.length < p.rows ? `the first ${e(p.head.length)} rows are shown` : 'all rows are shown';
  let s = `<header><h1>Data: ${e(p.file)}</h1><p id="data-summary">${e(p.rows)} rows, ${e(p.columns.length)} columns; ${shown}.${p.source ? ` ${e(p.source)}.` : ''}</p></header><main>`;
  s += `<table tabindex="0" class="data-columns" id="data-columns"><caption>Columns</caption><thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Missing</th><th scope="col">Summary</th></tr></thead><tbody>`;
  for (const c of p.columns) {
    const type = c.grouping ? 'group' : c.type;
    const tip = c.grouping
      ? 'A grouping factor of the models (after | in a formula): its levels get random effects.'
      : c.type === 'numeric'
        ? 'Numbers: usable as a covariate; wrap in factor() to treat as categorical.'
        : 'Text: read as a factor (categorical), levels in R\u2019s sort order.';
    const summary = c.grouping ? `${c.grouping}. ${c.summary}` : c.summary;
    s += `<tr data-column="${e(c.name)}"><th scope="row">${e(c.name)}</th><td title="${e(tip)}">${e(type)}</td><td class="num">${e(c.missing)}</td><td>${e(summary)}</td></tr>`;
  }
  s += `</tbody></table>`;
  s += `<div class="plot-controls"><label>Filter rows <input type="search" class="row-filter" data-table="data-preview" placeholder="text in any cell" size="16"></label><output></output></div>`;
  s += `<table tabindex="0" class="data-preview" id="data-preview"><caption>Rows (click a header to sort)</caption><thead><tr><th scope="col" class="sortable" data-type="row">row</th>`;
  for (const c of p.columns) s += `<th scope="col" class="sortable" data-type="${c.type}">${e(c.name)}<span class="col-type">${e(c.grouping ? 'group' : c.type)}</span></th>`;
  s += `</tr></thead><tbody>`;
  p.head.forEach((row, i) => {
    s += `<tr><th scope="row" class="num">${i + 1}</th>`;
    for (let j = 0; j < p.columns.length; j++) s += p.columns[j].type === 'numeric' ? `<td class="num">${e(row[j] ?? '')}</td>` : `<td>${e(row[j] ?? '')}</td>`;
    s += `</tr>`;
  });
  s += `</tbody></table></main>`;
  return s;
}

export function renderDataPreviewPage(p: DataPreviewResponse, opts: PageOptions): string {
  return pageShell(`Data: ${p.file}`, dataPreviewBody(p), opts);
}
