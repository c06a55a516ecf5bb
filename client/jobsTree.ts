// The Jobs view: executions newest first, each expanding into its job tree. The language server
// reads every store of the workspace and serves them (custom requests); it says when one changed,
// so a run shows up live.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { formatDuration, formatTime } from "../core/present";
import { ExecutionItem, ExecutionsParams, ExecutionsRequest, JobItem, JobsParams, JobsRequest, StoreChangedNotification, StoreItem, StoresRequest } from "../protocol";

type Node =
  | { kind: "store"; store: StoreItem }
  | { kind: "execution"; store: string; execution: ExecutionItem }
  | { kind: "job"; store: string; executionId: string; job: JobItem }
  | { kind: "message"; text: string };

const JOB_ICONS: Record<string, [string, string?]> = {
  done: ["pass", "testing.iconPassed"],
  cached: ["history", "charts.blue"],
  failed: ["error", "testing.iconFailed"],
  running: ["sync~spin"],
};

export class JobsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private client: LanguageClient | undefined;
  private jobsByExecution = new Map<string, Promise<JobItem[]>>();
  private subscription: vscode.Disposable | undefined;

  constructor(private readonly state: vscode.Memento) {}

  /** Connects the view to the language server (again after a restart). */
  attach(client: LanguageClient): void {
    this.client = client;
    this.subscription?.dispose();
    this.subscription = client.onNotification(StoreChangedNotification, () => this.refresh());
    this.refresh();
  }

  refresh(): void {
    this.jobsByExecution.clear();
    this.changed.fire(undefined);
  }

  /** Hides the executions listed so far (the store keeps them; `tasklens log` still shows them). */
  async clear(): Promise<void> {
    await this.state.update("tasklens.jobs.clearedBefore", Date.now());
    this.changed.fire(undefined);
  }

  private jobsOf(store: string, executionId: string): Promise<JobItem[]> {
    const key = `${store}\u0000${executionId}`;
    let jobs = this.jobsByExecution.get(key);
    if (!jobs) this.jobsByExecution.set(key, (jobs = this.client!.sendRequest<JobItem[]>(JobsRequest, { store, executionId } satisfies JobsParams)));
    return jobs;
  }

  private async executionsOf(store: string): Promise<Node[]> {
    const clearedBefore = this.state.get<number>("tasklens.jobs.clearedBefore", 0);
    const executions = await this.client!.sendRequest<ExecutionItem[]>(ExecutionsRequest, { store, limit: 50 } satisfies ExecutionsParams);
    return executions.filter((e) => e.started > clearedBefore).map((execution) => ({ kind: "execution", store, execution }));
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!this.client) return node ? [] : [{ kind: "message", text: "Starting the tasklens language server…" }];
    if (!node) {
      const stores = await this.client.sendRequest<StoreItem[]>(StoresRequest);
      if (stores.length === 0) return [{ kind: "message", text: "No runs yet: ▶ Run task above a task, or tasklens run FILE" }];
      // One store: its executions at the top level; several: one node per store.
      if (stores.length > 1) return stores.map((store) => ({ kind: "store", store }));
      return stores[0].problem ? [{ kind: "message", text: stores[0].problem }] : this.executionsOf(stores[0].location);
    }
    if (node.kind === "store") return node.store.problem ? [{ kind: "message", text: node.store.problem }] : this.executionsOf(node.store.location);
    if (node.kind === "execution") {
      const jobs = await this.jobsOf(node.store, node.execution.id);
      return jobs.filter((j) => j.parentId === null).map((job) => ({ kind: "job", store: node.store, executionId: node.execution.id, job }));
    }
    if (node.kind === "job") {
      const jobs = await this.jobsOf(node.store, node.executionId);
      return jobs.filter((j) => j.parentId === node.job.id).map((job) => ({ kind: "job", store: node.store, executionId: node.executionId, job }));
    }
    return [];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node.kind === "message") return new vscode.TreeItem(node.text);
    if (node.kind === "store") {
      const item = new vscode.TreeItem(vscode.workspace.asRelativePath(node.store.location), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `store:${node.store.location}`;
      item.description = node.store.dialect;
      item.tooltip = node.store.location;
      item.iconPath = new vscode.ThemeIcon("database");
      return item;
    }
    if (node.kind === "execution") {
      const e = node.execution;
      const item = new vscode.TreeItem(`${e.task}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `exec:${node.store}:${e.id}`;
      item.description = `${e.status} · ${formatTime(e.started)}`;
      item.tooltip = `Execution ${e.id}\n${e.command}\n${e.status}${e.error ? `: ${e.error}` : ""}`;
      item.accessibilityInformation = { label: `${e.task}, execution ${e.status}, ${item.description}` };
      item.iconPath = new vscode.ThemeIcon(e.status === "done" ? "pass" : e.status === "failed" ? "error" : e.status === "running" ? "sync~spin" : "circle-slash");
      item.contextValue = "execution";
      return item;
    }
    const j = node.job;
    const hasChildren = (await this.jobsOf(node.store, node.executionId)).some((c) => c.parentId === j.id);
    const item = new vscode.TreeItem(j.call, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `job:${node.store}:${j.id}`;
    item.description = `${j.status} · ${formatDuration(j.ended === null ? null : j.ended - j.started)}`;
    item.tooltip = `Job ${j.id}\n${j.task}\n${j.status}${j.error ? `: ${j.error}` : ""}`;
    item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
    const [icon, color] = JOB_ICONS[j.status] ?? ["circle-outline"];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = "job";
    item.command = { title: "Show Job", command: "tasklens.showJob", arguments: [j.id, node.store] };
    return item;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }
}
