/** The node server over IPC (as VS Code desktop starts it with TransportKind.ipc): --node-ipc. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { ensureBuilt, makeWorkspace, positionOf, serverJs } from './lspClient';

test('node server over --node-ipc: diagnostics and completion', async () => {
  ensureBuilt();
  const ws = makeWorkspace();
  ws.copyData('sleepstudy.csv');
  const child = fork(serverJs, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  try {
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(ws.dir).href,
      workspaceFolders: [{ uri: pathToFileURL(ws.dir).href, name: 'ws' }],
      capabilities: {},
    });
    await conn.sendNotification('initialized', {});
    const text = 'data: sleepstudy.csv\nmodel a:\n  formula: Reaction ~ Dayz + (1 | Subject)\n';
    const uri = ws.write('ipc.mlm', text);
    const diags = new Promise<PublishDiagnosticsParams>((resolve) => conn.onNotification('textDocument/publishDiagnostics', resolve));
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'mlm', version: 1, text } });
    const d = await diags;
    assert.deepEqual(d.diagnostics.map((x) => x.code), ['unknown-column']);
    const items = (await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: positionOf(text, '| Subject', 2) })) as Array<{ label: string }>;
    assert.deepEqual(items.map((i) => i.label), ['Subject']);
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill();
    ws.dispose();
  }
});
