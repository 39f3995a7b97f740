// The webview script (dist/webview/main.js) in headless Chromium under the page's real CSP: it loads
// with the nonce, its buttons post messages that pass the extension's validator, the PNG export
// yields a real PNG, and extension status messages are shown as text. No VS Code: a stub
// acquireVsCodeApi records what the page posts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderResultsPage } from '../../client/src/render/panel';
import { renderDataPreviewPage } from '../../client/src/render/dataPreview';
import { pngBytes, validateWebviewMessage } from '../../client/src/shared/messages';
// @ts-expect-error plain JS helper module without type declarations
import * as vw from '../../scripts/vscode-web.mjs';
import { loadReferenceFit } from './helpers';

const ROOT: string = vw.ROOT;
const SCRIPT = join(ROOT, 'dist/webview/main.js');

/**
 * Waits until `expr` is true in the page. Polls with page.evaluate (DevTools protocol): Playwright's
 * waitForFunction runs a string predicate through eval inside the page, which the page's CSP refuses.
 */
async function until(p: { evaluate(expr: string): Promise<unknown>; waitForTimeout(ms: number): Promise<void> }, expr: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await p.evaluate(expr)) return;
    await p.waitForTimeout(20);
  }
  throw new Error(`timed out waiting for ${expr}`);
}

