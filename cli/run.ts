// `tasklens run FILE [TASK] [--PARAM VALUE …] [--no-cache] [--full-check] [--db PATH] [--json] [--jobs N]`
import type { ParamInfo } from "../engine/analysis/file";
import { TaskHasher } from "../engine/hashing";
import { loadWorkflow, LoadedWorkflow } from "../engine/loader";
import os from "node:os";
import { describeThrown, Execution, Job, JobFailure } from "../engine/scheduler";
import { defaultStorePath, ExecutionRecord, maskLocation, projectHashMode, Store, StoreWriteError } from "../engine/store";
import { WorkerPool } from "../engine/workers";
import { CallExpression, registry, TaskDefinition } from "../engine/task";
import { encodeValue } from "../engine/values";
import { changedWords } from "../core/present";
import { describeParam, pathFlag, taskArguments, UsageError } from "./args";
import { runTarget, splitRunArguments } from "./runArgs";
import { Output } from "./output";

/** How often completed jobs are appended to the store during a run. */
const FLUSH_MS = 200;

/** A task by full name, short name or exported binding; tasks of the file first, then of its imports. */
export function findTask(workflow: LoadedWorkflow, name: string): TaskDefinition | undefined {
  const candidates = [...workflow.tasks, ...[...registry.values()].filter((d) => !workflow.tasks.includes(d))];
  return (
    candidates.find((d) => d.fullName === name) ??
    candidates.find((d) => d.name === name) ??
    candidates.find((d) => d.site?.info.bindingName === name)
  );
}

function taskList(workflow: LoadedWorkflow): string {
  return workflow.tasks.map((d) => `  ${d.fullName}`).join("\n") || "  (none: the file defines no tasks)";
}

function paramsOf(def: TaskDefinition): ParamInfo[] {
  return def.site?.info.params ?? [];
}

function helpFor(def: TaskDefinition, file: string): string {
  const params = paramsOf(def);
  return [
    `Usage: tasklens run ${file} ${def.name} ${params.map((p) => (p.optional ? `[--${p.name} VALUE]` : `--${p.name} VALUE`)).join(" ")}`.trimEnd(),
    "",
    `Task ${def.fullName}`,
    params.length ? "Parameters:" : "Parameters: none",
    ...params.map(describeParam),
  ].join("\n");
}

