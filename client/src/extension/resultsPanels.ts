/**
 * One results webview per .mlm document, re-rendered when its results change. The page is built by
 * the pure renderer (render/panel.ts) with a fresh nonce; messages from the page are validated
 * (shared/messages.ts) before anything is done with them. Each page keeps its document URI and state
 * with setState (sent when the page reports ready), so that after a window reload the serializer
 * registered for RESULTS_VIEW_TYPE brings the panel back through restore().
 */
import * as vscode from 'vscode';
import { makeNonce, renderResultsPage, type PanelState, type StatusKind } from '../render/panel';
import { renderDataPreviewPage } from '../render/dataPreview';
import type { DataPreviewResponse, DataRowsResponse } from '../../../protocol/index';
import { escapeHtml } from '../shared/escape';
import { validateWebviewMessage, type WebviewMessage } from '../shared/messages';
import { persistedPanel, restoredPanel } from '../shared/panelPersist';

export interface PanelHandlers {
  onMessage(uri: vscode.Uri, msg: WebviewMessage): void | Promise<void>;
  /** A page of rows asked for by the data preview of the .mlm `uri` (null when the data cannot be read). */
  dataRows(uri: vscode.Uri, msg: Extract<WebviewMessage, { type: 'dataRows' }>): Promise<DataRowsResponse | null>;
}

export const RESULTS_VIEW_TYPE = 'mlm.results';

function baseName(uri: vscode.Uri): string {
  const p = uri.path;
  return p.slice(p.lastIndexOf('/') + 1) || p;
}

export class ResultsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly states = new Map<string, PanelState>();
  private readonly previews = new Map<string, vscode.WebviewPanel>();
  /** The last group level hovered in each file's results, shown again when its data preview (re)loads. */
  private readonly linkedLevels = new Map<string, { group: string; level: string }>();
  /** The document of the results panel that was last active (for commands run from the panel). */
  lastActive: vscode.Uri | undefined;

  /**
   * The one editor column for results and data previews: every new panel opens as a tab there
   * (the column of an open results or preview panel), so no .mlm or preview adds another column.
   */
  private resultsColumn(): vscode.ViewColumn {
    for (const p of [...this.panels.values(), ...this.previews.values()]) {
      try {
        if (p.viewColumn !== undefined) return p.viewColumn;
      } catch {
        // disposed meanwhile
      }
    }
    return vscode.ViewColumn.Beside;
  }

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

  /** Shows a model's inference table (render/inference.ts) in its open panel, until the next render. */
  showInference(uri: vscode.Uri, model: string, html: string): void {
    void this.panels.get(uri.toString())?.webview.postMessage({ type: 'inference', model, html });
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
    };
  }

  private create(uri: vscode.Uri): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      `Results: ${baseName(uri)}`,
      { viewColumn: this.resultsColumn(), preserveFocus: true },
      this.webviewOptions(),
    );
    this.adopt(uri, panel);
    return panel;
  }

  private adopt(uri: vscode.Uri, panel: vscode.WebviewPanel): void {
    const key = uri.toString();
    this.panels.set(key, panel);
    this.lastActive = uri;
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = uri;
    });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = validateWebviewMessage(raw);
      if (!msg) return; // unknown or malformed: ignored
      if (msg.type === 'ready') {
        // the page keeps what a reload needs (read back by restore())
        void panel.webview.postMessage({ type: 'persist', state: persistedPanel(key, this.state(uri)) });
      }
      void this.handlers.onMessage(uri, msg);
    });
  }

  /**
   * A results panel VS Code brings back after a window reload (WebviewPanelSerializer): the state the
   * page kept with setState is checked and rendered again. A state that cannot be read, or a
   * document that already has a panel, closes the restored one.
   */
  restore(panel: vscode.WebviewPanel, persisted: unknown): void {
    const restored = restoredPanel(persisted);
    let uri: vscode.Uri | undefined;
    try {
      uri = restored ? vscode.Uri.parse(restored.uri, true) : undefined;
    } catch {
      uri = undefined;
    }
    if (!restored || !uri || this.panels.has(uri.toString())) {
      panel.dispose();
      return;
    }
    const key = uri.toString();
    const current = this.states.get(key);
    // Results fitted since the reload (before VS Code restored the panel) win over the kept ones.
    const s = current && current.results.length ? current : restored.state;
    this.states.set(key, s);
    panel.webview.options = this.webviewOptions();
    panel.title = `Results: ${baseName(uri)}`;
    this.adopt(uri, panel);
    try {
      this.render(panel, s);
    } catch {
      this.render(panel, { fileName: s.fileName, results: [], comparisons: [], status: { kind: 'error', message: 'The previous results could not be shown again; fit the models again.' } });
    }
  }

  private render(panel: vscode.WebviewPanel, s: PanelState, focus?: string): void {
    const nonce = makeNonce();
    const scriptUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js')).toString();
    let html = renderResultsPage(s, { nonce, cspSource: panel.webview.cspSource, scriptUri });
    if (focus) html = html.replace('<body>', `<body data-focus="${escapeHtml(focus)}">`);
    panel.webview.html = html;
  }

  /**
   * A group level hovered or focused in the results panel of `uri` (null: none), passed on to that
   * file's data preview, which marks the level's rows and offers to show only them.
   */
  relayLevel(uri: vscode.Uri, group: string | null, level: string | null): void {
    if (group === null || level === null) return; // the preview keeps the last level marked
    this.linkedLevels.set(uri.toString(), { group, level });
    void this.previews.get(uri.toString())?.webview.postMessage({ type: 'linkedLevel', group, level });
  }

  /** The data preview of the CSV linked from an .mlm file: its rows come in pages (handlers.dataRows). */
  showDataPreview(uri: vscode.Uri, data: DataPreviewResponse): void {
    const key = uri.toString();
    let panel = this.previews.get(key);
    if (!panel) {
      const created = vscode.window.createWebviewPanel('mlm.dataPreview', `Data: ${data.file}`, { viewColumn: this.resultsColumn(), preserveFocus: true }, {
        enableScripts: true,
        enableFindWidget: true,
        // kept while its tab is hidden behind the results (same column): sort, filter, scroll and the linked level stay
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
      });
      panel = created;
      this.previews.set(key, created);
      created.onDidDispose(() => this.previews.delete(key));
      created.webview.onDidReceiveMessage(async (raw: unknown) => {
        const msg = validateWebviewMessage(raw);
        if (msg?.type === 'ready') {
          const last = this.linkedLevels.get(key);
          if (last) void created.webview.postMessage({ type: 'linkedLevel', ...last });
          return;
        }
        if (msg?.type !== 'dataRows') return; // otherwise the preview asks for rows only
        let page: DataRowsResponse | null = null;
        try {
          page = await this.handlers.dataRows(uri, msg);
        } catch {
          page = null;
        }
        if (page) void created.webview.postMessage({ type: 'dataRows', id: msg.id, ...page });
      });
    } else panel.reveal(undefined, true);
    panel.title = `Data: ${data.file}`;
    const scriptUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js')).toString();
    panel.webview.html = renderDataPreviewPage(data, { nonce: makeNonce(), cspSource: panel.webview.cspSource, scriptUri });
  }

  dispose(): void {
    for (const p of [...this.panels.values(), ...this.previews.values()]) p.dispose();
    this.panels.clear();
    this.previews.clear();
  }
}
