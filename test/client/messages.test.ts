import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pngBytes, validateExtensionMessage, validateWebviewMessage } from '../../client/src/shared/messages';

test('known webview messages with valid fields are accepted', () => {
  assert.deepEqual(validateWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(validateWebviewMessage({ type: 'refit' }), { type: 'refit' });
  assert.deepEqual(validateWebviewMessage({ type: 'refit', model: 'full' }), { type: 'refit', model: 'full' });
  assert.deepEqual(validateWebviewMessage({ type: 'exportResults', format: 'latex' }), { type: 'exportResults', format: 'latex' });
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>';
  assert.deepEqual(validateWebviewMessage({ type: 'exportPlot', format: 'svg', plotId: 'plot-full-qq', data: svg }), { type: 'exportPlot', format: 'svg', plotId: 'plot-full-qq', data: svg });
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  assert.equal(validateWebviewMessage({ type: 'exportPlot', format: 'png', plotId: 'p1', data: png })?.type, 'exportPlot');
});

test('unknown or malformed messages are ignored (null)', () => {
  const bad: unknown[] = [
    null,
    undefined,
    42,
    'ready',
    [],
    { type: 'openFile', path: '/etc/passwd' },
    { type: 'ready ' },
    { kind: 'ready' },
    { type: 'refit', model: 5 },
    { type: 'refit', model: '../x' },
    { type: 'refit', model: 'a b' },
    { type: 'exportResults' },
    { type: 'exportResults', format: 'docx' },
    { type: 'reveal', line: -1, character: 0 },
    { type: 'reveal', line: 1.5, character: 0 },
    { type: 'exportResults', format: ['csv'] },
    { type: 'exportPlot', format: 'svg', plotId: 'p', data: '<script>alert(1)</script>' },
    { type: 'exportPlot', format: 'svg', plotId: '../../etc', data: '<svg></svg>' },
    { type: 'exportPlot', format: 'svg', plotId: 'p' },
    { type: 'exportPlot', format: 'svg', plotId: 'p', data: '' },
    { type: 'exportPlot', format: 'pdf', plotId: 'p', data: '<svg></svg>' },
    { type: 'exportPlot', format: 'png', plotId: 'p', data: 'data:image/svg+xml;base64,PHN2Zz4=' },
    { type: 'exportPlot', format: 'png', plotId: 'p', data: 'data:image/png;base64,abc$' },
    { type: 'exportPlot', format: 'png', plotId: 'p', data: 'https://evil/x.png' },
  ];
  for (const m of bad) assert.equal(validateWebviewMessage(m), null, JSON.stringify(m));
});

test('oversized plot data is rejected', () => {
  const big = '<svg>' + 'x'.repeat(30_000_001) + '</svg>';
  assert.equal(validateWebviewMessage({ type: 'exportPlot', format: 'svg', plotId: 'p', data: big }), null);
});

test('extension-to-webview status messages are validated too', () => {
  assert.deepEqual(validateExtensionMessage({ type: 'status', kind: 'running', message: 'Fitting…' }), { type: 'status', kind: 'running', message: 'Fitting…' });
  assert.equal(validateExtensionMessage({ type: 'status', kind: 'weird', message: 'x' }), null);
  assert.equal(validateExtensionMessage({ type: 'status', kind: 'ok' }), null);
  assert.equal(validateExtensionMessage({ type: 'html', html: '<b>' }), null);
});

test('pngBytes decodes the base64 payload of a data URL', () => {
  // "iVBORw0KGgo=" is the 8-byte PNG signature 89 50 4E 47 0D 0A 1A 0A
  assert.deepEqual([...pngBytes('data:image/png;base64,iVBORw0KGgo=')], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('the checking assistant buttons: check and inference messages name one model by the model-name grammar', () => {
  assert.deepEqual(validateWebviewMessage({ type: 'check', model: 'my-model' }), { type: 'check', model: 'my-model' });
  assert.deepEqual(validateWebviewMessage({ type: 'inference', model: 'full' }), { type: 'inference', model: 'full' });
  assert.equal(validateWebviewMessage({ type: 'check' }), null);
  assert.equal(validateWebviewMessage({ type: 'inference', model: 'a b' }), null);
  assert.equal(validateWebviewMessage({ type: 'check', model: 42 }), null);
});

test('the inference table message names a model and carries bounded markup', () => {
  assert.deepEqual(validateExtensionMessage({ type: 'inference', model: 'full', html: '<table></table>' }), { type: 'inference', model: 'full', html: '<table></table>' });
  assert.equal(validateExtensionMessage({ type: 'inference', model: 'a b', html: '' }), null);
  assert.equal(validateExtensionMessage({ type: 'inference', model: 'full', html: 'x'.repeat(500_001) }), null);
});

test('the panel inference table: a row per method, the disagreement remark, data-derived names escaped', async () => {
  const { inferenceTableHtml } = await import('../../client/src/render/inference');
  const { JSDOM } = await import('jsdom');
  const rows = [
    {
      coef: 'x<img src=x>',
      estimate: 1,
      level: 0.95,
      disagree: true,
      remark: 'The methods disagree at the 5% level: significant by Wald z; not by Satterthwaite t.',
      rows: [
        { method: 'Wald z' as const, se: 0.4, df: null, statistic: 2.5, p: 0.0124, lower: 0.216, upper: 1.784, significant: true },
        { method: 'Satterthwaite t' as const, se: 0.4, df: 3, statistic: 2.5, p: 0.0877, lower: -0.273, upper: 2.273, significant: false },
      ],
    },
  ];
  const doc = new JSDOM(inferenceTableHtml('m', rows)).window.document;
  assert.equal(doc.querySelectorAll('img').length, 0);
  const trs = doc.querySelectorAll('table.inference-table tbody tr');
  assert.equal(trs.length, 2);
  assert.equal(trs[0].querySelector('th')!.textContent, 'x<img src=x>');
  assert.deepEqual([...trs[1].querySelectorAll('td')].map((td) => td.textContent), ['Satterthwaite t', '[-0.273, 2.273]', '0.0877', '3', 'no']);
  assert.match(doc.querySelector('.inference-remarks')!.textContent!, /significant by Wald z; not by Satterthwaite t/);
});

test('data preview rows and linked levels: well-formed queries pass, anything else is dropped', () => {
  const ask = { type: 'dataRows', id: 3, offset: 200, count: 100, sort: { column: 'Reaction', descending: true }, filter: '308', match: { columns: ['Subject'], values: ['308'] } };
  assert.deepEqual(validateWebviewMessage(ask), ask);
  assert.deepEqual(validateWebviewMessage({ type: 'dataRows', id: 1, offset: 0, count: 100 }), { type: 'dataRows', id: 1, offset: 0, count: 100 });
  for (const bad of [
    { ...ask, count: 5000 },
    { ...ask, offset: -1 },
    { ...ask, id: 1.5 },
    { ...ask, sort: { column: 'x' } },
    { ...ask, sort: { column: 3, descending: false } },
    { ...ask, filter: 'x'.repeat(1001) },
    { ...ask, match: { columns: ['a', 'b'], values: ['1'] } },
    { ...ask, match: { columns: [1], values: ['1'] } },
  ]) assert.equal(validateWebviewMessage(bad), null, JSON.stringify(bad).slice(0, 80));
  assert.deepEqual(validateWebviewMessage({ type: 'linkedLevel', group: 'school', level: '1224' }), { type: 'linkedLevel', group: 'school', level: '1224' });
  assert.deepEqual(validateWebviewMessage({ type: 'linkedLevel', group: null, level: null }), { type: 'linkedLevel', group: null, level: null });
  assert.equal(validateWebviewMessage({ type: 'linkedLevel', group: 'school', level: null }), null);
  assert.equal(validateWebviewMessage({ type: 'linkedLevel', group: 5, level: '1' }), null);
  // the page checks what the extension sends back as well
  const page = { type: 'dataRows', id: 3, total: 180, offset: 0, rows: [{ n: 1, cells: ['249.56', '0', '308'] }] };
  assert.deepEqual(validateExtensionMessage(page), page);
  assert.equal(validateExtensionMessage({ ...page, rows: [{ n: 1, cells: [1] }] }), null);
  assert.equal(validateExtensionMessage({ ...page, total: -1 }), null);
  assert.deepEqual(validateExtensionMessage({ type: 'linkedLevel', group: 'Subject', level: '308' }), { type: 'linkedLevel', group: 'Subject', level: '308' });
});
