/** Browser entry (VS Code for the web): the language server runs in a web worker. */
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/browser';
import { activateCommon, deactivateCommon } from '../extension/activate';

export function activate(context: vscode.ExtensionContext): Promise<void> {
  return activateCommon(context, (options) => {
    const worker = new Worker(vscode.Uri.joinPath(context.extensionUri, 'dist/web/server.js').toString(true));
    // The server's worker runs from a blob: URL, so it is told where its duckdb-wasm file is (loaded on the first Parquet file).
    const duckdbWasm = vscode.Uri.joinPath(context.extensionUri, 'dist/web/duckdb/duckdb-eh.wasm').toString(true);
    const init = typeof options.initializationOptions === 'object' && options.initializationOptions ? options.initializationOptions : {};
    return new LanguageClient('mlm', 'MLM Language Server', worker, { ...options, initializationOptions: { ...init, duckdbWasm } });
  });
}

export function deactivate(): Promise<void> {
  return deactivateCommon();
}
