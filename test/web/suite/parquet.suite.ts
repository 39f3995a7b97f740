// Parquet in VS Code for the web: the language server's worker reads the file with duckdb-wasm (loaded on first
// use from the extension's own dist/web/duckdb/, nothing from the network) and fits as lme4 does; a corrupt file
// and a response stored as text give located errors and leave the server working.
import * as assert from 'assert';
import * as vscode from 'vscode';
import reference from '../../fixtures/reference/fits/sleepstudy_full.json';
import textParquet from '../../fixtures/parquet/sleepstudy-text.parquet';

interface FitResultLike {
  id: string;
  fixef: Record<string, number>;
  sigma: number;
  logLik: number;
  nobs: number;
}

async function eventually<T>(what: string, check: () => T | undefined, ms = 60000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function folderUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri;
}

async function fitAll(uri: vscode.Uri): Promise<{ fitted: string[]; results: FitResultLike[]; errors: unknown[] }> {
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const resp = await vscode.commands.executeCommand<{ fitted: string[]; results: FitResultLike[]; errors: unknown[] }>('mlm.fitModel', uri, 'full');
  assert.ok(resp, 'the command returned the fit response');
  return resp;
}

suite('MLM Parquet data in VS Code for the web', () => {
  test('data: sleepstudy.parquet fits "full" as lme4 does (duckdb-wasm in the server worker)', async () => {
    const resp = await fitAll(vscode.Uri.joinPath(folderUri(), 'sleepstudy-parquet.mlm'));
    assert.deepStrictEqual(resp.errors, []);
    const fit = resp.results.find((r) => r.id === 'full');
    assert.ok(fit, 'a result for model full');
    assert.strictEqual(fit.nobs, 180);
    for (const [term, want] of Object.entries(reference.fixef as Record<string, number>)) {
      assert.ok(Math.abs(fit.fixef[term] - want) / Math.abs(want) < 1e-4, `fixef ${term}: ${fit.fixef[term]} vs lme4 ${want}`);
    }
    assert.ok(Math.abs(fit.logLik - reference.logLik) < 1e-3, `logLik ${fit.logLik} vs ${reference.logLik}`);
  });

  test('a corrupt Parquet file: a located error on the data: line, and the server still fits', async () => {
    const root = folderUri();
    const good = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'sleepstudy.parquet'));
    const broken = good.slice();
    broken.fill(0x41, 200, 900);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'broken.parquet'), broken);
    const mlm = vscode.Uri.joinPath(root, 'broken.mlm');
    await vscode.workspace.fs.writeFile(mlm, new TextEncoder().encode('data: broken.parquet\n\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n'));
    const doc = await vscode.workspace.openTextDocument(mlm);
    await vscode.window.showTextDocument(doc);
    const diag = await eventually('a diagnostic on the data: line', () =>
      vscode.languages.getDiagnostics(mlm).find((d) => d.range.start.line === 0 && d.message.includes('broken.parquet')),
    );
    assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(diag.range.start.character, 'data: '.length);
    const again = await fitAll(vscode.Uri.joinPath(root, 'sleepstudy-parquet.mlm'));
    assert.deepStrictEqual(again.errors, []);
    assert.deepStrictEqual(again.fitted, ['full']);
  });

  test('a response stored as text in the Parquet file is an error located in the formula', async () => {
    const root = folderUri();
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'sleepstudy-text.parquet'), textParquet);
    const mlm = vscode.Uri.joinPath(root, 'text.mlm');
    await vscode.workspace.fs.writeFile(mlm, new TextEncoder().encode('data: sleepstudy-text.parquet\n\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n'));
    const doc = await vscode.workspace.openTextDocument(mlm);
    await vscode.window.showTextDocument(doc);
    const diag = await eventually('a diagnostic on the formula', () =>
      vscode.languages.getDiagnostics(mlm).find((d) => d.range.start.line === 3 && d.message.includes('Reaction') && d.severity === vscode.DiagnosticSeverity.Error),
    );
    assert.ok(diag.range.start.character >= '  formula: '.length, diag.message);
  });
});

suite('MLM CSV with engine: duckdb in VS Code for the web', () => {
  test('duckdb-wasm reads it (no warning, the fit says so) and the model fits as lme4 does', async () => {
    const root = folderUri();
    const mlm = vscode.Uri.joinPath(root, 'engine.mlm');
    await vscode.workspace.fs.writeFile(mlm, new TextEncoder().encode('data: sleepstudy.csv\nengine: duckdb\n\nmodel full:\n  formula: Reaction ~ Days + (Days | Subject)\n'));
    const resp = await fitAll(mlm);
    assert.deepStrictEqual(resp.errors, []);
    const fit = resp.results.find((r) => r.id === 'full') as (FitResultLike & { dataSource?: string }) | undefined;
    assert.ok(fit, 'a result for model full');
    assert.match(fit.dataSource ?? '', /DuckDB in the browser \('engine: duckdb'\)/);
    assert.strictEqual(fit.nobs, 180);
    assert.ok(Math.abs(fit.fixef.Days - 10.467286) < 1e-5, `Days ${fit.fixef.Days} vs lme4 10.467286`);
    for (const [term, want] of Object.entries(reference.fixef as Record<string, number>)) {
      assert.ok(Math.abs(fit.fixef[term] - want) / Math.abs(want) < 1e-4, `fixef ${term}: ${fit.fixef[term]} vs lme4 ${want}`);
    }
    assert.ok(Math.abs(fit.logLik - reference.logLik) < 1e-3, `logLik ${fit.logLik} vs ${reference.logLik}`);
    assert.deepStrictEqual(vscode.languages.getDiagnostics(mlm).filter((d) => d.severity !== vscode.DiagnosticSeverity.Hint && d.severity !== vscode.DiagnosticSeverity.Information), []);
  });

  test('a CSV with a short row under engine: duckdb: the built-in reader\'s error at its line', async () => {
    const root = folderUri();
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'short.csv'), new TextEncoder().encode('y,g\n1,a\n2,b\n3\n4,c\n'));
    const mlm = vscode.Uri.joinPath(root, 'short.mlm');
    await vscode.workspace.fs.writeFile(mlm, new TextEncoder().encode('data: short.csv\nengine: duckdb\n\nmodel m:\n  formula: y ~ 1 + (1 | g)\n'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(mlm));
    const diag = await eventually('an error on the data: line', () =>
      vscode.languages.getDiagnostics(mlm).find((d) => d.range.start.line === 0 && d.severity === vscode.DiagnosticSeverity.Error),
    );
    assert.match(diag.message, /line 4/);
  });
});
