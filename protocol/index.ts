// Names and shapes shared by the language server and its clients (the VS Code extension among
// them). Type-only imports: the client bundle carries none of the server's code.
import type { ParamView, Runnable } from "../core/dialect";
import type { ExecutionStatus, JobStatus } from "../core/storeReader";

export type { ParamView, Runnable };

/** Commands a client registers itself (VS Code); lenses carry them when the client runs tasks. Arguments are JSON only. */
export const Commands = {
  runTask: "tasklens.runTask",
  runTaskWithoutCache: "tasklens.runTaskWithoutCache",
  explainTask: "tasklens.explainTask",
} as const;

/** Commands the server itself executes (`workspace/executeCommand`), for clients without their own. */
export const ServerCommands = {
  runTask: "tasklens.server.runTask",
  runTaskWithoutCache: "tasklens.server.runTaskWithoutCache",
  explainTask: "tasklens.server.explainTask",
} as const;

/** A task a lens points at: everything a client needs to explain or run it, as plain JSON. */
export interface TaskRef {
  file: string;
  task: string;
  dialect: string;
  runnable: Runnable;
  /** The task's parameters as declared, for a client to ask for the required ones. */
  params: ParamView[];
}

/** Custom request: how many tasks of a file are stale or will rerun (the client's status bar). */
export const FileStatusRequest = "tasklens/fileStatus";
export interface FileStatusParams {
  uri: string;
}
export interface FileStatusResult {
  stale: number;
  willRerun: number;
  tasks: number;
  /** Each task's status, for a list to pick from. `line`: where the task is defined. */
  entries: Array<{ task: string; status: string; title: string; line: number }>;
}

/** Custom request: `tasklens explain` for one task of an open document, in words. */
export const ExplainRequest = "tasklens/explain";
export interface ExplainParams {
  uri: string;
  task: string;
}

/** Custom request: the stores of the workspace (every folder's, every dialect's) that exist. */
export const StoresRequest = "tasklens/stores";
export interface StoreItem {
  location: string;
  dialect: string;
  folder: string;
  /** Why it cannot be read, in one line. */
  problem?: string;
}

/** Custom request: the newest executions of a store. */
export const ExecutionsRequest = "tasklens/executions";
export interface ExecutionsParams {
  store: string;
  limit?: number;
}
export interface ExecutionItem {
  id: string;
  task: string;
  /** The workflow file, when the store knows it. */
  file: string | null;
  status: ExecutionStatus;
  started: number;
  ended: number | null;
  command: string;
  error: string | null;
}

/** Custom request: the jobs of one execution, in start order. */
export const JobsRequest = "tasklens/jobs";
export interface JobsParams {
  store: string;
  executionId: string;
}
export interface JobItem {
  id: string;
  parentId: string | null;
  task: string;
  call: string;
  status: JobStatus;
  started: number;
  ended: number | null;
  error: string | null;
}

/** Custom request: one job's details as `tasklens log <job>` prints them (found by id or prefix, in any store). */
export const JobDetailsRequest = "tasklens/jobDetails";
export interface JobDetailsParams {
  jobId: string;
  store?: string;
}
export interface JobDetailsResult {
  store: string;
  jobId: string;
  text: string;
  /** The task's full name. */
  task: string;
  /** The task's definition, when the store knows it. */
  file: string | null;
  line: number | null;
  /** The result as a person reads it (null: failed or unfinished). */
  result: string | null;
  rerun: RerunItem;
}

/** How to run a stored call again (the task as now defined, the stored arguments), or why it cannot be. */
export type RerunItem = { ref: TaskRef; args: string[] } | { problem: string };

/** Notification from the server: a store changed on disk (a run wrote it). */
export const StoreChangedNotification = "tasklens/storeChanged";
export interface StoreChangedParams {
  store: string;
}

/** What the client passes in `initialize`. */
export interface InitializationOptions {
  /** The `tasklens.db` setting of each workspace folder that sets it, as absolute paths. */
  storeOverrides?: StoreOverride[];
  /**
   * Who runs tasks from a Run lens: "client" (it registers Commands itself), "server" (the server
   * runs them through `workspace/executeCommand`), or absent: no Run lens.
   */
  runTasks?: "client" | "server";
  /**
   * false in an untrusted workspace: a store is then read only inside the workspace folder (never
   * where package.json, redun.ini or a symlink points outside it). Absent: trusted.
   */
  trusted?: boolean;
  /** Which redun the server's runs of redun workflows (`.py`) start (`--redun` / `--python`); absent: `redun` on PATH. */
  redun?: { command?: string; python?: string };
}
export interface StoreOverride {
  folder: string;
  db: string;
}

/** How long the server waits after an edit before analysing (the latest text always wins). */
export const DEBOUNCE_MS = 30;
