/**
 * Test helper: the real built language server (dist/node/server.js --stdio) driven over JSON-RPC.
 * Not a test file itself (no .test.ts suffix).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type Diagnostic,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export const root = process.env.MLM_ROOT ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const serverJs = join(root, 'dist', 'node', 'server.js');
export const referenceData = join(root, 'test', 'fixtures', 'reference', 'data');

let built = false;
/** Builds dist/ once per test process (scripts/test.mjs builds before the tests and sets MLM_ROOT: then not again). */
export function ensureBuilt(): void {
  if (built) return;
  if (process.env.MLM_ROOT && existsSync(serverJs) && existsSync(join(root, 'dist', 'web', 'server.js'))) {
    built = true;
    return;
  }
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  if (!existsSync(serverJs) || statSync(serverJs).size === 0) throw new Error('dist/node/server.js was not built');
  built = true;
}

export interface Workspace {
  dir: string;
  uri(name: string): string;
  write(name: string, text: string): string;
  copyData(name: string, as?: string): string;
  dispose(): void;
}

export function makeWorkspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'mlm-server-'));
  return {
    dir,
    uri: (name) => pathToFileURL(join(dir, name)).href,
    write(name, text) {
      writeFileSync(join(dir, name), text);
      return pathToFileURL(join(dir, name)).href;
    },
    copyData(name, as) {
      copyFileSync(join(referenceData, name), join(dir, as ?? name));
      return pathToFileURL(join(dir, as ?? name)).href;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export class LspClient {
  readonly connection: ProtocolConnection;
  private readonly proc: ChildProcess;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private readonly waiters: Array<{ uri: string; pred: (d: Diagnostic[]) => boolean; resolve: (d: Diagnostic[]) => void }> = [];
  readonly logs: string[] = [];
  /** Every $/progress notification received: { token, value: { kind, ... } }. */
  readonly progress: Array<{ token: string | number; value: { kind: string; title?: string; message?: string; percentage?: number } }> = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();

  constructor(readonly workspace: Workspace) {
    // MLM_SERVER_NODE_ARGS: extra node options for the server process (e.g. --cpu-prof when measuring a bench)
    const nodeArgs = (process.env.MLM_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    this.proc = spawn(process.execPath, [...nodeArgs, serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (b: Buffer) => this.logs.push(b.toString()));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i];
        if (w.uri === p.uri && w.pred(p.diagnostics)) {
          this.waiters.splice(i, 1);
          w.resolve(p.diagnostics);
        }
      }
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
    });
    this.connection.onNotification('$/progress', (p: LspClient['progress'][number]) => {
      this.progress.push(p);
    });
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('workspace/configuration', () => []);
    this.connection.listen();
  }

  async initialize(): Promise<void> {
    await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(this.workspace.dir).href,
      workspaceFolders: [{ uri: pathToFileURL(this.workspace.dir).href, name: 'ws' }],
      capabilities: {
        workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: {
          completion: { completionItem: { documentationFormat: ['markdown', 'plaintext'], snippetSupport: false } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          publishDiagnostics: { relatedInformation: true },
        },
        window: { workDoneProgress: true },
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  /** Waits for the next diagnostics of `uri` that satisfy `pred` (default: any publication after now). */
  waitDiagnostics(uri: string, pred: (d: Diagnostic[]) => boolean = () => true, timeoutMs = 10000): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri}; last: ${JSON.stringify(this.diagnostics.get(uri)?.diagnostics)}\nlogs: ${this.logs.join('\n')}`)), timeoutMs);
      this.waiters.push({
        uri,
        pred,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      });
    });
  }

  lastDiagnostics(uri: string): Diagnostic[] | undefined {
    return this.diagnostics.get(uri)?.diagnostics;
  }

  /** Opens a document and resolves with its first diagnostics. */
  async open(uri: string, text: string, timeoutMs?: number): Promise<Diagnostic[]> {
    const first = this.waitDiagnostics(uri, undefined, timeoutMs);
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'mlm', version: 1, text },
    });
    return first;
  }

  /** Replaces the whole text and resolves with the diagnostics that follow. */
  async change(uri: string, text: string): Promise<Diagnostic[]> {
    const next = this.waitDiagnostics(uri);
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
    return next;
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  /** Log lines of handlers that threw (the server logs 'mlm: ... failed') or of stray exceptions. */
  failedHandlers(): string[] {
    return this.logs.filter((l) => /mlm: .* failed|unhandled|uncaught/.test(l));
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  async dispose(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 1000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    // a server started with MLM_SERVER_NODE_ARGS (a profile to write on exit) is given time to end by itself
    if (process.env.MLM_SERVER_NODE_ARGS && this.proc.exitCode === null) await new Promise((r) => (this.proc.once('exit', r), setTimeout(r, 30000)));
    this.connection.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

/** Position of the `occurrence`-th (0-based) match of `needle` in `text`, plus `offset` characters. */
export function positionOf(text: string, needle: string, offset = 0, occurrence = 0): { line: number; character: number } {
  let idx = -1;
  for (let k = 0; k <= occurrence; k++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' not found`);
  }
  idx += offset;
  const before = text.slice(0, idx);
  const line = before.split('\n').length - 1;
  const character = idx - (before.lastIndexOf('\n') + 1);
  return { line, character };
}
