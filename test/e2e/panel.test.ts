// The results panel on real data in the VS Code web workbench (1600×1000 window): sleepstudy, mathach
// (160 schools), rats (binomial GLMM), the data preview, the panel dragged to 400 px, and a dark theme.
// Every step checks that no table scrolls sideways, no plot's tick labels overlap and no SVG holds more
// than 5,000 elements, and saves a screenshot under test-results/e2e/ (panel-*.png).
import { after, before, describe, test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { focusEditor, openFile, runCommand, scrollWebview, webviewFrame, type Workbench, openWorkbench } from './workbench';

/**
 * Layout faults of the page in a webview frame (only what is displayed counts). A string, so that the
 * test runner's transpiler adds no helper calls to the code that runs in the page.
 */
const LAYOUT_FAULTS = `(function () {
  var out = [];
  // checkVisibility: the contents of a closed <details> are laid out (content-visibility) but not shown
  function shown(el) { return el.checkVisibility ? el.checkVisibility() : el.getClientRects().length > 0; }
  document.querySelectorAll('table').forEach(function (t) {
    if (!shown(t)) return;
    if (t.scrollWidth > t.clientWidth + 1) out.push('table ' + (t.id || t.className) + ': scrollWidth ' + t.scrollWidth + ' > clientWidth ' + t.clientWidth);
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  document.querySelectorAll('svg.plot').forEach(function (svg) {
    if (!shown(svg)) return;
    var n = svg.querySelectorAll('*').length;
    if (n > 5000) out.push('svg ' + svg.id + ': ' + n + ' elements');
    var boxes = Array.prototype.map.call(svg.querySelectorAll('text.tick-label, text.level-label, text.strip-label'), function (t) {
      return { text: t.textContent, r: t.getBoundingClientRect() };
    }).filter(function (b) { return b.r.width > 0; });
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i].r, b = boxes[j].r;
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5)
          out.push('svg ' + svg.id + ': labels "' + boxes[i].text + '" and "' + boxes[j].text + '" overlap');
      }
    }
  });
  return out;
})()`;

async function layoutFaults(frame: Frame): Promise<string[]> {
  return (await frame.evaluate(LAYOUT_FAULTS)) as string[];
}

async function assertLayout(frame: Frame, where: string): Promise<void> {
  const faults = await layoutFaults(frame);
  assert.deepEqual(faults, [], `${where}: ${faults.slice(0, 8).join('; ')}`);
}

/** Editor groups (columns) of the workbench. */
async function columns(page: Page): Promise<number> {
  return page.locator('.part.editor .editor-group-container').count();
}

/** Waits until the results page for `file` says its fit finished, and returns its frame. */
async function fitted(page: Page, file: string): Promise<Frame> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const frame = await webviewFrame(page, `Results: ${file}`, 60_000);
    try {
      const status = await frame.evaluate(() => document.getElementById('status')?.className + ' ' + document.getElementById('status')?.textContent);
      if (/^ok Fitted /.test(status ?? '') && (await frame.locator('table.fixed-effects').count()) > 0) return frame;
      if (/^error /.test(status ?? '')) throw new Error(`fit of ${file} failed: ${status}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('fit of')) throw e;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no finished fit of ${file}`);
}

/** Drags the sash left of the visible webview so the results column is `width` px wide. */
async function setPanelWidth(page: Page, width: number): Promise<void> {
  const vp = page.viewportSize()!;
  const sashes = await page.locator('.part.editor .monaco-sash.vertical').evaluateAll((els) =>
    els.map((e) => e.getBoundingClientRect()).filter((r) => r.height > 100).map((r) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 })),
  );
  assert.ok(sashes.length > 0, 'an editor sash to drag');
  const sash = sashes.sort((a, b) => b.x - a.x)[0];
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(vp.width - width, sash.y, { steps: 8 });
  await page.mouse.up();
  await page.waitForTimeout(600);
}

