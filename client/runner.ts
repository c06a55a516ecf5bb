// Runs the task a lens names as a child process: the server says what to run as a JSON runnable
// ({dialect, cwd, args}); this maps the dialect to an executable and spawns it with the argument
// array, never a shell string. The log streams into the tasklens output channel; a progress
// notification can cancel.
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import type { TaskRef } from "../protocol";

export class TaskRunner implements vscode.Disposable {
  private readonly running = new Set<() => void>();
  /** The end of the last run's stderr (to tell "no redun" from a failing task). */
  private lastError = "";

  constructor(
    private readonly cliPath: string,
    private readonly output: vscode.OutputChannel,
    private readonly onFinished: () => void,
  ) {}

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

  async run(ref: TaskRef, options: { noCache?: boolean } = {}): Promise<number | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage("tasklens runs no tasks in an untrusted workspace. Trust the workspace to run tasks.");
      return undefined;
    }
    const program = await this.command(ref);
    if (!program) {
      void vscode.window.showErrorMessage(`tasklens cannot run ${ref.runnable.dialect} workflows from the editor yet.`);
      return undefined;
    }
    const folder = ref.runnable.cwd;
    const runArgs = [...ref.runnable.args, ...(options.noCache && !ref.runnable.args.includes("--no-cache") ? ["--no-cache"] : [])];
    const args = [...program.prefix, ...runArgs, ...program.suffix];
    const { file, env } = program;
    this.output.appendLine(`$ tasklens ${[...runArgs, ...program.suffix].map((a) => (a === ref.file ? path.relative(folder, a) || a : a)).join(" ")}`);
    this.output.show(true);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `tasklens: running ${ref.task}`, cancellable: true },
      (progress, token) =>
        new Promise<number | undefined>((resolve) => {
          const child = spawn(file, args, { cwd: folder, env, stdio: ["ignore", "pipe", "pipe"] });
          const cancel = () => child.kill("SIGINT"); // the CLI flushes the store and exits cleanly
          this.running.add(cancel);
          token.onCancellationRequested(cancel);
          let jobs = 0;
          this.lastError = "";
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            this.output.append(chunk);
            this.lastError = (this.lastError + chunk).slice(-2000);
            jobs += (chunk.match(/\] (Run|Cached) +Job /g) ?? []).length;
            progress.report({ message: `${jobs} job${jobs === 1 ? "" : "s"}` });
          });
          child.stdout.setEncoding("utf8").on("data", (chunk: string) => this.output.append(chunk));
          child.on("error", (error) => {
            this.output.appendLine(`tasklens: could not start ${file}: ${error.message}`);
            this.running.delete(cancel);
            resolve(undefined);
          });
          child.on("close", (code, signal) => {
            this.running.delete(cancel);
            this.output.appendLine(signal || code === 130 ? "[tasklens] run cancelled" : `[tasklens] exit code ${code}`);
            this.onFinished();
            if (code === 1) void vscode.window.showErrorMessage(`tasklens: ${ref.task} failed`, "Show Logs").then((a) => a && this.output.show());
            else if (ref.runnable.dialect === "redun" && (code === 2 || code === 127) && /redun not found|cannot import redun/.test(this.lastError)) {
              void vscode.window
                .showErrorMessage(`tasklens: no redun to run ${ref.task}. ${this.lastError.trim().split("\n").pop()}`, "Select Python Interpreter", "Open Settings")
                .then((a) => a === "Select Python Interpreter" ? vscode.commands.executeCommand("python.setInterpreter") : a && vscode.commands.executeCommand("workbench.action.openSettings", "tasklens.redun.command"));
            }
            resolve(code ?? undefined);
          });
        }),
    );
  }

  dispose(): void {
    for (const cancel of this.running) cancel();
  }
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
