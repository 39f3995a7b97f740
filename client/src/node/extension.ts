/** Desktop entry: the language server runs in a node process over IPC. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import { activateCommon, deactivateCommon } from '../extension/activate';

export function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'node', 'server.js').fsPath;
  return activateCommon(
    context,
    (options) =>
      new LanguageClient(
        'mlm',
        'MLM Language Server',
        {
          run: { module, transport: TransportKind.ipc },
          debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
        },
        options,
      ),
  );
}

export function deactivate(): Promise<void> {
  return deactivateCommon();
}
