// The tasklens language server: a thin adapter from LSP to engine/ (analysis, predictions,
// diagnostics, fixes). It never runs workflow code and opens stores read-only.
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  CodeLens,
  CodeLensParams,
  Connection,
  createConnection,
  Diagnostic,
  DiagnosticSeverity,
  Hover,
  HoverParams,
  MarkupKind,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { TaskDiagnostic } from "../dialects/tasklens/diagnostics";
import { AnalyzedDocument } from "../engine/analysis/document";
import type { AnalysisProvider } from "../engine/analysis/closure";
import { diskProvider, inspect, Inspection } from "../dialects/tasklens/inspect";
import { explainText, hoverMarkdown, statusText } from "../core/present";
import { isInside } from "../engine/fsutil";
import { defaultStorePath } from "../engine/store";
import { StoreWatcher } from "../core/storeWatcher";
import { VERSION } from "../engine/version";
import { Commands, DEBOUNCE_MS, ExplainParams, ExplainRequest, FileStatusParams, FileStatusRequest, FileStatusResult, InitializationOptions, StoreOverride, TaskRef } from "../protocol";

interface DocumentState {
  analyzed: AnalyzedDocument;
  inspection?: Inspection;
  storePath: string;
  timer?: NodeJS.Timeout;
}

/** Open documents other than the edited one are re-analysed a little later (they may import it). */
const DEPENDENT_DELAY_MS = 250;

