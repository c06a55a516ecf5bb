// redun's own store seen through the dialect-neutral StoreReader: read-only, a consistent snapshot
// (see store/snapshot.ts), redun's records turned into views and its pickled values decoded.
import type { CachedResult, ExecutionStatus, ExecutionView, JobDetails, JobStatus, JobView, StoredTask, StoreReader } from "../../core/storeReader";
import { formatExecution, formatExecutionList, formatJob, toMicros } from "./store/log";
import { openRedunStore, RedunExecution, RedunJob, RedunStore, RedunValue, storeStamp } from "./store/reader";
import { pyRepr, trimString } from "./store/repr";
import type { RunRecords } from "./runRecords";
import { pyJson } from "./values";

const JOB_STATUS: Record<RedunJob["status"], JobStatus> = { DONE: "done", CACHED: "cached", FAILED: "failed", RUNNING: "running" };
const EXECUTION_STATUS: Record<RedunExecution["status"], ExecutionStatus> = { DONE: "done", FAILED: "failed", RUNNING: "running" };

/** Milliseconds since the epoch of redun's naive-UTC timestamps. */
function ms(t: string): number {
  return Math.floor(toMicros(t) / 1000);
}

export class RedunStoreReader implements StoreReader {
  readonly dialect = "redun";

  private constructor(
    readonly location: string,
    private store: RedunStore,
    /** What tasklens recorded of the runs it started (the text redun imported), for exact staleness. */
    private readonly records: RunRecords | undefined,
  ) {}

  static async open(location: string, records?: RunRecords): Promise<RedunStoreReader> {
    return new RedunStoreReader(location, await openRedunStore(location), records);
  }

  /** The underlying redun reader (for redun's own log texts and the plan's stored expressions). */
  get redun(): RedunStore {
    return this.store;
  }

  executions(limit: number): ExecutionView[] {
    return this.store.executions({ limit }).map((e) => this.executionView(e));
  }
  execution(id: string): ExecutionView | undefined {
    const e = this.store.execution(id);
    return e && e.id === id ? this.executionView(e) : undefined;
  }
  findExecutions(prefix: string): ExecutionView[] {
    const e = this.store.execution(prefix);
    return e ? [this.executionView(e)] : [];
  }
  findJobs(prefix: string): JobView[] {
    const j = this.store.job(prefix);
    return j ? [jobView(j)] : [];
  }
  jobsOf(executionId: string): JobView[] {
    return this.store.jobs(executionId).map(jobView);
  }
  job(id: string): JobView | undefined {
    const j = this.store.job(id);
    return j && j.id === id ? jobView(j) : undefined;
  }

  private executionView(e: RedunExecution): ExecutionView {
    const root = this.store.job(e.rootJobId);
    // redun's command line: ["redun", "run", FILE, TASK, …]; options (some with a value, such as
    // --execution-id ID) may come before FILE, which names a Python file.
    const runAt = e.args.indexOf("run");
    const fileAt = e.args.findIndex((a, i) => i > runAt && !a.startsWith("-") && a.endsWith(".py"));
    const positional = fileAt >= 0 ? e.args.slice(fileAt, fileAt + 2) : e.args.slice(runAt + 1).filter((a) => !a.startsWith("-"));
    return {
      id: e.id,
      started: ms(e.startTime),
      ended: e.status === "RUNNING" || !e.endTime ? null : ms(e.endTime),
      status: EXECUTION_STATUS[e.status],
      task: root?.taskName ?? positional[1] ?? "?",
      file: positional[0] ?? null,
      argv: e.args,
      error: e.status === "FAILED" ? this.errorOf(e.rootJobId) : null,
    };
  }

  private errorOf(jobId: string): string | null {
    const failure = this.store.jobDetails(jobId)?.failure;
    return failure ? trimString(pyRepr(failure.error), 500) : null;
  }

  callText(job: JobView): string {
    const call = job.callHash ? this.store.jobDetails(job.id)?.call : undefined;
    return `${job.taskName}(${call ? argumentsText(call.arguments).map((a) => (a.name ? `${a.name}=${a.text}` : a.text)).join(", ") : ""})`;
  }

  jobDetails(job: JobView): JobDetails {
    const d = this.store.jobDetails(job.id);
    const call = d?.call;
    const failed = call?.result.type === "redun.ErrorValue";
    const args = call ? argumentsText(call.arguments) : [];
    return {
      job,
      call: this.callText(job),
      args,
      argsJson: call ? argumentsJson(call.arguments) : null,
      resultJson: call && !failed ? valueJson(call.result) : null,
      result: call && !failed ? trimString(valueText(call.result), 500) : null,
      source: d?.task?.source ?? null,
      file: null,
      line: null,
      upstream: [],
      traceback: d && job.status === "failed" ? (formatJob(this.store, job.id) ?? null) : null,
    };
  }

