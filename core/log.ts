// `log` in words and in JSON, for any store: the executions, an execution's job tree, one job's
// details. The CLI prints these; the language server serves them to the editor's Jobs view.
import { formatDuration, formatTime } from "./present";
import type { ExecutionView, JobView, StoreReader } from "./storeReader";
import { displayPath } from "./paths";

const STATUS_LABEL: Record<string, string> = { done: "[ DONE ]", failed: "[FAILED]", cached: "[CACHED]", running: "[ RUN  ]", interrupted: "[ STOP ]" };

const durationOf = (x: { started: number; ended: number | null }) => (x.ended === null ? null : x.ended - x.started);

/** The command that started an execution, quoted for a POSIX shell: a copied line runs nothing it does not show. */
export function commandText(e: ExecutionView): string {
  return (Array.isArray(e.argv) ? e.argv.slice(1) : []).map((a) => shellQuote(String(a))).join(" ");
}

/** Single quotes: inside them a POSIX shell expands nothing (`$(…)`, backquotes, `$VAR`); a quote is closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function executionLine(e: ExecutionView): string {
  return `Exec ${e.id.slice(0, 8)} ${STATUS_LABEL[e.status] ?? e.status} ${formatTime(e.started)}:  ${commandText(e)}`;
}

export function executionJson(store: StoreReader, e: ExecutionView, withJobs: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: e.id, status: e.status, started: new Date(e.started).toISOString(), ended: e.ended ? new Date(e.ended).toISOString() : null,
    file: e.file, task: e.task, argv: e.argv, error: e.error,
  };
  if (withJobs) {
    const jobs = store.jobsOf(e.id);
    doc.result = store.executionResultJson(e);
    doc.jobs = jobs.map((j) => jobJson(store, j, false));
  }
  return doc;
}

export function jobJson(store: StoreReader, j: JobView, details: boolean): Record<string, unknown> {
  const d = store.jobDetails(j);
  const doc: Record<string, unknown> = {
    id: j.id, executionId: j.executionId, parentId: j.parentId, task: j.taskName, args: d.argsJson,
    status: j.status, callHash: j.callHash, taskHash: j.taskHash, started: new Date(j.started).toISOString(),
    durationMs: durationOf(j),
  };
  if (details) {
    Object.assign(doc, {
      result: d.resultJson, error: j.error, traceback: d.traceback, source: d.source, file: d.file, line: d.line,
      upstream: d.upstream.map((u) => ({ param: u.param, jobId: u.jobId, task: u.task })),
    });
  }
  return doc;
}

/** An execution and its job tree, as `tasklens log <execution>` prints it. */
export function jobTree(store: StoreReader, e: ExecutionView): string[] {
  const jobs = store.jobsOf(e.id);
  const children = new Map<string | null, JobView[]>();
  for (const j of jobs) children.set(j.parentId, [...(children.get(j.parentId) ?? []), j]);
  const count = (status: string) => jobs.filter((j) => j.status === status).length;
  const lines = [
    executionLine(e),
    `Duration: ${formatDuration(durationOf(e))}`,
    "",
    `Jobs: ${jobs.length} (DONE: ${count("done")}, CACHED: ${count("cached")}, FAILED: ${count("failed")})`,
    "-".repeat(80),
  ];
  const walk = (parent: string | null, depth: number) => {
    for (const j of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth)}Job ${j.id.slice(0, 8)} ${STATUS_LABEL[j.status]} ${formatTime(j.started)}:  ${store.callText(j)}  ${formatDuration(durationOf(j))}`);
      walk(j.id, depth + 1);
    }
  };
  walk(null, 0);
  if (e.error) lines.push("", `Error: ${e.error}`);
  return lines;
}

/** One job's details as its store's engine shows them (redun's `redun log <job>`), else as below. */
export function jobDetailsLines(store: StoreReader, j: JobView): string[] {
  return store.nativeLog?.({ job: j.id })?.replace(/\n$/, "").split("\n") ?? jobDetailsText(store, j);
}

/** One job's call, arguments, result, source, dataflow and traceback, as `tasklens log <job>` prints it. */
export function jobDetailsText(store: StoreReader, j: JobView): string[] {
  const d = store.jobDetails(j);
  const lines = [
    `Job ${j.id.slice(0, 8)} ${STATUS_LABEL[j.status]} ${formatTime(j.started)}:  ${d.call}`,
    `Job id: ${j.id}`,
    `Execution: ${j.executionId.slice(0, 8)}`,
    `Parent: ${j.parentId ? `Job ${j.parentId.slice(0, 8)}` : "none"}`,
    `Duration: ${formatDuration(durationOf(j))}`,
    `Task: ${j.taskName} (hash ${j.taskHash.slice(0, 8)})${d.file ? `  ${displayPath(d.file)}:${d.line}` : ""}`,
    `Call hash: ${j.callHash.slice(0, 8)}`,
    "",
    "Arguments:",
    ...(d.args.length ? d.args.map((a, i) => `  ${a.name ?? `#${i + 1}`} = ${a.text}`) : ["  (none)"]),
    "",
    `Result: ${j.status === "failed" ? "(failed)" : d.result ?? "undefined"}`,
  ];
  if (d.upstream.length) {
    lines.push("", "Upstream dataflow:");
    for (const u of d.upstream) lines.push(`  ${u.param} <- Job ${u.jobId.slice(0, 8)} ${u.text}`);
  }
  if (d.source !== null) lines.push("", "Source:", ...d.source.split("\n").map((l) => `  ${l}`));
  if (d.traceback) lines.push("", ...d.traceback.split("\n"));
  return lines;
}
