// The status-bar item: how many tasks of the active workflow file are stale or will rerun. Clicking
// it lists the file's tasks with their status and goes to the one picked.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { FileStatusParams, FileStatusRequest, FileStatusResult } from "../protocol";

export const WORKFLOW_LANGUAGES = ["typescript", "javascript", "python"];
const PICK_COMMAND = "tasklens.pickTask";
/** Worst first: what needs attention is on top of the list. */
const ORDER = ["stale", "will-rerun", "may-rerun", "never-run", "cached"];

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("tasklens.status", vscode.StatusBarAlignment.Left, 10);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: { uri: vscode.Uri; result: FileStatusResult } | undefined;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly onError: (message: string) => void,
  ) {
    this.item.name = "tasklens";
    this.item.command = PICK_COMMAND;
    this.disposables.push(this.item, vscode.commands.registerCommand(PICK_COMMAND, () => this.pick()));
  }

  /** Asks the server again, a little later (several events often come together). */
  update(delayMs = 150): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch((e) => this.onError(`status: ${String(e)}`)), delayMs);
  }

  private async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const client = this.client();
    if (!client || !editor || !WORKFLOW_LANGUAGES.includes(editor.document.languageId) || editor.document.uri.scheme !== "file") {
      this.item.hide();
      void vscode.commands.executeCommand("setContext", "tasklens.isWorkflow", false);
      return;
    }
    const result = await client.sendRequest<FileStatusResult>(FileStatusRequest, { uri: editor.document.uri.toString() } satisfies FileStatusParams);
    this.last = { uri: editor.document.uri, result };
    void vscode.commands.executeCommand("setContext", "tasklens.isWorkflow", result.tasks > 0);
    if (result.tasks === 0) return this.item.hide();
    this.item.text = `$(database) ${result.stale} stale · ${result.willRerun} will rerun`;
    this.item.tooltip = `tasklens: ${result.stale} task(s) would reuse a stale result, ${result.willRerun} will rerun (of ${result.tasks}). Click to list them.`;
    this.item.backgroundColor = result.stale ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    this.item.show();
  }

  private async pick(): Promise<void> {
    if (!this.last) return;
    const { uri, result } = this.last;
    const entries = [...result.entries].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.line - b.line);
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({ label: e.task.split(".").pop() ?? e.task, description: e.title, detail: e.task, entry: e })),
      { title: `tasklens: ${result.stale} stale · ${result.willRerun} will rerun`, placeHolder: "Go to a task", matchOnDescription: true },
    );
    if (!picked) return;
    const line = Math.max(0, picked.entry.line - 1);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(line, 0, line, 0) });
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
