/**
 * Everything the extension does, shared by the node and web entries (which only create the language
 * client): commands, code lenses, fit with cancellable progress, results panels, export, data
 * preview, fit on save and the status bar.
 */
import * as vscode from 'vscode';
import { WorkDoneProgress, type BaseLanguageClient, type LanguageClientOptions } from 'vscode-languageclient';
import {
  DataPreviewRequestMethod,
  DataRowsRequestMethod,
  FitRequestMethod,
  ResultsRequestMethod,
  type DataPreviewParams,
  type DataPreviewResponse,
  type DataRowsParams,
  type DataRowsResponse,
  type FitParams,
  type FitResponse,
  type ResultsParams,
} from '../../../protocol/index';
import { EXTENSIONS, exportResults, plotFiles, toMarkdown } from '../export/formats';
import { addressInDocument } from '../shared/clickhouseAddress';
import { summarizeFit } from '../shared/fitSummary';
import { pngBytes, RESULTS_FORMATS, type ResultsFormat, type WebviewMessage } from '../shared/messages';
import { ModelCodeLensProvider } from './codeLens';
import { registerFileAccess } from './fileAccess';
import { registerClickHouseCredentials } from './clickhouseCredentials';
import { HOVER_COMMANDS, registerCheckCommand } from './checkCommand';
import { inferenceTableHtml } from '../render/inference';
import { RESULTS_VIEW_TYPE, ResultsPanels } from './resultsPanels';
import { FitStatusBar } from './statusBar';

export type ClientFactory = (options: LanguageClientOptions) => BaseLanguageClient;

let client: BaseLanguageClient | undefined;

/** Rows sent with the data preview page; the rest come in pages as the table scrolls (mlm/dataRows). */
const PREVIEW_FIRST_ROWS = 100;

const FORMAT_LABELS: Record<ResultsFormat, string> = { markdown: 'Markdown', html: 'HTML report', latex: 'LaTeX', csv: 'CSV', json: 'JSON' };

