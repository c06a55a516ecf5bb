// The plan of a redun run, by redun's own graph reduction over redun's store: the entry call's
// hashes come from the text (redun's task hash, the command-line arguments parsed as redun parses
// them, defaults merged as keywords); a cached call's stored return value is the expression redun
// will evaluate next, so its child calls and their arguments are known, each looked up on its own;
// a call whose body must run ends what can be known below it.
import type { PredictedStatus, Prediction, Reason } from "../../core/manifest";
import type { Plan, PlannedJob, PlanRequest } from "../../core/plan";
import type { RedunTask } from "./hash/discover";
import { argsHash as argumentsHash, evalHash, valueHash } from "./hash/hash";
import type { PyValue as Literal } from "./python/values";
import { SimpleExpression, TaskExpression, ValueExpression, PyDict, PyTuple, type PyValue as Stored } from "./store/pickle";
import type { RedunStore } from "./store/reader";
import { pyRepr, trimString } from "./store/repr";
import { literalOf, pyJson, storedOf } from "./values";

/** A value in the plan: known (with its redun value hash when known directly), or decided by a job that runs. */
type Resolved = { known: true; value: Stored; hash?: string } | { known: false; decidedBy: PlannedJob; why: Reason };

export interface RedunPlanContext {
  /** The file's tasks, by full name. */
  tasks: Map<string, RedunTask>;
  store: RedunStore | undefined;
  /** The task-level prediction (source changes, staleness), by full name. */
  prediction(fullName: string): Prediction | undefined;
}

/** A command-line value parsed by the parameter's annotation, as redun's CLI parses it. */
export function parseCliValue(annotation: string | undefined, raw: string | true): Literal | string {
  const text = raw === true ? "" : raw;
  const type = (annotation ?? "str").replace(/\s+/g, "");
  if (type === "str") return { t: "str", v: text };
  if (type === "bool") {
    if (text.toLowerCase() === "true") return { t: "bool", v: true };
    if (text.toLowerCase() === "false") return { t: "bool", v: false };
    return `Unknown bool "${text}"`;
  }
  if (type === "int") {
    const digits = text.trim().replace(/_/g, "");
    return /^[-+]?\d+$/.test(digits) ? { t: "int", v: BigInt(digits) } : `invalid literal for int(): '${text}'`;
  }
  if (type === "float") {
    const n = Number(text.trim().replace(/_/g, ""));
    return text.trim() !== "" && !Number.isNaN(n) ? { t: "float", v: n } : `could not convert string to float: '${text}'`;
  }
  return `values of type ${annotation} are parsed by redun at run time`;
}

const reprOf = (v: Stored) => trimString(pyRepr(v), 80);

class RedunPlanner {
  readonly jobs: PlannedJob[] = [];
  complete = true;
  private unknownCalls = 0;
  private readonly byEval = new Map<string, Resolved>();

  constructor(private readonly ctx: RedunPlanContext) {}

  private add(job: Omit<PlannedJob, "changed"> & { changed?: string[] }): PlannedJob {
    const full: PlannedJob = { changed: [], ...job };
    this.jobs.push(full);
    return full;
  }

  /** A job whose body runs: what it returns (and calls) is known only then. */
  private runs(job: PlannedJob, why: Reason): Resolved {
    this.complete = false;
    return { known: false, decidedBy: job, why };
  }

