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

  constructor(
    private readonly cliPath: string,
    private readonly output: vscode.OutputChannel,
    private readonly onFinished: () => void,
  ) {}

  /** The program a dialect's runs go through: for tasklens, the bundled CLI under VS Code's own runtime as Node (no Node install required). */
  private command(dialect: string): { file: string; prefix: string[]; env: NodeJS.ProcessEnv } | undefined {
    if (dialect !== "tasklens") return undefined;
    const configured = vscode.workspace.getConfiguration("tasklens").get<string>("nodePath");
    if (configured) return { file: configured, prefix: [this.cliPath], env: { ...process.env } };
    return { file: process.execPath, prefix: [this.cliPath], env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } };
  }

  async run(ref: TaskRef, options: { noCache?: boolean } = {}): Promise<number | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage("tasklens runs no tasks in an untrusted workspace. Trust the workspace to run tasks.");
      return undefined;
    }
    const program = this.command(ref.runnable.dialect);
    if (!program) {
      void vscode.window.showErrorMessage(`tasklens cannot run ${ref.runnable.dialect} workflows from the editor yet.`);
      return undefined;
    }
    const folder = ref.runnable.cwd;
    const runArgs = [...ref.runnable.args, ...(options.noCache && !ref.runnable.args.includes("--no-cache") ? ["--no-cache"] : [])];
    const args = [...program.prefix, ...runArgs];
    const { file, env } = program;
    this.output.appendLine(`$ tasklens ${runArgs.map((a) => (a === ref.file ? path.relative(folder, a) || a : a)).join(" ")}`);
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
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            this.output.append(chunk);
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
            resolve(code ?? undefined);
          });
        }),
    );
  }

  dispose(): void {
    for (const cancel of this.running) cancel();
  }
}
