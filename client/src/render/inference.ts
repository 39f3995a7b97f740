/**
 * Every inference for a model's fixed effects, side by side (the engine's inferenceSideBySide rows), as
 * the results panel shows it under the model after "Compare inference methods": one table, a row per
 * coefficient and method, and the engine's remark where the methods disagree at 5%.
 */
import { inferenceCells, INFERENCE_METHOD_NOTES, type CoefficientInference } from '../../../engine/src/index';
import { escapeHtml as e } from '../shared/escape';


export function inferenceTableHtml(model: string, rows: readonly CoefficientInference[]): string {
  if (rows.length === 0) return '';
  const level = Math.round(rows[0].level * 100);
  let h = `<h3>Every inference, side by side</h3><table tabindex="0" class="inference-table" id="inference-${e(model)}"><caption>Each fixed effect by every method; a method's name says when to prefer it</caption>`;
  h += `<thead><tr><th scope="col">Term</th><th scope="col">Method</th><th scope="col">${level}% interval</th><th scope="col">p</th><th scope="col" class="secondary">df</th><th scope="col" class="secondary">significant at 5%</th></tr></thead><tbody>`;
  for (const ci of rows) {
    ci.rows.forEach((r, i) => {
      const c = inferenceCells(r);
      h += '<tr>';
      if (i === 0) h += `<th scope="row" rowspan="${ci.rows.length}">${e(ci.coef)}</th>`;
      h += `<td title="${e(INFERENCE_METHOD_NOTES[r.method])}">${e(r.method)}${r.note ? ` <span class="note">(${e(r.note)})</span>` : ''}</td>`;
      h += `<td class="num">${e(c.interval)}</td><td class="num">${e(c.p)}</td><td class="num secondary">${e(c.df)}</td>`;
      h += `<td class="secondary">${e(c.significant)}</td></tr>`;
    });
  }
  h += '</tbody></table>';
  const remarks = rows.filter((r) => r.remark).map((r) => `<li>${e(r.coef)}: ${e(r.remark)}</li>`);
  if (remarks.length) h += `<ul class="inference-remarks">${remarks.join('')}</ul>`;
  return h;
}
