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
