// `tasklens log [ID | - | ~N] [--json]`: recent executions, an execution's job tree, one job's details.
import { displayPath } from "../fsutil";
import path from "node:path";
import { defaultStorePath, ExecutionRecord, JobRecord, Store } from "../store";
import { displayCall, displayValue } from "../values";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";

const STATUS_LABEL: Record<string, string> = { done: "[ DONE ]", failed: "[FAILED]", cached: "[CACHED]", running: "[ RUN  ]", interrupted: "[ STOP ]" };

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "running";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

function valueText(store: Store, hash: string | null): unknown {
  return hash ? store.getValue(hash)?.value : undefined;
}

/** Arguments and result as JSON a machine can read (tagged encoding for Map, Date, …). */
function valueJson(store: Store, hash: string | null): unknown {
  return (hash && store.getValueJson(hash)) ?? null;
}

/** `task(param='value', …)` of a recorded job. */
export function callText(store: Store, job: JobRecord): string {
  const args = valueText(store, job.argsHash);
  const params = (store.getTask(job.taskHash)?.parts.params as string[] | undefined) ?? [];
  return displayCall(job.taskName, Array.isArray(args) ? args : [], params);
}

function executionLine(e: ExecutionRecord): string {
  const command = e.argv.slice(1).map((a) => (/^[\w./:=@-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
  return `Exec ${e.id.slice(0, 8)} ${STATUS_LABEL[e.status] ?? e.status} ${formatTime(e.started)}:  ${command}`;
}

function executionJson(store: Store, e: ExecutionRecord, withJobs: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: e.id, status: e.status, started: new Date(e.started).toISOString(), ended: e.ended ? new Date(e.ended).toISOString() : null,
    file: e.file, task: e.task, argv: e.argv, error: e.error,
  };
  if (withJobs) {
    doc.result = valueJson(store, e.resultHash);
    doc.jobs = store.jobsOf(e.id).map((j) => jobJson(store, j, false));
  }
  return doc;
}

function jobJson(store: Store, j: JobRecord, details: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: j.id, executionId: j.executionId, parentId: j.parentId, task: j.taskName, args: valueJson(store, j.argsHash),
    status: j.status, callHash: j.callHash, taskHash: j.taskHash, started: new Date(j.started).toISOString(),
    durationMs: j.ended === null ? null : j.ended - j.started,
  };
  if (details) {
    const task = store.getTask(j.taskHash);
    Object.assign(doc, {
      result: valueJson(store, j.resultHash),
      error: j.error,
      traceback: j.traceback,
      source: task?.source ?? null,
      file: task?.file ?? null,
      line: task?.line ?? null,
      upstream: j.upstream.map((u) => ({ ...u, task: store.job(u.jobId)?.taskName ?? null })),
    });
  }
  return doc;
}

/** An execution and its job tree, as `tasklens log <execution>` prints it. */
export function jobTree(store: Store, e: ExecutionRecord): string[] {
  const jobs = store.jobsOf(e.id);
  const children = new Map<string | null, JobRecord[]>();
  for (const j of jobs) {
    const list = children.get(j.parentId) ?? [];
    list.push(j);
    children.set(j.parentId, list);
  }
  const count = (status: string) => jobs.filter((j) => j.status === status).length;
  const lines = [
    executionLine(e),
    `Duration: ${formatDuration(e.ended === null ? null : e.ended - e.started)}`,
    "",
    `Jobs: ${jobs.length} (DONE: ${count("done")}, CACHED: ${count("cached")}, FAILED: ${count("failed")})`,
    "-".repeat(80),
  ];
  const walk = (parent: string | null, depth: number) => {
    for (const j of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}Job ${j.id.slice(0, 8)} ${STATUS_LABEL[j.status]} ${formatTime(j.started)}:  ${callText(store, j)}  ${formatDuration(j.ended === null ? null : j.ended - j.started)}`);
      walk(j.id, depth + 1);
    }
  };
  walk(null, 0);
  if (e.error) lines.push("", `Error: ${e.error}`);
  return lines;
}

/** One job's call, arguments, result, source, dataflow and traceback, as `tasklens log <job>` prints it. */
export function jobDetails(store: Store, j: JobRecord): string[] {
  const task = store.getTask(j.taskHash);
  const args = valueText(store, j.argsHash);
  const lines = [
    `Job ${j.id.slice(0, 8)} ${STATUS_LABEL[j.status]} ${formatTime(j.started)}:  ${callText(store, j)}`,
    `Job id: ${j.id}`,
    `Execution: ${j.executionId.slice(0, 8)}`,
    `Parent: ${j.parentId ? `Job ${j.parentId.slice(0, 8)}` : "none"}`,
    `Duration: ${formatDuration(j.ended === null ? null : j.ended - j.started)}`,
    `Task: ${j.taskName} (hash ${j.taskHash.slice(0, 8)})${task?.file ? `  ${displayPath(task.file)}:${task.line}` : ""}`,
    `Call hash: ${j.callHash.slice(0, 8)}`,
    "",
    "Arguments:",
    ...(Array.isArray(args) && args.length ? args.map((a, i) => `  #${i + 1} = ${displayValue(a, 200)}`) : ["  (none)"]),
    "",
    `Result: ${j.status === "failed" ? "(failed)" : displayValue(valueText(store, j.resultHash), 500)}`,
  ];
  if (j.upstream.length) {
    lines.push("", "Upstream dataflow:");
    for (const u of j.upstream) {
      const up = store.job(u.jobId);
      lines.push(`  ${u.param} <- Job ${u.jobId.slice(0, 8)} ${up ? `${callText(store, up)} = ${displayValue(valueText(store, up.resultHash), 80)}` : "(not recorded)"}`);
    }
  }
  if (task) lines.push("", "Source:", ...task.source.split("\n").map((l) => `  ${l}`));
  if (j.traceback) lines.push("", ...j.traceback.split("\n"));
  return lines;
}

export async function logCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const json = flags.get("json") === true;
  const anchor = pathFlag(flags, "file") ?? path.join(process.cwd(), "workflow.ts");
  const store = await Store.open(defaultStorePath(anchor, pathFlag(flags, "db")), { readonly: true });
  const [id] = positionals;
  const emit = (doc: unknown, text: string[]) => out.stdout(json ? JSON.stringify(doc, null, 2) : text.join("\n"));

  if (id === undefined) {
    const executions = store.executions(50);
    emit(executions.map((e) => executionJson(store, e, false)), executions.length ? executions.map(executionLine) : [`No executions in ${store.file}`]);
    return 0;
  }
  let execution: ExecutionRecord | undefined;
  if (id === "-" || /^~\d+$/.test(id)) {
    const index = id === "-" ? 0 : Number(id.slice(1));
    execution = store.executions(index + 1)[index];
    if (!execution) throw new UsageError(`no execution ${id} in ${store.file}`);
  } else {
    const executions = store.findExecutions(id);
    const jobs = store.findJobs(id);
    if (executions.length + jobs.length > 1) throw new UsageError(`${id} is ambiguous: ${[...executions.map((e) => `execution ${e.id}`), ...jobs.map((j) => `job ${j.id}`)].join(", ")}`);
    if (jobs.length === 1) {
      emit(jobJson(store, jobs[0], true), jobDetails(store, jobs[0]));
      return 0;
    }
    execution = executions[0];
    if (!execution) throw new UsageError(`no execution or job with id ${id} in ${store.file}`);
  }
  emit(executionJson(store, execution, true), jobTree(store, execution));
  return 0;
}
