// Human output goes to stderr with redun's `[tasklens] ` prefix; the result alone goes to stdout.
// Log lines are buffered and written in batches: a 100,000-job run must not spend its time in write().
import type { Job } from "../engine/scheduler";
import { displayValue, isPlainJson } from "../engine/values";

export type StatusColumn = "PENDING" | "RUNNING" | "FAILED" | "CACHED" | "DONE";

export class Output {
  private buffer: string[] = [];
  private scheduled = false;

  log(line: string): void {
    this.buffer.push(`[tasklens] ${line}\n`);
    if (this.buffer.length > 2000) this.flushNow();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushNow());
    }
  }

  error(message: string): void {
    this.flushNow();
    process.stderr.write(message.endsWith("\n") ? message : message + "\n");
  }

  stdout(text: string): void {
    this.flushNow();
    process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  }

  flushNow(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) return;
    process.stderr.write(this.buffer.join(""));
    this.buffer = [];
  }

  /** A string prints as itself; other values as JSON when they are JSON, else as tasklens renders them. */
  result(value: unknown): void {
    if (value === undefined) return;
    if (typeof value === "string") return this.stdout(value);
    this.stdout(isPlainJson(value) ? JSON.stringify(value, null, 2) : displayValue(value, 10_000));
  }

  /** The JOB STATUS table of a run's jobs. */
  jobStatusTable(jobs: Job[]): void {
    this.statusTable(jobs.map((job) => ({ task: job.definition.fullName, column: job.status === "cached" ? "CACHED" : job.status === "done" ? "DONE" : job.status === "failed" ? "FAILED" : "RUNNING" })));
  }

  /** redun's JOB STATUS table: a row ALL and one per task, counting each job in its column. */
  statusTable(jobs: Array<{ task: string; column: StatusColumn }>): void {
    const counts = new Map<string, Record<string, number>>();
    const empty = () => ({ PENDING: 0, RUNNING: 0, FAILED: 0, CACHED: 0, DONE: 0, TOTAL: 0 });
    const all = empty();
    for (const { task, column } of jobs) {
      const row = counts.get(task) ?? empty();
      counts.set(task, row);
      for (const r of [row, all]) {
        r[column]++;
        r.TOTAL++;
      }
    }
    const names = [...counts.keys()].sort();
    const width = Math.max(20, ...names.map((n) => n.length)) + 2;
    const columns = ["PENDING", "RUNNING", "FAILED", "CACHED", "DONE", "TOTAL"];
    const line = (name: string, r: Record<string, number>) => `| ${name.padEnd(width)}${columns.map((c) => String(r[c]).padStart(8)).join("")}`;
    const now = new Date();
    this.log("");
    this.log(`| JOB STATUS ${now.toISOString().replace("T", " ").slice(0, 19)}`);
    this.log(`| ${"TASK".padEnd(width)}${columns.map((c) => c.padStart(8)).join("")}`);
    this.log(line("ALL", all));
    for (const name of names) this.log(line(name, counts.get(name)!));
    this.log("");
  }
}
