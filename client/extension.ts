// The VS Code extension: starts the tasklens language server, runs tasks through the bundled CLI,
// shows the Jobs view, job details, the output channel and a status-bar count. Logic lives in
// engine/ and server/; this file wires it to VS Code.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind, CloseAction, ErrorAction } from "vscode-languageclient/node";
import { Commands, ExplainParams, ExplainRequest, InitializationOptions, JobDetailsParams, JobDetailsRequest, JobDetailsResult, StoreChangedNotification, TaskRef } from "../protocol";
import { JobsNode, JobsTree } from "./jobsTree";
import { logLinkProvider } from "./logLinks";
import { TaskRunner } from "./runner";
import { storeOverrides } from "./settings";
import { StatusBar, WORKFLOW_LANGUAGES } from "./statusBar";

const JOB_SCHEME = "tasklens-job";
const EXPLAIN_SCHEME = "tasklens-explain";

let client: LanguageClient | undefined;

/**
 * A job's details as a read-only document, titled by its task and short id:
 * `tasklens-job:/main 4d951c1d.log?{"store":…,"jobId":…}`.
 */
const jobUri = (job: JobDetailsResult) =>
  vscode.Uri.from({ scheme: JOB_SCHEME, path: `/${job.task.split(".").pop()} ${job.jobId.slice(0, 8)}.log`, query: JSON.stringify({ store: job.store, jobId: job.jobId }) });
const jobDetailsOf = (uri: vscode.Uri) =>
  client?.sendRequest<JobDetailsResult | null>(JobDetailsRequest, JSON.parse(uri.query) as JobDetailsParams);

