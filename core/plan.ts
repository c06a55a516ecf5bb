// The plan of a run: the jobs the next `run` of a task will create, predicted from the store and the
// text without running anything, for any dialect. Graph reduction makes most of it knowable: a reused
// job's stored result names its child calls and their arguments; a job whose body must run ends what
// can be known below it. This file holds the neutral shapes and their text and JSON; each dialect
// computes plans (Dialect.plan).
import type { PredictedStatus, Prediction, Reason } from "./manifest";
import { changedWords, reasonText } from "./present";

/** What to plan: a task by full name and its arguments by parameter name (missing: the default). */
export interface PlanRequest {
  task: string;
  args: Record<string, unknown>;
}

export interface PlannedJob {
  /** The call hash when the call is known, else a placeholder (`?3`): its arguments come from a job that has not run. */
  id: string;
  parentId: string | null;
  /** Full name of the task. */
  task: string;
  /**
   * Arguments as JSON, in the dialect's shape (tasklens: the bound argument list; redun:
   * `{args, kwargs}`); null when they are only known after an upstream job runs.
   */
  args: unknown;
  /** `task(param='value', …)` as the run log prints it. */
  call: string;
  status: PredictedStatus;
  reasons: Reason[];
  callHash: string | null;
  /** Reused with its whole unchanged subtree, that many jobs, without replaying the children. */
  wholeSubtree?: number;
  /** For a stale job: the unhashed dependencies that changed since its result was computed. */
  changed: string[];
}

export interface Plan {
  entry: { task: string; args: unknown };
  /** False when a job's body must run (or its arguments are unknown): what it creates is not known yet. */
  complete: boolean;
  jobs: PlannedJob[];
}

/** `plan --json`. */
export function planJson(plan: Plan): unknown {
  return {
    entry: plan.entry,
    complete: plan.complete,
    jobs: plan.jobs.map((j) => ({
      id: j.id,
      parentId: j.parentId,
      task: j.task,
      args: j.args,
      status: j.status,
      reasons: j.reasons,
      callHash: j.callHash,
      ...(j.wholeSubtree === undefined ? {} : { wholeSubtree: j.wholeSubtree }),
      ...(j.changed.length ? { staleBecause: j.changed } : {}),
    })),
  };
}

const LINE_WORD: Record<PredictedStatus, string> = { cached: "Cached", stale: "Stale ", "will-rerun": "Run   ", "never-run": "Run   ", "may-rerun": "Maybe " };

/** One job as `run` prints it: `Cached Job 1b2c3d4e:  greeter(greet='Hello', thing='World')`, with why. */
export function planLine(job: PlannedJob): string {
  let why = "";
  if (job.wholeSubtree !== undefined) why = ` (whole subtree, ${job.wholeSubtree.toLocaleString("en-US")} jobs)`;
  else if (job.status === "stale" && job.changed.length) why = ` (${changedWords(job.changed)}, not hashed)`;
  else if (job.status !== "cached" && job.reasons.length) why = ` (${reasonText(job.reasons[0])})`;
  const id = job.callHash ? job.callHash.slice(0, 8) : "????????";
  return `${LINE_WORD[job.status]} Job ${id}:  ${job.call}${why}`;
}

/** The JOB STATUS column a planned job counts in: reused jobs are CACHED, the rest PENDING. */
export function planColumn(status: PredictedStatus): "CACHED" | "PENDING" {
  return status === "cached" || status === "stale" ? "CACHED" : "PENDING";
}

/** Said after the job lines when the plan stops short of the whole run. */
export const INCOMPLETE_NOTE = "The plan stops at jobs whose body must run: what they call is known only when they run.";

/** The order in which a task's several calls decide its status (the most telling wins). */
const STATUS_WEIGHT: Record<PredictedStatus, number> = { "will-rerun": 4, "never-run": 3, "may-rerun": 2, stale: 1, cached: 0 };

export function worstOf(a: PredictedStatus, b: PredictedStatus): PredictedStatus {
  return STATUS_WEIGHT[a] >= STATUS_WEIGHT[b] ? a : b;
}

/**
 * A task's prediction as a plan has it: its calls there decide (the most telling one wins), so the
 * status lens and `explain` say what the next run of the entry task does with it. Unchanged when the
 * plan does not reach the task.
 */
export function predictionInPlan(p: Prediction, plan: Plan): Prediction {
  const jobs = plan.jobs.filter((j) => j.task === p.task);
  if (jobs.length === 0) return p;
  const status = jobs.map((j) => j.status).reduce(worstOf);
  const decisive = jobs.find((j) => j.status === status)!;
  return { ...p, status, reasons: decisive.reasons, changed: [...new Set(jobs.flatMap((j) => j.changed))] };
}
