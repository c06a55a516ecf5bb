// Read-only access to a workflow store, whatever wrote it (tasklens's engine, redun). The language
// server, the CLI's log/explain/plan and the predictions read stores only through this interface.
import type { TaskManifest } from "./manifest";

/** A store that cannot be read (missing, corrupt, locked, another engine's or version's): said in one line, never fatal to the caller. */
export class StoreError extends Error {
  constructor(
    message: string,
    /** The file (or URL) concerned. */
    readonly location?: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export type JobStatus = "running" | "done" | "cached" | "failed";
export type ExecutionStatus = "running" | "done" | "failed" | "interrupted";

export interface ExecutionView {
  id: string;
  started: number;
  ended: number | null;
  status: ExecutionStatus;
  /** Full name of the entry task. */
  task: string;
  /** The workflow file, when the store knows it. */
  file: string | null;
  /** The command line that started it. */
  argv: string[];
  error: string | null;
}

export interface JobView {
  id: string;
  executionId: string;
  parentId: string | null;
  taskName: string;
  taskHash: string;
  callHash: string;
  status: JobStatus;
  started: number;
  ended: number | null;
  error: string | null;
}

export interface JobDetails {
  job: JobView;
  /** `task(param='value', …)`. */
  call: string;
  /** Arguments as a person reads them, in order. */
  args: Array<{ name: string | null; text: string }>;
  /** Arguments and result as JSON (tagged where JSON has no type for the value). */
  argsJson: unknown;
  resultJson: unknown;
  /** The result as a person reads it; null for a failed or unfinished job. */
  result: string | null;
  source: string | null;
  /** Where the task is defined, when known. */
  file: string | null;
  line: number | null;
  upstream: Array<{ param: string; jobId: string; task: string | null; text: string }>;
  traceback: string | null;
}

/** A computed result of a task hash, as far as predictions care. */
export interface CachedResult {
  taskHash: string;
  callHash: string;
  created: number;
  /** Fingerprints of the task's static dependencies when the result was computed (null: not recorded). */
  fingerprints: Record<string, string> | null;
}

/** A task definition as the store recorded it. */
export interface StoredTask {
  hash: string;
  fullName: string;
  source: string;
  /** Equality key of the stored source, comparable with TaskManifest.sourceKey (null: unknown). */
  sourceKey: string | null;
  parts: { version?: string; cacheVersion?: number; includesHash?: string; closure?: string };
}

/** The tasks a prediction may consult besides the one it predicts: by full name, as the source now defines them. */
export interface TaskLookup {
  manifestOf(fullName: string): TaskManifest | undefined;
  /** Whether a task of that full name exists (in the file or the files it imports). */
  exists(fullName: string): boolean;
}

export interface StoreReader {
  readonly dialect: string;
  /** The file (or URL) read. */
  readonly location: string;

  executions(limit: number): ExecutionView[];
  execution(id: string): ExecutionView | undefined;
  /** Executions and jobs whose id starts with a prefix (a few at most). */
  findExecutions(prefix: string): ExecutionView[];
  findJobs(prefix: string): JobView[];
  jobsOf(executionId: string): JobView[];
  job(id: string): JobView | undefined;
  /** `task(param='value', …)` of a job. */
  callText(job: JobView): string;
  jobDetails(job: JobView): JobDetails;
  /** The final result of an execution as JSON (null when it has none). */
  executionResultJson(execution: ExecutionView): unknown;

  /** The newest job of a task, by full name, whatever its hash was. */
  latestJobOfTask(fullName: string): JobView | undefined;
  /** The newest computed result of a task hash. */
  latestResult(taskHash: string): CachedResult | undefined;
  storedTask(taskHash: string): StoredTask | undefined;
  /** Why a stored result would not be reused although its hash matches (its replay would fail), if so. */
  replayProblem(result: CachedResult, tasks: TaskLookup): string | undefined;

  /**
   * The store's own engine's log text (redun's `redun log`), when it has one: the CLI and the Jobs view
   * show a store as its engine's users know it. Undefined: the neutral text of core/log.
   */
  nativeLog?(what: { executions: number } | { execution: string } | { job: string }): string | undefined;

  /** Whether the underlying file changed since it was read. */
  changedOnDisk(): boolean;
  /** Re-reads it after a change. */
  reload(): void;
  close(): void;
}
