// `redun log` as redun 0.46 prints it: the executions list, one execution (status table and job tree),
// one job's details (call, arguments, result or error, task source, traceback). Times are printed as
// stored (naive UTC); redun converts them to the local zone, so the text matches redun's where TZ=UTC.
// Not reproduced: the "Upstream dataflow" section of a job's details.
import { PyObject, PyTuple, type PyValue } from "./pickle";
import type { RedunExecution, RedunJob, RedunJobDetails, RedunJobNode, RedunStoreReader, RedunTag, RedunValue } from "./reader";
import { isException, pyRepr, trimString } from "./repr";

const STATUSES = ["PENDING", "RUNNING", "FAILED", "CACHED", "DONE", "TOTAL"] as const;

export function formatExecutionList(executions: RedunExecution[]): string {
  return ["Recent executions:", "", ...executions.map((e) => executionLine(e, false))].map((l) => l + "\n").join("");
}

export function formatExecution(store: RedunStoreReader, idOrPrefix: string): string | undefined {
  const execution = store.execution(idOrPrefix);
  if (!execution) return undefined;
  const jobs = store.jobs(execution.id);
  const root = store.jobTree(execution.id);
  const lines = [executionLine(execution, true)];
  let endTime: string;
  let micros: number;
  if (execution.status === "DONE") {
    endTime = execution.endTime ?? execution.startTime;
    micros = execution.endTime ? toMicros(execution.endTime) - toMicros(execution.startTime) : 0;
  } else {
    const start = Math.min(...jobs.map((j) => toMicros(j.startTime)));
    const ends = jobs.filter((j) => j.endTime).map((j) => j.endTime!);
    endTime = ends.length ? ends.reduce((a, b) => (toMicros(b) > toMicros(a) ? b : a)) : jobs.reduce((a, b) => (toMicros(b.startTime) < toMicros(a.startTime) ? b : a)).startTime;
    micros = toMicros(endTime) - start;
  }
  lines.push(`Duration: ${formatDuration(micros)}`);
  lines.push(...docTags(execution.tags, 0));
  lines.push("");
  const counts = new Map<string, Map<string, number>>();
  for (const job of jobs) {
    const c = counts.get(job.taskName) ?? new Map<string, number>();
    counts.set(job.taskName, c);
    c.set(job.status, (c.get(job.status) ?? 0) + 1);
    c.set("TOTAL", (c.get("TOTAL") ?? 0) + 1);
  }
  lines.push(...statusTable(counts, endTime), "");
  const n = (s: string) => jobs.filter((j) => j.status === s).length;
  lines.push(`Jobs: ${jobs.length} (DONE: ${n("DONE")}, CACHED: ${n("CACHED")}, FAILED: ${n("FAILED")})`);
  lines.push("-".repeat(80));
  const tree = (node: RedunJobNode, depth: number): void => {
    lines.push(" ".repeat(2 * depth) + jobLine(store, node, false));
    for (const child of node.children) tree(child, depth + 1);
  };
  if (root) tree(root, 0);
  return lines.map((l) => l + "\n").join("");
}

