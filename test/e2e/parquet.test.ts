// Parquet in the real VS Code web workbench: duckdb-wasm is not loaded while only CSV files are open, is fetched
// from the extension's own dist/web/duckdb/ when a .mlm names a Parquet file, and nothing goes to the network.
// The panel and the data preview of examples/sleepstudy-parquet.mlm are saved as screenshots.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openFile, openWorkbench, runCommand, waitForProblems, webviewFrame, type Workbench } from './workbench';

describe('Parquet data in VS Code for the web', { timeout: 400_000 }, () => {
  let wb: Workbench;
  const requests: string[] = [];

  before(async () => {
    wb = await openWorkbench({ viewport: { width: 1600, height: 1000 } });
    wb.page.context().on('request', (r) => requests.push(r.url()));
  });
  after(async () => {
    await wb?.close();
  });

  test('a CSV model does not load duckdb-wasm; a Parquet model loads it from the extension and fits as lme4', async () => {
    const { page } = wb;
    await openFile(page, 'sleepstudy.mlm');
    await waitForProblems(page, 0, 0);
    await page.waitForTimeout(1500);
    assert.deepEqual(requests.filter((u) => u.includes('duckdb')), [], 'no duckdb file before a Parquet file is opened');

    await openFile(page, 'sleepstudy-parquet.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    const deadline = Date.now() + 120_000;
    let frame = await webviewFrame(page, 'Results: sleepstudy-parquet.mlm', 120_000);
    for (;;) {
      frame = await webviewFrame(page, 'Results: sleepstudy-parquet.mlm', 60_000);
      const status = await frame.evaluate(() => `${document.getElementById('status')?.className} ${document.getElementById('status')?.textContent}`).catch(() => '');
      if (/^ok Fitted /.test(status) && (await frame.locator('table.fixed-effects').count()) > 0) break;
      assert.ok(!/^error /.test(status), status);
      assert.ok(Date.now() < deadline, `no finished fit: ${status}`);
      await page.waitForTimeout(500);
    }
    // lme4: fixef(full) Days 10.467286; lmerTest's Satterthwaite interval 7.206 .. 13.729 (as for the CSV).
    const days = await frame.locator('table.fixed-effects').first().locator('tr[data-term="Days"] td').evaluateAll((tds) => tds.map((t) => (t.textContent ?? '').trim()));
    assert.deepEqual(days.slice(0, 3), ['10.467', '7.206', '13.729']);
    await page.waitForTimeout(400);
    await wb.shot('parquet-panel');

    const wasm = requests.filter((u) => u.includes('duckdb'));
    assert.equal(wasm.length, 1, `one wasm download: ${wasm.join(', ')}`);
    assert.match(wasm[0], /^http:\/\/localhost:\d+\/static\/devextensions\/dist\/web\/duckdb\/duckdb-eh\.wasm$/);
    const outside = requests.filter((u) => !/^(data:|blob:|https?:\/\/([a-z0-9-]+\.)?localhost(:\d+)?\/|http:\/\/127\.0\.0\.1(:\d+)?\/)/.test(u));
    assert.deepEqual(outside, [], 'nothing is fetched from the network');
  });

  test('the data preview of a Parquet file: rows from 1, Subject a factor of 18 levels', async () => {
    const { page } = wb;
    await openFile(page, 'sleepstudy-parquet.mlm');
    await runCommand(page, 'MLM: Open Data Preview');
    const frame = await webviewFrame(page, 'Data: sleepstudy.parquet', 60_000);
    const first = await frame.locator('#data-preview tbody tr[data-row]').first().locator('th, td').evaluateAll((c) => c.map((x) => (x.textContent ?? '').trim()));
    assert.deepEqual(first, ['1', '249.56', '0', '308']);
    assert.match(await frame.locator('#data-columns tr[data-column="Subject"]').innerText(), /18 levels/);
    await page.waitForTimeout(400);
    await wb.shot('parquet-data-preview');
  });
});
