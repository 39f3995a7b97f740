/** Browser entry (VS Code for the web): the language server runs in a web worker. */
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/browser';
import { activateCommon, deactivateCommon } from '../extension/activate';

export function activate(context: vscode.ExtensionContext): Promise<void> {
  return activateCommon(context, (options) => {
    const worker = new Worker(vscode.Uri.joinPath(context.extensionUri, 'dist/web/server.js').toString(true));
    return new LanguageClient('mlm', 'MLM Language Server', worker, options);
  });
}

export function deactivate(): Promise<void> {
  return deactivateCommon();
}
