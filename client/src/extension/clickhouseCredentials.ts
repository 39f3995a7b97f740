/**
 * ClickHouse credentials in VS Code's secret storage: "MLM: Set ClickHouse Password" stores a user and
 * password per server (host:port), and the language server asks for them (mlm/clickhouseCredentials) when a
 * `.mlm` file's `data:` names a table on that server. They never go into the `.mlm` file.
 */
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import {
  ClickHouseCredentialsRequestMethod,
  type ClickHouseCredentialsParams,
  type ClickHouseCredentialsResponse,
} from '../../../protocol/index';
import { addressInDocument, clickHouseSecretKey, normaliseAddress, parseStoredCredentials } from '../shared/clickhouseAddress';

export function registerClickHouseCredentials(context: vscode.ExtensionContext, client: BaseLanguageClient): vscode.Disposable[] {
  return [
    client.onRequest(ClickHouseCredentialsRequestMethod, async (params: ClickHouseCredentialsParams): Promise<ClickHouseCredentialsResponse | null> => {
      if (!params || typeof params.address !== 'string' || params.address.length > 300) return null;
      return parseStoredCredentials(await context.secrets.get(clickHouseSecretKey(params.address)));
    }),
    vscode.commands.registerCommand('mlm.setClickHousePassword', async () => {
      const editor = vscode.window.activeTextEditor;
      const suggested = editor?.document.languageId === 'mlm' ? addressInDocument(editor.document.getText()) : null;
      const typed = await vscode.window.showInputBox({
        title: 'ClickHouse server (host:port of its HTTP interface)',
        value: suggested ?? '127.0.0.1:8123',
        validateInput: (v) => (normaliseAddress(v) ? null : 'host:port, e.g. warehouse.example.com:8123'),
      });
      if (typed === undefined) return;
      const address = normaliseAddress(typed);
      if (!address) return;
      const stored = parseStoredCredentials(await context.secrets.get(clickHouseSecretKey(address)));
      const user = await vscode.window.showInputBox({ title: `ClickHouse user at ${address}`, value: stored?.user ?? 'default' });
      if (user === undefined) return;
      const password = await vscode.window.showInputBox({
        title: `Password of '${user}' at ${address} (kept in VS Code's secret storage; empty: forget it)`,
        password: true,
      });
      if (password === undefined) return;
      const key = clickHouseSecretKey(address);
      if (password === '' && user === 'default') {
        await context.secrets.delete(key);
        void vscode.window.showInformationMessage(`MLM: forgot the ClickHouse credentials for ${address}.`);
        return;
      }
      await context.secrets.store(key, JSON.stringify({ user, password }));
      void vscode.window.showInformationMessage(`MLM: ClickHouse credentials for ${address} stored; refit to use them.`);
    }),
  ];
}
