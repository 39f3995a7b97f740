/**
 * The language server's logic, shared by the node and the browser entries: document management,
 * validation, LSP features and the custom requests of protocol.ts. Every handler is wrapped so that
 * an exception is logged and answered with an empty result; the server never crashes.
 */
import {
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError, type MlmDiagnostic } from '../../engine/src/index';
import { Analyzer } from './analysis';
import { codeActions } from './codeActions';
import { completion, COMPLETION_TRIGGERS } from './completion';
import { dataPreview, dataRows } from './dataPreview';
import { definition } from './definition';
import { prepareRename, rename } from './rename';
import { DataCache } from './dataCache';
import { toLspDiagnostics } from './lspDiagnostics';
import { FitService } from './fitService';
import { foldingRanges } from './folding';
import type { ServerHost } from './host';
import { hover } from './hover';
import {
  DataPreviewRequestMethod,
  DataRowsRequestMethod,
  FitRequestMethod,
  CheckRequestMethod,
  InferenceRequestMethod,
  type CheckParams,
  type CheckResponse,
  type InferenceParams,
  type InferenceResponse,
  ResultsRequestMethod,
  type DataPreviewParams,
  type DataPreviewResponse,
  type DataRowsParams,
  type DataRowsResponse,
  type FitParams,
  type FitResponse,
  type ResultsParams,
} from '../../protocol/index';
import { hashText } from './hash';
import { safely } from './safe';
import { documentSymbols } from './symbols';
import { Throttle } from './throttle';
import { normalizeUri } from './uris';

/** Milliseconds between two validations of the same document while typing. */
const VALIDATE_INTERVAL_MS = 40;