const SEVERITY: Record<TaskDiagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocumentState>();
  const stores = new Map<string, StoreWatcher>();
  const disk = diskProvider();
  let lensRefresh = false;
  let storeOverrides: StoreOverride[] = [];

  /** The store a workflow's runs go to: the innermost workspace folder's `tasklens.db` setting, else the default. */
  const storePathOf = (file: string): string => {
    const innermost = storeOverrides.filter((o) => isInside(o.folder, file)).sort((a, b) => b.folder.length - a.folder.length)[0];
    return defaultStorePath(file, innermost?.db);
  };

  const guard = <A extends unknown[], R>(what: string, fallback: R, fn: (...args: A) => R | Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      connection.console.error(`tasklens: ${what} failed: ${(error as Error)?.stack ?? String(error)}`);
      return fallback;
    }
  };

  /** Open buffers first (unsaved edits count), the disk otherwise. */
  const provider: AnalysisProvider = (file) => {
    const state = states.get(pathToFileURL(file).toString());
    return state ? state.analyzed.analysis : disk(file);
  };

  const storeFor = (storePath: string): StoreWatcher => {
    let watch = stores.get(storePath);
    if (!watch) {
      watch = new StoreWatcher(storePath, async () => {
        // Re-analyse first, so that the lenses the client asks for after the refresh are the new ones.
        const affected = [...states].filter(([, state]) => state.storePath === storePath).map(([uri]) => uri);
        await Promise.all(affected.map((uri) => guard("analysis", undefined, () => analyse(uri))()));
        if (lensRefresh) void connection.sendRequest("workspace/codeLens/refresh").catch(() => undefined);
      });
      stores.set(storePath, watch);
    }
    return watch;
  };

  const analyse = async (uri: string): Promise<void> => {
    const doc = documents.get(uri);
    const state = states.get(uri);
    if (!doc || !state) return;
    const version = doc.version;
    state.analyzed.update(doc.getText());
    const watch = storeFor(state.storePath);
    await watch.ready();
    if (documents.get(uri)?.version !== version) return; // a newer text is on its way: it wins
    const file = fileURLToPath(uri);
    state.inspection = inspect(file, state.analyzed.text, { analysis: state.analyzed.analysis, provider, store: watch.store });
    const diagnostics: Diagnostic[] = state.inspection.diagnostics.map((d) => ({
      range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) },
      severity: SEVERITY[d.severity],
      source: "tasklens",
      code: d.code,
      message: d.message,
      data: { task: d.task },
    }));
    connection.sendDiagnostics({ uri, version, diagnostics });
  };

  function schedule(uri: string, delay = DEBOUNCE_MS): void {
    const state = states.get(uri);
    if (!state) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(guard("analysis", undefined, () => analyse(uri)), delay);
  }

  /** The inspection of a document's current text (analysing now if an edit is pending). */
  const current = async (uri: string): Promise<{ doc: TextDocument; state: DocumentState; inspection: Inspection } | undefined> => {
    const doc = documents.get(uri);
    const state = states.get(uri);
    if (!doc || !state) return undefined;
    if (!state.inspection || state.inspection.text !== doc.getText()) {
      clearTimeout(state.timer);
      await analyse(uri);
    }
    return state.inspection ? { doc, state, inspection: state.inspection } : undefined;
  };

  connection.onInitialize((params) => {
    lensRefresh = Boolean(params.capabilities.workspace?.codeLens?.refreshSupport);
    storeOverrides = (params.initializationOptions as InitializationOptions | undefined)?.storeOverrides ?? [];
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
      },
      serverInfo: { name: "tasklens", version: VERSION },
    };
  });

  documents.onDidOpen((e) => {
    const uri = e.document.uri;
    if (!uri.startsWith("file:")) return;
    const file = fileURLToPath(uri);
    states.set(uri, { analyzed: new AnalyzedDocument(file, e.document.getText()), storePath: storePathOf(file) });
    schedule(uri, 0);
  });
  documents.onDidChangeContent((e) => {
    schedule(e.document.uri);
    // Another open workflow may import this one: its closure hashes and manifests follow the buffer.
    for (const uri of states.keys()) if (uri !== e.document.uri) schedule(uri, DEPENDENT_DELAY_MS);
  });
  documents.onDidClose((e) => {
    const state = states.get(e.document.uri);
    clearTimeout(state?.timer);
    states.delete(e.document.uri);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCodeLens(guard("code lens", [] as CodeLens[], async (params: CodeLensParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return [];
    const { doc, state, inspection } = found;
    const problem = stores.get(state.storePath)?.problem;
    const lenses: CodeLens[] = [];
    for (const id of inspection.identities) {
      const range = { start: doc.positionAt(id.task.call.start), end: doc.positionAt(id.task.call.start) };
      const ref: TaskRef = { file: inspection.file, task: id.fullName };
      const prediction = inspection.predictions.get(id)!;
      lenses.push({ range, command: { title: "▶ Run task", command: Commands.runTask, arguments: [ref] } });
      lenses.push({ range, command: { title: problem ? `⚠ store unavailable: ${problem}` : statusText(prediction), command: Commands.explainTask, arguments: [ref] } });
    }
    return lenses;
  }));

  connection.onCodeAction(guard("code actions", [] as CodeAction[], async (params: CodeActionParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return [];
    const { doc, inspection } = found;
    const start = doc.offsetAt(params.range.start);
    const end = doc.offsetAt(params.range.end);
    const actions: CodeAction[] = [];
    for (const d of inspection.diagnostics) {
      if (d.end < start || d.start > end) continue;
      const diagnostic = params.context.diagnostics.find((x) => x.code === d.code && doc.offsetAt(x.range.start) === d.start);
      for (const fix of d.fixes) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          isPreferred: fix.preferred,
          diagnostics: diagnostic ? [diagnostic] : undefined,
          edit: { changes: { [doc.uri]: fix.edits.map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText })) } },
        });
      }
    }
    return actions;
  }));

  connection.onHover(guard("hover", null as Hover | null, async (params: HoverParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return null;
    const { doc, inspection } = found;
    const offset = doc.offsetAt(params.position);
    const id = inspection.identities.find((i) => offset >= i.task.nameRange.start && offset <= i.task.nameRange.end);
    if (!id) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(id, inspection.predictions.get(id)!) },
      range: { start: doc.positionAt(id.task.nameRange.start), end: doc.positionAt(id.task.nameRange.end) },
    };
  }));

  connection.onRequest(FileStatusRequest, guard("file status", { stale: 0, willRerun: 0, tasks: 0 } as FileStatusResult, async (params: FileStatusParams) => {
    const found = await current(params.uri);
    const predictions = found ? [...found.inspection.predictions.values()] : [];
    return {
      stale: predictions.filter((p) => p.status === "stale").length,
      willRerun: predictions.filter((p) => p.status === "will-rerun").length,
      tasks: predictions.length,
    };
  }));

  connection.onRequest(ExplainRequest, guard("explain", "", async (params: ExplainParams) => {
    const found = await current(params.uri);
    const id = found?.inspection.identities.find((i) => i.fullName === params.task);
    return id ? explainText([found!.inspection.predictions.get(id)!]) : `No task ${params.task} in ${params.uri}`;
  }));

  connection.onShutdown(() => {
    for (const watch of stores.values()) watch.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

/** Entry point: `tasklens lsp --stdio`, or the VS Code client (node IPC). */
export function main(): void {
  const connection = createConnection(ProposedFeatures.all);
  // The server reports its own errors instead of dying (vscode-eslint's rule).
  process.on("uncaughtException", (error) => connection.console.error(`tasklens: uncaught: ${error?.stack ?? String(error)}`));
  process.on("unhandledRejection", (error) => connection.console.error(`tasklens: unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
  startServer(connection);
}

if (require.main === module) main();
