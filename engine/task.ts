// `task()` and the lazy call expressions it produces. Calling a task runs nothing: it returns a
// CallExpression that the scheduler evaluates. This module knows nothing of the store.
import type { FileAnalysis, TaskInfo } from "./analysis/file";
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

type OptionKind = "string" | "number" | "boolean" | "array" | readonly string[];

/**
 * The one declaration of what each option takes. `task()` checks its options against it, and the static
 * analysis reads option literals by it; the `satisfies` clause keeps it in step with `TaskOptions`.
 */
export const TASK_OPTION_KINDS = {
  name: "string",
  namespace: "string",
  version: "string",
  cacheVersion: "number",
  hashIncludes: "array",
  hash: ["source", "closure"],
  cache: "boolean",
  executor: ["inline", "worker"],
} as const satisfies { readonly [K in keyof Required<TaskOptions>]: OptionKind };

export type TaskOptionName = keyof typeof TASK_OPTION_KINDS;

export function isTaskOptionName(key: string): key is TaskOptionName {
  return Object.prototype.hasOwnProperty.call(TASK_OPTION_KINDS, key);
}

/** Whether `value` is what option `key` takes. */
export function optionValueFits(key: TaskOptionName, value: unknown): boolean {
  const kind: OptionKind = TASK_OPTION_KINDS[key];
  if (typeof kind !== "string") return typeof value === "string" && kind.includes(value);
  if (kind === "array") return Array.isArray(value);
  return typeof value === kind;
}

/** What option `key` takes, in words: `"source" | "closure"`, `a number`. */
export function describeOptionKind(key: TaskOptionName): string {
  const kind: OptionKind = TASK_OPTION_KINDS[key];
  if (typeof kind !== "string") return kind.map((k) => JSON.stringify(k)).join(" | ");
  return kind === "array" ? "an array" : `a ${kind}`;
}

function checkOptions(options: TaskOptions): void {
  if (typeof options !== "object" || options === null) throw new TypeError("task(fn, options?): options must be an object");
  for (const [key, value] of Object.entries(options)) {
    if (!isTaskOptionName(key)) throw new TypeError(`task(): unknown option "${key}"; the options are ${Object.keys(TASK_OPTION_KINDS).join(", ")}`);
    if (value !== undefined && !optionValueFits(key, value)) throw new TypeError(`task(): option ${key} must be ${describeOptionKind(key)}, not ${JSON.stringify(value) ?? typeof value}`);
  }
}

/** What the loader's static analysis found at a task's definition site. */
export interface StaticTaskInfo {
  analysis: FileAnalysis;
  info: TaskInfo;
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
    /** The static analysis of the definition site; undefined for a task defined outside the loader. */
    readonly site?: StaticTaskInfo,
  ) {
    this.paramNames = site?.info.params.map((p) => p.name) ?? [];
  }

  /** Declared parameter names (empty when the definition site is unknown). */
  readonly paramNames: readonly string[];

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

/** The loader's static analysis of a definition site (it alone knows the bound name and module namespace). */
type SiteLookup = (meta: TaskSiteMeta) => StaticTaskInfo | undefined;
let siteLookup: SiteLookup = () => undefined;
export function setSiteLookup(lookup: SiteLookup): void {
  siteLookup = lookup;
}

export function task<F extends AnyFunction>(fn: F, options: TaskOptions = {}, meta?: TaskSiteMeta): Task<F> {
  if (typeof fn !== "function") throw new TypeError("task(fn, options?): fn must be a function");
  checkOptions(options);
  const site = meta ? siteLookup(meta) : undefined;
  const name = options.name ?? (fn.name || site?.info.bindingName);
  if (!name) throw new Error("task(): the task has no name; use a named function or pass { name }");
  const namespace = options.namespace ?? site?.analysis.namespace;
  const fullName = namespace ? `${namespace}.${name}` : name;
  const existing = registry.get(fullName);
  if (existing && existing.fn !== fn) throw new DuplicateTaskError(fullName, [existing.meta, meta]);
  const definition = new TaskDefinition(fn, options, meta, name, fullName, site);
  registry.set(fullName, definition);
  const callable = (...args: unknown[]) => new CallExpression(definition, args);
  Object.defineProperty(callable, "definition", { value: definition });
  Object.defineProperty(callable, "name", { value: name });
  return callable as unknown as Task<F>;
}

export function isTask(value: unknown): value is Task<AnyFunction> {
  return typeof value === "function" && (value as { definition?: unknown }).definition instanceof TaskDefinition;
}
