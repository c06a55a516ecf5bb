// The Jobs view: executions newest first, each expanding into its job tree, read from the store
// (read-only) and refreshed when the store file changes, so a run shows up live.
import * as path from "node:path";
import * as vscode from "vscode";
import { callText, formatDuration, formatTime } from "../cli/log";
import { defaultStorePath, ExecutionRecord, JobRecord, Store } from "../engine/store";
import { StoreWatcher } from "../core/storeWatcher";
import { storeOverride } from "./settings";

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
  private watcher: StoreWatcher | undefined;
  private jobsByExecution = new Map<string, JobRecord[]>();

  constructor(private readonly state: vscode.Memento) {}

  /** The store of the first workspace folder (its project root), or of the `tasklens.db` setting. */
  private currentStorePath(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return folder && defaultStorePath(path.join(folder.fsPath, "workflow.ts"), storeOverride(folder));
  }

  async refresh(): Promise<void> {
    const next = this.currentStorePath();
    if (next !== this.watcher?.path) {
      this.watcher?.dispose();
      this.watcher = next ? new StoreWatcher(next, () => this.redraw(), 300) : undefined;
    }
    await this.watcher?.ready();
    this.redraw();
  }

  private redraw(): void {
    this.jobsByExecution.clear();
    this.changed.fire(undefined);
  }

  /** Hides the executions listed so far (the store keeps them; `tasklens log` still shows them). */
  async clear(): Promise<void> {
    await this.state.update("tasklens.jobs.clearedBefore", Date.now());
    this.changed.fire(undefined);
  }

  getStore(): Store | undefined {
    return this.watcher?.store;
  }

  private jobsOf(executionId: string): JobRecord[] {
    let jobs = this.jobsByExecution.get(executionId);
    if (!jobs) this.jobsByExecution.set(executionId, (jobs = this.getStore()?.jobsOf(executionId) ?? []));
    return jobs;
  }

  getChildren(node?: Node): Node[] {
    const store = this.getStore();
    if (this.watcher?.problem) return node ? [] : [{ kind: "message", text: this.watcher.problem }];
    if (!store) return node ? [] : [{ kind: "message", text: "No runs yet: ▶ Run task above a task, or tasklens run FILE" }];
    if (!node) {
      const clearedBefore = this.state.get<number>("tasklens.jobs.clearedBefore", 0);
      return store.executions(50).filter((e) => e.started > clearedBefore).map((execution) => ({ kind: "execution", execution }));
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
    const item = new vscode.TreeItem(callText(this.getStore()!, j), hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
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
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
