// The Jobs view: executions newest first, each expanding into its job tree, read from the store
// (read-only) and refreshed when the store file changes, so a run shows up live.
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { callText, formatDuration, formatTime } from "../engine/cli/log";
import { defaultStorePath, ExecutionRecord, JobRecord, Store } from "../engine/store";

type Node = { kind: "execution"; execution: ExecutionRecord } | { kind: "job"; job: JobRecord } | { kind: "message"; text: string };

const JOB_ICONS: Record<string, [string, string?]> = {
  done: ["pass", "testing.iconPassed"],
  cached: ["history", "charts.blue"],
  failed: ["error", "testing.iconFailed"],
  running: ["sync~spin"],
};

export class JobsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private store: Store | undefined;
  private storePath: string | undefined;
  private problem: string | undefined;
  private jobsByExecution = new Map<string, JobRecord[]>();

  constructor(private readonly state: vscode.Memento) {}

  /** The store of the first workspace folder (its project root), or of the `tasklens.db` setting. */
  private currentStorePath(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) return undefined;
    const db = vscode.workspace.getConfiguration("tasklens").get<string>("db");
    return db ? path.resolve(folder, db) : defaultStorePath(path.join(folder, "workflow.ts"));
  }

  get path(): string | undefined {
    return this.storePath;
  }

  async refresh(): Promise<void> {
    const next = this.currentStorePath();
    if (next !== this.storePath) {
      if (this.storePath) fs.unwatchFile(this.storePath);
      this.storePath = next;
      this.store = undefined;
      if (next) fs.watchFile(next, { interval: 300 }, () => void this.refresh());
    }
    this.problem = undefined;
    this.jobsByExecution.clear();
    try {
      if (this.storePath && fs.existsSync(this.storePath)) {
        if (this.store) this.store.reload();
        else this.store = await Store.open(this.storePath, { readonly: true });
      } else this.store = undefined;
    } catch (error) {
      this.store = undefined;
      this.problem = (error as Error).message.split("\n")[0];
    }
    this.changed.fire(undefined);
  }

  /** Hides the executions listed so far (the store keeps them; `tasklens log` still shows them). */
  async clear(): Promise<void> {
    await this.state.update("tasklens.jobs.clearedBefore", Date.now());
    this.changed.fire(undefined);
  }

  getStore(): Store | undefined {
    return this.store;
  }

  private jobsOf(executionId: string): JobRecord[] {
    let jobs = this.jobsByExecution.get(executionId);
    if (!jobs) this.jobsByExecution.set(executionId, (jobs = this.store?.jobsOf(executionId) ?? []));
    return jobs;
  }

  getChildren(node?: Node): Node[] {
    if (this.problem) return node ? [] : [{ kind: "message", text: this.problem }];
    if (!this.store) return node ? [] : [{ kind: "message", text: "No runs yet: ▶ Run task above a task, or tasklens run FILE" }];
    if (!node) {
      const clearedBefore = this.state.get<number>("tasklens.jobs.clearedBefore", 0);
      return this.store.executions(50).filter((e) => e.started > clearedBefore).map((execution) => ({ kind: "execution", execution }));
    }
    if (node.kind === "execution") return this.jobsOf(node.execution.id).filter((j) => j.parentId === null).map((job) => ({ kind: "job", job }));
    if (node.kind === "job") return this.jobsOf(node.job.executionId).filter((j) => j.parentId === node.job.id).map((job) => ({ kind: "job", job }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === "message") return new vscode.TreeItem(node.text);
    if (node.kind === "execution") {
      const e = node.execution;
      const command = e.argv.slice(1).join(" ");
      const item = new vscode.TreeItem(`${e.task}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `exec:${e.id}`;
      item.description = `${e.status} · ${formatTime(e.started)}`;
      item.tooltip = `Execution ${e.id}\n${command}\n${e.status}${e.error ? `: ${e.error}` : ""}`;
      item.accessibilityInformation = { label: `${e.task}, execution ${e.status}, ${item.description}` };
      item.iconPath = new vscode.ThemeIcon(e.status === "done" ? "pass" : e.status === "failed" ? "error" : e.status === "running" ? "sync~spin" : "circle-slash");
      item.contextValue = "execution";
      return item;
    }
    const j = node.job;
    const hasChildren = this.jobsOf(j.executionId).some((c) => c.parentId === j.id);
    const item = new vscode.TreeItem(callText(this.store!, j), hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `job:${j.id}`;
    item.description = `${j.status} · ${formatDuration(j.ended === null ? null : j.ended - j.started)}`;
    item.tooltip = `Job ${j.id}\n${j.taskName}\n${j.status}${j.error ? `: ${j.error}` : ""}`;
    item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
    const [icon, color] = JOB_ICONS[j.status] ?? ["circle-outline"];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = "job";
    item.command = { title: "Show Job", command: "tasklens.showJob", arguments: [j.id] };
    return item;
  }

  dispose(): void {
    if (this.storePath) fs.unwatchFile(this.storePath);
    this.store?.close();
    this.changed.dispose();
  }
}
