// Evaluates call expressions with redun's graph-reduction semantics (SPEC §3): arguments before
// calls (dataflow), each call looked up in the cache by (task hash, args hash), a hit replays the
// stored immediate result (which may itself hold further calls, each looked up on its own).
import { displayPath } from "../core/paths";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { callHashOf, TaskHasher } from "./hashing";
import { staleAwaitedChild } from "./replay";
import { JobRecord, JobStatus, Store } from "./store";
import { CallExpression, registry, setEvaluatorLookup, TaskDefinition } from "./task";
import { deserializeValue, displayCall, hashValue, isCall, serializeValue, UnhashableValueError } from "./values";

export interface ExecutionEvents {
  jobStarted?(job: Job, cached: boolean): void;
  jobFailed?(job: Job, error: unknown): void;
}

export interface ExecutionOptions {
  store: Store;
  hasher: TaskHasher;
  noCache?: boolean;
  /** Most task bodies running at once (a task awaiting its children does not hold a slot). */
  jobs?: number;
  events?: ExecutionEvents;
}

/** A child call a task awaited in its body; its cached result is valid while these stay hits. */
interface AwaitedChild {
  task: string;
  argsHash: string;
}

export class Job {
  readonly id = randomUUID().replace(/-/g, "");
  status: JobStatus = "running";
  started = Date.now();
  ended: number | null = null;
  resultHash: string | null = null;
  error: string | null = null;
  traceback: string | null = null;
  readonly awaited: AwaitedChild[] = [];
  upstream: Array<{ param: string; jobId: string }> = [];
  holdsSlot = false;
  constructor(
    readonly seq: number,
    readonly definition: TaskDefinition,
    readonly args: unknown[],
    readonly parent: Job | null,
    readonly taskHash: string,
    readonly argsHash: string,
    readonly callHash: string,
  ) {}

  get params(): readonly string[] {
    return this.definition.paramNames;
  }

  /** `task(param='value', …)`, as the run log and tracebacks show the call. */
  describe(): string {
    return displayCall(this.definition.fullName, this.args, this.params);
  }
}

/** A task failed: carries the job where the error was thrown. */
export class JobFailure extends Error {
  constructor(readonly job: Job, readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "JobFailure";
  }
}

const context = new AsyncLocalStorage<{ execution: Execution; job: Job }>();
setEvaluatorLookup(() => {
  const current = context.getStore();
  return current ? { awaitCall: (expr) => current.execution.awaitChild(expr, current.job) } : undefined;
});

