// tasklens's own store seen through the dialect-neutral StoreReader: the engine's Store opened
// read-only, its records turned into views, its values decoded for people and for JSON.
import type { CachedResult, ExecutionView, JobDetails, JobView, StoredTask, StoreReader, TaskLookup } from "../../core/storeReader";
import { callHashOf } from "../../engine/analysis/taskHash";
import { staleAwaitedChild } from "../../engine/replay";
import { CallRecord, ExecutionRecord, JobRecord, Store } from "../../engine/store";
import { displayCall, displayValue } from "../../engine/values";

export class TasklensStoreReader implements StoreReader {
  readonly dialect = "tasklens";

  /** The engine's store itself, for what only this dialect reads (the planner replays stored expressions). */
  private constructor(readonly store: Store) {}

  static async open(location: string): Promise<TasklensStoreReader> {
    return new TasklensStoreReader(await Store.open(location, { readonly: true }));
  }

  get location(): string {
    return this.store.file;
  }

  private value(hash: string | null): unknown {
    return hash ? this.store.getValue(hash)?.value : undefined;
  }

  /** A value as JSON a machine can read (the store's tagged encoding for Map, Date, …). */
  private valueJson(hash: string | null): unknown {
    return (hash && this.store.getValueJson(hash)) ?? null;
  }

  private jobRecord(view: JobView): JobRecord | undefined {
    return this.store.job(view.id);
  }

  executions(limit: number): ExecutionView[] {
    return this.store.executions(limit).map(executionView);
  }
  execution(id: string): ExecutionView | undefined {
    const e = this.store.execution(id);
    return e && executionView(e);
  }
  findExecutions(prefix: string): ExecutionView[] {
    return this.store.findExecutions(prefix).map(executionView);
  }
  findJobs(prefix: string): JobView[] {
    return this.store.findJobs(prefix).map(jobView);
  }
  jobsOf(executionId: string): JobView[] {
    return this.store.jobsOf(executionId).map(jobView);
  }
  job(id: string): JobView | undefined {
    const j = this.store.job(id);
    return j && jobView(j);
  }

  private paramsOf(taskHash: string): string[] {
    return (this.store.getTask(taskHash)?.parts.params as string[] | undefined) ?? [];
  }

  callText(job: JobView): string {
    const record = this.jobRecord(job);
    const args = record ? this.value(record.argsHash) : undefined;
    return displayCall(job.taskName, Array.isArray(args) ? args : [], this.paramsOf(job.taskHash));
  }

  jobDetails(job: JobView): JobDetails {
    const record = this.jobRecord(job);
    const task = this.store.getTask(job.taskHash);
    const args = record ? this.value(record.argsHash) : undefined;
    const params = this.paramsOf(job.taskHash);
    return {
      job,
      call: this.callText(job),
      args: Array.isArray(args) ? args.map((a, i) => ({ name: params[i] ?? null, text: displayValue(a, 200) })) : [],
      argsJson: record ? this.valueJson(record.argsHash) : null,
      resultJson: record ? this.valueJson(record.resultHash) : null,
      result: job.status === "failed" || !record?.resultHash ? null : displayValue(this.value(record.resultHash), 500),
      source: task?.source ?? null,
      file: task?.file ?? null,
      line: task?.line ?? null,
      upstream: (record?.upstream ?? []).map((u) => {
        const up = this.store.job(u.jobId);
        return {
          param: u.param,
          jobId: u.jobId,
          task: up?.taskName ?? null,
          text: up ? `${this.callText(jobView(up))} = ${displayValue(this.value(up.resultHash), 80)}` : "(not recorded)",
        };
      }),
      traceback: record?.traceback ?? null,
    };
  }

  executionResultJson(execution: ExecutionView): unknown {
    return this.valueJson(this.store.execution(execution.id)?.resultHash ?? null);
  }

  latestJobOfTask(fullName: string): JobView | undefined {
    const j = this.store.jobsOfTask(fullName, 1)[0];
    return j && jobView(j);
  }

  latestResult(taskHash: string): CachedResult | undefined {
    const call = this.store.callsOfTask(taskHash, 1)[0];
    return call && { taskHash, callHash: call.callHash, created: call.created, fingerprints: this.fingerprints(call) };
  }

  /** The engine records fingerprints with every result; an unreadable record counts as "nothing changed". */
  fingerprints(call: CallRecord): Record<string, string> {
    if (!call.fingerprints) return {};
    try {
      return (this.store.getValue(call.fingerprints)?.value ?? {}) as Record<string, string>;
    } catch {
      return {};
    }
  }

  storedTask(taskHash: string): StoredTask | undefined {
    const t = this.store.getTask(taskHash);
    if (!t) return undefined;
    const parts = t.parts as StoredTask["parts"];
    return { hash: t.hash, fullName: t.fullName, source: t.source, sourceKey: t.normalizedHash, parts: { version: parts.version, cacheVersion: parts.cacheVersion, includesHash: parts.includesHash, closure: parts.closure } };
  }

  /**
   * A stored result is replayed on a hit: it fails when the expression calls a task that no longer
   * exists, and an async task's result is reused only while every child call it awaited is a hit.
   */
  replayProblem(result: CachedResult, tasks: TaskLookup): string | undefined {
    const call = this.store.getCall(result.callHash);
    if (!call) return undefined;
    const names = new Set<string>();
    this.store.getValue(call.resultHash, (name) => names.add(name));
    for (const name of names) if (!tasks.exists(name)) return `the cached result calls task ${name}, which no longer exists`;
    const stale = staleAwaitedChild(this.store, call, (task, argsHash) => {
      const child = tasks.manifestOf(task);
      if (!child) return undefined; // defined elsewhere: the engine decides
      return child.taskHash && child.cached ? callHashOf(child.taskHash, argsHash) : null;
    });
    return stale ? `awaited child ${stale} will rerun` : undefined;
  }

  changedOnDisk(): boolean {
    return this.store.changedOnDisk();
  }
  reload(): void {
    this.store.reload();
  }
  close(): void {
    this.store.close();
  }
}

function executionView(e: ExecutionRecord): ExecutionView {
  return { id: e.id, started: e.started, ended: e.ended, status: e.status, task: e.task, file: e.file, argv: e.argv, error: e.error };
}

function jobView(j: JobRecord): JobView {
  return { id: j.id, executionId: j.executionId, parentId: j.parentId, taskName: j.taskName, taskHash: j.taskHash, callHash: j.callHash, status: j.status, started: j.started, ended: j.ended, error: j.error };
}