test('webview script under the CSP: exports, refit and status messages', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(SCRIPT), 'dist/webview/main.js is missing: run node scripts/build.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'mlm-webview-'));
  const nonce = 'T3stNonce';
  const theme = `<style nonce="${nonce}">:root{--vscode-foreground:#333333;--vscode-editor-background:#fffffe;--vscode-descriptionForeground:#666666;--vscode-charts-blue:#1a85ff;--vscode-charts-red:#e51400;--vscode-focusBorder:#0090f1}</style>`;
  const html = renderResultsPage(
    { fileName: 'sleep.mlm', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] },
    { nonce, cspSource: 'file:', scriptUri: pathToFileURL(SCRIPT).href },
  ).replace('</head>', `${theme}</head>`);
  const page = join(dir, 'page.html');
  writeFileSync(page, html);
  const browser = await chromium.launch({ executablePath: vw.chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
  try {
    const p = await browser.newPage();
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    // Strings, not functions: tsx's name-keeping helpers do not exist in the page.
    await p.addInitScript({
      content:
        'window.posted = []; window.kept = []; window.acquireVsCodeApi = function () { return { postMessage: function (m) { window.posted.push(m); }, setState: function (s) { window.kept.push(s); } }; };',
    });
    await p.goto(pathToFileURL(page).href);
    const posted = () => p.evaluate('window.posted') as Promise<Record<string, string>[]>;
    await until(p, 'window.posted.length > 0');
    assert.deepEqual((await posted())[0], { type: 'ready' });

    const qq = 'plot-sleepstudy_full-qq';
    // one export menu per plot: open it, then pick the format
    await p.click(`figure:has(#${qq}) details.export-menu > summary`);
    await p.click(`button.export-plot[data-plot="${qq}"][data-format="svg"]`);
    await p.click(`button.export-plot[data-plot="${qq}"][data-format="png"]`);
    await until(p, 'window.posted.length >= 3');
    await p.click('#refit-all');
    await p.click('button.refit-model');
    await p.click('#export-results-menu > summary');
    await p.click('button.export-results[data-format="latex"]');
    const msgs = await posted();
    assert.equal(msgs.length, 6);
    for (const m of msgs) assert.ok(validateWebviewMessage(m), `message accepted by the extension: ${m.type}`);
    const svg = msgs[1];
    assert.equal(svg.format, 'svg');
    assert.equal(svg.plotId, qq);
    assert.match(svg.data, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg.data, /fill="rgb\(26, 133, 255\)"/, 'theme colour inlined for the standalone file');
    const png = msgs[2];
    assert.equal(png.format, 'png');
    const bytes = pngBytes(png.data);
    assert.deepEqual([...bytes.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    // IHDR width and height: the 560 × 360 plot drawn at scale 2
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(view.getUint32(16), 1120);
    assert.equal(view.getUint32(20), 720);
    assert.deepEqual(msgs.slice(3), [{ type: 'refit' }, { type: 'refit', model: 'sleepstudy_full' }, { type: 'exportResults', format: 'latex' }]);

    // A focused plot point shows its tooltip text for keyboard users.
    await p.focus('svg.plot circle.pt[tabindex="0"]');
    const tip = (await p.evaluate("(function () { var t = document.getElementById('plot-tip'); return t && !t.hidden ? t.textContent : null; })()")) as string | null;
    assert.match(tip ?? '', /^Subject \d+: \(Intercept\) = /);
    // Arrow keys walk the points of the plot (sorted: 309 has the lowest intercept mode, 310 the next).
    await p.keyboard.press('Home');
    await p.keyboard.press('ArrowDown');
    const second = (await p.evaluate("document.activeElement.parentElement.getAttribute('data-level')")) as string;
    assert.equal(second, '310');

    // Status from the extension: shown as text; malformed messages ignored.
    await p.evaluate(
      "window.postMessage({ type: 'status', kind: 'cancelled', message: 'Cancelled <img src=x>' }, '*'); window.postMessage({ type: 'status', kind: 'nonsense', message: 'ignored' }, '*');",
    );
    await until(p, "document.getElementById('status').textContent !== ''");
    await p.waitForTimeout(100);
    assert.equal(await p.evaluate("document.getElementById('status').textContent"), 'Cancelled <img src=x>');
    assert.equal(await p.evaluate("document.querySelectorAll('img').length"), 0);

    // The extension's 'persist' message is kept with setState (what the serializer reads back after a reload); malformed ones are not.
    await p.evaluate(
      "window.postMessage({ type: 'persist', state: 'not an object' }, '*'); window.postMessage({ type: 'persist', state: { version: 1, uri: 'file:///a/sleep.mlm', state: { fileName: 'sleep.mlm', results: [], comparisons: [] } } }, '*');",
    );
    await until(p, 'window.kept.length > 0');
    await p.waitForTimeout(100);
    assert.deepEqual(await p.evaluate('window.kept'), [{ version: 1, uri: 'file:///a/sleep.mlm', state: { fileName: 'sleep.mlm', results: [], comparisons: [] } }]);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data preview under the CSP: a window onto 50,000 rows, pages asked for by message, sort and filter asked of the extension, linked level marked', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(SCRIPT), 'dist/webview/main.js is missing: run node scripts/build.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'mlm-preview-'));
  const nonce = 'T3stNonce';
  const N = 50_000;
  const head = Array.from({ length: 100 }, (_, i) => [String(i * 0.5), `g${i % 7}`]);
  const html = renderDataPreviewPage(
    {
      file: 'big.csv',
      rows: N,
      columns: [
        { name: 'x', type: 'numeric', missing: 0, summary: 'range 0–25000' },
        { name: 'g', type: 'factor', missing: 0, summary: '7 levels', grouping: 'grouping factor: 7 levels' },
      ],
      head,
    },
    { nonce, cspSource: 'file:', scriptUri: pathToFileURL(SCRIPT).href },
  );
  const page = join(dir, 'preview.html');
  writeFileSync(page, html);
  const browser = await chromium.launch({ executablePath: vw.chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
  try {
    const p = await browser.newPage({ viewport: { width: 500, height: 700 } });
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await p.addInitScript({ content: 'window.posted = []; window.acquireVsCodeApi = function () { return { postMessage: function (m) { window.posted.push(m); } }; };' });
    await p.goto(pathToFileURL(page).href);
    await until(p, 'window.posted.length > 0');
    const rowNumbers = () => p.evaluate("Array.prototype.map.call(document.querySelectorAll('#data-preview tbody tr[data-row]'), function (r) { return Number(r.dataset.row); })") as Promise<number[]>;
    const drawn = await rowNumbers();
    assert.equal(drawn[0], 1, 'rows numbered from 1');
    assert.ok(drawn.length < 100, `only the rows in view are in the page (${drawn.length})`);
    // the scroll height spans every row
    const scrollHeight = (await p.evaluate("document.getElementById('rows-viewport').scrollHeight")) as number;
    assert.ok(scrollHeight > N * 15, `scroll height ${scrollHeight}`);
    // Scrolling to the middle asks for the page there; its answer is drawn.
    await p.evaluate("var v = document.getElementById('rows-viewport'); v.scrollTop = v.scrollHeight / 2;");
    await until(p, "window.posted.some(function (m) { return m.type === 'dataRows'; })");
    const asked = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).filter((m) => m.type === 'dataRows');
    for (const m of asked) assert.ok(validateWebviewMessage(m), 'accepted by the extension');
    const mid = asked.find((m) => (m.offset as number) > N * 0.4 && (m.offset as number) < N * 0.6);
    assert.ok(mid, `a page near the middle: ${asked.map((m) => m.offset).join(', ')}`);
    const answer = (m: Record<string, unknown>, rows: { n: number; cells: string[] }[], total = N) =>
      p.evaluate(`window.postMessage(${JSON.stringify({ type: 'dataRows', id: m.id, total, offset: m.offset, rows })}, '*')`);
    // answer every page asked for (scrolling may ask for one more) until no row waits
    const answered = new Set<unknown>();
    for (let round = 0; round < 20 && ((await p.evaluate("document.querySelectorAll('#data-preview tbody tr.loading').length")) as number) > 0; round++) {
      for (const m of ((await p.evaluate('window.posted')) as Record<string, unknown>[]).filter((x) => x.type === 'dataRows' && !answered.has(x.id))) {
        answered.add(m.id);
        const off = m.offset as number;
        await answer(m, Array.from({ length: 100 }, (_, k) => ({ n: off + k + 1, cells: [String((off + k) * 0.5), `g${(off + k) % 7}`] })));
      }
      await p.waitForTimeout(50);
    }
    assert.equal(await p.evaluate("document.querySelectorAll('#data-preview tbody tr.loading').length"), 0);
    const middle = await rowNumbers();
    assert.ok(middle[0] > N * 0.45 && middle[0] < N * 0.55, `rows near the middle drawn: ${middle[0]}`);
    // A header click sorts: the page asks for the first rows sorted by x, descending after a second click.
    await p.evaluate("window.posted = []");
    await p.click('#data-preview th[data-column="x"]');
    await until(p, "window.posted.some(function (m) { return m.type === 'dataRows'; })");
    let sortAsk = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).find((m) => m.type === 'dataRows')!;
    assert.deepEqual([sortAsk.offset, sortAsk.sort], [0, { column: 'x', descending: false }]);
    await p.evaluate("window.posted = []");
    await p.click('#data-preview th[data-column="x"]');
    await until(p, "window.posted.some(function (m) { return m.type === 'dataRows'; })");
    sortAsk = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).find((m) => m.type === 'dataRows')!;
    assert.deepEqual(sortAsk.sort, { column: 'x', descending: true });
    await answer(sortAsk, [{ n: N, cells: ['24999.5', 'g3'] }, { n: N - 1, cells: ['24999', 'g2'] }]);
    await until(p, "(document.querySelector('#data-preview tbody tr[data-row]') || {}).dataset && document.querySelector('#data-preview tbody tr[data-row]').dataset.row === '50000'");
    // The filter box asks for filtered rows; the answer's total is shown.
    await p.evaluate("window.posted = []");
    await p.fill('input.row-filter', 'g3');
    await until(p, "window.posted.some(function (m) { return m.type === 'dataRows'; })");
    const filterAsk = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).find((m) => m.type === 'dataRows')!;
    assert.equal(filterAsk.filter, 'g3');
    await answer(filterAsk, [{ n: 4, cells: ['1.5', 'g3'] }], 7143);
    await until(p, "document.getElementById('rows-status').textContent.indexOf('7143 of 50000') === 0");
    // A level hovered in the results panel (relayed by the extension): its rows are marked, and on request shown alone.
    await p.evaluate("window.postMessage({ type: 'linkedLevel', group: 'g', level: 'g3' }, '*')");
    await until(p, "document.querySelectorAll('#data-preview tr.linked-row').length === 1");
    assert.match((await p.evaluate("document.getElementById('linked-level').textContent")) as string, /g g3: its rows are marked/);
    await p.evaluate("window.posted = []");
    await p.click('button.show-level');
    await until(p, "window.posted.some(function (m) { return m.type === 'dataRows'; })");
    const levelAsk = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).find((m) => m.type === 'dataRows')!;
    assert.deepEqual(levelAsk.match, { columns: ['g'], values: ['g3'] });
    // no style attributes in the page (the CSP refuses them); the spacers are sized through the CSSOM
    assert.equal(await p.evaluate("document.querySelectorAll('[style]').length > 0 && Array.prototype.every.call(document.querySelectorAll('[style]'), function (e) { return e.closest('tr.spacer') || e.id === 'plot-tip'; })"), true);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('results page: hovering a group level posts it for the data preview (linked views)', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlm-linked-'));
  const nonce = 'T3stNonce';
  const html = renderResultsPage({ fileName: 'sleep.mlm', results: [loadReferenceFit('sleepstudy_full')], comparisons: [] }, { nonce, cspSource: 'file:', scriptUri: pathToFileURL(SCRIPT).href });
  const page = join(dir, 'page.html');
  writeFileSync(page, html);
  const browser = await chromium.launch({ executablePath: vw.chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
  try {
    const p = await browser.newPage();
    await p.addInitScript({ content: 'window.posted = []; window.acquireVsCodeApi = function () { return { postMessage: function (m) { window.posted.push(m); }, setState: function () {} }; };' });
    await p.goto(pathToFileURL(page).href);
    await until(p, 'window.posted.length > 0');
    const row = p.locator('figure[data-plot-kind="caterpillar"] g.cat-row.linked[data-level="308"]').first();
    await row.scrollIntoViewIfNeeded();
    await row.hover();
    await until(p, "window.posted.some(function (m) { return m.type === 'linkedLevel' && m.level === '308'; })");
    const m = ((await p.evaluate('window.posted')) as Record<string, unknown>[]).find((x) => x.type === 'linkedLevel')!;
    assert.deepEqual(validateWebviewMessage(m), { type: 'linkedLevel', group: 'Subject', level: '308' });
    // every plot highlights the level
    assert.ok(((await p.evaluate("document.querySelectorAll('.linked.highlight[data-level=\"308\"]').length")) as number) >= 2);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