class Slots {
  private waiting: Array<() => void> = [];
  private free: number;
  constructor(limit: number) {
    this.free = limit;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class Execution {
  readonly id = randomUUID().replace(/-/g, "");
  readonly jobs: Job[] = [];
  private readonly inFlight = new Map<string, { job: Job; promise: Promise<unknown> }>();
  private readonly jobOfExpression = new WeakMap<object, Job>();
  /** Awaited-child checks already made in this execution (call hash → stale child, or null). */
  private readonly awaitedChecks = new Map<string, string | null>();
  private readonly recordedTasks = new Set<string>();
  private readonly slots: Slots;

  constructor(private readonly options: ExecutionOptions) {
    this.slots = new Slots(options.jobs && options.jobs > 0 ? options.jobs : Number.POSITIVE_INFINITY);
  }

  /** Resolves a value: calls become results, arrays and plain objects are resolved element-wise. */
  async evaluate(value: unknown, parent: Job | null): Promise<unknown> {
    if (isCall(value)) return this.call(value as CallExpression<unknown>, parent);
    if (Array.isArray(value)) return settleAll(value.map((v) => this.evaluate(v, parent)));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const entries = Object.entries(value);
      const resolved = await settleAll(entries.map(([, v]) => this.evaluate(v, parent)));
      return Object.fromEntries(entries.map(([k], i) => [k, resolved[i]]));
    }
    if (value && typeof (value as PromiseLike<unknown>).then === "function") return this.evaluate(await value, parent);
    return value;
  }

  /** `await child()` inside a running task: evaluated as the task's child and recorded for cache validity. */
  async awaitChild(expr: CallExpression<unknown>, job: Job): Promise<unknown> {
    const release = job.holdsSlot;
    if (release) {
      job.holdsSlot = false;
      this.slots.release();
    }
    try {
      const value = await this.call(expr, job);
      const child = this.jobOfExpression.get(expr);
      if (child) job.awaited.push({ task: child.definition.fullName, argsHash: child.argsHash });
      return value;
    } finally {
      if (release) {
        await this.slots.acquire();
        job.holdsSlot = true;
      }
    }
  }

  private async call(expr: CallExpression<unknown>, parent: Job | null): Promise<unknown> {
    const def = expr.definition;
    const args = (await this.evaluate(expr.args, parent)) as unknown[];
    const bound = def.bind(args);
    const names = def.paramNames;
    const identity = this.options.hasher.identity(def);
    const argsHash = argumentsHash(def, bound, names);
    const callHash = callHashOf(identity.hash, argsHash);
    const existing = this.inFlight.get(callHash);
    if (existing) {
      this.jobOfExpression.set(expr, existing.job);
      return existing.promise;
    }
    const job = new Job(this.jobs.length, def, bound, parent, identity.hash, argsHash, callHash);
    this.jobs.push(job);
    this.jobOfExpression.set(expr, job);
    job.upstream = this.upstreamOf(expr.args, names);
    const promise = this.runJob(job);
    this.inFlight.set(callHash, { job, promise });
    return promise;
  }

  private upstreamOf(args: unknown[], names: readonly string[]): Array<{ param: string; jobId: string }> {
    const found: Array<{ param: string; jobId: string }> = [];
    const visit = (value: unknown, param: string, depth: number): void => {
      if (depth > 4 || !value || typeof value !== "object") return;
      const job = this.jobOfExpression.get(value);
      if (job) found.push({ param, jobId: job.id });
      else if (Array.isArray(value)) value.forEach((v) => visit(v, param, depth + 1));
      else if (Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach((v) => visit(v, param, depth + 1));
    };
    args.forEach((a, i) => visit(a, names[i] ?? `#${i + 1}`, 0));
    return found.slice(0, 100);
  }

  /** A recorded result is valid while every child call its body awaited is still a hit (SPEC §3). */
  private isValidHit(callHash: string): boolean {
    const call = this.options.store.getCall(callHash);
    if (!call) return false;
    const childCallHash = (task: string, argsHash: string) => {
      const def = registry.get(task);
      return def?.cached ? callHashOf(this.options.hasher.identity(def).hash, argsHash) : null;
    };
    return staleAwaitedChild(this.options.store, call, childCallHash, this.awaitedChecks) === undefined;
  }

  private async runJob(job: Job): Promise<unknown> {
    const { store, hasher, events } = this.options;
    const def = job.definition;
    const identity = hasher.identity(def);
    if (!this.recordedTasks.has(identity.hash)) {
      this.recordedTasks.add(identity.hash);
      store.putTask({ hash: identity.hash, fullName: def.fullName, source: identity.source, normalizedHash: identity.parts.normalizedHash, file: identity.file, line: identity.line, parts: { ...identity.parts, params: def.paramNames } });
    }
    const argsValueHash = store.putValue(serializeValue(job.args));
    const record = (): JobRecord => ({
      id: job.id, executionId: this.id, parentId: job.parent?.id ?? null, seq: job.seq, taskName: def.fullName,
      taskHash: job.taskHash, callHash: job.callHash, argsHash: argsValueHash, status: job.status, started: job.started,
      ended: job.ended, resultHash: job.resultHash, error: job.error, traceback: job.traceback, upstream: job.upstream,
    });

    const useCache = def.cached && !this.options.noCache;
    const hit = useCache && this.isValidHit(job.callHash) ? store.getCall(job.callHash) : undefined;
    const storedResult = hit ? store.getValue(hit.resultHash) : undefined;
    let immediate: unknown;
    if (hit && storedResult !== undefined) {
      try {
        immediate = deserializeValue(storedResult, (name, args) => {
          const target = registry.get(name);
          if (!target) throw new Error(`the cached result refers to task ${name}, which no longer exists`);
          return new CallExpression(target, args);
        });
        job.status = "cached";
        events?.jobStarted?.(job, true);
      } catch {
        // The stored expression cannot be replayed (a task it calls was renamed): run instead.
      }
    }
    if (job.status !== "cached") {
      events?.jobStarted?.(job, false);
      store.putJob(record());
      try {
        await this.slots.acquire();
        job.holdsSlot = true;
        try {
          immediate = context.run({ execution: this, job }, () => def.fn(...job.args));
          // Only a real promise is awaited here: a returned call expression is thenable, but it is the
          // task's immediate result (graph reduction), to be cached as an expression and evaluated below.
          if (immediate instanceof Promise) immediate = await immediate;
        } finally {
          if (job.holdsSlot) this.slots.release();
          job.holdsSlot = false;
        }
        const resultHash = store.putValue(serializeValue(immediate));
        const fingerprints = Object.keys(identity.fingerprints).length ? store.putValue(JSON.stringify(identity.fingerprints)) : null;
        store.putCall({ callHash: job.callHash, taskHash: job.taskHash, argsHash: job.argsHash, resultHash, children: job.awaited, fingerprints });
      } catch (error) {
        return this.fail(job, error, record);
      }
    }
    try {
      const value = await this.evaluate(immediate, job);
      if (job.status === "running") job.status = "done";
      job.resultHash = store.putValue(serializeValue(value));
      job.ended = Date.now();
      store.putJob(record());
      return value;
    } catch (error) {
      return this.fail(job, error, record);
    }
  }

  private fail(job: Job, error: unknown, record: () => JobRecord): never {
    const origin = error instanceof JobFailure ? error.job : job;
    const cause = error instanceof JobFailure ? error.cause : error;
    job.status = "failed";
    job.ended = Date.now();
    job.error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    if (origin === job) {
      job.traceback = jobTraceback(job, cause);
      this.options.events?.jobFailed?.(job, cause);
    }
    this.options.store.putJob(record());
    throw error instanceof JobFailure ? error : new JobFailure(job, cause);
  }
}

/** The canonical hash of bound arguments; an unhashable one is named by its parameter. */
function argumentsHash(def: TaskDefinition, bound: unknown[], names: readonly string[]): string {
  try {
    return hashValue(bound);
  } catch (error) {
    if (!(error instanceof UnhashableValueError)) throw error;
    const index = Number(/^value\[(\d+)\]/.exec(error.path)?.[1] ?? 0);
    const param = names[index] ?? `#${index + 1}`;
    const inner = error.path.replace(/^value\[\d+\]/, "");
    throw new UnhashableValueError(`argument '${param}'${inner ? ` (at ${param}${inner})` : ""} of task ${def.fullName}`, error.what);
  }
}

/** Waits for every branch (so the others' results are kept), then throws the first failure. */
async function settleAll(promises: Promise<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

/** Jobs from the outermost to the failing one, each with its task's file:line, then the error's own stack. */
export function jobTraceback(job: Job, cause: unknown): string {
  const chain: Job[] = [];
  for (let j: Job | null = job; j; j = j.parent) chain.unshift(j);
  const { staticInfoOf } = require("./loader") as typeof import("./loader");
  const lines = ["Traceback (most recent job last):"];
  for (const j of chain) {
    const found = staticInfoOf(j.definition);
    const where = found && j.definition.meta ? `${displayPath(j.definition.meta.file)}:${found.info.line}` : "<unknown>";
    lines.push(`  Job ${j.id.slice(0, 8)}: ${j.describe()}  (${where})`);
  }
  const stack = cause instanceof Error ? cause.stack ?? `${cause.name}: ${cause.message}` : String(cause);
  lines.push(...trimStack(stack).split("\n"));
  return lines.join("\n");
}

/** The error's stack without the engine's own frames (they say nothing about the workflow). */
function trimStack(stack: string): string {
  const packageRoot = require("node:path").resolve(__dirname, "..", "..") as string;
  const engineFrame = (line: string) => line.includes(`${packageRoot}/engine/`) || line.includes(`${packageRoot}/dist/`);
  return stack
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || !(engineFrame(line) || /node:internal|node:async_hooks/.test(line)))
    .join("\n");
}
