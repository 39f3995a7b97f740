/**
 * One results webview per .mlm document, re-rendered when its results change. The page is built by
 * the pure renderer (render/panel.ts) with a fresh nonce; messages from the page are validated
 * (shared/messages.ts) before anything is done with them.
 */
import * as vscode from 'vscode';
import { makeNonce, renderResultsPage, type PanelState, type StatusKind } from '../render/panel';
import { renderDataPreviewPage } from '../render/dataPreview';
import type { DataPreviewResponse } from '../../../server/src/protocol';
import { escapeHtml } from '../shared/escape';
import { validateWebviewMessage, type WebviewMessage } from '../shared/messages';

export interface PanelHandlers {
  onMessage(uri: vscode.Uri, msg: WebviewMessage): void | Promise<void>;
}

function baseName(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1) || p;
}

export class ResultsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly states = new Map<string, PanelState>();
  private readonly previews = new Map<string, vscode.WebviewPanel>();
  /** The document of the results panel that was last active (for commands run from the panel). */
  lastActive: vscode.Uri | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: PanelHandlers,
  ) {}

  state(uri: vscode.Uri): PanelState {
    const key = uri.toString();
    let s = this.states.get(key);
    if (!s) {
      s = { fileName: baseName(uri), results: [], comparisons: [] };
      this.states.set(key, s);
    }
    return s;
  }

  isOpen(uri: vscode.Uri): boolean {
    return this.panels.has(uri.toString());
  }

  /** Replaces the panel's content (creating the panel when `open`); keeps the previous results when `state.results` is absent. */
  /** `focus`: a model name to scroll to, or 'comparison' for the comparison tables. */
  update(uri: vscode.Uri, patch: Partial<PanelState>, open: boolean, focus?: string): void {
    const key = uri.toString();
    const s = { ...this.state(uri), ...patch };
    this.states.set(key, s);
    let panel = this.panels.get(key);
    if (!panel && !open) return;
    if (!panel) panel = this.create(uri);
    else if (open) panel.reveal(undefined, true);
    this.render(panel, s, focus);
  }

  /** Updates only the status line (no re-render), e.g. while a fit runs. */
  setStatus(uri: vscode.Uri, kind: StatusKind, message: string): void {
    const s = this.state(uri);
    s.status = { kind, message };
    void this.panels.get(uri.toString())?.webview.postMessage({ type: 'status', kind, message });
  }

  private create(uri: vscode.Uri): vscode.WebviewPanel {
    const key = uri.toString();
    const panel = vscode.window.createWebviewPanel(
      'mlm.results',
      `Results: ${baseName(uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        enableFindWidget: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
      },
    );
    this.panels.set(key, panel);
    this.lastActive = uri;
    panel.onDidDispose(() => this.panels.delete(key));
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = uri;
    });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = validateWebviewMessage(raw);
      if (!msg) return; // unknown or malformed: ignored
      void this.handlers.onMessage(uri, msg);
    });
    return panel;
  }

  private render(panel: vscode.WebviewPanel, s: PanelState, focus?: string): void {
    const nonce = makeNonce();
    const scriptUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js')).toString();
    let html = renderResultsPage(s, { nonce, cspSource: panel.webview.cspSource, scriptUri });
    if (focus) html = html.replace('<body>', `<body data-focus="${escapeHtml(focus)}">`);
    panel.webview.html = html;
  }

  /** The data preview of the CSV linked from an .mlm file (no script). */
  showDataPreview(uri: vscode.Uri, data: DataPreviewResponse): void {
    const key = uri.toString();
    let panel = this.previews.get(key);
    if (!panel) {
      panel = vscode.window.createWebviewPanel('mlm.dataPreview', `Data: ${data.file}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
        enableScripts: false,
        enableFindWidget: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
      });
      this.previews.set(key, panel);
      panel.onDidDispose(() => this.previews.delete(key));
    } else panel.reveal();
    panel.title = `Data: ${data.file}`;
    panel.webview.html = renderDataPreviewPage(data, { nonce: makeNonce(), cspSource: panel.webview.cspSource });
  }

  dispose(): void {
    for (const p of [...this.panels.values(), ...this.previews.values()]) p.dispose();
    this.panels.clear();
    this.previews.clear();
  }
}