/** The task a command acts on: the lens's argument, else the task under the cursor (asked for if several). */
async function taskArgument(arg: unknown): Promise<TaskRef | undefined> {
  if (arg && typeof arg === "object" && "file" in arg && "task" in arg && "runnable" in arg) return arg as TaskRef;
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client) return undefined;
  const uri = editor.document.uri.toString();
  const lenses = (await client.sendRequest("textDocument/codeLens", { textDocument: { uri } })) as Array<{ range: { start: { line: number } }; command?: { command: string; arguments?: TaskRef[] } }>;
  const runs = lenses.filter((l) => l.command?.command === Commands.runTask && l.command.arguments?.[0]);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage("tasklens: no task in this file");
    return undefined;
  }
  const line = editor.selection.active.line;
  const above = runs.filter((l) => l.range.start.line <= line).pop() ?? (runs.length === 1 ? runs[0] : undefined);
  if (above) return above.command!.arguments![0];
  const pick = await vscode.window.showQuickPick(
    runs.map((l) => ({ label: l.command!.arguments![0].task, ref: l.command!.arguments![0] })),
    { placeHolder: "Which task?" },
  );
  return pick?.ref;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("tasklens", "tasklens-log");
  const serverLog = vscode.window.createOutputChannel("tasklens language server", { log: true });
  const jobs = new JobsTree(context.workspaceState);
  const cliPath = context.asAbsolutePath("dist/extension/cli.js");
  const status = new StatusBar(() => client, (message) => output.appendLine(`tasklens: ${message}`));
  const explainDocuments = new vscode.EventEmitter<vscode.Uri>();
  /** Explain Task's tabs follow the current prediction: asked again whenever it may have changed. */
  const refreshExplanations = () => {
    for (const document of vscode.workspace.textDocuments) if (document.uri.scheme === EXPLAIN_SCHEME) explainDocuments.fire(document.uri);
  };
  const runner = new TaskRunner(cliPath, output, context.workspaceState, () => {
    jobs.refresh();
    status.update();
    refreshExplanations();
  });
  context.subscriptions.push(output, serverLog, jobs, runner, status, explainDocuments);

  // ---- language server: the CLI's `lsp` command, one bundle for both ----
  const serverOptions: ServerOptions = {
    run: { module: cliPath, args: ["lsp"], transport: TransportKind.ipc },
    debug: { module: cliPath, args: ["lsp"], transport: TransportKind.ipc },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: WORKFLOW_LANGUAGES.map((language) => ({ scheme: "file", language })),
    outputChannel: serverLog,
    // A function: evaluated again when the client restarts after a settings change.
    initializationOptions: (): InitializationOptions => ({ storeOverrides: storeOverrides(), runTasks: "client", trusted: vscode.workspace.isTrusted }),
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => ({ action: CloseAction.Restart, message: "The tasklens language server stopped; restarting it." }),
    },
    initializationFailedHandler: (error) => {
      serverLog.error(`the language server failed to start: ${String(error)}`);
      return false;
    },
    middleware: {
      provideCodeLenses: async (document, token, next) => {
        const lenses = (await next(document, token)) ?? [];
        const running = runner.isRunning(document.uri.fsPath);
        for (const lens of lenses) {
          // In an untrusted workspace nothing runs, and the Run lens says why.
          if (!vscode.workspace.isTrusted && lens.command?.command === Commands.runTask) lens.command = { title: "▶ Run task (disabled: workspace not trusted)", command: "workbench.trust.manage", tooltip: "tasklens runs tasks only in a trusted workspace" };
          // While this window runs the file, what the run will compute is running (cached results stay cached).
          if (running && lens.command?.command === Commands.explainTask && !lens.command.title.startsWith("✓")) lens.command = { ...lens.command, title: "● running" };
        }
        return lenses;
      },
    },
  };
  client = new LanguageClient("tasklens", "tasklens language server", serverOptions, clientOptions);
  await client.start();
  const refreshLenses = () => {
    for (const editor of vscode.window.visibleTextEditors) client?.getFeature("textDocument/codeLens").getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
  };
  context.subscriptions.push(runner.onDidChangeRunning(refreshLenses));

  // ---- status bar and Explain tabs follow edits, runs and store changes ----
  const onStoreChanged = () => {
    status.update();
    refreshExplanations();
  };
  let storeSubscription = client.onNotification(StoreChangedNotification, onStoreChanged);
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(() => status.update(0)),
    vscode.languages.onDidChangeDiagnostics(() => {
      status.update();
      refreshExplanations();
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (WORKFLOW_LANGUAGES.includes(e.document.languageId)) status.update(400);
    }),
    { dispose: () => storeSubscription.dispose() },
  );
  status.update(0);

  // ---- Jobs view, job details, links in logs ----
  const view = vscode.window.createTreeView("tasklens.jobs", { treeDataProvider: jobs, showCollapseAll: true });
  context.subscriptions.push(view);
  jobs.attach(client);

  const jobDocuments = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    jobDocuments,
    vscode.workspace.registerTextDocumentContentProvider(JOB_SCHEME, {
      onDidChange: jobDocuments.event,
      provideTextDocumentContent: async (uri) => (await jobDetailsOf(uri))?.text ?? "This job is not in the store.",
    }),
    vscode.languages.registerDocumentLinkProvider({ scheme: JOB_SCHEME }, {
      // "Task: name (hash …)  file:line" links to the task's definition; traceback locations to theirs.
      provideDocumentLinks: async (document, token) => {
        const links = (await logLinkProvider.provideDocumentLinks(document, token)) ?? [];
        const task = await jobDetailsOf(document.uri);
        const line = document.getText().split("\n").findIndex((l) => l.startsWith("Task: "));
        if (!task?.file || line < 0) return links;
        const link = new vscode.DocumentLink(new vscode.Range(line, 6, line, document.lineAt(line).text.length), vscode.Uri.file(task.file).with({ fragment: `L${task.line ?? 1}` }));
        link.tooltip = "Open the task's definition";
        return [link, ...links.filter((l) => l.range.start.line !== line)];
      },
    }),
    vscode.languages.registerDocumentLinkProvider({ language: "tasklens-log", scheme: "output" }, logLinkProvider),
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      onDidChange: explainDocuments.event,
      provideTextDocumentContent: async (uri) => {
        const { file, task } = JSON.parse(uri.query) as TaskRef;
        return client!.sendRequest<string>(ExplainRequest, { uri: vscode.Uri.file(file).toString(), task } satisfies ExplainParams);
      },
    }),
  );

  /** A job's details from the server: by the row's node, or asked for. */
  const jobOf = async (node?: JobsNode, jobId?: string, store?: string): Promise<JobDetailsResult | undefined> => {
    const entry = node ? await jobs.entryJobOf(node) : jobId ? { jobId, store } : undefined;
    const job = entry ? await client?.sendRequest<JobDetailsResult | null>(JobDetailsRequest, entry satisfies JobDetailsParams) : undefined;
    if (!job) void vscode.window.showWarningMessage(`tasklens: no job ${entry?.jobId ?? ""}`);
    return job ?? undefined;
  };
  const showJob = async (job: JobDetailsResult) => {
    const uri = jobUri(job);
    jobDocuments.fire(uri);
    const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "tasklens-log");
    await vscode.window.showTextDocument(document, { preview: true, preserveFocus: true });
  };
  const rerun = async (job: JobDetailsResult) => {
    if ("problem" in job.rerun) return void vscode.window.showWarningMessage(`tasklens: cannot rerun ${job.task}: ${job.rerun.problem}`);
    await runner.run(job.rerun.ref, { args: job.rerun.args });
  };

  // ---- commands ----
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.runTask, async (arg?: unknown) => {
      const ref = await taskArgument(arg);
      if (ref) await runner.run(ref);
    }),
    vscode.commands.registerCommand(Commands.runTaskWithoutCache, async (arg?: unknown) => {
      const ref = await taskArgument(arg);
      if (ref) await runner.run(ref, { noCache: true });
    }),
    vscode.commands.registerCommand(Commands.explainTask, async (arg?: unknown) => {
      const ref = await taskArgument(arg);
      if (!ref) return;
      const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${ref.task}.txt`, query: JSON.stringify({ file: ref.file, task: ref.task }) });
      explainDocuments.fire(uri); // an open tab is asked again: never an earlier answer
      const document = await vscode.workspace.openTextDocument(uri);
      // Another editor opening meanwhile (the user moved on) is no error worth a dialog.
      await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside }).then(undefined, () => undefined);
    }),
    vscode.commands.registerCommand("tasklens.showJob", async (jobId?: string, store?: string) => {
      if (!jobId) jobId = await vscode.window.showInputBox({ prompt: "Job id (or a prefix)" });
      const job = jobId ? await jobOf(undefined, jobId, store) : undefined;
      if (job) await showJob(job);
    }),
    vscode.commands.registerCommand("tasklens.goToDefinition", async (node?: JobsNode) => {
      const job = await jobOf(node);
      if (!job) return;
      if (!job.file) return void vscode.window.showWarningMessage(`tasklens: the store does not say where ${job.task} is defined`);
      const line = Math.max(0, (job.line ?? 1) - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(job.file), { selection: new vscode.Range(line, 0, line, 0) });
    }),
    vscode.commands.registerCommand("tasklens.showResult", async (node?: JobsNode) => {
      const job = await jobOf(node);
      if (!job) return;
      if (job.result === null) return void vscode.window.showInformationMessage(`tasklens: ${job.task} has no result (it failed or did not finish)`);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: job.result + "\n", language: "plaintext" }), { preview: true });
    }),
    vscode.commands.registerCommand("tasklens.rerunJob", async (node?: JobsNode) => {
      const job = await jobOf(node);
      if (job) await rerun(job);
    }),
    vscode.commands.registerCommand("tasklens.copyArguments", async (node?: JobsNode) => {
      const job = await jobOf(node);
      if (!job) return;
      if ("problem" in job.rerun) return void vscode.window.showWarningMessage(`tasklens: ${job.rerun.problem}`);
      await vscode.env.clipboard.writeText(job.rerun.args.map(shellWord).join(" "));
      void vscode.window.setStatusBarMessage(`tasklens: copied the arguments of ${job.task}`, 3000);
    }),
    vscode.commands.registerCommand("tasklens.openExample", async () => {
      // The walkthrough's first step: the example beside the user's files (never over one).
      const folder = vscode.workspace.workspaceFolders?.length === 1 ? vscode.workspace.workspaceFolders[0] : await vscode.window.showWorkspaceFolderPick({ placeHolder: "Where should hello_world.ts go?" });
      if (!folder) return void vscode.window.showInformationMessage("tasklens: open a folder first; the example is written into it.");
      const target = vscode.Uri.joinPath(folder.uri, "hello_world.ts");
      const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
      if (!exists) await vscode.workspace.fs.copy(vscode.Uri.file(context.asAbsolutePath("examples/hello_world.ts")), target);
      await vscode.window.showTextDocument(target);
    }),
    vscode.commands.registerCommand("tasklens.refreshJobs", () => jobs.refresh()),
    vscode.commands.registerCommand("tasklens.clearJobs", () => jobs.clear()),
    vscode.commands.registerCommand("tasklens.showLogs", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("tasklens.db")) return;
      await restart(); // the server reads the store setting when it starts
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart()), // lenses are recomputed: Run becomes available
  );
  async function restart(): Promise<void> {
    await client?.restart();
    if (!client) return;
    jobs.attach(client);
    storeSubscription.dispose();
    storeSubscription = client.onNotification(StoreChangedNotification, onStoreChanged);
  }
}

/** A word as a POSIX shell reads it back (quoted unless plainly safe). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
