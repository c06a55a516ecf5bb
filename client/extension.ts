// The VS Code extension: starts the tasklens language server, runs tasks through the bundled CLI,
// shows the Jobs view, job details, the output channel and a status-bar count. Logic lives in
// engine/ and server/; this file wires it to VS Code.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind, CloseAction, ErrorAction } from "vscode-languageclient/node";
import { Commands, ExplainParams, ExplainRequest, FileStatusParams, FileStatusRequest, FileStatusResult, InitializationOptions, JobDetailsParams, JobDetailsRequest, JobDetailsResult, TaskRef } from "../protocol";
import { JobsTree } from "./jobsTree";
import { TaskRunner } from "./runner";
import { storeOverrides } from "./settings";

const JOB_SCHEME = "tasklens-job";
const EXPLAIN_SCHEME = "tasklens-explain";
const WORKFLOW_LANGUAGES = ["typescript", "javascript", "python"];

let client: LanguageClient | undefined;

/** A job's details as a read-only document: `tasklens-job:/<job id>.log?<store>`. */
const jobUri = (jobId: string, store: string) => vscode.Uri.from({ scheme: JOB_SCHEME, path: `/${jobId}.log`, query: store });
const jobIdOf = (uri: vscode.Uri) => uri.path.replace(/^\//, "").replace(/\.log$/, "");
const jobDetailsOf = (uri: vscode.Uri) =>
  client?.sendRequest<JobDetailsResult | null>(JobDetailsRequest, { jobId: jobIdOf(uri), store: uri.query || undefined } satisfies JobDetailsParams);

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
  const runner = new TaskRunner(cliPath, output, () => jobs.refresh());
  const status = vscode.window.createStatusBarItem("tasklens.status", vscode.StatusBarAlignment.Left, 10);
  status.name = "tasklens";
  status.command = Commands.explainTask;
  context.subscriptions.push(output, serverLog, jobs, runner, status);

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
      // In an untrusted workspace nothing runs, and the Run lens says why.
      provideCodeLenses: async (document, token, next) => {
        const lenses = (await next(document, token)) ?? [];
        if (vscode.workspace.isTrusted) return lenses;
        for (const lens of lenses) {
          if (lens.command?.command === Commands.runTask) lens.command = { title: "▶ Run task (disabled: workspace not trusted)", command: "workbench.trust.manage", tooltip: "tasklens runs tasks only in a trusted workspace" };
        }
        return lenses;
      },
    },
  };
  client = new LanguageClient("tasklens", "tasklens language server", serverOptions, clientOptions);
  await client.start();

  // ---- status bar: stale and will-rerun tasks in the active file ----
  const updateStatus = async () => {
    const editor = vscode.window.activeTextEditor;
    if (!client || !editor || !WORKFLOW_LANGUAGES.includes(editor.document.languageId) || editor.document.uri.scheme !== "file") {
      status.hide();
      void vscode.commands.executeCommand("setContext", "tasklens.isWorkflow", false);
      return;
    }
    const result = await client.sendRequest<FileStatusResult>(FileStatusRequest, { uri: editor.document.uri.toString() } satisfies FileStatusParams);
    void vscode.commands.executeCommand("setContext", "tasklens.isWorkflow", result.tasks > 0);
    if (result.tasks === 0) return status.hide();
    status.text = `$(database) ${result.stale} stale · ${result.willRerun} will rerun`;
    status.tooltip = `tasklens: ${result.stale} task(s) would reuse a stale result, ${result.willRerun} will rerun (of ${result.tasks})`;
    status.backgroundColor = result.stale ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    status.show();
  };
  const safeUpdate = () => void updateStatus().catch((e) => output.appendLine(`tasklens: status: ${String(e)}`));
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(safeUpdate), vscode.languages.onDidChangeDiagnostics(safeUpdate));
  safeUpdate();

  // ---- Jobs view and job details ----
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
      // "Task: name (hash …)  file:line" links to the task's definition.
      provideDocumentLinks: async (document) => {
        const task = await jobDetailsOf(document.uri);
        if (!task?.file) return [];
        const line = document.getText().split("\n").findIndex((l) => l.startsWith("Task: "));
        if (line < 0) return [];
        const target = vscode.Uri.file(task.file).with({ fragment: `L${task.line ?? 1}` });
        const link = new vscode.DocumentLink(new vscode.Range(line, 6, line, document.lineAt(line).text.length), target);
        link.tooltip = "Open the task's definition";
        return [link];
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider(EXPLAIN_SCHEME, {
      provideTextDocumentContent: async (uri) => {
        const { file, task } = JSON.parse(uri.query) as TaskRef;
        return client!.sendRequest<string>(ExplainRequest, { uri: vscode.Uri.file(file).toString(), task } satisfies ExplainParams);
      },
    }),
  );

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
      const uri = vscode.Uri.from({ scheme: EXPLAIN_SCHEME, path: `/${ref.task}.txt`, query: JSON.stringify(ref) });
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true, viewColumn: vscode.ViewColumn.Beside });
    }),
    vscode.commands.registerCommand("tasklens.showJob", async (jobId?: string, store?: string) => {
      if (!jobId) jobId = await vscode.window.showInputBox({ prompt: "Job id (or a prefix)" });
      const job = jobId ? await client?.sendRequest<JobDetailsResult | null>(JobDetailsRequest, { jobId, store } satisfies JobDetailsParams) : undefined;
      if (!job) {
        void vscode.window.showWarningMessage(`tasklens: no job ${jobId ?? ""}`);
        return;
      }
      const uri = jobUri(job.jobId, job.store);
      jobDocuments.fire(uri);
      const document = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), "tasklens-log");
      await vscode.window.showTextDocument(document, { preview: true, preserveFocus: true });
    }),
    vscode.commands.registerCommand("tasklens.refreshJobs", () => jobs.refresh()),
    vscode.commands.registerCommand("tasklens.clearJobs", () => jobs.clear()),
    vscode.commands.registerCommand("tasklens.showLogs", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("tasklens.db")) return;
      await client?.restart(); // the server reads the store setting when it starts
      if (client) jobs.attach(client);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      await client?.restart(); // lenses are recomputed: Run becomes available
    }),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
