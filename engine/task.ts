// `task()` and the lazy call expressions it produces. Calling a task runs nothing: it returns a
// CallExpression that the scheduler evaluates. This module knows nothing of the store.
import { CALL_BRAND, EncodableCall } from "./values";

export interface TaskOptions {
  /** The task's name (default: the function's name, else the exported binding). */
  name?: string;
  /** Namespace prefix of the full name (default: the module's `export const taskNamespace`). */
  namespace?: string;
  /** Manual code version: the body's source leaves the hash; only a new version reruns. */
  version?: string;
  /** Bump to invalidate every cached result of the task. */
  cacheVersion?: number;
  /** Values whose content joins the hash: functions by source, tasks by task hash, others by value. */
  hashIncludes?: unknown[];
  /** "source" (default) hashes the body; "closure" also what it reaches in the module and relative imports. */
  hash?: "source" | "closure";
  /** false: run on every call (results are still recorded). */
  cache?: boolean;
  /** "inline" (default): the body runs in the engine's thread; "worker": in a worker thread. Not hashed. */
  executor?: "inline" | "worker";
}

/** Added to every task() call by the engine's loader; absent when a task is defined outside it. */
export interface TaskSiteMeta {
  file: string;
  site: number;
  binder?: (...args: unknown[]) => unknown[];
}

/** A value, or a lazy expression producing it. */
export type Lazy<T> = T | CallExpression<T>;
type LazyParams<P extends unknown[]> = { [K in keyof P]: Lazy<P[K]> };

export type AnyFunction = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

export class TaskDefinition {
  constructor(
    readonly fn: AnyFunction,
    readonly options: TaskOptions,
    readonly meta: TaskSiteMeta | undefined,
    readonly name: string,
    readonly fullName: string,
    /** Declared parameter names (from the loader's analysis; empty when unknown). */
    readonly paramNames: readonly string[] = [],
  ) {}

  /** Arguments bound to the parameter list with defaults applied, as the function will see them. */
  bind(args: unknown[]): unknown[] {
    if (!this.meta?.binder) return args;
    return this.meta.binder(...args);
  }

  get cached(): boolean {
    return this.options.cache !== false;
  }
}

/** Hook through which `await expr` reaches the running execution (set by the scheduler). */
export interface Evaluator {
  awaitCall(expr: CallExpression<unknown>): Promise<unknown>;
}
let currentEvaluator: () => Evaluator | undefined = () => undefined;
export function setEvaluatorLookup(lookup: () => Evaluator | undefined): void {
  currentEvaluator = lookup;
}

export class CallExpression<T> implements EncodableCall, PromiseLike<T> {
  readonly [CALL_BRAND] = true;
  constructor(readonly definition: TaskDefinition, readonly args: unknown[]) {}

  get taskFullName(): string {
    return this.definition.fullName;
  }

  argumentName(index: number): string {
    return this.definition.paramNames[index] ?? `#${index + 1}`;
  }

  /** Thenable, so that `await child()` inside an async task evaluates the child as a job of this run. */
  then<R1 = T, R2 = never>(onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null, onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    const evaluator = currentEvaluator();
    const result = evaluator
      ? (evaluator.awaitCall(this) as Promise<T>)
      : Promise.reject(new Error(`${this.definition.fullName}(): a task call can only be awaited inside a running task (tasklens run evaluates it)`));
    return result.then(onfulfilled, onrejected);
  }
}

export type Task<F extends AnyFunction> = ((...args: LazyParams<Parameters<F>>) => CallExpression<Awaited<ReturnType<F>> extends CallExpression<infer U> ? U : Awaited<ReturnType<F>>>) & {
  readonly definition: TaskDefinition;
};

/** Two tasks with one full name. The sites are where they were defined (the loader names their lines). */
export class DuplicateTaskError extends Error {
  constructor(readonly fullName: string, readonly sites: Array<TaskSiteMeta | undefined>) {
    super(`two tasks are named ${fullName}; give one a different name or namespace`);
    this.name = "DuplicateTaskError";
  }
}

/** Tasks defined so far in this process, by full name. The loader resets it per workflow. */
export const registry = new Map<string, TaskDefinition>();

/** Names known only to the loader's static analysis (bound name, module namespace), by file and site. */
type SiteNames = (meta: TaskSiteMeta) => { bindingName?: string; namespace?: string; paramNames: string[] } | undefined;
let siteNames: SiteNames = () => undefined;
export function setSiteNames(lookup: SiteNames): void {
  siteNames = lookup;
}

export function task<F extends AnyFunction>(fn: F, options: TaskOptions = {}, meta?: TaskSiteMeta): Task<F> {
  if (typeof fn !== "function") throw new TypeError("task(fn, options?): fn must be a function");
  const known = meta ? siteNames(meta) : undefined;
  const name = options.name ?? (fn.name || known?.bindingName);
  if (!name) throw new Error("task(): the task has no name; use a named function or pass { name }");
  const namespace = options.namespace ?? known?.namespace;
  const fullName = namespace ? `${namespace}.${name}` : name;
  const existing = registry.get(fullName);
  if (existing && existing.fn !== fn) throw new DuplicateTaskError(fullName, [existing.meta, meta]);
  const definition = new TaskDefinition(fn, options, meta, name, fullName, known?.paramNames);
  registry.set(fullName, definition);
  const callable = (...args: unknown[]) => new CallExpression(definition, args);
  Object.defineProperty(callable, "definition", { value: definition });
  Object.defineProperty(callable, "name", { value: name });
  return callable as unknown as Task<F>;
}

export function isTask(value: unknown): value is Task<AnyFunction> {
  return typeof value === "function" && (value as { definition?: unknown }).definition instanceof TaskDefinition;
}
