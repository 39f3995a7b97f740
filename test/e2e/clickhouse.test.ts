// `data: clickhouse://…` in the real VS Code web workbench: the language server's web worker queries a
// clickhouse-server started here (one server, test/clickhouse/cluster.ts) with the browser's fetch. The fit
// shows lme4's numbers, every request goes to localhost or 127.0.0.1, hovers show the estimates, an
// unreachable port and a wrong column are located problems that keep the previous results, and credentials
// stored with "MLM: Set ClickHouse Password" (VS Code's secret storage) reach the server, never a file.
// Needs clickhouse-server (CI installs it); without it the tests are skipped with a message.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ANALYST, clickHouseServerPath, freePort, startCluster, type ClickHouseCluster } from '../clickhouse/cluster';
import { loadSleepstudy } from '../clickhouse/data';
import {
  focusEditor,
  goTo,
  lineText,
  openFile,
  openWorkbench,
  runCommand,
  scrollWebview,
  tokenCenter,
  waitForLine,
  waitForProblems,
  webviewFrame,
  type Workbench,
} from './workbench';

const FILE = 'sleepstudy-clickhouse.mlm';
const PANEL = `Results: ${FILE}`;
const installed = clickHouseServerPath() !== null;
if (!installed) console.log('# clickhouse-server is not installed: the ClickHouse tests in the web workbench are skipped (apt-get install clickhouse-server; .ci/run installs it)');

const mlm = (port: number) =>
  [
    "# lme4's sleepstudy, read from a table on a ClickHouse server",
    `data: clickhouse://127.0.0.1:${port}/default.sleepstudy`,
    '',
    'model full:',
    '  formula: Reaction ~ Days + (Days | Subject)',
    '',
    'model intercepts:',
    '  formula: Reaction ~ Days + (1 | Subject)',
    '',
  ].join('\n');

/** The panel's status: class and text. */
async function panelStatus(frame: Frame): Promise<string> {
  return frame.evaluate(() => `${document.getElementById('status')?.className} ${document.getElementById('status')?.textContent}`).catch(() => '');
}

/**
 * Runs "MLM: Fit All Models" and waits until a panel regenerated after it (every fit writes a fresh page; the
 * page before is marked) shows a status that matches `want`.
 */
async function fitAll(page: Page, want: RegExp, timeoutMs = 120_000): Promise<Frame> {
  await markPanel(page);
  await runCommand(page, 'MLM: Fit All Models');
  return freshStatus(page, want, timeoutMs);
}

/** Marks the panel's page as the one from before a fit. */
async function markPanel(page: Page): Promise<void> {
  const old = await webviewFrame(page, PANEL, 500).catch(() => null);
  await old?.evaluate(() => document.body.setAttribute('data-before-fit', '')).catch(() => undefined);
}

/** Waits for a page written after markPanel whose status matches `want`. */
async function freshStatus(page: Page, want: RegExp, timeoutMs = 120_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const frame = await webviewFrame(page, PANEL, timeoutMs);
    const fresh = await frame.evaluate(() => !document.body.hasAttribute('data-before-fit')).catch(() => false);
    last = fresh ? await panelStatus(frame) : '(the page from before the fit)';
    if (fresh && want.test(last)) return frame;
    if (fresh && !/^running /.test(last)) assert.fail(`panel status ${JSON.stringify(last)}, expected ${want}; fit errors: ${(await fitErrors(frame)).join(' | ')}`);
    assert.ok(Date.now() < deadline, `panel status ${JSON.stringify(last)}, waiting for ${want}`);
    await page.waitForTimeout(300);
  }
}

/** The fit errors the panel lists (one line each). */
async function fitErrors(frame: Frame): Promise<string[]> {
  return frame.locator('#fit-errors li').evaluateAll((lis) => lis.map((l) => (l.textContent ?? '').trim()));
}

/** The first three cells (estimate, interval) of a term's row in the first fixed-effects table. */
async function fixedRow(frame: Frame, term: string): Promise<string[]> {
  const cells = await frame.locator('table.fixed-effects').first().locator(`tr[data-term="${term}"] td`).evaluateAll((tds) => tds.map((t) => (t.textContent ?? '').trim()));
  return cells.slice(0, 3);
}

