/** The data preview page: the linked CSV's columns (type, missing values, summary) and its first rows. */
import type { DataPreviewResponse } from '../../../protocol/index';
import { escapeHtml } from '../shared/escape';
import { pageShell, PageOptions } from './panel';

const e = escapeHtml;

export function dataPreviewBody(p: DataPreviewResponse): string {
  let s = `<header><h1>Data: ${e(p.file)}</h1><p id="data-summary">${e(p.rows)} rows, ${e(p.columns.length)} columns; the first ${e(p.head.length)} rows are shown.</p></header><main>`;
  s += `<table tabindex="0" class="data-columns" id="data-columns"><caption>Columns</caption><thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Missing</th><th scope="col">Summary</th></tr></thead><tbody>`;
  for (const c of p.columns) {
    const tip = c.type === 'numeric' ? 'Numbers: usable as a covariate; wrap in factor() to treat as categorical.' : 'Text: read as a factor (categorical), levels in R\u2019s sort order.';
    s += `<tr><th scope="row">${e(c.name)}</th><td title="${e(tip)}">${e(c.type)}</td><td class="num">${e(c.missing)}</td><td>${e(c.summary)}</td></tr>`;
  }
  s += `</tbody></table>`;
  s += `<table tabindex="0" class="data-preview" id="data-preview"><caption>First rows</caption><thead><tr><th scope="col">row</th>`;
  for (const c of p.columns) s += `<th scope="col">${e(c.name)}<span class="col-type">${e(c.type)}</span></th>`;
  s += `</tr></thead><tbody>`;
  p.head.forEach((row, i) => {
    s += `<tr><th scope="row">${i + 2}</th>`;
    for (let j = 0; j < p.columns.length; j++) s += `<td>${e(row[j] ?? '')}</td>`;
    s += `</tr>`;
  });
  s += `</tbody></table></main>`;
  return s;
}

export function renderDataPreviewPage(p: DataPreviewResponse, opts: PageOptions): string {
  return pageShell(`Data: ${p.file}`, dataPreviewBody(p), opts);
}
