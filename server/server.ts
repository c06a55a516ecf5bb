// The tasklens language server: a thin adapter from LSP to the dialects (analysis, predictions,
// findings, fixes) and the store readers (the editor's Jobs view asks here). It never runs workflow
// code itself and opens stores read-only; a Run command spawns the CLI with an argument array.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
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
  ErrorCodes,
  ExecuteCommandParams,
  Hover,
  HoverParams,
  MarkupKind,
  MessageType,
  ProgressToken,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Dialect, DialectDocument, InspectedTask, Inspection } from "../core/dialect";
import type { Severity } from "../core/findings";
import { commandText, jobDetailsLines } from "../core/log";
import { isInside } from "../core/paths";
import { commandLineArguments } from "../core/rerun";
import { explainText, hoverMarkdown, statusText } from "../core/present";
import type { JobDetails } from "../core/storeReader";
import { StoreWatcher } from "../core/storeWatcher";
import { DIALECTS, dialectOfFile } from "../dialects";
import { VERSION } from "../engine/version";
import {
  Commands,
  DEBOUNCE_MS,
  ExecutionItem,
  ExecutionsParams,
  ExecutionsRequest,
  ExplainParams,
  ExplainRequest,
  FileStatusParams,
  FileStatusRequest,
  FileStatusResult,
  InitializationOptions,
  JobDetailsParams,
  JobDetailsRequest,
  JobDetailsResult,
  JobItem,
  JobsParams,
  JobsRequest,
  ServerCommands,
  StoreChangedNotification,
  StoreItem,
  StoreOverride,
  StoresRequest,
  RerunItem,
  TaskRef,
} from "../protocol";

interface DocumentState {
  /** The URI as the client spells it (diagnostics go back under it). */
  uri: string;
  document: DialectDocument;
  inspection?: Inspection;
  storePath: string;
  /** Why the store is not read (an untrusted workspace's store outside its folder). */
  storeRefused?: string;
  timer?: NodeJS.Timeout;
  /** Whether the last diagnostics published for it were non-empty (undefined: none published yet). */
  published?: boolean;
  /** Every file its last inspection read (imports, transitively; open or not): an edit of one re-analyses it. */
  dependsOn: Set<string>;
}