/** Replaces the rest of a 1-based line from the first `from` on with `text`, in the focused editor. */
async function replaceRest(page: Page, line: number, from: string, text: string): Promise<void> {
  const before = await lineText(page, line);
  const at = before.indexOf(from);
  assert.ok(at >= 0, `line ${line} has no "${from}": ${before}`);
  await goTo(page, line, at + 1);
  await page.keyboard.press('Shift+End');
  await page.keyboard.type(text);
  await waitForLine(page, line, before.slice(0, at) + text);
}

/** Problems panel rows (opened with Ctrl+Shift+M) that contain `text`. */
async function problemRow(page: Page, text: string): Promise<string> {
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
  await row.waitFor();
  return row.innerText();
}

describe('ClickHouse data in VS Code for the web', { skip: !installed, timeout: 480_000 }, () => {
  let cluster: ClickHouseCluster;
  let wb: Workbench;
  let port: number;
  const requests: string[] = [];

  before(async () => {
    cluster = await startCluster({ shards: 1 });
    await loadSleepstudy(cluster);
    port = cluster.httpPorts[0];
    wb = await openWorkbench({ viewport: { width: 1600, height: 1000 }, files: { [FILE]: mlm(port) } });
    wb.page.context().on('request', (r) => requests.push(r.url()));
  });
  after(async () => {
    await wb?.close();
    await cluster?.stop();
  });

  test('MLM: Fit All Models fits both models from the table as lme4, querying only 127.0.0.1', async () => {
    const { page } = wb;
    await openFile(page, FILE);
    await waitForProblems(page, 0, 0);
    const frame = await fitAll(page, /^ok Fitted /);
    // lme4: fixef(full) (Intercept) 251.405105, Days 10.467286; lmerTest's Satterthwaite interval for Days 7.206 .. 13.729
    // (df 17), the same as the Parquet and CSV tests check.
    assert.deepEqual(await fixedRow(frame, 'Days'), ['10.467', '7.206', '13.729']);
    assert.equal((await frame.locator('section.model').evaluateAll((s) => s.map((x) => x.getAttribute('data-model')))).join(), 'full,intercepts');
    // the row plots are left out with a note that fits a ClickHouse table (no 'engine: memory' advice)
    const body = await frame.evaluate(() => document.body.innerText);
    assert.match(body, /a fit from a ClickHouse table reads no rows \(only their cross products\); the rows stay on the server/);
    assert.doesNotMatch(body, /engine: memory/);
    await scrollWebview(page, PANEL, 'table.fixed-effects');
    await wb.shot('clickhouse-panel');

    const toServer = requests.filter((u) => u.startsWith(`http://127.0.0.1:${port}/`));
    assert.ok(toServer.some((u) => /[?&]add_http_cors_header=1\b/.test(u) && /[?&]query_id=mlm-/.test(u)), `the worker's queries are seen: ${toServer.join(' ')}`);
    const outside = requests.filter((u) => !/^(data:|blob:|https?:\/\/([a-z0-9-]+\.)?localhost(:\d+)?\/|http:\/\/127\.0\.0\.1(:\d+)?\/)/.test(u));
    assert.deepEqual(outside, [], 'nothing goes anywhere but localhost and 127.0.0.1');
  });

  test('hovering Days in the fitted formula shows its estimate', async () => {
    const { page } = wb;
    await focusEditor(page, FILE);
    await page.keyboard.press('Escape');
    const { x, y } = await tokenCenter(page, wb.lineOf(FILE, 'formula: Reaction ~ Days + (Days | Subject)'), 'Days');
    await page.mouse.move(x, y);
    const hover = page.locator('.monaco-hover', { hasText: '10.47' }).first();
    await hover.waitFor();
    assert.match(await hover.innerText(), /Days[\s\S]*10\.47/);
    await page.waitForTimeout(400); // the hover fades in
    await wb.shot('clickhouse-hover');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  test('a ClickHouse table has no "Preview data" lens, and the command says why', async () => {
    const { page } = wb;
    await focusEditor(page, FILE);
    const lenses = page.locator('.monaco-editor.focused .codelens-decoration');
    await lenses.filter({ hasText: 'Fit' }).first().waitFor();
    assert.equal(await lenses.filter({ hasText: 'Preview data' }).count(), 0);
    await runCommand(page, 'MLM: Open Data Preview');
    const toast = page.locator('.notifications-toasts', { hasText: 'A ClickHouse table is not previewed' }).first();
    await toast.waitFor();
    assert.match(await toast.innerText(), new RegExp(`its rows stay on the server \\(127\\.0\\.0\\.1:${port}\\)`));
    await page.keyboard.press('Escape');
  });

  test('an unreachable port: a located error in Problems and the panel, the previous results stay', async () => {
    const { page } = wb;
    const dead = await freePort();
    const line = wb.lineOf(FILE, 'data:');
    await focusEditor(page, FILE);
    await replaceRest(page, line, String(port), `${dead}/default.sleepstudy`);
    const frame = await fitAll(page, /^error /);
    const errors = await fitErrors(frame);
    assert.equal(errors.length, 2, errors.join('\n'));
    for (const e of errors) assert.match(e, new RegExp(`cannot reach ClickHouse at 127\\.0\\.0\\.1:${dead}`), e);
    assert.deepEqual(await fixedRow(frame, 'Days'), ['10.467', '7.206', '13.729'], 'the previous results are still shown');
    const links = await frame.locator('#fit-errors a.goto-line').evaluateAll((as) => as.map((a) => a.getAttribute('data-line')));
    assert.ok(links.length > 0 && links.every((l) => l === String(line - 1)), `each error links to the data: line: ${links.join()}`);
    const row = await problemRow(page, `cannot reach ClickHouse at 127.0.0.1:${dead}`);
    assert.match(row, new RegExp(`\\[Ln ${line}, Col \\d+\\]`), row);
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'fitting all models' }).first().waitFor({ state: 'detached' });
    await wb.shot('clickhouse-unreachable');
    // a plain-HTTP address other than localhost / 127.0.0.1: the workbench's CSP lets no request out, and the error says so
    await focusEditor(page, FILE);
    await replaceRest(page, line, `127.0.0.1:${dead}`, `127.0.0.2:${port}/default.sleepstudy`);
    const blocked = await fitErrors(await fitAll(page, /^error /));
    assert.match(blocked[0], new RegExp(`cannot reach ClickHouse at 127\\.0\\.0\\.2:${port} .*; VS Code for the web connects only to HTTPS servers`), blocked[0]);
    // back to the server
    await focusEditor(page, FILE);
    await replaceRest(page, line, `127.0.0.2:${port}`, `127.0.0.1:${port}/default.sleepstudy`);
  });

  test('a column the table does not have is a located problem on the formula', async () => {
    const { page } = wb;
    const line = wb.lineOf(FILE, 'formula: Reaction ~ Days + (1 | Subject)');
    await focusEditor(page, FILE);
    await replaceRest(page, line, 'Days', 'Dayz + (1 | Subject)');
    const frame = await fitAll(page, /^error /);
    const errors = await fitErrors(frame);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], new RegExp(`^intercepts line ${line}: no column 'Dayz' in the data \\(did you mean 'Days'\\?\\)$`), errors[0]);
    const text = await lineText(page, line);
    const row = await problemRow(page, 'Dayz');
    assert.match(row, new RegExp(`\\[Ln ${line}, Col ${text.indexOf('Dayz') + 1}\\]`), row);
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'fitting all models' }).first().waitFor({ state: 'detached' });
    await wb.shot('clickhouse-unknown-column');
    await focusEditor(page, FILE);
    await replaceRest(page, line, 'Dayz', 'Days + (1 | Subject)');
  });

  test('a long query shows rows read in the progress notification; Cancel kills it on the server and keeps the results', async () => {
    const { page } = wb;
    // a view of 4 billion generated rows: minutes of work for the server, read in blocks, so progress and KILL QUERY act
    await cluster.exec(
      "CREATE VIEW default.endless AS SELECT toFloat64(number % 997) AS Reaction, toUInt8(number % 10) AS Days, concat('s', toString(number % 18)) AS Subject FROM numbers(4000000000)",
    );
    const running = async () => Number((await cluster.exec("SELECT count() FROM system.processes WHERE query_id LIKE 'mlm-%'")).trim());
    const line = wb.lineOf(FILE, 'data:');
    await focusEditor(page, FILE);
    await replaceRest(page, line, 'default.sleepstudy', 'default.endless');
    await markPanel(page);
    await runCommand(page, 'MLM: Fit All Models');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'rows read' }).first();
    await toast.waitFor({ timeout: 60_000 });
    const progress = await toast.innerText();
    assert.match(progress, /full: [\d,]+ rows read/, progress);
    assert.ok((await running()) >= 1, 'the query runs on the server');
    await wb.shot('clickhouse-progress');
    await toast.locator('a.monaco-button', { hasText: 'Cancel' }).click();
    const deadline = Date.now() + 15_000;
    while ((await running()) > 0) {
      assert.ok(Date.now() < deadline, 'the cancelled query still runs on the server after 15 s');
      await page.waitForTimeout(250);
    }
    const frame = await freshStatus(page, /^cancelled /, 15_000);
    assert.equal(await panelStatus(frame), 'cancelled The fit was cancelled. Previous results of 2 models are still shown.');
    assert.deepEqual(await fixedRow(frame, 'Days'), ['10.467', '7.206', '13.729']);
    await focusEditor(page, FILE);
    await replaceRest(page, line, 'default.endless', 'default.sleepstudy');
  });

  test('credentials from "MLM: Set ClickHouse Password" reach the server and no file', async () => {
    const { page } = wb;
    const setPassword = async (user: string, password: string) => {
      await focusEditor(page, FILE);
      await runCommand(page, 'MLM: Set ClickHouse Password');
      const input = page.locator('.quick-input-widget input');
      const title = page.locator('.quick-input-widget .quick-input-title');
      await title.filter({ hasText: 'ClickHouse server' }).waitFor();
      assert.equal(await input.inputValue(), `127.0.0.1:${port}`, 'the address is taken from the open .mlm');
      await page.keyboard.press('Enter');
      await title.filter({ hasText: 'ClickHouse user at' }).waitFor();
      await input.fill(user);
      await page.keyboard.press('Enter');
      await title.filter({ hasText: `Password of '${user}'` }).waitFor();
      await input.fill(password);
      await page.keyboard.press('Enter');
      await page.locator('.notifications-toasts', { hasText: 'ClickHouse credentials' }).first().waitFor();
    };
    const wrong = 'not-the-password';
    await setPassword(ANALYST.user, wrong);
    let frame = await fitAll(page, /^error /);
    const errors = await fitErrors(frame);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0], new RegExp(`^full line ${wb.lineOf(FILE, 'data:')}: ClickHouse at 127\\.0\\.0\\.1:${port} did not accept the request, probably the user or password .*; run "MLM: Set ClickHouse Password"`), errors[0]);
    assert.doesNotMatch(errors.join(), new RegExp(wrong));
    await wb.shot('clickhouse-refused');

    const before = requests.length;
    await setPassword(ANALYST.user, ANALYST.password);
    frame = await fitAll(page, /^ok Fitted /);
    assert.deepEqual(await fixedRow(frame, 'Days'), ['10.467', '7.206', '13.729']);
    const queries = requests.slice(before).filter((u) => u.startsWith(`http://127.0.0.1:${port}/?`));
    const users = queries.map((u) => new URL(u).searchParams.get('user'));
    assert.ok(users.length > 0 && users.every((u) => u === ANALYST.user), `users of the queries: ${users.join(', ')}`);
    // Nothing in the workspace holds the password (the web workbench keeps secrets in the browser's storage).
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
    for (const f of files(wb.workspace)) assert.ok(!readFileSync(f, 'latin1').includes(ANALYST.password), f);
  });
});
