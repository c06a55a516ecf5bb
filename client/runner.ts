// Runs tasks through the bundled engine CLI as a child process: an argument array, never a shell
// string; the log streams into the tasklens output channel; a progress notification can cancel.
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import type { TaskRef } from "../protocol";
import { storeOverride } from "./settings";

export class TaskRunner implements vscode.Disposable {
  private readonly running = new Set<() => void>();

  constructor(
    private readonly cliPath: string,
    private readonly output: vscode.OutputChannel,
    private readonly onFinished: () => void,
  ) {}

  /** The process tasklens runs under: VS Code's own runtime as Node (no Node install required). */
  private command(): { file: string; env: NodeJS.ProcessEnv } {
    const configured = vscode.workspace.getConfiguration("tasklens").get<string>("nodePath");
    if (configured) return { file: configured, env: { ...process.env } };
    return { file: process.execPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } };
  }

  async run(ref: TaskRef, options: { noCache?: boolean } = {}): Promise<number | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage("tasklens runs no tasks in an untrusted workspace. Trust the workspace to run tasks.");
      return undefined;
    }
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(ref.file))?.uri.fsPath ?? path.dirname(ref.file);
    const args = [this.cliPath, "run", ref.file, ref.task];
    if (options.noCache) args.push("--no-cache");
    const db = storeOverride(vscode.Uri.file(ref.file));
    if (db) args.push("--db", db);
    const { file, env } = this.command();
    this.output.appendLine(`$ tasklens run ${path.relative(folder, ref.file) || ref.file} ${ref.task}${options.noCache ? " --no-cache" : ""}`);
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
