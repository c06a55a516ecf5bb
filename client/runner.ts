// Runs the task a lens names as a child process: the server says what to run as a JSON runnable
// ({dialect, cwd, args}); this maps the dialect to an executable and spawns it with the argument
// array, never a shell string. A run uses what the user sees (unsaved edits are saved first, required
// parameters are asked for); the log streams into the tasklens output channel; a progress
// notification can cancel; a failure says which job failed and why, and marks its line.
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import type { TaskRef } from "../protocol";
import { askArguments } from "./arguments";
import { lastFailure } from "../core/runLog";
import { FailureMarks } from "./failures";

/** After Cancel, how long a run has to stop on SIGINT (redun lets running jobs finish) before SIGTERM. */
const TERM_AFTER_MS = 5_000;
const WORKFLOW_LANGUAGES = new Set(["typescript", "javascript", "python"]);

export class TaskRunner implements vscode.Disposable {
  private readonly running = new Map<string, () => void>();
  private readonly runningChanged = new vscode.EventEmitter<void>();
  /** Fires when a run starts or ends (lenses show `● running` meanwhile). */
  readonly onDidChangeRunning = this.runningChanged.event;
  private readonly failures = new FailureMarks();

  constructor(
    private readonly cliPath: string,
    private readonly output: vscode.OutputChannel,
    private readonly state: vscode.Memento,
    private readonly onFinished: () => void,
  ) {}

  /** Whether a run of this workflow file is under way from this window. */
  isRunning(file: string): boolean {
    return [...this.running.keys()].some((key) => key.startsWith(`${file}\u0000`));
  }

  /**
   * The program a dialect's runs go through. Both go through the bundled CLI under VS Code's own runtime
   * as Node (no Node install required); a redun run also says which redun the CLI starts.
   */
  private async command(ref: TaskRef): Promise<{ file: string; prefix: string[]; suffix: string[]; env: NodeJS.ProcessEnv } | undefined> {
    const configured = vscode.workspace.getConfiguration("tasklens").get<string>("nodePath");
    const node = configured ? { file: configured, prefix: [this.cliPath], env: { ...process.env } } : { file: process.execPath, prefix: [this.cliPath], env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } };
    if (ref.runnable.dialect === "tasklens") return { ...node, suffix: [] };
    if (ref.runnable.dialect === "redun") return { ...node, suffix: await redunFlags(vscode.Uri.file(ref.file)) };
    return undefined;
  }

  /**
   * Runs a task. `args`: the parameters as given (a rerun of a stored call); absent: the required
   * ones are asked for.
   */
  async run(ref: TaskRef, options: { noCache?: boolean; args?: string[] } = {}): Promise<number | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage("tasklens runs no tasks in an untrusted workspace. Trust the workspace to run tasks.");
      return undefined;
    }
    const program = await this.command(ref);
    if (!program) {
      void vscode.window.showErrorMessage(`tasklens cannot run ${ref.runnable.dialect} workflows from the editor yet.`);
      return undefined;
    }
    if (!(await saveWorkflowEdits(ref.file))) return undefined;
    const params = options.args ?? (await askArguments(ref, this.state));
    if (params === undefined) return undefined; // the user dismissed a prompt
    const key = `${ref.file}\u0000${ref.task}`;
    if (this.running.has(key)) {
      void vscode.window.showInformationMessage(`tasklens: ${ref.task} is already running`);
      return undefined;
    }
    const folder = ref.runnable.cwd;
    const runArgs = [...ref.runnable.args, ...params, ...(options.noCache && !ref.runnable.args.includes("--no-cache") ? ["--no-cache"] : [])];
    const args = [...program.prefix, ...runArgs, ...program.suffix];
    const { file, env } = program;
    this.output.appendLine(`$ tasklens ${[...runArgs, ...program.suffix].map((a) => (a === ref.file ? path.relative(folder, a) || a : a)).join(" ")}`);
    this.output.show(true);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `tasklens: running ${ref.task}`, cancellable: true },
      (progress, token) =>
        new Promise<number | undefined>((resolve) => {
          const child = spawn(file, args, { cwd: folder, env, stdio: ["ignore", "pipe", "pipe"] });
          let termTimer: NodeJS.Timeout | undefined;
          // SIGINT first: the CLI records what finished and stops (redun lets running jobs finish);
          // SIGTERM if it has not stopped a few seconds later.
          const cancel = () => {
            if (termTimer || child.exitCode !== null) return;
            child.kill("SIGINT");
            progress.report({ message: "stopping…" });
            termTimer = setTimeout(() => child.kill("SIGTERM"), TERM_AFTER_MS);
          };
          this.running.set(key, cancel);
          this.runningChanged.fire();
          token.onCancellationRequested(cancel);
          let jobs = 0;
          let log = "";
          const finish = () => {
            clearTimeout(termTimer);
            this.running.delete(key);
            this.runningChanged.fire();
          };
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            this.output.append(chunk);
            log = (log + chunk).slice(-200_000);
            jobs += (chunk.match(/\] (Run|Cached) +Job /g) ?? []).length;
            progress.report({ message: `${jobs} job${jobs === 1 ? "" : "s"}` });
          });
          child.stdout.setEncoding("utf8").on("data", (chunk: string) => this.output.append(chunk));
          child.on("error", (error) => {
            this.output.appendLine(`tasklens: could not start ${file}: ${error.message}`);
            finish();
            resolve(undefined);
          });
          child.on("close", (code, signal) => {
            finish();
            this.output.appendLine(signal || code === 130 || code === 143 ? "[tasklens] run cancelled" : `[tasklens] exit code ${code}`);
            this.onFinished();
            this.report(ref, code, log, folder);
            resolve(code ?? undefined);
          });
        }),
    );
  }

  /** What the user is told when a run ends, and the failing line marked (or cleared). */
  private report(ref: TaskRef, code: number | null, log: string, cwd: string): void {
    if (code === 0) return this.failures.clear(ref.file);
    const failure = code === 1 ? lastFailure(log, cwd) : undefined;
    if (failure) {
      this.failures.mark(ref.file, failure);
      const where = failure.location ? ` (${path.basename(failure.location.file)}:${failure.location.line})` : "";
      const actions = failure.location ? ["Go to Failure", "Show Logs"] : ["Show Logs"];
      void vscode.window.showErrorMessage(`tasklens: ${failure.call} failed${where}: ${failure.error}`, ...actions).then((a) => {
        if (a === "Show Logs") this.output.show();
        else if (a === "Go to Failure" && failure.location) void vscode.window.showTextDocument(vscode.Uri.file(failure.location.file), { selection: new vscode.Range(failure.location.line - 1, 0, failure.location.line - 1, 0) });
      });
      return;
    }
    const lastLine = log.trim().split("\n").pop()?.replace(/^\[\w+\] /, "") ?? "";
    if (ref.runnable.dialect === "redun" && (code === 2 || code === 127) && /redun not found|cannot import redun/.test(log)) {
      void vscode.window
        .showErrorMessage(`tasklens: no redun to run ${ref.task}. ${lastLine}`, "Select Python Interpreter", "Open Settings")
        .then((a) => (a === "Select Python Interpreter" ? vscode.commands.executeCommand("python.setInterpreter") : a && vscode.commands.executeCommand("workbench.action.openSettings", "tasklens.redun.command")));
    } else if (code !== null && code !== 130 && code !== 143) {
      void vscode.window.showErrorMessage(`tasklens: ${ref.task} failed: ${lastLine}`, "Show Logs").then((a) => a && this.output.show());
    }
  }

  dispose(): void {
    for (const cancel of this.running.values()) cancel();
    this.runningChanged.dispose();
    this.failures.dispose();
  }
}

