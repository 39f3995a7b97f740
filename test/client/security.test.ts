import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { renderResultsPage } from '../../client/src/render/panel';
import { renderDataPreviewPage } from '../../client/src/render/dataPreview';
import { exportResults } from '../../client/src/export/formats';
import { escapeHtml } from '../../client/src/shared/escape';
import type { FitResult } from '../../engine/src/result';
import { withEngineExtras, loadReferenceFit } from './helpers';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '</script><script>alert(1)</script>';
const QUOTE = '" onmouseover="alert(1)';

function hostileFit(): FitResult {
  const fit = loadReferenceFit('sleepstudy_full');
  const rename = (s: string) => (s === 'Days' ? IMG : s === 'Subject' ? SCRIPT : s);
  fit.id = 'model';
  fit.formula = `Reaction ~ ${IMG} + (${IMG} | ${SCRIPT})`;
  fit.responseName = QUOTE;
  fit.coefnames = fit.coefnames.map(rename);
  fit.fixef = Object.fromEntries(Object.entries(fit.fixef).map(([k, v]) => [rename(k), v]));
  fit.se = Object.fromEntries(Object.entries(fit.se).map(([k, v]) => [rename(k), v]));
  fit.satterthwaite = {
    df: Object.fromEntries(Object.entries(fit.satterthwaite!.df).map(([k, v]) => [rename(k), v])),
    p: Object.fromEntries(Object.entries(fit.satterthwaite!.p).map(([k, v]) => [rename(k), v])),
  };
  fit.ngrps = { [SCRIPT]: 18 };
  fit.varcorr = fit.varcorr.map((r) => ({ ...r, grp: rename(r.grp), var1: r.var1 && rename(r.var1), var2: r.var2 && rename(r.var2) }));
  fit.ranef = fit.ranef.map((b) => ({ ...b, group: SCRIPT, terms: b.terms.map(rename), levels: b.levels.map((l, j) => (j === 0 ? IMG : j === 1 ? SCRIPT : j === 2 ? QUOTE : l)) }));
  fit.plotData = { ...fit.plotData!, groups: { [SCRIPT]: fit.plotData!.groups.Subject }, covariates: { [IMG]: fit.plotData!.covariates.Days } };
  fit.warnings = [IMG, SCRIPT];
  return withEngineExtras(fit);
}

function assertInert(html: string, nonce: string): Document {
  const doc = new JSDOM(html).window.document;
  assert.equal(doc.querySelectorAll('img').length, 0, 'no img element');
  const scripts = [...doc.querySelectorAll('script')];
  assert.ok(scripts.length <= 1, 'no extra script element');
  for (const s of scripts) assert.equal(s.getAttribute('nonce'), nonce);
  for (const el of doc.querySelectorAll('*')) for (const a of el.getAttributeNames()) assert.ok(!/^on/i.test(a), `handler attribute ${a}`);
  return doc;
}

test('names from data render as text: no img element, no extra script, no handler attribute', () => {
  const html = renderResultsPage({ fileName: `${IMG}.mlm`, results: [hostileFit()], comparisons: [{ rows: [{ model: IMG, AIC: 1 }, { model: SCRIPT, AIC: 2 }] }], errors: [{ model: SCRIPT, message: IMG }] }, { nonce: 'abc', cspSource: 'x', scriptUri: 'https://x/main.js' });
  const doc = assertInert(html, 'abc');
  const text = doc.body.textContent!;
  assert.ok(text.includes(IMG), 'the img markup shows as text');
  assert.ok(text.includes(SCRIPT), 'the script markup shows as text');
  assert.ok(doc.querySelector(`tr[data-term="${IMG.replace(/"/g, '\\"')}"]`), 'term kept verbatim in attribute');
  // The SVG tooltips name the hostile level as text.
  const titles = [...doc.querySelectorAll('svg.plot title')].map((t) => t.textContent);
  assert.ok(titles.some((t) => t!.includes(`${SCRIPT} ${IMG}`)));
  assert.ok([...doc.querySelectorAll('[data-level]')].some((e) => e.getAttribute('data-level') === QUOTE));
});

test('data preview: hostile column names and cells render as text', () => {
  const html = renderDataPreviewPage(
    {
      file: SCRIPT,
      rows: 2,
      columns: [
        { name: IMG, type: 'numeric', missing: 0, summary: SCRIPT },
        { name: SCRIPT, type: 'factor', missing: 1, summary: `2 levels: ${IMG}` },
      ],
      head: [
        ['1', IMG],
        ['2', SCRIPT],
      ],
      source: `read through DuckDB ${SCRIPT}`,
    },
    { nonce: 'n1', cspSource: 'x', scriptUri: 'https://x/main.js' },
  );
  const doc = assertInert(html, 'n1');
  // the reader's note as a sentence of the summary
  assert.match(doc.querySelector('#data-summary')!.textContent!, /filtered\. Read through DuckDB /);
  const head = [...doc.querySelectorAll('#data-preview thead th')].map((t) => t.childNodes[0].textContent);
  assert.deepEqual(head, ['row', IMG, SCRIPT]);
  assert.equal(doc.querySelectorAll('#data-preview tbody tr')[1].querySelectorAll('td')[1].textContent, SCRIPT);
  assert.equal(doc.querySelectorAll('#data-columns tbody tr').length, 2);
});

test('escapeHtml escapes the five HTML specials and backtick', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&\``), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(3.5), '3.5');
});

test('exports keep hostile names inert for their format', () => {
  const fit = hostileFit();
  const csv = exportResults('csv', { fileName: 'x', results: [fit], comparisons: [] });
  // A field starting with = would be a formula in a spreadsheet.
  const f2 = loadReferenceFit('dyestuff');
  f2.id = '=HYPERLINK("http://x")';
  const csv2 = exportResults('csv', { fileName: 'x', results: [f2], comparisons: [] });
  assert.ok(csv2.split('\n')[1].startsWith(`"'=HYPERLINK(""http://x"")"`), csv2.split('\n')[1]);
  assert.ok(csv.includes(IMG));
  const tex = exportResults('latex', { fileName: 'x', results: [loadReferenceFit('rats_laplace')], comparisons: [] });
  assert.ok(tex.includes('rats\\_laplace'));
  const md = exportResults('markdown', { fileName: 'x', results: [fit], comparisons: [] });
  assert.ok(!md.split('\n').some((l) => l.startsWith('|') && l.includes('(Days | Subject)')), 'pipes in cells escaped');
});

test('Markdown export: names from the data render as literal text (no image, link or HTML in a Markdown viewer)', () => {
  const PIXEL = '![t](https://example.invalid/p.png)';
  const LINK = '[run](command:workbench.action.quit)';
  const fit = hostileFit();
  fit.id = `${PIXEL} ${LINK}`;
  fit.warnings = [`${IMG} ${PIXEL}`];
  fit.formula = 'Reaction ~ Days + (Days | `x`)';
  const md = exportResults('markdown', { fileName: `${LINK}.mlm`, results: [fit], comparisons: [] });
  // every [ and < that comes from the data is escaped: no live image, link or tag anywhere
  assert.doesNotMatch(md, /(^|[^\\])!\[t/m);
  assert.doesNotMatch(md, /(^|[^\\])\[run\]/m);
  assert.doesNotMatch(md, /(^|[^\\])<(img|\/script|script)/im);
  assert.match(md, /^## Model \\!\\\[t\\\]\(https:\/\/example\.invalid\/p\.png\) \\\[run\\\]/m);
  // a formula with a backtick stays one code span
  assert.match(md, /^- Formula: ``Reaction ~ Days \+ \(Days \| `x`\)``$/m);
});