async function showResultsTab(page: Page, file: string): Promise<Frame> {
  await page.locator('.tabs-container .tab', { hasText: `Results: ${file}` }).first().click();
  await page.waitForTimeout(500);
  return webviewFrame(page, `Results: ${file}`, 30_000);
}

describe('results panel on real data (1600×1000)', { timeout: 600_000 }, () => {
  let wb: Workbench;

  before(async () => {
    // files written in the workbench reach the folder on disk, as under npm start (the export check below)
    wb = await openWorkbench({ viewport: { width: 1600, height: 1000 }, writeThrough: true });
  });
  after(async () => {
    await wb?.close();
  });

  test('sleepstudy: key columns, R digits, lattice panels per subject, smoother and QQ band; no clipping', async () => {
    const { page } = wb;
    await openFile(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    const frame = await fitted(page, 'sleepstudy.mlm');
    const head = await frame.locator('table.fixed-effects').first().locator('thead th').evaluateAll((ths) => ths.map((t) => (t.textContent ?? '').trim()));
    assert.deepEqual(head.slice(0, 3), ['Term', 'Estimate', '95% CI (t)']);
    assert.match(await frame.locator('table.fixed-effects caption').first().innerText(), /interval: 95% CI \(t, Satterthwaite df\)/);
    // lmerTest::contest1D(full, c(0, 1), confint = TRUE): 7.2059546510 13.7286172682
    const days = await frame.locator('table.fixed-effects').first().locator('tr[data-term="Days"] td').evaluateAll((tds) => tds.map((t) => (t.textContent ?? '').trim()));
    assert.deepEqual(days.slice(0, 3), ['10.467', '7.206', '13.729']);
    // The status shows the time waited; the breakdown is on hover.
    assert.match((await frame.locator('#status').getAttribute('title')) ?? '', /^Waited \d+\.\d\d s in all/);
    assert.equal(await frame.locator('figure[data-plot-kind="group-panels"] svg g.group-panel').first().locator('path.population-line').count(), 1);
    assert.equal(await frame.locator('figure[data-plot-kind="residuals"]').first().locator('path.smooth-line').count(), 1);
    assert.equal(await frame.locator('figure[data-plot-kind="qq"]').first().locator('path.qq-band').count(), 1);
    assert.equal(await frame.locator('figure[data-plot-kind="caterpillar"]').first().locator('details.export-menu').count(), 1);
    await page.waitForTimeout(400);
    await wb.shot('panel-sleepstudy-1600');
    await assertLayout(frame, 'sleepstudy at 1600');
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="group-panels"]');
    await wb.shot('panel-sleepstudy-1600-panels');
    // the effect of Days: one line with its band
    assert.equal(await frame.locator('figure[data-plot-kind="effect"]').first().locator('path.effect-band').count(), 1);
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="effect"]');
    await wb.shot('panel-sleepstudy-1600-effect');
    // An export through the save dialog (Enter takes the proposed name) lands in the served folder on disk.
    await focusEditor(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Export Results…');
    await page.locator('.quick-input-widget input').fill('HTML report');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'HTML report' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Export results as HTML report' }).waitFor();
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    const file = join(wb.workspace, 'sleepstudy-results.html');
    for (let i = 0; i < 50 && !existsSync(file); i++) await page.waitForTimeout(200);
    assert.match(readFileSync(file, 'utf8'), /^<!DOCTYPE html>[\s\S]*Reaction ~ Days/, 'the exported report is on disk');
  });

  test('the data preview opens as a tab in the results column: row numbers from 1, groups described', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Open Data Preview');
    const frame = await webviewFrame(page, 'Data: sleepstudy.csv', 60_000);
    assert.equal(await columns(page), 2, 'no new editor column');
    const first = await frame.locator('#data-preview tbody tr[data-row]').first().locator('th, td').evaluateAll((c) => c.map((x) => (x.textContent ?? '').trim()));
    assert.deepEqual(first, ['1', '249.56', '0', '308']);
    assert.equal(await frame.locator('#data-preview tbody tr[data-row]').first().locator('td').first().evaluate((td) => getComputedStyle(td).textAlign), 'right');
    // Subject is the grouping factor: 18 levels of 10 rows each
    assert.match(await frame.locator('#data-columns tr[data-column="Subject"]').innerText(), /group.*18 levels; rows per level min 10, median 10, max 10/s);
    // Sorting is done by the language server over all rows (the page holds only the rows in view).
    await frame.locator('#data-preview th', { hasText: 'Reaction' }).click();
    const firstReaction = async () => ((await frame.locator('#data-preview tbody tr[data-row]').first().locator('td').first().innerText()) ?? '').trim();
    for (let i = 0; i < 50 && (await firstReaction()) !== '194.3322'; i++) await page.waitForTimeout(100);
    assert.equal(await firstReaction(), '194.3322', 'sorted by Reaction: the smallest first');
    await wb.shot('panel-data-preview-1600');
    await assertLayout(frame, 'data preview');
    // Linked views: a subject hovered in the results is marked in the data preview, which shows its rows alone on request.
    const results = await showResultsTab(page, 'sleepstudy.mlm');
    const row = results.locator('figure[data-plot-kind="caterpillar"] g.cat-row.linked[data-level="332"]').first();
    await row.scrollIntoViewIfNeeded();
    await row.hover();
    assert.ok((await results.locator('.linked.highlight[data-level="332"]').count()) >= 2, 'highlighted in every plot');
    await page.locator('.tabs-container .tab', { hasText: 'Data: sleepstudy.csv' }).first().click();
    const preview = await webviewFrame(page, 'Data: sleepstudy.csv', 30_000);
    await preview.locator('#linked-level', { hasText: 'Subject 332' }).waitFor();
    await preview.locator('button.show-level').click();
    await preview.locator('#rows-status', { hasText: '10 of 180 rows' }).waitFor();
    const subjects = await preview.locator('#data-preview tbody tr[data-row]').evaluateAll((trs) => trs.map((tr) => (tr.lastElementChild?.textContent ?? '').trim()));
    assert.deepEqual(subjects, Array(10).fill('332'));
    assert.equal(await preview.locator('#data-preview tr.linked-row').count(), 10);
    await wb.shot('panel-data-preview-linked');
  });

  test('mathach (160 schools): caterpillar with labelled extremes, paged school panels, no lines over a school-level predictor', async () => {
    const { page } = wb;
    await openFile(page, 'mathach.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    const frame = await fitted(page, 'mathach.mlm');
    assert.equal(await columns(page), 2, 'the mathach results are a tab in the same column');
    const cat = frame.locator('section.model[data-model="empty"] figure[data-plot-kind="caterpillar"]').first();
    assert.equal(await cat.locator('svg.plot text.level-label').count(), 12, '6 lowest and 6 highest schools labelled');
    assert.equal(await cat.locator('input.level-filter').count(), 1);
    // pracad is a school-level predictor: the pracad model gets no per-school lines.
    const pracad = frame.locator('section.model[data-model="pracad"]');
    assert.equal(await pracad.locator('figure[data-plot-kind="group-panels"]').count(), 0);
    assert.match(await pracad.locator('.plots-missing').innerText(), /No predictor varies within the levels of school/);
    const panels = frame.locator('section.model[data-model="bryk"] figure[data-plot-kind="group-panels"]');
    assert.equal(await panels.locator('svg.plot g.group-panel').count(), 12, 'twelve schools a page');
    await panels.locator('button.page-next').click();
    assert.match(await panels.locator('.page-label').innerText(), /page 2 of 14/);
    // interactions: a line per sector, and lines at the mean ± 1 SD of the school-level meanses with cses along x
    const effects = frame.locator('section.model[data-model="bryk"] figure[data-plot-kind="effect"]');
    assert.equal(await effects.count(), 2);
    assert.deepEqual(await effects.nth(1).locator('.legend-label').evaluateAll((ts) => ts.map((t) => t.childNodes[0].textContent)), ['Public', 'Catholic']);
    assert.equal(await effects.nth(0).locator('path.effect-line').count(), 3, 'three lines');
    assert.equal(await effects.nth(0).locator('.legend-entry').count(), 3, 'and their legend entries');
    assert.equal(await effects.nth(0).locator('svg text.axis-label').first().textContent(), 'cses');
    await wb.shot('panel-mathach-1600');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="empty"] figure[data-plot-kind="caterpillar"]');
    await wb.shot('panel-mathach-1600-caterpillar');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="group-panels"]');
    await wb.shot('panel-mathach-1600-panels');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="effect"]');
    await wb.shot('panel-mathach-1600-effects');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="residuals"]');
    await wb.shot('panel-mathach-1600-residuals');
    await assertLayout(frame, 'mathach at 1600');
  });

  test('rats (GLMM): Wald z interval, odds ratios, binned residuals, a note that Laplace and AGQ AICs differ', async () => {
    const { page } = wb;
    await openFile(page, 'rats.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    const frame = await fitted(page, 'rats.mlm');
    assert.equal(await columns(page), 2);
    assert.match(await frame.locator('.comparability-note').innerText(), /Laplace.*adaptive Gauss-Hermite \(25 points\).*not comparable/);
    const head = await frame.locator('table.fixed-effects').first().locator('thead th').evaluateAll((ths) => ths.map((t) => (t.textContent ?? '').trim()));
    assert.equal(head[2], '95% Wald CI');
    assert.equal(await frame.locator('figure[data-plot-kind="binned-residuals"]').count(), 2);
    assert.equal(await frame.locator('figure[data-plot-kind="residuals"]').count(), 0);
    await wb.shot('panel-rats-1600');
    await scrollWebview(page, 'Results: rats.mlm', 'figure[data-plot-kind="binned-residuals"]');
    await wb.shot('panel-rats-1600-binned');
    await assertLayout(frame, 'rats at 1600');
  });

  test('the results column dragged to 400 px: tables fit (secondary columns collapse), labels do not overlap', async () => {
    const { page } = wb;
    await setPanelWidth(page, 400);
    for (const file of ['rats.mlm', 'mathach.mlm', 'sleepstudy.mlm']) {
      const frame = await showResultsTab(page, file);
      const w = await frame.evaluate(() => window.innerWidth);
      assert.ok(w > 340 && w < 460, `panel width ${w}`);
      // Estimate, interval and p stay visible; Std. Error collapses.
      const visible = await frame.locator('table.fixed-effects').first().locator('thead th').evaluateAll((ths) =>
        ths.filter((t) => t.getClientRects().length > 0).map((t) => (t.textContent ?? '').trim()),
      );
      assert.ok(visible.includes('Estimate') && visible.some((h) => h.startsWith('Pr(')) && !visible.includes('Std. Error'), visible.join(' | '));
      await wb.shot(`panel-${file.replace('.mlm', '')}-400`);
      await assertLayout(frame, `${file} at 400`);
    }
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="group-panels"]');
    await wb.shot('panel-sleepstudy-400-panels');
  });

  test('dark theme: the sleepstudy panel in Dark Modern', async () => {
    const { page } = wb;
    await runCommand(page, 'Preferences: Color Theme');
    const input = page.locator('.quick-input-widget input');
    await input.fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    const frame = await showResultsTab(page, 'sleepstudy.mlm');
    assert.ok(await frame.evaluate(() => document.body.classList.contains('vscode-dark')), 'the webview follows the dark theme');
    await wb.shot('panel-sleepstudy-400-dark');
    await assertLayout(frame, 'sleepstudy dark');
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="shrinkage"]');
    await wb.shot('panel-sleepstudy-400-dark-plots');
  });
});
