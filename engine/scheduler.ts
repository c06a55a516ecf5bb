// Evaluates call expressions with redun's graph-reduction semantics: arguments before
// calls (dataflow), each call looked up in the cache by (task hash, args hash), a hit replays the
// stored immediate result (which may itself hold further calls, each looked up on its own).
import { displayPath } from "../core/paths";
import { staleBecause } from "../core/stale";
import type { Dependency } from "./analysis/closure";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { callHashOf, TaskHasher } from "./hashing";
import { staleAwaitedChild } from "./replay";
import { trimStack } from "./stack";
import { JobRecord, JobStatus, Store, Subtree } from "./store";
import type { WorkerPool } from "./workers";
import { CallExpression, registry, setEvaluatorLookup, TaskDefinition } from "./task";
import { displayCall, displayValue, hashValue, isCall, UnhashableValueError } from "./values";

export interface ExecutionEvents {
  /** `wholeSubtree`: the job reused its call's final result without replaying its children (that many jobs). */
  jobStarted?(job: Job, cached: boolean, wholeSubtree?: number): void;
  jobFailed?(job: Job, error: unknown): void;
  /** Something the user should know that is not a job's status (a body that held the engine long). */
  note?(message: string): void;
}

export interface ExecutionOptions {
  store: Store;
  hasher: TaskHasher;
  noCache?: boolean;
  /** Replay every cached child instead of reusing a whole unchanged subtree's final result. */
  fullCheck?: boolean;
  /** Most task bodies running at once (a task awaiting its children does not hold a slot). */
  jobs?: number;
  /** Runs the bodies of tasks with `executor: "worker"`. */
  workers?: WorkerPool;
  events?: ExecutionEvents;
}

/** A child call a task awaited in its body; its cached result is valid while these stay hits. */
interface AwaitedChild {
  task: string;
  argsHash: string;
}

/** A call being evaluated in this run: its job once the arguments are known, and its value. */
interface CallEntry {
  job?: Job;
  promise: Promise<unknown>;
}

/** Between jobs the event loop gets a turn at least this often (timers flush the store, signals land). */
const TURN_MS = 50;
/** A body that keeps the engine's thread longer than this is named in the log. */
const HELD_MS = 1000;
/** Nested calls evaluated synchronously before the stack is unwound (deep dataflow chains). */
const MAX_SYNC_DEPTH = 200;

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
  /** Calls this job evaluated (created or shared): its subtree. */
  readonly deps: CallEntry[] = [];
  /** Set while the job waits (for its body's promise, or for the calls in its result): fails that wait. */
  abandon: ((error: Error) => void) | undefined;
  /** A reused result's unhashed dependencies that changed since it was computed (it is stale). */
  staleBecause: string[] = [];
  /** Distinct task hashes in the finished subtree and its size; null when it holds an uncached task. */
  subtree: Subtree | null = null;
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
    super(describeThrown(cause));
    this.name = "JobFailure";
  }
}

