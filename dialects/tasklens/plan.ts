// The plan of a tasklens run, by graph reduction over the store: the entry call's hash is known
// from the text (task hash + bound arguments, defaults evaluated from module constants); a hit's
// stored result names its child calls and their arguments, each looked up on its own, exactly as
// the scheduler does, and a child's arguments are known when the jobs producing them are reused.
// A job whose body must run ends what can be known below it.
import type { PredictedStatus, Prediction, Reason, TaskManifest } from "../../core/manifest";
import type { Plan, PlannedJob, PlanRequest } from "../../core/plan";
import { staleBecause } from "../../core/stale";
import type { TaskLookup } from "../../core/storeReader";
import { callHashOf } from "../../engine/analysis/taskHash";
import type { CallRecord, Subtree } from "../../engine/store";
import { displayCall, displayValue, encodeValue, hashValue } from "../../engine/values";
import type { StaticTaskIdentity } from "./manifest";
import type { TasklensStoreReader } from "./storeReader";

/** A task as the planner needs it: its static identity, its manifest, and its task-level prediction. */
export interface PlannableTask {
  identity: StaticTaskIdentity;
  manifest: TaskManifest;
  prediction: () => Prediction;
}

export interface PlanContext {
  /** A task by full name (of the file or of what it imports). */
  task(fullName: string): PlannableTask | undefined;
  store: TasklensStoreReader | undefined;
  lookup: TaskLookup;
}

/** A plan plus what only the tasklens side needs: the tasks reused inside whole unchanged subtrees. */
export interface TasklensPlan extends Plan {
  reusedWhole: Set<string>;
}

/** A call named by a stored expression, not yet planned. */
class StoredCall {
  constructor(readonly task: string, readonly args: unknown[]) {}
}

/** A value the plan cannot know yet, and the job whose run decides it. */
class Unknown {
  constructor(readonly decidedBy: PlannedJob) {}
}

type Bound = { values: unknown[] } | { problem: string };

/** Arguments bound to the parameter list with defaults applied, as the engine's binder will do it. */
function bind(identity: StaticTaskIdentity, args: unknown[]): Bound {
  const values: unknown[] = [];
  for (const [i, p] of identity.task.params.entries()) {
    if (p.rest) {
      values.push(...args.slice(i));
      break;
    }
    const given = args[i];
    if (given !== undefined || p.defaultText === undefined) values.push(given);
    else if (p.defaultValue) values.push(p.defaultValue.value);
    else return { problem: `the default of ${p.name} (${p.defaultText}) is computed at run time` };
  }
  return { values };
}

class Planner {
  readonly jobs: PlannedJob[] = [];
  complete = true;
  readonly reusedWhole = new Set<string>();
  private readonly byCall = new Map<string, unknown>();
  private unknownCalls = 0;

  constructor(private readonly ctx: PlanContext) {}

  private add(job: Omit<PlannedJob, "changed"> & { changed?: string[] }): PlannedJob {
    const full: PlannedJob = { changed: [], ...job };
    this.jobs.push(full);
    return full;
  }

  /** A job whose body runs: what it returns (and calls) is known only then. */
  private runs(job: PlannedJob): Unknown {
    this.complete = false;
    return new Unknown(job);
  }

