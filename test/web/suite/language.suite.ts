// The language server (a web worker in the browser) answers through VS Code's own provider commands.
import * as assert from 'assert';
import * as vscode from 'vscode';

async function openExample(name: string): Promise<vscode.TextDocument> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, name));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** Polls until `check` returns a value, or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function lineOf(doc: vscode.TextDocument, text: string): number {
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(text)) return i;
  throw new Error(`no line contains "${text}"`);
}

suite('MLM language server in VS Code', () => {
  test('completion after "~ " in a formula offers the CSV columns', async () => {
    const doc = await openExample('sleepstudy.mlm');
    const line = lineOf(doc, 'formula: Reaction ~ Days + (Days | Subject)');
    const col = doc.lineAt(line).text.indexOf('~') + 2;
    const labels = await eventually('completion items with columns', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(line, col),
      );
      const names = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      return names.includes('Days') ? names : undefined;
    });
    for (const c of ['Reaction', 'Days', 'Subject']) assert.ok(labels.includes(c), `offered: ${labels.join(', ')}`);
  });

  test('a misspelt column gets a located error from the server', async () => {
    const doc = await openExample('sleepstudy.mlm');
    const line = lineOf(doc, 'formula: Reaction ~ Days + (1 | Subject)');
    const col = doc.lineAt(line).text.indexOf('Days');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(line, col, line, col + 4), 'Dayz');
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const diag = await eventually('a diagnostic on Dayz', () =>
        vscode.languages.getDiagnostics(doc.uri).find((d) => d.message.includes("'Dayz'")),
      );
      assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(diag.range.start.line, line);
      assert.strictEqual(diag.range.start.character, col);
      assert.strictEqual(diag.range.end.character, col + 4);
      assert.ok(diag.message.includes("did you mean 'Days'"), diag.message);
    } finally {
      const undo = new vscode.WorkspaceEdit();
      undo.replace(doc.uri, new vscode.Range(line, col, line, col + 4), 'Days');
      await vscode.workspace.applyEdit(undo);
    }
    await eventually('the diagnostic to clear', () =>
      vscode.languages.getDiagnostics(doc.uri).some((d) => d.message.includes("'Dayz'")) ? undefined : true,
    );
  });
});