export async function activateCommon(context: vscode.ExtensionContext, createClient: ClientFactory): Promise<void> {
  const c = createClient({
    documentSelector: [{ language: 'mlm' }],
    outputChannelName: 'MLM Language Server',
    // hovers may run our own commands from their links, and no others (data in hovers is escaped)
    markdown: { isTrusted: { enabledCommands: HOVER_COMMANDS } },
    // read when the server starts (a change applies after a window reload)
    initializationOptions: { sqlThresholdMB: vscode.workspace.getConfiguration('mlm').get<number>('data.sqlThresholdMB', 100) },
  });
  client = c;
  context.subscriptions.push(...registerFileAccess(c));
  context.subscriptions.push(...registerClickHouseCredentials(context, c));

  const status = new FitStatusBar();
  const panels = new ResultsPanels(context.extensionUri, {
    onMessage: (uri, msg) => onPanelMessage(uri, msg),
    dataRows: (uri, msg) => {
      const { type: _type, id: _id, ...query } = msg;
      return c.sendRequest<DataRowsResponse | null>(DataRowsRequestMethod, { uri: uri.toString(), ...query } satisfies DataRowsParams);
    },
  });
  context.subscriptions.push(status, panels);
  // Results panels come back after a window reload with the results their page kept (ResultsPanels.restore).
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => panels.restore(panel, state),
    }),
  );
  let fitCounter = 0;
  const running = new Set<string>();

  /** The .mlm document a command is about: its argument, the active editor, or the last active results panel. */
  function targetUri(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg.length > 0) {
      try {
        return vscode.Uri.parse(arg, true);
      } catch {
        return undefined;
      }
    }
    const ed = vscode.window.activeTextEditor;
    if (ed && ed.document.languageId === 'mlm') return ed.document.uri;
    return panels.lastActive;
  }

  function noTarget(): void {
    void vscode.window.showWarningMessage('Open a .mlm file first (the command works on the active .mlm editor).');
  }

  async function ensureOpen(uri: vscode.Uri): Promise<void> {
    // The server fits documents it has open; opening the text document syncs it.
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) await vscode.workspace.openTextDocument(uri);
  }

  async function runFit(
    uri: vscode.Uri,
    params: Omit<FitParams, 'uri' | 'workDoneToken'>,
    opts: { silent?: boolean; reveal?: boolean; focus?: string } = {},
  ): Promise<FitResponse | null> {
    const key = uri.toString();
    if (running.has(key)) {
      void vscode.window.showInformationMessage('A fit of this file is already running.');
      return null;
    }
    running.add(key);
    const what = params.model ? params.model : params.position ? 'the model under the cursor' : 'all models';
    const started = Date.now();
    status.running(what);
    panels.setStatus(uri, 'running', `Fitting ${what}…`);
    try {
      await ensureOpen(uri);
      const workDoneToken = `mlm-fit-${Date.now()}-${++fitCounter}`;
      let cancelledByUser = false;
      const resp = await vscode.window.withProgress(
        {
          location: opts.silent ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
          title: `MLM: fitting ${what}`,
          cancellable: true,
        },
        async (progress, token) => {
          let last = 0;
          const sub = c.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
            if (v.kind === 'end') return;
            const pct = typeof v.percentage === 'number' ? v.percentage : undefined;
            const increment = pct !== undefined && pct > last ? pct - last : undefined;
            if (pct !== undefined) last = Math.max(last, pct);
            progress.report({ message: v.message, increment });
          });
          token.onCancellationRequested(() => (cancelledByUser = true));
          try {
            return await c.sendRequest<FitResponse>(FitRequestMethod, { uri: uri.toString(), ...params, workDoneToken } satisfies FitParams, token);
          } catch (e) {
            if (token.isCancellationRequested) return null;
            throw e;
          } finally {
            sub.dispose();
          }
        },
      );
      if (!resp) {
        const msg = 'The fit was cancelled; the previous results are still shown.';
        status.done('cancelled', 'fit cancelled', msg);
        panels.setStatus(uri, 'cancelled', msg);
        void vscode.window.showInformationMessage(msg);
        return null;
      }
      // The time the user waited (request to answer), with the engine's per-model fit times on hover.
      const out = summarizeFit(resp, cancelledByUser, (Date.now() - started) / 1000);
      status.done(out.kind, out.short, out.message);
      const open = opts.reveal !== false && (panels.isOpen(uri) || (!opts.silent && out.kind !== 'cancelled'));
      const errors = resp.errors
        .filter((e) => !e.cancelled)
        .map((e) => ({ model: e.model, message: e.message, ...(e.range ? { line: e.range.start.line, character: e.range.start.character } : {}) }));
      panels.update(uri, { results: resp.results, comparisons: resp.comparisons ?? [], status: { kind: out.kind, message: out.message, detail: out.detail }, errors }, open, opts.focus ?? params.model);
      // One message per error: the panel lists them (with links to their lines); a notification only when no panel shows them.
      if (out.kind === 'error' && !open) {
        void vscode.window.showErrorMessage(out.message, 'Show Problems').then((a) => {
          if (a) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
      } else if (out.kind === 'cancelled' && !open) void vscode.window.showInformationMessage(out.message);
      return resp;
    } catch (e) {
      const msg = `The fit failed: ${e instanceof Error ? e.message : String(e)}. The previous results are still shown.`;
      status.done('error', 'fit failed', msg);
      panels.setStatus(uri, 'error', msg);
      void vscode.window.showErrorMessage(msg);
      return null;
    } finally {
      running.delete(key);
    }
  }

  async function showResults(uri: vscode.Uri, model?: string): Promise<void> {
    await ensureOpen(uri);
    let resp: FitResponse | null = null;
    try {
      resp = await c.sendRequest<FitResponse>(ResultsRequestMethod, { uri: uri.toString() } satisfies ResultsParams);
    } catch {
      resp = null;
    }
    const patch = resp && resp.results.length ? { results: resp.results, comparisons: resp.comparisons ?? [] } : {};
    panels.update(uri, patch, true, model);
  }

  async function exportTo(uri: vscode.Uri, format?: ResultsFormat): Promise<void> {
    const state = panels.state(uri);
    if (!state.results.length) {
      try {
        const resp = await c.sendRequest<FitResponse>(ResultsRequestMethod, { uri: uri.toString() } satisfies ResultsParams);
        if (resp?.results?.length) panels.update(uri, { results: resp.results, comparisons: resp.comparisons ?? [] }, false);
      } catch {
        /* handled below */
      }
    }
    const s = panels.state(uri);
    if (!s.results.length) {
      void vscode.window.showWarningMessage('There are no results to export yet: fit the models first (MLM: Fit All Models).');
      return;
    }
    let fmt = format;
    if (!fmt) {
      const pick = await vscode.window.showQuickPick(
        RESULTS_FORMATS.map((f) => ({ label: FORMAT_LABELS[f], description: `.${EXTENSIONS[f]}`, format: f })),
        { title: 'Export results as', placeHolder: 'Choose a format' },
      );
      if (!pick) return;
      fmt = pick.format;
    }
    const base = s.fileName.replace(/\.mlm$/i, '');
    const target = await vscode.window.showSaveDialog({
      title: `Export results as ${FORMAT_LABELS[fmt]}`,
      defaultUri: vscode.Uri.joinPath(uri, '..', `${base}-results.${EXTENSIONS[fmt]}`),
      filters: { [FORMAT_LABELS[fmt]]: [EXTENSIONS[fmt]] },
    });
    if (!target) return; // nothing is written without the user's choice
    const input = { fileName: s.fileName, results: s.results, comparisons: s.comparisons };
    let text: string;
    if (fmt === 'markdown') {
      // The plots go beside the Markdown file as SVG files in a folder of their own, linked from it.
      const name = target.path.slice(target.path.lastIndexOf('/') + 1).replace(/\.md$/i, '');
      const dir = `${name}-plots`;
      const files = plotFiles(input);
      const folder = vscode.Uri.joinPath(target, '..', dir);
      await vscode.workspace.fs.createDirectory(folder);
      for (const f of files) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, f.name), new TextEncoder().encode(f.svg));
      text = toMarkdown(input, { dir, files });
    } else text = exportResults(fmt, input);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(`Results exported to ${target.path.slice(target.path.lastIndexOf('/') + 1)}.`);
  }

  async function savePlot(uri: vscode.Uri, msg: Extract<WebviewMessage, { type: 'exportPlot' }>): Promise<void> {
    const ext = msg.format;
    const target = await vscode.window.showSaveDialog({
      title: `Save plot as ${ext.toUpperCase()}`,
      defaultUri: vscode.Uri.joinPath(uri, '..', `${msg.plotId}.${ext}`),
      filters: { [ext.toUpperCase()]: [ext] },
    });
    if (!target) return;
    const bytes = ext === 'png' ? pngBytes(msg.data) : new TextEncoder().encode(`<?xml version="1.0" encoding="UTF-8"?>\n${msg.data}\n`);
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Plot saved to ${target.path.slice(target.path.lastIndexOf('/') + 1)}.`);
  }

  async function onPanelMessage(uri: vscode.Uri, msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return;
      case 'reveal': {
        const doc = await vscode.workspace.openTextDocument(uri);
        const pos = new vscode.Position(msg.line, msg.character);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
        return;
      }
      case 'refit':
        await runFit(uri, msg.model ? { model: msg.model } : {});
        return;
      case 'check':
        await vscode.commands.executeCommand('mlm.checkModel', uri, msg.model);
        return;
      case 'inference':
        await vscode.commands.executeCommand('mlm.compareInferences', uri.toString(), msg.model);
        return;
      case 'exportResults':
        await exportTo(uri, msg.format);
        return;
      case 'exportPlot':
        await savePlot(uri, msg);
        return;
      case 'linkedLevel':
        panels.relayLevel(uri, msg.group, msg.level);
        return;
      case 'dataRows':
        return; // asked by data previews only (ResultsPanels.showDataPreview)
    }
  }

  async function dataPreview(uri: vscode.Uri): Promise<void> {
    await ensureOpen(uri);
    let data: DataPreviewResponse | null = null;
    try {
      data = await c.sendRequest<DataPreviewResponse | null>(DataPreviewRequestMethod, { uri: uri.toString(), maxRows: PREVIEW_FIRST_ROWS } satisfies DataPreviewParams);
    } catch (e) {
      void vscode.window.showErrorMessage(`Data preview failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!data) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const server = doc ? addressInDocument(doc.getText()) : null;
      if (server) {
        void vscode.window.showInformationMessage(`A ClickHouse table is not previewed: its rows stay on the server (${server}); fitting reads only the models' sums.`);
        return;
      }
      void vscode.window.showWarningMessage('No data to preview: the file needs a `data:` line naming a readable CSV file (see the Problems view).');
      return;
    }
    panels.showDataPreview(uri, data);
  }

  const cmd = (id: string, f: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));

  cmd('mlm.fitModel', async (uriArg?: unknown, model?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    if (typeof model === 'string' && model) return runFit(uri, { model });
    const ed = vscode.window.activeTextEditor;
    if (ed && ed.document.uri.toString() === uri.toString()) {
      const p = ed.selection.active;
      return runFit(uri, { position: { line: p.line, character: p.character } });
    }
    return runFit(uri, {});
  });
  registerCheckCommand(context, c, targetUri, (uri, model, rows) => panels.showInference(uri, model, inferenceTableHtml(model, rows)));
  cmd('mlm.fitAll', async (uriArg?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    return runFit(uri, {});
  });
  cmd('mlm.compareModels', async (uriArg?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    const resp = await runFit(uri, {}, { focus: 'comparison' });
    if (resp && !(resp.comparisons ?? []).length) {
      void vscode.window.showInformationMessage('This file has no `compare:` line. Add one such as `compare: empty, iq` to test nested models with a likelihood-ratio test.');
    }
    return resp;
  });
  cmd('mlm.showResults', async (uriArg?: unknown, model?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    return showResults(uri, typeof model === 'string' ? model : undefined);
  });
  cmd('mlm.exportResults', async (uriArg?: unknown, format?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    const f = typeof format === 'string' && (RESULTS_FORMATS as readonly string[]).includes(format) ? (format as ResultsFormat) : undefined;
    return exportTo(uri, f);
  });
  cmd('mlm.openExample', async () => {
    // The walkthrough's first step: the workspace's sleepstudy.mlm (npm start serves examples/), else any .mlm file.
    const found = (await vscode.workspace.findFiles('**/sleepstudy.mlm', '**/node_modules/**', 1))[0] ?? (await vscode.workspace.findFiles('**/*.mlm', '**/node_modules/**', 1))[0];
    if (!found) {
      void vscode.window.showInformationMessage('No .mlm file in this workspace: open the folder with the examples (npm start serves examples/), or create a file ending in .mlm.');
      return;
    }
    await vscode.window.showTextDocument(found, { viewColumn: vscode.ViewColumn.One });
  });
  cmd('mlm.openDataPreview', async (uriArg?: unknown) => {
    const uri = targetUri(uriArg);
    if (!uri) return noTarget();
    return dataPreview(uri);
  });

  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ language: 'mlm' }, new ModelCodeLensProvider()),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.languageId !== 'mlm') return;
      if (!vscode.workspace.getConfiguration('mlm', doc.uri).get<boolean>('fitOnSave', false)) return;
      void runFit(doc.uri, {}, { silent: true });
    }),
    vscode.window.onDidChangeActiveTextEditor((ed) => status.onActiveEditor(ed)),
  );
  status.onActiveEditor(vscode.window.activeTextEditor);

  await c.start();
}

export async function deactivateCommon(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}
