/**
 * Restoring the results panel after a window reload: the state the page keeps (persistedPanel, sent
 * to the page in a 'persist' message and stored with setState, which VS Code keeps as JSON) reads
 * back (restoredPanel) into a panel showing the same results; malformed or hostile state is refused
 * or dropped, and what is kept still renders escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { renderResultsPage, type PanelState } from '../../client/src/render/panel';
import { persistedPanel, restoredPanel, RESTORED_STATUS, PERSIST_VERSION } from '../../client/src/shared/panelPersist';
import { validateExtensionMessage } from '../../client/src/shared/messages';
import { loadReferenceFit } from './helpers';

const URI = 'file:///work/examples/sleepstudy.mlm';
const opts = { nonce: 'n0nce', cspSource: 'vscode-resource:' };

function mainOf(html: string): string {
  return new JSDOM(html).window.document.querySelector('main')!.innerHTML;
}

/** Through JSON, as VS Code stores webview state. */
const viaJson = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

test('round trip: the restored panel shows the same tables and plots, with a "restored" status line', () => {
  const state: PanelState = {
    fileName: 'sleepstudy.mlm',
    results: [loadReferenceFit('sleepstudy_full'), loadReferenceFit('rats_laplace')],
    comparisons: [],
    status: { kind: 'running', message: 'Fitting…' },
    errors: [{ model: 'broken', message: 'unknown column Dayz' }],
  };
  const kept = viaJson({ type: 'persist', state: persistedPanel(URI, state) });
  const msg = validateExtensionMessage(kept);
  assert.ok(msg && msg.type === 'persist', 'the page accepts the persist message');
  const back = restoredPanel(viaJson(msg.state));
  assert.ok(back);
  assert.equal(back.uri, URI);
  assert.equal(back.state.fileName, 'sleepstudy.mlm');
  assert.deepEqual(back.state.results.map((r) => r.id), ['sleepstudy_full', 'rats_laplace']);
  assert.deepEqual(back.state.errors, state.errors);
  assert.deepEqual(back.state.status, { kind: 'info', message: RESTORED_STATUS });
  // Same page body (tables, plots) as before the reload.
  assert.equal(mainOf(renderResultsPage(back.state, opts)), mainOf(renderResultsPage(state, opts)));
  const doc = new JSDOM(renderResultsPage(back.state, opts)).window.document;
  assert.equal(doc.getElementById('status')!.textContent, RESTORED_STATUS);
  // lme4's printed figures survive the trip (612.10 24.741 for the Subject intercepts).
  const first = [...doc.querySelectorAll('#random-effects-sleepstudy_full tbody tr')[0].children].map((c) => c.textContent);
  assert.deepEqual(first.slice(2, 4), ['612.10', '24.741']);
});

test('state that is not ours is refused', () => {
  const good = viaJson(persistedPanel(URI, { fileName: 'a.mlm', results: [], comparisons: [] })) as Record<string, unknown>;
  assert.ok(restoredPanel(good));
  for (const bad of [null, undefined, 42, 'x', [], {}, { ...good, version: PERSIST_VERSION + 1 }, { ...good, uri: '' }, { ...good, uri: 7 }, { ...good, state: null }, { ...good, state: { fileName: 3, results: [] } }, { ...good, state: { fileName: 'a.mlm', results: 'no' } }]) {
    assert.equal(restoredPanel(bad), null, JSON.stringify(bad) ?? String(bad));
  }
  assert.equal(validateExtensionMessage({ type: 'persist', state: 'x' }), null);
  assert.equal(validateExtensionMessage({ type: 'persist', state: { version: 1 } }), null);
});

test('results of the wrong shape are dropped and counted; the others are kept', () => {
  const fit = loadReferenceFit('sleepstudy_vi');
  const kept = viaJson(persistedPanel(URI, { fileName: 'a.mlm', results: [fit], comparisons: [] })) as { state: { results: unknown[] } };
  kept.state.results.push({ ...(viaJson(fit) as object), fixef: { '(Intercept)': 'NaN' } }, { id: 'x' }, null);
  const back = restoredPanel(kept);
  assert.ok(back);
  assert.equal(back.state.results.length, 1);
  assert.match(back.state.status!.message, /3 results could not be read back/);
});

test('hostile strings in a kept state render as text', () => {
  const fit = viaJson(loadReferenceFit('sleepstudy_vi')) as Record<string, unknown>;
  fit.id = '<img src=x onerror=alert(1)>';
  const back = restoredPanel({
    version: PERSIST_VERSION,
    uri: URI,
    state: { fileName: '<script>alert(1)</script>.mlm', results: [fit], comparisons: [], errors: [{ model: '<b>m</b>', message: '<iframe src=x>' }] },
  });
  assert.ok(back);
  const doc = new JSDOM(renderResultsPage(back.state, opts)).window.document;
  assert.equal(doc.querySelectorAll('img, iframe, b').length, 0);
  assert.equal(doc.querySelectorAll('script').length, 0, 'no script without a script URI, none from the data');
  assert.match(doc.querySelector('h1')!.textContent!, /<script>alert\(1\)<\/script>\.mlm/);
  assert.match(doc.getElementById('fit-errors')!.textContent!, /<b>m<\/b>: <iframe src=x>/);
});

test('package.json activates the extension for the results panel so its serializer can restore it', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { activationEvents: string[] };
  const src = readFileSync(join(__dirname, '..', '..', 'client', 'src', 'extension', 'resultsPanels.ts'), 'utf8');
  const viewType = /RESULTS_VIEW_TYPE = '([^']+)'/.exec(src)?.[1];
  assert.equal(viewType, 'mlm.results');
  assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${viewType}`));
});