export function formatJob(store: RedunStoreReader, idOrPrefix: string): string | undefined {
  const details = store.jobDetails(idOrPrefix);
  if (!details) return undefined;
  const { job, call, task } = details;
  const out: string[] = [jobLine(store, job, true), tracebackLine(details)];
  if (job.status === "DONE") out.push(`Duration: ${job.endTime ? formatDuration(toMicros(job.endTime) - toMicros(job.startTime)) : "Unknown"}`);
  if (call) {
    out.push("");
    out.push(...indent(2, [`CallNode ${call.callHash} ${call.taskName} `, ...indent(2, [`Args:   ${formatArguments(call.arguments)}`])]));
    const result = call.result;
    if (result.type === "redun.ErrorValue") {
      const error = result.value instanceof PyObject ? result.value.field("error") : undefined;
      out.push(`    Raised: ${error === undefined ? "Unknown" : trimString(pyRepr(error))}`);
    } else out.push(`    Result: ${trimString(valueRepr(result))}`);
    out.push("");
    if (task) out.push(...indent(2, taskLines(task)));
  } else {
    out.push("", "  CallNode UNKNOWN: Job has not finished or has been killed.", "");
    if (task) out.push(...indent(2, taskLines(task)));
  }
  if (job.status === "FAILED" && details.failure) {
    const f = details.failure;
    const tb = ["Traceback:"];
    for (const frame of f.frames) {
      tb.push(frame.jobId ? `  Job ${frame.jobId.slice(0, 8)}: File "${frame.file}", line ${frame.line}, in ${frame.name}` : `  File "${frame.file}", line ${frame.line}, in ${frame.name}`);
      tb.push(`    ${frame.text ?? ""}`);
      const width = Math.max(0, ...frame.locals.map(([k]) => k.length));
      for (const [k, v] of [...frame.locals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) tb.push(`    ${k.padEnd(width)} = ${v}`);
    }
    tb.push(`${errorName(f.error)}: ${errorStr(f.error)}`);
    if (f.logs.length) tb.push("", "Latest logs:", ...f.logs.map((l) => l.replace(/\n$/, "")));
    out.push(...indent(2, tb));
  }
  return out.map((l) => l + "\n").join("");
}

function executionLine(e: RedunExecution, detail: boolean): string {
  return `Exec ${detail ? e.id : e.id.slice(0, 8)} [${center(e.status === "RUNNING" ? "RUN " : e.status, 6)}] ${timestamp(e.startTime)}:  ${e.args.slice(1).join(" ")} ${formatTags(e.tags)}`;
}

function jobLine(store: RedunStoreReader, job: RedunJob, detail: boolean): string {
  const args = job.callHash ? formatArguments(store.callArguments(job.callHash)) : "";
  const tags = store.tags("Job", job.id);
  return `Job ${detail ? job.id : job.id.slice(0, 8)} [${center(job.status === "RUNNING" ? "RUN " : job.status, 6)}] ${timestamp(job.startTime)}:  ${job.taskName}(${args}) ${formatTags(tags)}`;
}

/** `Exec e > (N Jobs) > Job parent name > Job job name`, as redun abbreviates a job's stack. */
function tracebackLine({ job, ancestors, execution }: RedunJobDetails): string {
  const stack = [job, ...[...ancestors].reverse()];
  const short = (j: RedunJob) => `Job ${j.id.slice(0, 8)} ${j.taskName.slice(j.taskName.lastIndexOf(".") + 1)}`;
  let s = `Traceback: Exec ${execution.id.slice(0, 8)} > `;
  if (stack.length > 2) s += `(${stack.length - 2} ${stack.length - 2 > 1 ? "Jobs" : "Job"}) > `;
  if (stack.length > 1) s += `${short(stack[1])} > `;
  return s + short(stack[0]);
}

function taskLines(task: { hash: string; fullName: string; source: string }): string[] {
  return [`Task ${task.hash} ${task.fullName} `, "", ...indent(2, task.source.split("\n"))];
}

/** Positional arguments by position, then keywords by name, each `repr`, trimmed. */
export function formatArguments(args: { position: number | null; key: string | null; value: RedunValue }[]): string {
  const positional = args.filter((a) => a.position !== null).sort((a, b) => a.position! - b.position!);
  const keywords = args.filter((a) => a.key !== null).sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
  return [...positional.map((a) => trimString(valueRepr(a.value))), ...keywords.map((a) => `${a.key}=${trimString(valueRepr(a.value))}`)].join(", ");
}

function valueRepr(v: RedunValue): string {
  return v.value !== undefined ? pyRepr(v.value, 10_000) : `<${v.type} ${v.hash.slice(0, 8)}: ${v.error}>`;
}

function errorName(error: PyValue): string {
  return error instanceof PyObject ? error.className.slice(error.className.lastIndexOf(".") + 1) : "Error";
}

/** str() of an exception: its one argument's str, nothing for none, the args tuple's repr for several. */
function errorStr(error: PyValue): string {
  if (!(error instanceof PyObject) || !isException(error)) return error === null ? "" : pyRepr(error);
  if (error.args.length === 0) return "";
  if (error.args.length === 1) return typeof error.args[0] === "string" ? error.args[0] : pyRepr(error.args[0]);
  return pyRepr(new PyTuple(error.args));
}

function docTags(tags: RedunTag[], depth: number): string[] {
  const docs = tags.filter((t) => t.key === "doc").map((t) => String(t.value));
  return docs.length ? ["", ...indent(depth + 2, docs)] : [];
}

function statusTable(counts: Map<string, Map<string, number>>, endTime: string): string[] {
  const names = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const table = [
    ["TASK", ...STATUSES],
    ["ALL", ...STATUSES.map((s) => String(names.reduce((n, t) => n + (counts.get(t)!.get(s) ?? 0), 0)))],
    ...names.map((t) => [t, ...STATUSES.map((s) => String(counts.get(t)!.get(s) ?? 0))]),
  ];
  const widths = table[0].map((_, j) => Math.max(7, ...table.map((row) => row[j].length)));
  const rows = table.map((row) => row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join(" "));
  const stamp = endTime.slice(0, 19).replace(/^(\d+)-(\d+)-(\d+)/, "$1/$2/$3");
  return [`| JOB STATUS ${stamp}`, `| ${rows[0]}`, "| ", ...rows.slice(1).map((r) => `| ${r}`)];
}

export function formatTags(tags: RedunTag[]): string {
  if (!tags.length) return "";
  const items = tags.map((t) => `${trimString(t.key, 50)}=${trimString(tagValue(t.value), 50)}`).sort();
  return `(${items.join(", ")})`;
}

/** Simple strings print bare; anything else as Python's json.dumps(sort_keys=True). */
function tagValue(v: unknown): string {
  if (typeof v === "string" && v !== "" && !/[ ,]/.test(v) && !/^["[{]/.test(v) && !/^(true|false|null)$/.test(v) && Number.isNaN(Number(v.replace(/_/g, ""))) && !/^[-+]?(inf(inity)?|nan)$/i.test(v)) return v;
  return pyJson(v);
}

function pyJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${pyJson(k)}: ${pyJson((v as Record<string, unknown>)[k])}`).join(", ")}}`;
  return String(v);
}

function indent(n: number, lines: string[]): string[] {
  // textwrap.indent leaves blank lines alone.
  return lines.map((l) => (l.trim() ? " ".repeat(n) + l : l));
}

/** str.center: the odd space goes right, unless the width is odd too. */
function center(s: string, width: number): string {
  const pad = width - s.length;
  if (pad <= 0) return s;
  const left = Math.floor(pad / 2) + (pad & width & 1);
  return " ".repeat(left) + s + " ".repeat(pad - left);
}

function timestamp(t: string): string {
  return t.slice(0, 19);
}

/** Microseconds since the epoch of a stored naive timestamp (`YYYY-MM-DD HH:MM:SS[.ffffff]`). */
export function toMicros(t: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/.exec(t);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) * 1000 + Number((m[7] ?? "").padEnd(6, "0"));
}

/** redun's format_timedelta: H:MM:SS.cc (days dropped, as Python's timedelta.seconds drops them). */
export function formatDuration(micros: number): string {
  const days = Math.floor(micros / 86_400_000_000);
  const rest = micros - days * 86_400_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const us = rest - seconds * 1_000_000;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(Math.floor(us / 10000)).padStart(2, "0")}`;
}