export async function runCommand(argv: string[], out: Output): Promise<number> {
  const target = argv.find((a) => !a.startsWith("-"));
  // The dialects are loaded only for a Python file: they load TypeScript, which a cached run never needs.
  if (target?.endsWith(".py") && (require("../dialects") as typeof import("../dialects")).dialectOfFile(target)?.id === "redun") return (require("./runRedun") as typeof import("./runRedun")).runRedunCommand(argv, out);
  const command = runTarget(argv);
  const { file: fileArg, task: taskArg = "main" } = command;
  if (!fileArg) throw new UsageError("usage: tasklens run FILE [TASK] [--PARAM VALUE …] [--no-cache] [--full-check] [--db PATH] [--json] [--jobs N]");
  const workflow = loadWorkflow(fileArg);
  const def = findTask(workflow, taskArg);
  if (!def) {
    out.error(`tasklens: no task ${JSON.stringify(taskArg)} in ${fileArg}. Tasks in the file:\n${taskList(workflow)}`);
    return 2;
  }
  const given = splitRunArguments(command.rest, paramsOf(def), (name) => {
    throw new UsageError(`task ${def.fullName} has no parameter --${name}\n${helpFor(def, fileArg)}`);
  });
  const flags = new Map([...command.flags, ...given.flags]);
  if (flags.has("help")) {
    out.stdout(helpFor(def, fileArg));
    return 0;
  }
  const json = flags.get("json") === true;
  const noCache = flags.get("no-cache") === true;
  const jobsFlag = flags.get("jobs");
  const jobs = jobsFlag === undefined ? undefined : Number(jobsFlag);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new UsageError(`--jobs: expected a positive integer, got ${JSON.stringify(jobsFlag)}`);
  const dbFlag = pathFlag(flags, "db");

  const params = paramsOf(def);
  const named = taskArguments(def.fullName, params, given.params, new Set(), helpFor(def, fileArg));
  const args: unknown[] = params.map((p) => named[p.name]);
  while (args.length && args[args.length - 1] === undefined) args.pop();

  const store = await Store.open(defaultStorePath(workflow.file, dbFlag));
  const workers = workflow.tasks.concat([...registry.values()]).some((d) => d.options.executor === "worker")
    ? new WorkerPool(workflow.file, jobs ?? os.availableParallelism())
    : undefined;
  const execution = new Execution({
    store,
    hasher: new TaskHasher(projectHashMode(workflow.file)),
    noCache,
    fullCheck: flags.get("full-check") === true,
    jobs,
    workers,
    events: {
      jobStarted: (job, cached, wholeSubtree) => {
        // A reused result is never stale silently: the line names what changed outside its hash.
        const word = !cached ? "Run   " : job.staleBecause.length ? "Stale " : "Cached";
        const why = job.staleBecause.length ? ` (${changedWords(job.staleBecause)}, not hashed)` : wholeSubtree === undefined ? "" : ` (whole subtree, ${wholeSubtree.toLocaleString("en-US")} jobs)`;
        out.log(`${word} Job ${job.id.slice(0, 8)}:  ${job.describe()}${why}`);
      },
      jobFailed: (job) => {
        out.log(`*** Failed Job ${job.id.slice(0, 8)}:  ${job.describe()}`);
        for (const line of (job.traceback ?? "").split("\n")) out.log(line);
      },
      note: (message) => out.log(message),
    },
  });
  // A URL's password is never recorded nor printed.
  const commandLine = ["tasklens", "run", ...argv.map(maskLocation)];
  const started = Date.now();
  const executionRecord: ExecutionRecord = { id: execution.id, started, ended: null, status: "running", file: workflow.file, task: def.fullName, argv: commandLine, resultHash: null, error: null };
  store.putExecution(executionRecord);
  // The first write happens before any task runs: a store that cannot take it is refused here.
  // Waiting for another process's lock happens here, asynchronously (Ctrl-C still acts), never in a write.
  await store.whenUnlocked();
  store.flush();
  out.log(`Start Execution ${execution.id.slice(0, 8)}:  ${commandLine.join(" ")}`);

  // Completed jobs reach disk during the run: a flush appends only what changed since the last one.
  let writeProblem: StoreWriteError | undefined;
  const flushNow = (lockWaitMs?: number) => {
    try {
      store.flush({ lockWaitMs });
      if (writeProblem) out.log("The store can be written again: every record is on disk.");
      writeProblem = undefined;
    } catch (error) {
      if (!(error instanceof StoreWriteError)) throw error;
      if (!writeProblem) out.log(`${error.message.replace(/^tasklens: /, "")} The run goes on and tries again.`);
      writeProblem = error;
    }
  };
  // Periodically, without waiting for another process's lock: the engine runs on meanwhile.
  const timer = setInterval(() => flushNow(0), FLUSH_MS);
  timer.unref();
  const onSignal = (signal: NodeJS.Signals) => {
    executionRecord.status = "interrupted";
    executionRecord.ended = Date.now();
    executionRecord.error = `interrupted by ${signal}`;
    store.putExecution(executionRecord);
    flushNow();
    out.log(`Execution ${execution.id.slice(0, 8)} interrupted by ${signal}; ${writeProblem ? "the store could not be written" : "completed jobs are recorded"}.`);
    out.flushNow();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // The event loop emptied while the run is unfinished: a promise that can never settle.
  let stall: ((error: Error) => void) | undefined;
  const stalled = new Promise<never>((_, reject) => (stall = reject));
  stalled.catch(() => undefined);
  const onIdle = () => {
    if (execution.abandonStalled().length === 0) {
      const running = execution.jobs.filter((j) => j.status === "running").map((j) => j.describe());
      stall!(new Error(`the run cannot finish: nothing is left to wait for, yet ${running.slice(0, 5).join(", ") || "the entry task"} never settled`));
    }
  };
  process.on("beforeExit", onIdle);

  let result: unknown;
  let failure: JobFailure | Error | undefined;
  try {
    result = await Promise.race([execution.evaluate(new CallExpression(def, args), null), stalled]);
  } catch (error) {
    failure = error instanceof JobFailure || error instanceof Error ? error : new Error(describeThrown(error));
    if (!(error instanceof JobFailure)) out.log(`*** Execution failed: ${failure.message}`);
  }
  clearInterval(timer);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("beforeExit", onIdle);
  await workers?.close();
  executionRecord.status = failure ? "failed" : "done";
  executionRecord.ended = Date.now();
  executionRecord.error = failure ? failure.message : null;
  if (!failure) {
    try {
      // The entry job stored the result already (encoding 50 MB of bytes twice costs seconds).
      executionRecord.resultHash = execution.jobs[0]?.resultHash ?? store.putValue(result, "result");
    } catch (error) {
      failure = error as Error;
      executionRecord.status = "failed";
      executionRecord.error = failure.message;
      out.log(`*** Execution failed: ${failure.message}`);
    }
  }
  store.putExecution(executionRecord);
  await store.whenUnlocked();
  try {
    store.close();
    writeProblem = undefined;
  } catch (error) {
    if (!(error instanceof StoreWriteError)) throw error;
    writeProblem = error;
  }

  out.jobStatusTable(execution.jobs);
  if (json) {
    out.stdout(JSON.stringify(executionJson(execution, failure, result)));
  } else if (!failure) {
    out.result(result);
  }
  if (writeProblem) {
    out.error(`${writeProblem.message}\nThis run's last records could not be written: its results are not all recorded.`);
    return 1;
  }
  if (failure && !(failure instanceof JobFailure) && (failure as { name?: string }).name === "UnhashableValueError") return 2;
  return failure ? 1 : 0;
}

function executionJson(execution: Execution, failure: Error | undefined, result: unknown): unknown {
  const doc: Record<string, unknown> = {
    executionId: execution.id,
    status: failure ? "failed" : "done",
    result: failure ? null : encodeValue(result, false),
  };
  if (failure) doc.error = failure instanceof JobFailure ? `${failure.job.definition.fullName}: ${failure.job.error}` : failure.message;
  doc.jobs = execution.jobs.map((job: Job) => ({
    id: job.id,
    task: job.definition.fullName,
    args: job.args.map((a) => encodeValue(a, false)),
    status: job.status === "running" ? "failed" : job.status,
    parentId: job.parent?.id ?? null,
    callHash: job.callHash,
    durationMs: job.ended === null ? null : job.ended - job.started,
    ...(job.staleBecause.length ? { staleBecause: job.staleBecause } : {}),
  }));
  return doc;
}