/**
 * Saves unsaved workflow edits before a run, so the run uses what the user sees: the file, and every
 * other dirty workflow-language file of its workspace folder (the files it may import). False: a save failed.
 */
async function saveWorkflowEdits(file: string): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  const dirty = vscode.workspace.textDocuments.filter(
    (d) => d.isDirty && d.uri.scheme === "file" && (d.uri.fsPath === file || (WORKFLOW_LANGUAGES.has(d.languageId) && folder !== undefined && vscode.workspace.getWorkspaceFolder(d.uri)?.uri.toString() === folder.uri.toString())),
  );
  const saved = await Promise.all(dirty.map((d) => d.save()));
  const failed = dirty.filter((_, i) => !saved[i]);
  if (failed.length) void vscode.window.showErrorMessage(`tasklens: could not save ${failed.map((d) => vscode.workspace.asRelativePath(d.uri)).join(", ")}; the run did not start.`);
  return failed.length === 0;
}

/**
 * Which redun the CLI starts for a file: the `tasklens.redun.command` setting, else the interpreter
 * chosen in the Python extension (through its API), else none (the CLI then looks for `redun` on PATH).
 */
async function redunFlags(resource: vscode.Uri): Promise<string[]> {
  const command = vscode.workspace.getConfiguration("tasklens", resource).get<string>("redun.command");
  if (command) return ["--redun", command];
  const python = await pythonInterpreter(resource);
  return python ? ["--python", python] : [];
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

async function pythonInterpreter(resource: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    if (api.environments) {
      const active = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(active);
      return resolved?.executable.uri?.fsPath ?? active.path;
    }
    // The Python extension's older API: the command that runs the interpreter.
    const exec = api.settings?.getExecutionDetails(resource).execCommand;
    return exec && exec.length === 1 ? exec[0] : undefined;
  } catch {
    return undefined;
  }
}
