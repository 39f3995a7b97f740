/**
 * The checking assistant's commands. "MLM: Check Model" asks the server to check a fitted model
 * (singular terms in words, lme4's rePCA, a convergence verdict from refits by several optimizers);
 * mlm.compareInferences computes every inference for a fixed effect side by side (linked from its
 * hover), mlm.explainInference says when to prefer a method. Long work shows progress and can be
 * cancelled; results go to an output channel and the hovers.
 */
import * as vscode from 'vscode';
import { WorkDoneProgress, type BaseLanguageClient } from 'vscode-languageclient';
import { CheckRequestMethod, InferenceRequestMethod, type CheckParams, type CheckResponse, type InferenceParams, type InferenceResponse } from '../../../protocol/index';
import { INFERENCE_METHOD_NOTES, type CoefficientInference, type InferenceMethod } from '../../../engine/src/index';

/** Commands that hovers may run from their links (the language client trusts only these). */
export const HOVER_COMMANDS = ['mlm.compareInferences', 'mlm.explainInference'];

let counter = 0;

export function registerCheckCommand(
  context: vscode.ExtensionContext,
  c: BaseLanguageClient,
  targetUri: (arg: unknown) => vscode.Uri | undefined,
  onInference: (uri: vscode.Uri, model: string, rows: CoefficientInference[]) => void = () => undefined,
): void {
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
  context.subscriptions.push(
    vscode.commands.registerCommand('mlm.explainInference', (method?: unknown) => {
      const note = typeof method === 'string' ? INFERENCE_METHOD_NOTES[method as InferenceMethod] : undefined;
      if (note) void vscode.window.showInformationMessage(`${method}: ${note}`);
    }),
    vscode.commands.registerCommand('mlm.compareInferences', async (uriArg?: unknown, modelArg?: unknown, coefArg?: unknown) => {
      const uri = targetUri(uriArg);
      if (!uri || typeof modelArg !== 'string') return null;
      const coef = typeof coefArg === 'string' ? coefArg : undefined;
      const workDoneToken = `mlm-inference-${Date.now()}-${++counter}`;
      const resp = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `MLM: every inference for ${coef ?? modelArg} (profile, likelihood-ratio and 200 bootstrap refits)`, cancellable: true },
        async (progress, token) => {
          const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
            if (v.kind !== 'end') progress.report({ message: v.message });
          });
          try {
            return await c.sendRequest<InferenceResponse>(InferenceRequestMethod, { uri: uri.toString(), model: modelArg, coef, bootstrap: { nsim: 200, seed: 1 }, workDoneToken } satisfies InferenceParams, token);
          } catch (e) {
            if (token.isCancellationRequested) return { model: modelArg, cancelled: true, error: 'Cancelled.' };
            throw e;
          } finally {
            sub.dispose();
          }
        },
      );
      if (resp.error || !resp.text) {
        if (!resp.cancelled) void vscode.window.showWarningMessage(resp.error ?? 'No result.');
        return resp;
      }
      onInference(uri, resp.model, (resp.coefficients ?? []) as CoefficientInference[]);
      output.clear();
      output.appendLine(`Model ${resp.model}: every inference side by side`);
      output.append(resp.text);
      const show = 'Show table';
      void vscode.window.showInformationMessage(`Inference methods computed for ${coef ?? resp.model}: in the results panel under the model, and in the hover of each term.`, show).then((choice) => {
        if (choice === show) output.show(true);
      });
      return resp;
    }),
  );
}
