/**
 * "MLM: Check Model": asks the server to check a fitted model (singular terms in words, lme4's rePCA,
 * a convergence verdict from refits by several optimizers) with progress and cancel, then shows the
 * verdict and the engine's text in an output channel. Offered as a quick fix on convergence warnings.
 */
import * as vscode from 'vscode';
import { WorkDoneProgress, type BaseLanguageClient } from 'vscode-languageclient';
import { CheckRequestMethod, type CheckParams, type CheckResponse } from '../../../protocol/index';

let counter = 0;

export function registerCheckCommand(context: vscode.ExtensionContext, c: BaseLanguageClient, targetUri: (arg: unknown) => vscode.Uri | undefined): void {
  const output = vscode.window.createOutputChannel('MLM Model Check');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('mlm.checkModel', async (uriArg?: unknown, modelArg?: unknown) => {
      const uri = targetUri(uriArg);
      if (!uri) return null;
      let model = typeof modelArg === 'string' ? modelArg : undefined;
      if (!model) {
        model = await vscode.window.showInputBox({ prompt: 'Name of the fitted model to check', placeHolder: 'model name' });
        if (!model) return null;
      }
      const workDoneToken = `mlm-check-${Date.now()}-${++counter}`;
      const resp = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `MLM: checking ${model} (refits by several optimizers)`, cancellable: true },
        async (progress, token) => {
          const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
            if (v.kind !== 'end') progress.report({ message: v.message });
          });
          try {
            return await c.sendRequest<CheckResponse>(CheckRequestMethod, { uri: uri.toString(), model, workDoneToken } satisfies CheckParams, token);
          } catch (e) {
            if (token.isCancellationRequested) return { model: model as string, cancelled: true, error: 'The check was cancelled.' };
            throw e;
          } finally {
            sub.dispose();
          }
        },
      );
      if (resp.error || !resp.text) {
        void vscode.window.showWarningMessage(resp.error ?? 'The check gave no result.');
        return resp;
      }
      output.clear();
      output.appendLine(`Model ${resp.model}`);
      output.append(resp.text);
      const show = 'Show details';
      void vscode.window.showInformationMessage(`${resp.model}: ${resp.verdict ?? ''}`, show).then((choice) => {
        if (choice === show) output.show(true);
      });
      return resp;
    }),
  );
}