/** What a task threw, as a user reads it: `Error: boom`, or the thrown value itself when it is not an Error. */
export function describeThrown(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return `${displayValue(cause, 200)} (thrown, not an Error)`;
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
  /** Undefined when a slot was free (no need to wait a tick). */
  acquire(): Promise<void> | undefined {
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
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
  /** Each call expression is evaluated once per run, however many consumers share it. */
  private readonly byExpression = new WeakMap<object, CallEntry>();
  /** Arrays and plain objects being resolved, with their members then (see resolveContainer). */
  private readonly containers = new WeakMap<object, { parent: Job | null; members: unknown[]; promise: Promise<unknown> }>();
  /** Awaited-child checks already made in this execution (call hash → stale child, or null). */
  private readonly awaitedChecks = new Map<string, string | null>();
  private readonly recordedTasks = new Set<string>();
  /** Stale judgements made in this execution: task and recorded fingerprints → what changed. */
  private readonly staleChecks = new Map<string, string[]>();
  private readonly slots: Slots;
  private lastTurn = performance.now();
  private turn: Promise<void> | undefined;
  private syncDepth = 0;

  constructor(private readonly options: ExecutionOptions) {
    this.slots = new Slots(options.jobs && options.jobs > 0 ? options.jobs : Number.POSITIVE_INFINITY);
  }

  /** Resolves a value: calls become results, arrays and plain objects are resolved element-wise. */
  async evaluate(value: unknown, parent: Job | null, where = "value"): Promise<unknown> {
    return needsEvaluation(value, where) ? this.resolve(value, parent) : value;
  }

  private async resolve(value: unknown, parent: Job | null): Promise<unknown> {
    if (isCall(value)) return this.call(value as CallExpression<unknown>, parent);
    if (isContainer(value)) return this.resolveContainer(value, parent);
    if (value && typeof (value as PromiseLike<unknown>).then === "function") return this.evaluate(await value, parent);
    return value;
  }

  /**
   * An array or plain object is resolved once per evaluating job while its members stay the same:
   * a DAG passes each layer to every task of the next, and resolving it once per consumer would
   * keep width² promises alive at once.
   */
  private resolveContainer(value: object, parent: Job | null): Promise<unknown> {
    const members = Array.isArray(value) ? value : Object.entries(value).flat();
    const known = this.containers.get(value);
    // Each consumer gets its own copy, as if resolved for it alone (a body may change its argument).
    if (known && known.parent === parent && sameMembers(known.members, members)) return known.promise.then(shallowCopy);
    let promise: Promise<unknown>;
    if (Array.isArray(value)) {
      promise = settleAll(value.map((v) => this.resolve(v, parent)));
    } else {
      const entries = Object.entries(value);
      promise = settleAll(entries.map(([, v]) => this.resolve(v, parent))).then((resolved) => Object.fromEntries(entries.map(([k], i) => [k, resolved[i]])));
    }
    // Only a flat container is remembered: a nested one could change inside while its members stay.
    if (members.some(isContainer)) return promise;
    this.containers.set(value, { parent, members: members === value ? members.slice() : members, promise });
    return promise.then(shallowCopy);
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
      const child = this.byExpression.get(expr)?.job;
      if (child) job.awaited.push({ task: child.definition.fullName, argsHash: child.argsHash });
      return value;
    } finally {
      if (release) {
        await this.slots.acquire();
        job.holdsSlot = true;
      }
    }
  }

  /** Gives the event loop a turn when the engine has kept it for TURN_MS: undefined when not due. */
  private breathe(): Promise<void> | undefined {
    if (this.turn) return this.turn;
    if (performance.now() - this.lastTurn < TURN_MS) return undefined;
    // Every job waits on the same turn, so the microtask queue drains and timers and signals run.
    return (this.turn = new Promise((resolve) =>
      setImmediate(() => {
        this.turn = undefined;
        this.lastTurn = performance.now();
        resolve();
      }),
    ));
  }

  private call(expr: CallExpression<unknown>, parent: Job | null): Promise<unknown> {
    let entry = this.byExpression.get(expr);
    if (!entry) {
      const created: CallEntry = { promise: undefined as unknown as Promise<unknown> };
      created.promise = this.startCall(expr, parent, created);
      this.byExpression.set(expr, (entry = created));
    }
    parent?.deps.push(entry);
    return entry.promise;
  }

  private async startCall(expr: CallExpression<unknown>, parent: Job | null, entry: CallEntry): Promise<unknown> {
    // A long chain of nested calls would recurse once per link: unwind the stack now and then.
    if (++this.syncDepth > MAX_SYNC_DEPTH) {
      this.syncDepth = 0;
      await null;
    }
    const def = expr.definition;
    const args = (await this.evaluate(expr.args, parent, `the arguments of ${def.fullName}`)) as unknown[];
    this.syncDepth = 0;
    const bound = def.bind(args);
    const names = def.paramNames;
    const identity = this.options.hasher.identity(def);
    const argsHash = argumentsHash(def, bound, names);
    const callHash = callHashOf(identity.hash, argsHash);
    const existing = this.inFlight.get(callHash);
    if (existing) {
      entry.job = existing.job;
      // The caller (or a job it waits for) created the call: waiting for it would wait forever.
      const cycle = existing.job.status === "running" && parent ? descent(existing.job, parent) : undefined;
      if (cycle) throw new Error(cycleMessage([...cycle, existing.job]));
      return existing.promise;
    }
    const job = new Job(this.jobs.length, def, bound, parent, identity.hash, argsHash, callHash);
    this.jobs.push(job);
    entry.job = job;
    job.upstream = this.upstreamOf(expr.args, names);
    const promise = this.runJob(job);
    this.inFlight.set(callHash, { job, promise });
    return promise;
  }

  private upstreamOf(args: unknown[], names: readonly string[]): Array<{ param: string; jobId: string }> {
    const found: Array<{ param: string; jobId: string }> = [];
    const visit = (value: unknown, param: string, depth: number): void => {
      if (depth > 4 || !value || typeof value !== "object" || found.length >= 100) return;
      const job = isCall(value) ? this.byExpression.get(value)?.job : undefined;
      if (job) found.push({ param, jobId: job.id });
      else if (Array.isArray(value)) value.forEach((v) => visit(v, param, depth + 1));
      else if (isContainer(value)) Object.values(value).forEach((v) => visit(v, param, depth + 1));
    };
    args.forEach((a, i) => visit(a, names[i] ?? `#${i + 1}`, 0));
    return found;
  }

  /** A recorded result is valid while every child call its body awaited is still a hit. */
  private isValidHit(callHash: string): boolean {
    const call = this.options.store.getCall(callHash);
    if (!call) return false;
    const childCallHash = (task: string, argsHash: string) => {
      const def = registry.get(task);
      return def?.cached ? callHashOf(this.options.hasher.identity(def).hash, argsHash) : null;
    };
    return staleAwaitedChild(this.options.store, call, childCallHash, this.awaitedChecks) === undefined;
  }

  /**
   * A task's hash, plus the fingerprint of everything its body and parameter defaults read: a
   * changed default changes its calls' arguments without changing any task hash.
   */
  private subtreeKey(def: TaskDefinition, taskHash: string): string {
    return `${def.fullName}\u0000${taskHash}\u0000${this.options.hasher.identity(def).fingerprintsHash}`;
  }

  /** Whether every task of a recorded subtree is still cached, with the same hash and dependencies. */
  private subtreeIsCurrent(subtree: Subtree): boolean {
    return subtree.tasks.every(([name, hash, fingerprints]) => {
      const def = registry.get(name);
      return def !== undefined && def.cached && this.subtreeKey(def, this.options.hasher.identity(def).hash) === `${name}\u0000${hash}\u0000${fingerprints}`;
    });
  }

  private async runJob(job: Job): Promise<unknown> {
    const { store, hasher, events } = this.options;
    for (let turn = this.breathe(); turn; turn = this.breathe()) await turn;
    const def = job.definition;
    const identity = hasher.identity(def);
    if (!this.recordedTasks.has(identity.hash)) {
      this.recordedTasks.add(identity.hash);
      store.putTask({ hash: identity.hash, fullName: def.fullName, source: identity.source, normalizedHash: identity.parts.normalizedHash, file: identity.file, line: identity.line, parts: { ...identity.parts, params: def.paramNames } });
    }
    let argsValueHash = "";
    const record = (): JobRecord => ({
      id: job.id, executionId: this.id, parentId: job.parent?.id ?? null, seq: job.seq, taskName: def.fullName,
      taskHash: job.taskHash, callHash: job.callHash, argsHash: argsValueHash, status: job.status, started: job.started,
      ended: job.ended, resultHash: job.resultHash, error: job.error, traceback: job.traceback, upstream: job.upstream,
    });
    try {
      argsValueHash = store.putValue(job.args, `the arguments of ${def.fullName}`);
    } catch (error) {
      return this.fail(job, error, record);
    }

    const useCache = def.cached && !this.options.noCache;
    const call = useCache ? store.getCall(job.callHash) : undefined;
    // redun's ultimate reduction: a whole unchanged subtree reuses the call's final result.
    if (call?.finalHash && call.subtree && !this.options.fullCheck && this.subtreeIsCurrent(call.subtree)) {
      const final = store.getValue(call.finalHash, (name, args) => new CallExpression(registry.get(name)!, args));
      if (final) {
        job.status = "cached";
        job.subtree = call.subtree;
        job.resultHash = call.finalHash;
        job.ended = Date.now();
        events?.jobStarted?.(job, true, call.subtree.jobs);
        store.putJob(record());
        return final.value;
      }
    }
    const hit = call && this.isValidHit(job.callHash) ? call : undefined;
    let immediate: unknown;
    /** The stored hash of `immediate`: a result with no calls in it is not encoded again (50 MB of bytes). */
    let immediateHash: string | undefined;
    if (hit) {
      try {
        const stored = store.getValue(hit.resultHash, (name, args) => {
          const target = registry.get(name);
          if (!target) throw new Error(`the cached result refers to task ${name}, which no longer exists`);
          return new CallExpression(target, args);
        });
        if (stored) {
          immediate = stored.value;
          immediateHash = hit.resultHash;
          job.status = "cached";
          job.staleBecause = this.staleBecause(def.fullName, identity.dependencies, hit.fingerprints);
          events?.jobStarted?.(job, true);
        }
      } catch {
        // The stored expression cannot be replayed (a task it calls was renamed): run instead.
      }
    }
    if (job.status !== "cached") {
      try {
        // Announced and recorded when the body starts, not while it waits for a slot or a turn.
        immediate = (await this.runBody(job, () => {
          job.started = Date.now();
          events?.jobStarted?.(job, false);
          store.putJob(record());
        })).value;
        const resultHash = (immediateHash = store.putValue(immediate, "result"));
        const fingerprints = Object.keys(identity.fingerprints).length ? store.putValue(identity.fingerprints) : null;
        store.putCall({ callHash: job.callHash, taskHash: job.taskHash, argsHash: job.argsHash, resultHash, children: job.awaited, fingerprints });
      } catch (error) {
        return this.fail(job, error, record);
      }
    }
    try {
      const value = await abandonable(job, this.evaluate(immediate, job, "result"));
      if (job.status === "running") job.status = "done";
      job.resultHash = value === immediate && immediateHash ? immediateHash : store.putValue(value, "result");
      job.ended = Date.now();
      job.subtree = this.subtreeOf(job);
      if (job.subtree && def.cached) store.putCallFinal(job.callHash, job.resultHash, job.subtree);
      store.putJob(record());
      return value;
    } catch (error) {
      return this.fail(job, error, record);
    }
  }

  /**
   * What changed outside the hash since a reused result was computed (the rule `check` and `plan` use
   * too); judged once per task and recorded fingerprints in a run (many calls share them).
   */
  private staleBecause(task: string, dependencies: Dependency[], fingerprints: string | null): string[] {
    if (!fingerprints) return [];
    const key = `${task}\u0000${fingerprints}`;
    let changed = this.staleChecks.get(key);
    if (!changed) {
      const recorded = this.options.store.getValue(fingerprints)?.value;
      changed = recorded ? staleBecause(dependencies, recorded as Record<string, string>) : [];
      this.staleChecks.set(key, changed);
    }
    return changed;
  }

  /**
   * Runs the task's body: inline (timing how long it holds the engine) or in a worker thread.
   * The result is wrapped: a returned call expression is thenable, and must not be awaited here.
   */
  private async runBody(job: Job, starting: () => void): Promise<{ value: unknown }> {
    const def = job.definition;
    if (def.options.executor === "worker" && this.options.workers) {
      starting();
      return this.options.workers.run(def, job.args);
    }
    const wait = this.slots.acquire();
    if (wait) await wait;
    job.holdsSlot = true;
    try {
      // Checked again after each turn: the jobs woken together must not run on for longer than a turn.
      for (let turn = this.breathe(); turn; turn = this.breathe()) await turn;
      starting();
      const t0 = performance.now();
      let immediate = context.run({ execution: this, job }, () => def.fn(...job.args));
      const held = performance.now() - t0;
      if (held > HELD_MS) this.options.events?.note?.(`${def.fullName} held the engine for ${(held / 1000).toFixed(1)} s: consider executor: "worker"`);
      // Only a real promise is awaited here: a returned call expression is thenable, but it is the
      // task's immediate result (graph reduction), to be cached as an expression and evaluated below.
      if (immediate instanceof Promise) immediate = await abandonable(job, immediate);
      return { value: immediate };
    } finally {
      if (job.holdsSlot) this.slots.release();
      job.holdsSlot = false;
    }
  }

  /** The distinct task hashes and job count of a finished job's subtree; null when it cannot be reused whole. */
  private subtreeOf(job: Job): Subtree | null {
    // A stale reuse is never folded into a whole reused subtree: every run says it again.
    if (!job.definition.cached || job.staleBecause.length) return null;
    const tasks = new Set<string>([this.subtreeKey(job.definition, job.taskHash)]);
    let jobs = 1;
    for (const dep of job.deps) {
      const child = dep.job;
      if (!child || child === job) continue;
      if (!child.subtree) return null;
      for (const entry of child.subtree.tasks) tasks.add(entry.join("\u0000"));
      if (child.parent === job) jobs += child.subtree.jobs;
    }
    return { tasks: [...tasks].map((k) => k.split("\u0000") as [string, string, string]), jobs };
  }

  /**
   * Nothing is left to wait for, yet the run has not finished. Jobs that wait for each other in a
   * cycle: fails one of them (the others then fail, each waiting for the next). Otherwise every job
   * that waits for no running job waits for a promise that can never settle: fails them. Returns
   * the jobs it failed.
   */
  abandonStalled(): Job[] {
    const running = this.jobs.filter((j) => j.status === "running");
    const cycle = findCycle(running);
    if (cycle) {
      // Named from the newest job of the cycle: the call that closed it.
      const newest = cycle.reduce((a, b) => (b.seq > a.seq ? b : a));
      const at = cycle.indexOf(newest);
      const rotated = [...cycle.slice(at), ...cycle.slice(0, at), newest];
      if (newest.abandon) {
        newest.abandon(new Error(cycleMessage(rotated)));
        return [newest];
      }
    }
    const stalled = running.filter((j) => j.abandon && waitsFor(j).length === 0);
    for (const job of stalled) job.abandon!(new Error(`${job.describe()} never settled: it waits for a promise that can never resolve (nothing is left to wait for)`));
    return stalled;
  }

  private fail(job: Job, error: unknown, record: () => JobRecord): never {
    const origin = error instanceof JobFailure ? error.job : job;
    const cause = error instanceof JobFailure ? error.cause : error;
    job.status = "failed";
    job.ended = Date.now();
    job.error = describeThrown(cause);
    if (origin === job) {
      job.traceback = jobTraceback(job, cause);
      this.options.events?.jobFailed?.(job, cause);
    }
    this.options.store.putJob(record());
    throw error instanceof JobFailure ? error : new JobFailure(job, cause);
  }
}