  /** A call of a task with resolved arguments, as redun's scheduler evaluates it. */
  call(taskName: string, positional: Resolved[], keywords: Record<string, Resolved>, parentId: string | null): Resolved {
    const task = this.ctx.tasks.get(taskName);
    const args = [...positional, ...Object.values(keywords)];
    const upstream = args.find((a): a is Extract<Resolved, { known: false }> => !a.known);
    let text = callText(taskName, positional, keywords);
    const taskLevel = this.ctx.prediction(taskName);
    const certainRerun = taskLevel && (taskLevel.status === "will-rerun" || taskLevel.status === "never-run") ? taskLevel : undefined;
    const placeholder = (status: PredictedStatus, reason: Reason) => {
      const job = this.add({ id: `?${++this.unknownCalls}`, parentId, task: taskName, args: null, call: text, status, reasons: [reason], callHash: null });
      return this.runs(job, { kind: "input-changed", detail: `input from ${text} reruns` });
    };
    if (!task) return placeholder("may-rerun", { kind: "source-changed", detail: `task ${taskName} is not defined in this file` });
    if (upstream) return placeholder(certainRerun?.status ?? "may-rerun", certainRerun?.reasons[0] ?? { kind: "input-changed", detail: `input from ${upstream.decidedBy.call} reruns` });

    // Defaults the call leaves out are merged as keywords (redun hashes them as passed by name).
    const merged: Record<string, Resolved> = { ...keywords };
    for (const [i, p] of task.parameters.entries()) {
      if (i < positional.length || p.name in keywords || !p.default || p.kind === "var-positional" || p.kind === "var-keyword") continue;
      if (p.default.value === undefined) return placeholder(certainRerun?.status ?? "may-rerun", { kind: "args-changed", detail: `the default of '${p.name}' (${p.default.text}) is computed at run time` });
      merged[p.name] = { known: true, value: storedOf(p.default.value) };
    }
    // As redun's log shows a call: with the defaults it merged.
    text = callText(taskName, positional, merged);
    let args_: string;
    try {
      args_ = argumentsHash(positional.map(hashOf), Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, hashOf(v)])));
    } catch (error) {
      return placeholder("may-rerun", { kind: "args-changed", detail: (error as Error).message });
    }
    const json = { args: positional.map((a) => (a.known ? pyJson(a.value) : null)), kwargs: Object.fromEntries(Object.entries(keywords).map(([k, a]) => [k, a.known ? pyJson(a.value) : null])) };
    if (task.hash === null) return placeholder(certainRerun?.status ?? "may-rerun", { kind: "source-changed", detail: task.reason ?? "the task hash cannot be predicted from the text" });
    const eval_ = evalHash(task.hash, args_);
    const seen = this.byEval.get(eval_);
    if (seen) return seen; // one evaluation per call within a run
    const job = this.add({ id: eval_, parentId, task: taskName, args: json, call: text, status: "will-rerun", reasons: [], callHash: null });
    const settle = (r: Resolved) => (this.byEval.set(eval_, r), r);
    settle({ known: false, decidedBy: job, why: { kind: "input-changed", detail: `input from ${text} reruns` } });
    const set = (status: PredictedStatus, reasons: Reason[]) => Object.assign(job, { status, reasons });

    const store = this.ctx.store;
    if (task.options.cache?.value && "v" in task.options.cache.value && task.options.cache.value.v === false) {
      return settle(this.runs(set("will-rerun", [{ kind: "no-cache", detail: "cache=False reruns on every call" }]), { kind: "input-changed", detail: `input from ${text} reruns` }));
    }
    const evaluation = store?.evaluation(task.hash, args_);
    if (!store || !evaluation || evaluation.value.type === "redun.ErrorValue") {
      const reasons: Reason[] = certainRerun
        ? certainRerun.reasons
        : !store?.latestJob({ name: taskName })
          ? []
          : evaluation
            ? [{ kind: "no-result", detail: "its last run with these arguments failed: nothing is cached to reuse" }]
            : [{ kind: "args-changed", detail: "no cached result for these arguments" }];
      const status: PredictedStatus = certainRerun?.status ?? (store?.latestJob({ name: taskName }) ? "will-rerun" : "never-run");
      return settle(this.runs(set(status, reasons), { kind: "input-changed", detail: `input from ${text} reruns` }));
    }
    if (taskLevel?.status === "stale") Object.assign(job, { status: "stale", reasons: taskLevel.reasons, changed: taskLevel.changed });
    else set("cached", taskLevel?.status === "cached" ? taskLevel.reasons : []);
    job.callHash = store.callOf(task.hash, args_)?.callHash ?? null;
    if (evaluation.value.value === undefined) return settle({ known: true, value: null, hash: evaluation.value.hash });
    // The cached return value: a plain value, or the expression redun evaluates next (child calls).
    const result = this.evaluate(evaluation.value.value, job.id);
    if (result.known && !containsExpression(evaluation.value.value)) result.hash = evaluation.value.hash;
    return settle(result);
  }

  /** An expression as redun evaluates it: nested calls first (as children of the same job), then the outer one. */
  evaluate(value: Stored, parentId: string): Resolved {
    if (value instanceof TaskExpression) {
      const positional = value.args.map((a) => this.evaluate(a, parentId));
      const keywords = Object.fromEntries(value.kwargs.entries.map(([k, v]) => [String(k), this.evaluate(v, parentId)]));
      if (value.kind === "SchedulerExpression") return this.unknownValue(parentId, `${value.taskName}() is evaluated by redun's scheduler`);
      return this.call(value.taskName, positional, keywords, parentId);
    }
    if (value instanceof SimpleExpression) return this.unknownValue(parentId, `${value.funcName} on a result is evaluated at run time`);
    if (value instanceof ValueExpression) return this.evaluate(value.value, parentId);
    if (Array.isArray(value)) return this.all(value.map((v) => this.evaluate(v, parentId)), (items) => items);
    if (value instanceof PyTuple) return this.all(value.items.map((v) => this.evaluate(v, parentId)), (items) => new PyTuple(items));
    if (value instanceof PyDict) {
      const keys = value.entries.map(([k]) => k);
      return this.all(value.entries.map(([, v]) => this.evaluate(v, parentId)), (items) => new PyDict(items.map((v, i) => [keys[i], v])));
    }
    return { known: true, value };
  }

  private all(parts: Resolved[], build: (items: Stored[]) => Stored): Resolved {
    const unknown = parts.find((p) => !p.known);
    return unknown ?? { known: true, value: build(parts.map((p) => (p as { value: Stored }).value)) };
  }

  /** Something in a cached expression that only redun evaluates (`cond`, `getitem` …): later calls may rerun. */
  private unknownValue(parentId: string, detail: string): Resolved {
    const job = this.jobs.find((j) => j.id === parentId)!;
    this.complete = false;
    return { known: false, decidedBy: job, why: { kind: "input-changed", detail } };
  }
}