export function startServer(connection: Connection, makeHost: (c: Connection) => ServerHost): void {
  const documents = new TextDocuments(TextDocument);
  const host = makeHost(connection);
  const data = new DataCache(host);
  const workspaceFolders: string[] = [];
  const settings: { sqlThresholdMB?: number } = {};
  const analyzer = new Analyzer(data, host, () => workspaceFolders, () => settings);
  const fits = new FitService(connection, analyzer, host);
  let watchRegistration = false;

  const validate = async (uri: string): Promise<void> => {
    await safely(connection, 'validation', undefined, async () => {
      const doc = documents.get(uri);
      if (!doc) return;
      const analysis = await analyzer.get(doc);
      // Let requests that arrived meanwhile (completion, hover) run before the per-model analysis.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (documents.get(uri)?.version !== analysis.version) return; // a newer version will publish
      let modelDiags: MlmDiagnostic[];
      try {
        modelDiags = await analysis.diagnostics(() => documents.get(uri)?.version !== analysis.version);
      } catch (e) {
        if (e instanceof CancelledError) return; // a newer version will publish
        throw e;
      }
      if (documents.get(uri)?.version !== analysis.version) return;
      const diags = [...modelDiags, ...fits.errorDiagnostics(uri, analysis), ...fits.fitNotes(uri, analysis)];
      await connection.sendDiagnostics({ uri, version: analysis.version, diagnostics: toLspDiagnostics(diags) });
    });
  };
  const throttle = new Throttle(VALIDATE_INTERVAL_MS, validate);
  fits.onErrorsChanged = (uri) => throttle.schedule(uri);

  connection.onInitialize((params): InitializeResult => {
    host.initialize?.(params.initializationOptions);
    for (const f of params.workspaceFolders ?? []) workspaceFolders.push(f.uri);
    const threshold = (params.initializationOptions as { sqlThresholdMB?: unknown } | undefined)?.sqlThresholdMB;
    if (typeof threshold === 'number' && Number.isFinite(threshold) && threshold >= 0) settings.sqlThresholdMB = threshold;
    if (workspaceFolders.length === 0 && params.rootUri) workspaceFolders.push(params.rootUri);
    watchRegistration = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: COMPLETION_TRIGGERS, resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        documentSymbolProvider: true,
        definitionProvider: true,
        renameProvider: { prepareProvider: true },
        foldingRangeProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'mlm-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (watchRegistration) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{csv,CSV,tsv,txt,parquet}' }] })
        .catch(() => undefined);
    }
    try {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const r of e.removed) {
          const i = workspaceFolders.indexOf(r.uri);
          if (i >= 0) workspaceFolders.splice(i, 1);
        }
        for (const a of e.added) workspaceFolders.push(a.uri);
        analyzer.clear();
        for (const d of documents.all()) throttle.schedule(d.uri);
      });
    } catch {
      // the client does not support workspace folder notifications
    }
  });

  documents.onDidChangeContent((e) => throttle.schedule(e.document.uri));
  documents.onDidClose((e) => {
    throttle.cancel(e.document.uri);
    analyzer.close(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }).catch(() => undefined);
  });

  connection.onDidChangeWatchedFiles((params) =>
    safely(connection, 'file change', undefined, () => {
      let any = false;
      for (const c of params.changes) {
        if (c.type === FileChangeType.Created || c.type === FileChangeType.Changed || c.type === FileChangeType.Deleted) {
          data.invalidate(c.uri);
          host.invalidate?.(c.uri);
          any = true;
        }
      }
      if (!any) return;
      const changed = new Set(params.changes.map((c) => normalizeUri(c.uri)));
      for (const d of documents.all()) {
        if (analyzer.dependsOn(d.uri, changed)) {
          analyzer.forget(d.uri);
          throttle.schedule(d.uri);
        }
      }
    }),
  );

  /** An open document, or (for the custom requests) the file as saved on disk. */
  const documentFor = async (uri: string): Promise<TextDocument | undefined> => {
    const open = documents.get(uri);
    if (open) return open;
    const text = await host.readFile(uri);
    // A negative version derived from the content: the analysis cache sees a changed file as new.
    return text === null ? undefined : TextDocument.create(uri, 'mlm', -1 - parseInt(hashText(text).slice(0, 7), 16), text);
  };

  const withAnalysis = async <T>(uri: string, fallback: T, fn: (a: Awaited<ReturnType<Analyzer['get']>>) => T | Promise<T>, closedToo = false) => {
    const doc = closedToo ? await documentFor(uri) : documents.get(uri);
    if (!doc) return fallback;
    return fn(await analyzer.get(doc));
  };

  connection.onCompletion((params) =>
    safely(connection, 'completion', [], () =>
      withAnalysis(params.textDocument.uri, [], (a) => completion(a, params.position, analyzer, host)),
    ),
  );
  connection.onHover((params) =>
    safely(connection, 'hover', null, () =>
      withAnalysis(params.textDocument.uri, null, (a) => hover(a, params.position, fits.resultsOf(a.uri), fits.comparisonsOf(a.uri), (model, coef) => fits.inferenceOf(a.uri, model, coef))),
    ),
  );
  connection.onCodeAction((params) =>
    safely(connection, 'code actions', [], () =>
      withAnalysis(params.textDocument.uri, [], (a) => codeActions(a, params, host)),
    ),
  );
  connection.onDefinition((params) =>
    safely(connection, 'definition', null, () => withAnalysis(params.textDocument.uri, null, (a) => definition(a, params.position))),
  );
  connection.onPrepareRename((params) =>
    safely(connection, 'prepare rename', null, () => withAnalysis(params.textDocument.uri, null, (a) => prepareRename(a, params.position))),
  );
  connection.onRenameRequest(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const a = await analyzer.get(doc);
    try {
      return rename(a, params.position, params.newName);
    } catch (e) {
      // An invalid name is reported to the user by the client.
      throw new ResponseError(ErrorCodes.InvalidParams, e instanceof Error ? e.message : String(e));
    }
  });
  connection.onDocumentSymbol((params) =>
    safely(connection, 'document symbols', [], () => withAnalysis(params.textDocument.uri, [], (a) => documentSymbols(a))),
  );
  connection.onFoldingRanges((params) =>
    safely(connection, 'folding ranges', [], () => withAnalysis(params.textDocument.uri, [], (a) => foldingRanges(a))),
  );

  connection.onRequest(FitRequestMethod, (params: FitParams, token) =>
    safely<FitResponse>(
      connection,
      'fit',
      { uri: params?.uri ?? '', results: [], fitted: [], errors: [{ model: '', message: 'The fit failed unexpectedly.' }], comparisons: [] },
      async () => {
        const doc = await documentFor(params.uri);
        if (!doc) {
          return { uri: params.uri, results: [], fitted: [], errors: [{ model: '', message: 'The .mlm file cannot be read.' }], comparisons: [] };
        }
        return fits.fit(doc, params, token);
      },
    ),
  );
  connection.onRequest(InferenceRequestMethod, (params: InferenceParams, token) =>
    safely<InferenceResponse>(connection, 'inference', { model: params?.model ?? '', error: 'The computation failed unexpectedly.' }, () => fits.inference(params, token)),
  );
  connection.onRequest(CheckRequestMethod, (params: CheckParams, token) =>
    safely<CheckResponse>(connection, 'check', { model: params?.model ?? '', error: 'The check failed unexpectedly.' }, () => fits.check(params, token)),
  );
  connection.onRequest(ResultsRequestMethod, (params: ResultsParams) =>
    safely<FitResponse>(connection, 'results', { uri: params?.uri ?? '', results: [], fitted: [], errors: [], comparisons: [] }, () =>
      fits.results(params.uri),
    ),
  );
  connection.onRequest(DataPreviewRequestMethod, (params: DataPreviewParams) =>
    safely<DataPreviewResponse | null>(connection, 'data preview', null, () =>
      withAnalysis(params.uri, null, (a) => dataPreview(a, params.maxRows), true),
    ),
  );
  connection.onRequest(DataRowsRequestMethod, (params: DataRowsParams) =>
    safely<DataRowsResponse | null>(connection, 'data rows', null, () =>
      withAnalysis(params.uri, null, (a) => (a.table ? dataRows(a.table, params) : null), true),
    ),
  );

  documents.listen(connection);
  connection.listen();
}
