// The Jobs view: executions newest first, each expanding into its job tree. The language server
// reads every store of the workspace and serves them (custom requests); it says when one changed,
// so a run shows up live.
import * as path from "node:path";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { isPostgresUrl, maskLocation } from "../core/paths";
import { formatDuration, formatTime, timeAgo } from "../core/present";
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

/** `examples.hello_world.main` → `main`: rows show the short name, the tooltip the full one. */
const shortName = (fullName: string) => fullName.split(".").pop() ?? fullName;

export type JobsNode = Node;

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
      // A PostgreSQL store is named by its URL, shown without its password.
      const shown = isPostgresUrl(node.store.location) ? maskLocation(node.store.location) : vscode.workspace.asRelativePath(node.store.location);
      const item = new vscode.TreeItem(shown, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `store:${node.store.location}`;
      item.description = node.store.dialect;
      item.tooltip = maskLocation(node.store.location);
      item.iconPath = new vscode.ThemeIcon("database");
      return item;
    }
    if (node.kind === "execution") {
      // Task and status first: the row reads at the sidebar's default width; the rest is in the tooltip.
      const e = node.execution;
      const item = new vscode.TreeItem(shortName(e.task), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `exec:${node.store}:${e.id}`;
      item.description = `${e.status} · ${timeAgo(e.started)}${e.file ? ` · ${path.basename(e.file)}` : ""}`;
      item.tooltip = `${e.task}\nExecution ${e.id}\n${e.command}\n${e.status}${e.error ? `: ${e.error}` : ""}\nstarted ${formatTime(e.started)}${e.ended === null ? "" : `, took ${formatDuration(e.ended - e.started)}`}`;
      item.accessibilityInformation = { label: `${e.task}, execution ${e.status}, ${item.description}` };
      item.iconPath = new vscode.ThemeIcon(e.status === "done" ? "pass" : e.status === "failed" ? "error" : e.status === "running" ? "sync~spin" : "circle-slash");
      item.contextValue = "execution";
      return item;
    }
    const j = node.job;
    const hasChildren = (await this.jobsOf(node.store, node.executionId)).some((c) => c.parentId === j.id);
    const call = j.call.startsWith(j.task) ? shortName(j.task) + j.call.slice(j.task.length) : j.call;
    const item = new vscode.TreeItem(call, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `job:${node.store}:${j.id}`;
    item.description = `${j.status} · ${formatDuration(j.ended === null ? null : j.ended - j.started)}`;
    item.tooltip = `${j.call}\nJob ${j.id}\n${j.status}${j.error ? `: ${j.error}` : ""}`;
    item.accessibilityInformation = { label: `${item.label}, ${item.description}` };
    const [icon, color] = JOB_ICONS[j.status] ?? ["circle-outline"];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = "job";
    item.command = { title: "Show Job", command: "tasklens.showJob", arguments: [j.id, node.store] };
    return item;
  }

  /** The job an execution row stands for (its entry job), for actions on the row. */
  async entryJobOf(node: Node): Promise<{ store: string; jobId: string } | undefined> {
    if (node.kind === "job") return { store: node.store, jobId: node.job.id };
    if (node.kind !== "execution") return undefined;
    const root = (await this.jobsOf(node.store, node.execution.id)).find((j) => j.parentId === null);
    return root && { store: node.store, jobId: root.id };
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }
}