/** Open documents that import the edited one are re-analysed a little later. */
const DEPENDENT_DELAY_MS = 250;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  /** Keyed by file path, not by the URI's spelling. */
  const states = new Map<string, DocumentState>();
  const stores = new Map<string, { watcher: StoreWatcher; dialect: Dialect }>();
  let lensRefresh = false;
  /** The markup the client's hover shows (its first preference; markdown unless it lists only plaintext). */
  let hoverKind: MarkupKind = MarkupKind.Markdown;
  let folderEvents = false;
  let storeOverrides: StoreOverride[] = [];
  let runTasks: InitializationOptions["runTasks"];
  let redun: InitializationOptions["redun"];
  let trusted = true;
  let workspaceFolders: string[] = [];

  const fileOf = (uri: string): string | undefined => (uri.startsWith("file:") ? path.resolve(fileURLToPath(uri)) : undefined);

  /** The `tasklens.db` setting of the innermost workspace folder holding a file. */
  const overrideFor = (file: string): string | undefined =>
    storeOverrides.filter((o) => isInside(o.folder, file)).sort((a, b) => b.folder.length - a.folder.length)[0]?.db;

  /** Set by `initialize`: before it, requests get the error LSP prescribes, never an answer. */
  let initializeReceived = false;

  const guard = <A extends unknown[], R>(what: string, fallback: R, fn: (...args: A) => R | Promise<R>) => async (...args: A): Promise<R> => {
    if (!initializeReceived) throw new ResponseError(ErrorCodes.ServerNotInitialized, `tasklens: ${what} requested before initialize`);
    try {
      return await fn(...args);
    } catch (error) {
      connection.console.error(`tasklens: ${what} failed: ${(error as Error)?.stack ?? String(error)}`);
      return fallback;
    }
  };

  /** The store of a file; in an untrusted workspace, only one inside its workspace folder is read (nothing the workspace's files point at outside it). */
  const storeLocationOf = (file: string, dialect: Dialect): { location: string; refused?: string } => {
    const location = dialect.storeLocation(file, overrideFor(file));
    if (trusted || overrideFor(file)) return { location };
    const folder = folderOf(file);
    let real = location;
    try {
      real = fs.realpathSync(location);
    } catch {
      // not there (yet): its own path decides
    }
    if (isInside(folder, location) && isInside(folder, real)) return { location };
    return { location, refused: `the store ${real} is outside the workspace folder ${folder}; an untrusted workspace's store is read only inside it` };
  };

  const storeFor = ({ location, refused }: { location: string; refused?: string }, dialect: Dialect): StoreWatcher => {
    let entry = stores.get(location);
    if (!entry) {
      const open = (p: string) => (refused ? Promise.reject(new Error(refused)) : dialect.openStore(p));
      const watcher = new StoreWatcher(location, open, async () => {
        // Re-analyse first, so that the lenses the client asks for after the refresh are the new ones.
        const affected = [...states].filter(([, state]) => state.storePath === location).map(([file]) => file);
        await Promise.all(affected.map((file) => guard("analysis", undefined, () => analyse(file))()));
        if (lensRefresh) void connection.sendRequest("workspace/codeLens/refresh").catch(() => undefined);
        void connection.sendNotification(StoreChangedNotification, { store: location });
      });
      stores.set(location, (entry = { watcher, dialect }));
    }
    return entry.watcher;
  };

  const analyse = async (file: string): Promise<void> => {
    const state = states.get(file);
    const doc = state && documents.get(state.uri);
    if (!doc || !state) return;
    const version = doc.version;
    const text = doc.getText();
    if (!state.document.dialect.isWorkflow(file, text)) {
      // Not a workflow (a helper, any other file): nothing to show, nothing analysed; an importer that
      // reads it brings its parse up to date (syncText).
      state.inspection = { dialect: state.document.dialect.id, file, text, tasks: [], findings: [], syntaxErrors: [] };
      state.dependsOn = new Set();
      if (state.published !== false) connection.sendDiagnostics({ uri: state.uri, version, diagnostics: [] });
      state.published = false;
      return;
    }
    state.document.update(text);
    const watch = storeFor({ location: state.storePath, refused: state.storeRefused }, state.document.dialect);
    await watch.ready();
    if (documents.get(state.uri)?.version !== version) return; // a newer text is on its way: it wins
    const dependsOn = new Set<string>();
    state.inspection = state.document.inspect(watch.store, (f) => {
      const dependency = path.resolve(f);
      if (dependency !== file) dependsOn.add(dependency);
      const other = states.get(dependency);
      if (other) syncText(other);
      return other?.document;
    });
    state.dependsOn = dependsOn;
    const diagnostics: Diagnostic[] = state.inspection.findings.map((d) => ({
      range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) },
      severity: SEVERITY[d.severity],
      source: "tasklens",
      code: d.code,
      message: d.message,
      data: { task: d.task },
    }));
    // As `tasklens check` reports them (a file that is not a workflow is left to its language's own server).
    if (state.document.dialect.isWorkflow(file, state.inspection.text)) {
      for (const e of state.inspection.syntaxErrors) {
        const start = doc.positionAt(e.start);
        diagnostics.unshift({ range: { start, end: doc.positionAt(Math.min(e.start + 1, doc.getText().length)) }, severity: DiagnosticSeverity.Error, source: "tasklens", code: "syntax-error", message: e.message });
      }
    }
    connection.sendDiagnostics({ uri: state.uri, version, diagnostics });
    state.published = diagnostics.length > 0;
  };

  /** A document's parse brought up to its buffer's text (those that are not workflows are parsed only when read). */
  const syncText = (state: DocumentState): void => {
    const text = documents.get(state.uri)?.getText();
    if (text !== undefined && text !== state.document.text) state.document.update(text);
  };

  function schedule(file: string, delay = DEBOUNCE_MS): void {
    const state = states.get(file);
    if (!state) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(guard("analysis", undefined, () => analyse(file)), delay);
  }

  /** Open workflows whose last inspection read `file` (directly or through other imports): their closure hashes and manifests follow its buffer. */
  function scheduleDependents(file: string): void {
    for (const [other, state] of states) if (other !== file && state.dependsOn.has(file)) schedule(other, DEPENDENT_DELAY_MS);
  }

  /** The inspection of a document's current text (analysing now if an edit is pending). */
  const current = async (uri: string): Promise<{ doc: TextDocument; state: DocumentState; inspection: Inspection } | undefined> => {
    const file = fileOf(uri);
    const state = file ? states.get(file) : undefined;
    const doc = state && documents.get(state.uri);
    if (!doc || !state || !file) return undefined;
    if (!state.inspection || state.inspection.text !== doc.getText()) {
      clearTimeout(state.timer);
      await analyse(file);
    }
    return state.inspection ? { doc, state, inspection: state.inspection } : undefined;
  };

  const taskRef = (inspection: Inspection, task: InspectedTask, cwd: string): TaskRef => {
    const dialect = DIALECTS.find((d) => d.id === inspection.dialect)!;
    const runnable = dialect.runnable(inspection.file, task.manifest.fullName, { cwd, db: overrideFor(inspection.file) });
    return { file: inspection.file, task: task.manifest.fullName, dialect: dialect.id, runnable, params: task.params };
  };

  const folderOf = (file: string): string =>
    workspaceFolders.filter((f) => isInside(f, file)).sort((a, b) => b.length - a.length)[0] ?? path.dirname(file);

  connection.onInitialize((params) => {
    initializeReceived = true;
    lensRefresh = Boolean(params.capabilities.workspace?.codeLens?.refreshSupport);
    const formats = params.capabilities.textDocument?.hover?.contentFormat;
    hoverKind = formats?.length && (formats[0] === MarkupKind.PlainText || !formats.includes(MarkupKind.Markdown)) ? MarkupKind.PlainText : MarkupKind.Markdown;
    folderEvents = Boolean(params.capabilities.workspace?.workspaceFolders);
    const options = params.initializationOptions as InitializationOptions | undefined;
    storeOverrides = options?.storeOverrides ?? [];
    runTasks = options?.runTasks;
    redun = options?.redun;
    trusted = options?.trusted !== false;
    workspaceFolders = (params.workspaceFolders ?? []).flatMap((f) => fileOf(f.uri) ?? []);
    if (workspaceFolders.length === 0 && params.rootUri) workspaceFolders = [fileOf(params.rootUri)].filter((f): f is string => f !== undefined);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: Object.values(ServerCommands) },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "tasklens", version: VERSION },
    };
  });

  connection.onInitialized(() => {
    if (!folderEvents) return;
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      const removed = new Set(e.removed.flatMap((f) => fileOf(f.uri) ?? []));
      workspaceFolders = [...workspaceFolders.filter((f) => !removed.has(f)), ...e.added.flatMap((f) => fileOf(f.uri) ?? [])];
    });
  });

  documents.onDidOpen((e) => {
    if (!initializeReceived) return; // notifications before initialize are dropped
    const file = fileOf(e.document.uri);
    const dialect = file && dialectOfFile(file);
    if (!file || !dialect) return;
    const store = storeLocationOf(file, dialect);
    states.set(file, { uri: e.document.uri, document: dialect.openDocument(file, e.document.getText()), storePath: store.location, storeRefused: store.refused, dependsOn: new Set() });
    schedule(file, 0);
  });
  documents.onDidChangeContent((e) => {
    const file = fileOf(e.document.uri);
    if (!file || !states.has(file)) return;
    schedule(file);
    scheduleDependents(file);
  });
  documents.onDidClose((e) => {
    const file = fileOf(e.document.uri);
    const state = file ? states.get(file) : undefined;
    clearTimeout(state?.timer);
    if (file) states.delete(file);
    connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    // Its importers read it from disk again (the buffer may have been closed unsaved).
    if (file) scheduleDependents(file);
  });

  connection.onCodeLens(guard("code lens", [] as CodeLens[], async (params: CodeLensParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return [];
    const { doc, state, inspection } = found;
    const problem = stores.get(state.storePath)?.watcher.problem;
    const cwd = folderOf(inspection.file);
    const lenses: CodeLens[] = [];
    for (const task of inspection.tasks) {
      const range = { start: doc.positionAt(task.lensAt), end: doc.positionAt(task.lensAt) };
      const ref = taskRef(inspection, task, cwd);
      if (runTasks) lenses.push({ range, command: { title: "▶ Run task", command: runTasks === "client" ? Commands.runTask : ServerCommands.runTask, arguments: [ref] } });
      // The reason (a sentence with the store's path) is in the hover and in Explain: a lens stays one short line.
      const title = problem ? "⚠ store unavailable" : statusText(task.prediction);
      lenses.push({ range, command: { title, command: runTasks === "client" ? Commands.explainTask : ServerCommands.explainTask, arguments: [ref] } });
    }
    return lenses;
  }));

  connection.onCodeAction(guard("code actions", [] as CodeAction[], async (params: CodeActionParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return [];
    const { doc, inspection } = found;
    // Offered anywhere on a diagnostic's lines.
    const firstLine = params.range.start.line;
    const lastLine = params.range.end.line;
    const actions: CodeAction[] = [];
    for (const d of inspection.findings) {
      if (doc.positionAt(d.end).line < firstLine || doc.positionAt(d.start).line > lastLine) continue;
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
    // Clients that show no lenses (Helix, Emacs eglot, Zed) run and explain a task from the code actions of its line.
    if (runTasks !== "client" && (!params.context.only || params.context.only.length === 0)) {
      const cwd = folderOf(inspection.file);
      for (const task of inspection.tasks) {
        const lines = [task.lensAt, ...task.nameRanges.map((r) => r.start)].map((o) => doc.positionAt(o).line);
        if (!lines.some((l) => l >= firstLine && l <= lastLine)) continue;
        const ref = taskRef(inspection, task, cwd);
        const name = task.manifest.fullName;
        if (runTasks === "server") {
          actions.push({ title: `tasklens: Run ${name}`, command: { title: `Run ${name}`, command: ServerCommands.runTask, arguments: [ref] } });
          actions.push({ title: `tasklens: Run ${name} without cache`, command: { title: `Run ${name} without cache`, command: ServerCommands.runTaskWithoutCache, arguments: [ref] } });
        }
        actions.push({ title: `tasklens: Explain ${name} (${statusText(task.prediction)})`, command: { title: `Explain ${name}`, command: ServerCommands.explainTask, arguments: [ref] } });
      }
    }
    return actions;
  }));

  connection.onHover(guard("hover", null as Hover | null, async (params: HoverParams) => {
    const found = await current(params.textDocument.uri);
    if (!found) return null;
    const { doc, state, inspection } = found;
    const offset = doc.offsetAt(params.position);
    const problem = stores.get(state.storePath)?.watcher.problem;
    for (const task of inspection.tasks) {
      const range = [...task.nameRanges, ...task.callSites].find((r) => offset >= r.start && offset <= r.end);
      if (!range) continue;
      const markdown = hoverMarkdown(task.manifest, task.prediction) + (problem ? `\n\n⚠ store unavailable: ${problem}` : "");
      return {
        contents: { kind: hoverKind, value: hoverKind === MarkupKind.Markdown ? markdown : plainText(markdown) },
        range: { start: doc.positionAt(range.start), end: doc.positionAt(range.end) },
      };
    }
    return null;
  }));

  connection.onRequest(FileStatusRequest, guard("file status", { stale: 0, willRerun: 0, tasks: 0, entries: [] } as FileStatusResult, async (params: FileStatusParams) => {
    const found = await current(params.uri);
    const predictions = found ? found.inspection.tasks.map((t) => t.prediction) : [];
    return {
      stale: predictions.filter((p) => p.status === "stale").length,
      willRerun: predictions.filter((p) => p.status === "will-rerun").length,
      tasks: predictions.length,
      entries: (found?.inspection.tasks ?? []).map((t) => ({ task: t.manifest.fullName, status: t.prediction.status, title: statusText(t.prediction), line: t.line })),
    };
  }));

  const explain = async (uri: string, taskName: string): Promise<string> => {
    const found = await current(uri);
    const task = found?.inspection.tasks.find((t) => t.manifest.fullName === taskName);
    const problem = found && stores.get(found.state.storePath)?.watcher.problem;
    const text = task ? explainText([task.prediction]) : `No task ${taskName} in ${uri}`;
    return problem ? `${text}\n\n⚠ store unavailable: ${problem}` : text;
  };
  connection.onRequest(ExplainRequest, guard("explain", "", (params: ExplainParams) => explain(params.uri, params.task)));

  // ---- stores, for the Jobs view ----

  /** Every store a workspace folder's workflows use, per dialect (only those that exist are listed). */
  const workspaceStores = (): StoreItem[] => {
    const seen = new Map<string, StoreItem>();
    const anchors = [...workspaceFolders.map((f) => ({ folder: f, file: path.join(f, "workflow") })), ...[...states.keys()].map((file) => ({ folder: folderOf(file), file }))];
    for (const { folder, file } of anchors) {
      for (const dialect of DIALECTS) {
        const store = storeLocationOf(file, dialect);
        const location = store.location;
        if (seen.has(location)) continue;
        const watcher = storeFor(store, dialect);
        seen.set(location, { location, dialect: dialect.id, folder, problem: watcher.problem });
      }
    }
    return [...seen.values()];
  };

  connection.onRequest(StoresRequest, guard("stores", [] as StoreItem[], async () => {
    const items = workspaceStores();
    await Promise.all(items.map((s) => stores.get(s.location)!.watcher.ready()));
    return items
      .map((s) => ({ ...s, problem: stores.get(s.location)!.watcher.problem }))
      .filter((s) => s.problem !== undefined || stores.get(s.location)!.watcher.store !== undefined);
  }));

  const readerOf = async (location: string) => {
    const entry = stores.get(location);
    if (!entry) return undefined;
    await entry.watcher.ready();
    return entry.watcher.store;
  };

  connection.onRequest(ExecutionsRequest, guard("executions", [] as ExecutionItem[], async (params: ExecutionsParams) => {
    const store = await readerOf(params.store);
    return (store?.executions(params.limit ?? 50) ?? []).map((e) => ({ id: e.id, task: e.task, file: e.file, status: e.status, started: e.started, ended: e.ended, command: commandText(e), error: e.error }));
  }));

  connection.onRequest(JobsRequest, guard("jobs", [] as JobItem[], async (params: JobsParams) => {
    const store = await readerOf(params.store);
    return (store?.jobsOf(params.executionId) ?? []).map((j) => ({ id: j.id, parentId: j.parentId, task: j.taskName, call: store!.callText(j), status: j.status, started: j.started, ended: j.ended, error: j.error }));
  }));

  connection.onRequest(JobDetailsRequest, guard("job details", null as JobDetailsResult | null, async (params: JobDetailsParams) => {
    const locations = params.store ? [params.store] : workspaceStores().map((s) => s.location);
    for (const location of locations) {
      const store = await readerOf(location);
      const job = store && (store.job(params.jobId) ?? store.findJobs(params.jobId)[0]);
      if (!store || !job) continue;
      const details = store.jobDetails(job);
      return { store: location, jobId: job.id, task: job.taskName, text: jobDetailsLines(store, job).join("\n") + "\n", file: details.file, line: details.line, result: details.result, rerun: rerunOf(details) };
    }
    return null;
  }));

  /** A stored call as a run again: the task as its file now defines it, with the stored arguments. */
  const rerunOf = (details: JobDetails): RerunItem => {
    const file = details.file;
    const dialect = file ? dialectOfFile(file) : undefined;
    if (!file || !dialect || !fs.existsSync(file)) return { problem: "the store does not say which file defines this task" };
    const params = states.get(file)?.inspection?.tasks.find((t) => t.manifest.fullName === details.job.taskName)?.params.map((p) => p.name);
    const args = commandLineArguments(details, params);
    if ("problem" in args) return args;
    const runnable = dialect.runnable(file, details.job.taskName, { cwd: folderOf(file), db: overrideFor(file) });
    return { ref: { file, task: details.job.taskName, dialect: dialect.id, runnable, params: [] }, args: args.args };
  };

  // ---- commands for clients that have none of their own ----

  connection.onExecuteCommand(guard("command", undefined as string | undefined, async (params: ExecuteCommandParams) => {
    const ref = params.arguments?.[0] as TaskRef | undefined;
    if (!ref || typeof ref.file !== "string" || typeof ref.task !== "string") {
      showMessage(connection, MessageType.Error, `tasklens: ${params.command} needs a task (a lens's arguments)`);
      return undefined;
    }
    if (params.command === ServerCommands.explainTask) {
      const text = await explain(pathToFileURL(ref.file).toString(), ref.task);
      showMessage(connection, MessageType.Info, text.split("\n").slice(0, 12).join("\n"));
      return text;
    }
    if (params.command === ServerCommands.runTask || params.command === ServerCommands.runTaskWithoutCache) {
      if (runTasks !== "server") {
        showMessage(connection, MessageType.Warning, 'tasklens: running tasks from the language server is off; enable it with the initialization option runTasks = "server" (see the README)');
        return undefined;
      }
      if (!trusted) {
        showMessage(connection, MessageType.Warning, "tasklens runs no tasks in an untrusted workspace.");
        return undefined;
      }
      const noCache = params.command === ServerCommands.runTaskWithoutCache;
      const code = await runThroughCli(ref, { noCache, workDoneToken: params.workDoneToken });
      return code === undefined ? undefined : `exit ${code}`;
    }
    showMessage(connection, MessageType.Error, `tasklens: unknown command ${params.command}`);
    return undefined;
  }));

  /**
   * Runs a task as the CLI would from a terminal: this same program, an argument array, never a shell.
   * Progress goes to the client as `$/progress` when it supports it (cancel = Ctrl-C to the run); the
   * result is a `window/showMessage`; the lenses are refreshed once the store holds the run.
   */
  const runThroughCli = async (ref: TaskRef, options: { noCache: boolean; workDoneToken?: ProgressToken }): Promise<number | undefined> => {
    const runArgs = [...ref.runnable.args];
    if (options.noCache && !runArgs.includes("--no-cache")) runArgs.push("--no-cache");
    if (ref.runnable.dialect === "redun" && redun?.command) runArgs.push("--redun", redun.command);
    else if (ref.runnable.dialect === "redun" && redun?.python) runArgs.push("--python", redun.python);
    const args = [process.argv[1], ...runArgs];
    connection.console.info(`tasklens: ${runArgs.join(" ")}`);
    const created = options.workDoneToken === undefined ? await connection.window.createWorkDoneProgress() : undefined;
    const progress = created ?? connection.window.attachWorkDoneProgress(options.workDoneToken);
    progress.begin(`tasklens: running ${ref.task}`, undefined, undefined, true);
    const code = await new Promise<number | undefined>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: ref.runnable.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } });
      created?.token.onCancellationRequested(() => child.kill("SIGINT")); // the CLI records the run and exits
      let tail = "";
      let jobs = 0;
      const log = (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        tail = (tail + text).slice(-2000);
        jobs += (text.match(/\] (Run|Cached) +Job /g) ?? []).length;
        progress.report(`${jobs} job${jobs === 1 ? "" : "s"}`);
        connection.console.log(text.trimEnd());
      };
      child.stdout.on("data", log);
      child.stderr.on("data", log);
      child.on("error", (error) => {
        showMessage(connection, MessageType.Error, `tasklens: could not run ${ref.task}: ${error.message}`);
        resolve(undefined);
      });
      child.on("close", (code, signal) => {
        const last = tail.trim().split("\n").slice(-1)[0] ?? "";
        if (signal || code === 130) showMessage(connection, MessageType.Warning, `tasklens: ${ref.task} cancelled`);
        else if (code === 0) showMessage(connection, MessageType.Info, `tasklens: ${ref.task} done: ${last}`);
        else showMessage(connection, MessageType.Error, `tasklens: ${ref.task} failed (exit ${code}): ${last}`);
        resolve(code ?? undefined);
      });
    });
    progress.done();
    await refreshAfterRun(ref.file);
    return code;
  };

  /** After a run: the store as it is now, every document on it re-analysed (re-published), and the lenses refreshed. */
  const refreshAfterRun = async (file: string): Promise<void> => {
    const state = states.get(path.resolve(file));
    const dialect = state?.document.dialect ?? dialectOfFile(file);
    if (!dialect) return;
    const location = state?.storePath ?? storeLocationOf(file, dialect).location;
    const watcher = stores.get(location)?.watcher;
    if (watcher) await watcher.reloadNow();
    const affected = [...states].filter(([, s]) => s.storePath === location).map(([f]) => f);
    await Promise.all(affected.map((f) => guard("analysis", undefined, () => analyse(f))()));
    if (lensRefresh) void connection.sendRequest("workspace/codeLens/refresh").catch(() => undefined);
  };

  connection.onShutdown(() => {
    for (const { watcher } of stores.values()) watcher.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

/** Hover markdown as plain text, for clients that show no markup: no emphasis, no code marks, no fences. */
function plainText(markdown: string): string {
  return markdown
    .split("\n")
    .filter((line) => !line.startsWith("```"))
    .join("\n")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/`([^`]+)`/g, "$1");
}

/** `window/showMessage`: a notification every client shows (the request form needs the client's answer). */
function showMessage(connection: Connection, type: MessageType, message: string): void {
  void connection.sendNotification("window/showMessage", { type, message });
}

/** Entry point: `tasklens lsp --stdio` (or `--node-ipc`, as the VS Code client starts it). */
export function main(): void {
  const connection = createConnection(ProposedFeatures.all);
  // The server reports its own errors instead of dying (vscode-eslint's rule).
  process.on("uncaughtException", (error) => connection.console.error(`tasklens: uncaught: ${error?.stack ?? String(error)}`));
  process.on("unhandledRejection", (error) => connection.console.error(`tasklens: unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
  startServer(connection);
}