  /** Resolves a stored expression (or arguments) as the scheduler does: calls become their results. */
  private resolve(value: unknown, parentId: string | null): unknown {
    if (value instanceof StoredCall) return this.call(value.task, this.resolve(value.args, parentId), parentId);
    if (Array.isArray(value)) return firstUnknown(value.map((v) => this.resolve(v, parentId)));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value).map(([k, v]) => [k, this.resolve(v, parentId)] as const);
      const unknown = entries.find(([, v]) => v instanceof Unknown);
      return unknown ? unknown[1] : Object.fromEntries(entries);
    }
    return value;
  }

  call(taskName: string, args: unknown, parentId: string | null): unknown {
    const task = this.ctx.task(taskName);
    // A job whose call hash cannot be known yet (arguments from a job that reruns, a hash known only at run time).
    const placeholder = (status: PredictedStatus, reasons: Reason[], values?: unknown[], call = `${taskName}(…)`) =>
      this.runs(this.add({ id: `?${++this.unknownCalls}`, parentId, task: taskName, args: values?.map((v) => encodeValue(v, false)) ?? null, call, status, reasons, callHash: null }));
    if (!task) return placeholder("may-rerun", [{ kind: "source-changed", detail: `task ${taskName} is defined where the analysis does not look` }]);
    const m = task.manifest;
    const certain = this.certainRerun(task);
    if (args instanceof Unknown) {
      return placeholder(certain?.status ?? "may-rerun", certain?.reasons ?? [{ kind: "input-changed", detail: `input from ${args.decidedBy.call} reruns` }]);
    }
    const bound = bind(task.identity, args as unknown[]);
    if ("problem" in bound) return placeholder(certain?.status ?? "may-rerun", certain?.reasons ?? [{ kind: "args-changed", detail: bound.problem }]);
    let argsHash: string;
    try {
      argsHash = hashValue(bound.values);
    } catch (error) {
      return placeholder("may-rerun", [{ kind: "args-changed", detail: (error as Error).message }]);
    }
    const params = task.identity.task.params.map((p) => p.name);
    const call = displayCall(taskName, bound.values, params);
    if (m.taskHash === null) {
      return placeholder(certain?.status ?? "may-rerun", certain?.reasons ?? [{ kind: "source-changed", detail: m.unknownHash ?? "the task hash cannot be predicted" }], bound.values, call);
    }
    const callHash = callHashOf(m.taskHash, argsHash);
    // Within one run a call is evaluated once, however many consumers share it.
    if (this.byCall.has(callHash)) return this.byCall.get(callHash);
    const job = this.add({ id: callHash, parentId, task: taskName, args: bound.values.map((v) => encodeValue(v, false)), call, status: "will-rerun", reasons: [], callHash });
    const settle = (value: unknown) => (this.byCall.set(callHash, value), value);
    settle(new Unknown(job)); // a call reached again through its own result waits for itself

    const set = (status: PredictedStatus, reasons: Reason[]) => Object.assign(job, { status, reasons });
    const store = this.ctx.store;
    if (!m.cached) return settle(this.runs(set("will-rerun", [{ kind: "no-cache", detail: "cache: false reruns on every call" }])));
    const record = store?.store.getCall(callHash);
    if (!store || !record) {
      const miss = certain ?? this.missReasons(task, bound.values, callHash);
      return settle(this.runs(set(miss.status, miss.reasons)));
    }
    // redun's ultimate reduction: a whole unchanged subtree reuses the final result, children unreplayed.
    if (record.finalHash && record.subtree && this.isCurrent(record.subtree)) {
      const final = store.store.getValue(record.finalHash, (name, a) => new StoredCall(name, a));
      if (final) {
        this.judgeReuse(job, task, record); // cached, or stale for a version-pinned edit
        job.wholeSubtree = record.subtree.jobs;
        for (const [name] of record.subtree.tasks) this.reusedWhole.add(name);
        return settle(final.value);
      }
    }
    const problem = store.replayProblem({ taskHash: m.taskHash, callHash, created: record.created, fingerprints: null }, this.ctx.lookup);
    if (problem) return settle(this.runs(set("will-rerun", [{ kind: problem.startsWith("awaited") ? "input-changed" : "closure-changed", detail: problem }])));
    let stored: { value: unknown } | undefined;
    try {
      stored = store.store.getValue(record.resultHash, (name, a) => new StoredCall(name, a));
    } catch {
      stored = undefined;
    }
    if (!stored) return settle(this.runs(set("will-rerun", [{ kind: "no-result", detail: "the stored result cannot be read" }])));
    this.judgeReuse(job, task, record);
    return settle(this.resolve(stored.value, job.id));
  }

  /** A reused result: cached, or stale when something outside its hash changed since it was computed. */
  private judgeReuse(job: PlannedJob, task: PlannableTask, record: CallRecord): void {
    const changed = staleBecause(task.manifest.dependencies, this.ctx.store!.fingerprints(record));
    const reasons: Reason[] = changed.map((name) => ({ kind: "unhashed-dependency-changed", detail: `${name} changed since the cached run (not hashed)` }));
    reasons.push(...task.prediction().reasons.filter((r) => r.kind === "version-pinned"));
    Object.assign(job, { status: reasons.length ? "stale" : "cached", reasons, changed });
  }

  /** Whether every task of a recorded subtree is still cached with the same hash and dependencies (as the engine checks). */
  private isCurrent(subtree: Subtree): boolean {
    return subtree.tasks.every(([name, hash, fingerprints]) => {
      const t = this.ctx.task(name);
      return t !== undefined && t.identity.cached && t.identity.hash === hash && hashValue(t.identity.fingerprints) === fingerprints;
    });
  }

  /** What is true of every call of a task, whatever its arguments: it never ran, or no result of its hash exists. */
  private certainRerun(task: PlannableTask): { status: PredictedStatus; reasons: Reason[] } | undefined {
    const store = this.ctx.store;
    const m = task.manifest;
    if (!store || !store.latestJobOfTask(m.fullName)) return { status: "never-run", reasons: [] };
    if (!m.cached) return { status: "will-rerun", reasons: [{ kind: "no-cache", detail: "cache: false reruns on every call" }] };
    if (m.taskHash !== null && !store.latestResult(m.taskHash)) {
      const p = task.prediction();
      return { status: "will-rerun", reasons: p.status === "will-rerun" ? p.reasons : [{ kind: "source-changed", detail: "the task hash changed" }] };
    }
    return undefined;
  }

  /** Why a call of a task whose hash has results is not among them: its last run failed, or new arguments. */
  private missReasons(task: PlannableTask, values: unknown[], callHash: string): { status: PredictedStatus; reasons: Reason[] } {
    const store = this.ctx.store!.store;
    const last = store.jobsOfTask(task.manifest.fullName, 1)[0];
    if (last?.callHash === callHash) {
      return { status: "will-rerun", reasons: [{ kind: "no-result", detail: `its last run ${last.status === "failed" ? "failed" : "did not finish"}: nothing is cached to reuse` }] };
    }
    const previous = last && last.taskHash === task.manifest.taskHash ? (store.getValue(last.argsHash)?.value as unknown[] | undefined) : undefined;
    const params = task.identity.task.params;
    const changes = Array.isArray(previous)
      ? params.flatMap((p, i) => {
          const before = safeHash(previous[i]);
          return before === safeHash(values[i]) ? [] : [`${p.name}: ${displayValue(previous[i], 40)} → ${displayValue(values[i], 40)}`];
        })
      : [];
    return { status: "will-rerun", reasons: [{ kind: "args-changed", detail: changes.length ? changes.join(", ") : "called with arguments no cached run had" }] };
  }
}

function safeHash(v: unknown): string | undefined {
  try {
    return hashValue(v);
  } catch {
    return undefined;
  }
}

function firstUnknown(values: unknown[]): unknown {
  return values.find((v) => v instanceof Unknown) ?? values;
}

/** The plan of one entry call. `request.task` must name a task of the context. */
export function planRun(ctx: PlanContext, request: PlanRequest): TasklensPlan {
  const planner = new Planner(ctx);
  const entry = ctx.task(request.task);
  const args = entry ? entry.identity.task.params.map((p) => request.args[p.name]) : [];
  while (args.length && args[args.length - 1] === undefined) args.pop();
  planner.call(request.task, args, null);
  const root = planner.jobs[0];
  return { entry: { task: request.task, args: root?.args ?? null }, complete: planner.complete, jobs: planner.jobs, reusedWhole: planner.reusedWhole };
}