  executionResultJson(execution: ExecutionView): unknown {
    const e = this.store.execution(execution.id);
    const call = e ? this.store.jobDetails(e.rootJobId)?.call : undefined;
    return call && call.result.type !== "redun.ErrorValue" ? valueJson(call.result) : null;
  }

  latestJobOfTask(fullName: string): JobView | undefined {
    const j = this.store.latestJob({ name: fullName });
    return j && jobView(j);
  }

  latestResult(taskHash: string): CachedResult | undefined {
    const j = this.store.latestJob({ hash: taskHash });
    if (!j || !j.callHash || j.status === "FAILED") return undefined;
    // What the result depends on was read by the run that computed it, not by later runs that reused it.
    const computed = this.store.computingJob(j.callHash) ?? j;
    return { taskHash, callHash: j.callHash, created: ms(computed.endTime ?? computed.startTime), fingerprints: this.records?.fingerprintsOf(computed.executionId) ?? null };
  }

  storedTask(taskHash: string): StoredTask | undefined {
    const t = this.store.task(taskHash);
    // redun hashes the raw text: the stored source is its own equality key.
    return t && { hash: t.hash, fullName: t.fullName, source: t.source, sourceKey: t.source, parts: {} };
  }

  replayProblem(): string | undefined {
    // redun replays a cached expression by evaluating its child calls afresh: each is predicted on its own.
    return undefined;
  }

  /** redun's own `redun log` text, for the CLI's log on a redun store. */
  nativeLog(what: { executions: number } | { execution: string } | { job: string }): string | undefined {
    if ("executions" in what) return formatExecutionList(this.store.executions({ limit: what.executions }));
    if ("execution" in what) return formatExecution(this.store, what.execution);
    return formatJob(this.store, what.job);
  }

  changedOnDisk(): boolean {
    try {
      return storeStamp(this.location) !== this.store.stamp;
    } catch {
      return true;
    }
  }
  reload(): void {
    // The reader is a snapshot: a reload reads a new one (synchronously the old one stays until then).
    void openRedunStore(this.location).then((fresh) => {
      this.store.close();
      this.store = fresh;
    });
  }
  close(): void {
    this.store.close();
  }
}

function jobView(j: RedunJob): JobView {
  return {
    id: j.id,
    executionId: j.executionId,
    parentId: j.parentId,
    taskName: j.taskName,
    taskHash: j.taskHash,
    callHash: j.callHash ?? "",
    status: JOB_STATUS[j.status],
    started: ms(j.startTime),
    ended: j.endTime === null ? null : ms(j.endTime),
    error: null,
  };
}

type StoredArgument = { position: number | null; key: string | null; value: RedunValue };

/** Positional arguments in order, then keywords by name. */
function ordered(args: StoredArgument[]): { positional: StoredArgument[]; keywords: StoredArgument[] } {
  return {
    positional: args.filter((a) => a.position !== null).sort((a, b) => a.position! - b.position!),
    keywords: args.filter((a) => a.position === null).sort((a, b) => (a.key! < b.key! ? -1 : 1)),
  };
}

/** Each argument as Python's repr, named when passed by keyword. */
function argumentsText(args: StoredArgument[]): Array<{ name: string | null; text: string }> {
  const { positional, keywords } = ordered(args);
  return [...positional, ...keywords].map((a) => ({ name: a.key, text: trimString(valueText(a.value), 200) }));
}

/** A call's arguments as Python passes them: `{args: [positional…], kwargs: {name: value}}`. */
function argumentsJson(args: StoredArgument[]): unknown {
  const { positional, keywords } = ordered(args);
  return { args: positional.map((a) => valueJson(a.value)), kwargs: Object.fromEntries(keywords.map((a) => [a.key!, valueJson(a.value)])) };
}

function valueText(v: RedunValue): string {
  return v.value !== undefined || !v.error ? pyRepr(v.value ?? null) : `<${v.type} ${v.hash.slice(0, 8)}: ${v.error}>`;
}

function valueJson(v: RedunValue): unknown {
  if (v.value === undefined && v.error) return { $type: v.type, hash: v.hash, error: v.error };
  return pyJson(v.value ?? null, v.type);
}
