// "MLM: Fit Model" through the command API: the engine runs in the language server's web worker and the
// result matches lme4's reference fits (test/fixtures/reference/fits/*.json, bundled in).
import * as assert from 'assert';
import * as vscode from 'vscode';
import reference from '../../fixtures/reference/fits/sleepstudy_full.json';
import ratsLaplace from '../../fixtures/reference/fits/rats_laplace.json';
import ratsAgq from '../../fixtures/reference/fits/rats_agq25.json';

interface FitResultLike {
  id: string;
  fixef: Record<string, number>;
  sigma: number;
  logLik: number;
}

suite('MLM fit in VS Code', () => {
  test('mlm.fitModel on sleepstudy "full" matches lme4 within the reference tolerances', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const uri = vscode.Uri.joinPath(folder.uri, 'sleepstudy.mlm');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const resp = await vscode.commands.executeCommand<{ fitted: string[]; results: FitResultLike[]; errors: unknown[] }>(
      'mlm.fitModel',
      uri,
      'full',
    );
    assert.ok(resp, 'the command returned the fit response');
    assert.deepStrictEqual(resp.fitted, ['full']);
    assert.deepStrictEqual(resp.errors, []);
    const fit = resp.results.find((r) => r.id === 'full');
    assert.ok(fit, 'a result for model full');
    for (const [term, want] of Object.entries(reference.fixef as Record<string, number>)) {
      const got = fit.fixef[term];
      assert.ok(Math.abs(got - want) / Math.abs(want) < 1e-4, `fixef ${term}: ${got} vs lme4 ${want}`);
    }
    assert.ok(Math.abs(fit.sigma - reference.sigma) / reference.sigma < 1e-3, `sigma ${fit.sigma} vs ${reference.sigma}`);
    assert.ok(Math.abs(fit.logLik - reference.logLik) < 1e-3, `logLik ${fit.logLik} vs ${reference.logLik}`);
  });

  test('mlm.fitAll on rats.mlm fits both binomial GLMMs (Laplace, nAGQ 25) in the browser, as lme4', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    const uri = vscode.Uri.joinPath(folder.uri, 'rats.mlm');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const resp = await vscode.commands.executeCommand<{ fitted: string[]; results: FitResultLike[]; errors: unknown[] }>(
      'mlm.fitAll',
      uri,
    );
    assert.ok(resp, 'the command returned the fit response');
    assert.deepStrictEqual(resp.errors, []);
    assert.deepStrictEqual([...resp.fitted].sort(), ['agq', 'laplace']);
    const cases: [string, { fixef: Record<string, number>; logLik: number }, number][] = [
      ['laplace', ratsLaplace, 1e-3],
      ['agq', ratsAgq, 1e-2],
    ];
    for (const [id, ref, logLikTol] of cases) {
      const fit = resp.results.find((r) => r.id === id);
      assert.ok(fit, `a result for model ${id}`);
      for (const [term, want] of Object.entries(ref.fixef)) {
        const got = fit.fixef[term];
        assert.ok(Math.abs(got - want) / Math.abs(want) < 1e-3, `${id} fixef ${term}: ${got} vs lme4 ${want}`);
      }
      assert.ok(Math.abs(fit.logLik - ref.logLik) < logLikTol, `${id} logLik ${fit.logLik} vs lme4 ${ref.logLik}`);
    }
  });
});
