// What the extension contributes and registers, checked inside a real VS Code.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'mlm-team.mlm-mixed-models';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

/** The label the command palette shows: "Category: Title". */
function paletteLabel(c: ContributedCommand): string {
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

suite('MLM extension in VS Code', () => {
  suiteSetup(async () => {
    await extension().activate();
  });

  test('the extension activates', () => {
    assert.strictEqual(extension().isActive, true);
  });

  test('language mlm is contributed and .mlm files get it', async () => {
    const languages = await vscode.languages.getLanguages();
    assert.ok(languages.includes('mlm'), `languages: ${languages.filter((l) => l.startsWith('m')).join(', ')}`);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'sleepstudy.mlm'));
    assert.strictEqual(doc.languageId, 'mlm');
  });

  test('every contributed command is registered, including MLM: Fit Model', async () => {
    const contributed = ((extension().packageJSON.contributes?.commands ?? []) as ContributedCommand[]).map(
      (c) => c.command,
    );
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const fit = (extension().packageJSON.contributes.commands as ContributedCommand[]).find(
      (c) => paletteLabel(c) === 'MLM: Fit Model',
    );
    assert.ok(fit, 'a command shown as "MLM: Fit Model" is contributed');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('setting mlm.fitOnSave exists and defaults to false', () => {
    const info = vscode.workspace.getConfiguration('mlm').inspect<boolean>('fitOnSave');
    assert.ok(info, 'mlm.fitOnSave is not a contributed setting');
    assert.strictEqual(info.defaultValue, false);
    assert.strictEqual(vscode.workspace.getConfiguration('mlm').get('fitOnSave'), false);
  });
});