/** A resolved argument's redun value hash: the stored one when known, else hashed from the value. */
function hashOf(r: Resolved): string {
  if (!r.known) throw new Error("an argument is not known yet");
  if (r.hash) return r.hash;
  const literal = literalOf(r.value);
  if (!literal) throw new Error(`an argument of type ${pyRepr(r.value).slice(0, 40)} is hashed by redun at run time`);
  return valueHash(literal);
}

function callText(taskName: string, positional: Resolved[], keywords: Record<string, Resolved>): string {
  const shown = (a: Resolved) => (a.known ? reprOf(a.value) : "…");
  return `${taskName}(${[...positional.map(shown), ...Object.entries(keywords).map(([k, a]) => `${k}=${shown(a)}`)].join(", ")})`;
}

function containsExpression(v: Stored): boolean {
  if (v instanceof TaskExpression || v instanceof SimpleExpression || v instanceof ValueExpression) return true;
  if (Array.isArray(v)) return v.some(containsExpression);
  if (v instanceof PyTuple) return v.items.some(containsExpression);
  if (v instanceof PyDict) return v.entries.some(([, x]) => containsExpression(x));
  return false;
}

/** The jobs the next `redun run FILE TASK --PARAM VALUE …` would create, as far as the store decides them. */
export function planRedun(ctx: RedunPlanContext, request: PlanRequest): Plan {
  const task = ctx.tasks.get(request.task);
  const planner = new RedunPlanner(ctx);
  // redun's CLI passes every parameter given on the command line by name.
  const keywords: Record<string, Resolved> = {};
  for (const [name, raw] of Object.entries(request.args)) {
    const p = task?.parameters.find((x) => x.name === name);
    const parsed = parseCliValue(p?.annotation, raw as string | true);
    if (typeof parsed === "string") throw new Error(`--${name}: ${parsed}`);
    keywords[name] = { known: true, value: storedOf(parsed) };
  }
  planner.call(request.task, [], keywords, null);
  const entryArgs = { args: [], kwargs: Object.fromEntries(Object.entries(keywords).map(([k, v]) => [k, v.known ? pyJson(v.value) : null])) };
  return { entry: { task: request.task, args: entryArgs }, complete: planner.complete, jobs: planner.jobs };
}
