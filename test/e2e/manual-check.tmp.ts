// temporary manual driver (not committed)
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { focusEditor, openFile, runCommand, scrollWebview, webviewFrame, openWorkbench } from './workbench';

const OUT = '/tmp/p2shots';
async function fitted(page: Page, file: string): Promise<Frame> {
  const deadline = Date.now() + 240_000;
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
  throw new Error('no fit');
}
const step = process.argv[2] ?? 'all';
(async () => {
  const wb = await openWorkbench({ viewport: { width: 1600, height: 1000 } });
  const { page } = wb;
  const shot = (n: string) => page.screenshot({ path: join(OUT, `${n}.png`) });
  try {
    await openFile(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    let frame = await fitted(page, 'sleepstudy.mlm');
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="effect"]');
    await shot('sleep-effect');
    // export HTML through the save dialog: Enter accepts the proposed name
    await focusEditor(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Export Results…').catch(async () => runCommand(page, 'MLM: Export Results'));
    await page.waitForTimeout(800);
    await page.keyboard.type('HTML');
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1200);
    await shot('export-dialog');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(2500);
    console.log('workspace files after export:', readdirSync(wb.workspace).filter((f) => f.includes('results')));
    // data preview + linked highlight
    await focusEditor(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Open Data Preview');
    const pv = await webviewFrame(page, 'Data: sleepstudy.csv', 60_000);
    await shot('preview-sleep');
    // split: preview beside results? both are tabs in one column; switch to results, hover, then back
    await page.locator('.tabs-container .tab', { hasText: 'Results: sleepstudy.mlm' }).first().click();
    await page.waitForTimeout(600);
    frame = await webviewFrame(page, 'Results: sleepstudy.mlm', 30_000);
    const row = frame.locator('figure[data-plot-kind="caterpillar"] g.cat-row.linked[data-level="332"]').first();
    await row.scrollIntoViewIfNeeded();
    await row.hover();
    await page.waitForTimeout(500);
    await shot('sleep-hover-332');
    await page.locator('.tabs-container .tab', { hasText: 'Data: sleepstudy.csv' }).first().click();
    await page.waitForTimeout(800);
    const pv2 = await webviewFrame(page, 'Data: sleepstudy.csv', 30_000);
    console.log('linked bar:', await pv2.locator('#linked-level').innerText().catch(() => '?'), 'marked rows:', await pv2.locator('tr.linked-row').count());
    await pv2.locator('button.show-level').click();
    await page.waitForTimeout(1200);
    console.log('after show only:', await pv2.locator('#rows-status').innerText(), await pv2.locator('#data-preview tbody tr[data-row]').count());
    await shot('preview-sleep-level');
    void pv;
    // mathach
    await openFile(page, 'mathach.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    frame = await fitted(page, 'mathach.mlm');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="effect"]');
    await shot('mathach-effect-bryk');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="himinty"] figure[data-plot-kind="effect"]');
    await shot('mathach-effect-himinty');
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="pracad"] figure[data-plot-kind="effect"]');
    await shot('mathach-effect-pracad');
    await focusEditor(page, 'mathach.mlm');
    await runCommand(page, 'MLM: Open Data Preview');
    const mv = await webviewFrame(page, 'Data: mathach.csv', 60_000);
    await mv.evaluate(() => { const v = document.getElementById('rows-viewport')!; v.scrollTop = v.scrollHeight / 2; });
    await page.waitForTimeout(1500);
    console.log('mathach middle rows:', await mv.locator('#data-preview tbody tr[data-row]').first().getAttribute('data-row'), 'loading', await mv.locator('tr.loading').count());
    await shot('preview-mathach-middle');
    await mv.locator('#data-preview th[data-column="mathach"]').click();
    await page.waitForTimeout(1500);
    await shot('preview-mathach-sorted');
    // rats
    await openFile(page, 'rats.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    frame = await fitted(page, 'rats.mlm');
    await shot('rats');
    console.log('rats effect figures:', await frame.locator('figure[data-plot-kind="effect"]').count());
    // 400 px
    const vp = page.viewportSize()!;
    const sashes = await page.locator('.part.editor .monaco-sash.vertical').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.height > 100).map((r) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 })));
    const sash = sashes.sort((a, b) => b.x - a.x)[0];
    await page.mouse.move(sash.x, sash.y); await page.mouse.down(); await page.mouse.move(vp.width - 400, sash.y, { steps: 8 }); await page.mouse.up();
    await page.waitForTimeout(800);
    await page.locator('.tabs-container .tab', { hasText: 'Results: mathach.mlm' }).first().click();
    await page.waitForTimeout(800);
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="effect"]');
    await shot('mathach-400-effect');
    await page.locator('.tabs-container .tab', { hasText: 'Data: mathach.csv' }).first().click();
    await page.waitForTimeout(800);
    await shot('preview-mathach-400');
    // dark
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget input').fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await shot('preview-mathach-400-dark');
    await page.locator('.tabs-container .tab', { hasText: 'Results: sleepstudy.mlm' }).first().click();
    await page.waitForTimeout(800);
    await scrollWebview(page, 'Results: sleepstudy.mlm', 'figure[data-plot-kind="effect"]');
    await shot('sleep-400-dark-effect');
    await page.locator('.tabs-container .tab', { hasText: 'Results: mathach.mlm' }).first().click();
    await page.waitForTimeout(800);
    await scrollWebview(page, 'Results: mathach.mlm', 'section.model[data-model="bryk"] figure[data-plot-kind="effect"]');
    await shot('mathach-400-dark-effect');
    console.log('html export on disk:', existsSync(join(wb.workspace, 'sleepstudy-results.html')));
  } catch (e) {
    console.error('FAILED', e);
    await shot('failure');
  } finally {
    await wb.close();
  }
})();