/** The jobs from `ancestor` down to `job` along parents, or undefined when it is not an ancestor. */
function descent(ancestor: Job, job: Job): Job[] | undefined {
  const path: Job[] = [];
  for (let j: Job | null = job; j; j = j.parent) {
    path.push(j);
    if (j === ancestor) return path.reverse();
  }
  return undefined;
}

/** Running jobs this job waits for: the calls it evaluates (awaited in its body, or in its result). */
function waitsFor(job: Job): Job[] {
  const found: Job[] = [];
  for (const dep of job.deps) if (dep.job && dep.job !== job && dep.job.status === "running") found.push(dep.job);
  return found;
}

/** Jobs each waiting for the next, the last for the first (depth-first, without recursion), or undefined. */
function findCycle(jobs: Job[]): Job[] | undefined {
  const state = new Map<Job, "open" | "closed">();
  for (const start of jobs) {
    if (state.has(start)) continue;
    const path: Job[] = [start];
    const pending: Job[][] = [waitsFor(start)];
    state.set(start, "open");
    while (path.length) {
      const next = pending[pending.length - 1].pop();
      if (!next) {
        state.set(path.pop()!, "closed");
        pending.pop();
      } else if (state.get(next) === "open") {
        return path.slice(path.indexOf(next));
      } else if (!state.has(next)) {
        state.set(next, "open");
        path.push(next);
        pending.push(waitsFor(next));
      }
    }
  }
  return undefined;
}

/** Calls that wait for each other, as the run names them; `cycle` ends with its first job again. */
function cycleMessage(cycle: Job[]): string {
  const [first] = cycle;
  if (cycle.length === 2) return `${first.definition.fullName} calls itself with the same arguments (${first.describe()}): it would wait for itself forever`;
  return `a cycle of calls, each waiting for the next: ${cycle.map((j) => j.describe()).join(" → ")}: none of them can ever finish`;
}

/** Waits for `promise` while letting the run fail the wait (`job.abandon`) when it can never end. */
function abandonable<T>(job: Job, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = <V>(done: (v: V) => void) => (v: V) => {
      job.abandon = undefined;
      done(v);
    };
    job.abandon = settle(reject);
    promise.then(settle(resolve), settle(reject));
  });
}

/**
 * Whether a value holds calls or promises to resolve. Plain data is returned as it is (no copy);
 * a cycle in it is an error naming its path (it could never be stored).
 */
function needsEvaluation(value: unknown, where: string): boolean {
  const ancestors = new Set<object>();
  const visit = (v: unknown, at: string): boolean => {
    if (!v || typeof v !== "object") return false;
    if (isCall(v) || typeof (v as PromiseLike<unknown>).then === "function") return true;
    if (!isContainer(v)) return false;
    if (ancestors.has(v)) throw new UnhashableValueError(at, "a reference back to a value that contains it (a cycle)", "store");
    ancestors.add(v);
    let found = false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (visit(v[i], `${at}[${i}]`)) found = true;
    } else {
      for (const [k, x] of Object.entries(v)) if (visit(x, /^[A-Za-z_$][\w$]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`)) found = true;
    }
    ancestors.delete(v);
    return found;
  };
  return visit(value, where);
}

/** An array or a plain object: what evaluation looks into (anything else is a value as it is). */
function isContainer(value: unknown): value is object {
  return Array.isArray(value) || (!!value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype);
}

function shallowCopy(value: unknown): unknown {
  return Array.isArray(value) ? value.slice() : { ...(value as object) };
}

function sameMembers(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
  const lines = ["Traceback (most recent job last):"];
  for (const j of chain) {
    const { site, meta } = j.definition;
    const where = site && meta ? `${displayPath(meta.file)}:${site.info.line}` : "<unknown>";
    lines.push(`  Job ${j.id.slice(0, 8)}: ${j.describe()}  (${where})`);
  }
  const stack = cause instanceof Error ? cause.stack ?? `${cause.name}: ${cause.message}` : describeThrown(cause);
  lines.push(...trimStack(stack).split("\n"));
  return lines.join("\n");
}
