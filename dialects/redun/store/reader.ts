// A read-only view of a redun 0.46 SQLite store: executions, job trees, job details as `redun log`
// shows them, cached evaluations and task sources. It works on an in-memory snapshot (see snapshot.ts)
// and never opens the file for writing.
import type { Database, SqlValue } from "sql.js";
import { loadSql } from "../../../engine/sqlite";
import { PyDict, PyObject, TaskExpression, PickleError, children, unpickle, type PyValue } from "./pickle";
import { StoreError, readSnapshot, stamp as fileStamp } from "./snapshot";
import { isPostgresUrl, maskLocation } from "../../../core/paths";
import { PostgresStamp, readPostgresStore } from "./postgres";

export type RedunJobStatus = "DONE" | "CACHED" | "FAILED" | "RUNNING";
export type RedunExecutionStatus = "DONE" | "FAILED" | "RUNNING";

export interface RedunTag {
  key: string;
  /** The tag's JSON value, parsed. */
  value: unknown;
}

export interface RedunExecution {
  id: string;
  /** The command line as redun recorded it (`["redun", "run", "f.py", "main", …]`). */
  args: string[];
  rootJobId: string;
  /** The root job's start and end (naive UTC, as stored). */
  startTime: string;
  endTime: string | null;
  updatedTime: string | null;
  status: RedunExecutionStatus;
  tags: RedunTag[];
}

export interface RedunJob {
  id: string;
  executionId: string;
  parentId: string | null;
  taskHash: string;
  /** The task's full name (`namespace.name`). */
  taskName: string;
  /** Null while the job has not finished (or was killed). */
  callHash: string | null;
  cached: boolean;
  status: RedunJobStatus;
  startTime: string;
  endTime: string | null;
}

export interface RedunJobNode extends RedunJob {
  children: RedunJobNode[];
}

export interface RedunTask {
  hash: string;
  name: string;
  namespace: string;
  fullName: string;
  source: string;
}

/** A stored value, decoded (or why not). */
export interface RedunValue {
  hash: string;
  /** redun's type name: `builtins.str`, `redun.expression.TaskExpression`, `redun.ErrorValue`, … */
  type: string;
  format: string;
  value?: PyValue;
  error?: string;
}

export interface RedunArgument {
  position: number | null;
  key: string | null;
  value: RedunValue;
}

export interface RedunCall {
  callHash: string;
  taskName: string;
  taskHash: string;
  argsHash: string;
  arguments: RedunArgument[];
  /** The call's final result (after its child calls), or the ErrorValue of a failure. */
  result: RedunValue;
  timestamp: string;
}

export interface RedunTracebackFrame {
  file: string;
  line: number;
  name: string;
  /** The source line, stripped (as Python's traceback prints it). */
  text: string | null;
  locals: [string, string][];
  /** The job of a job frame (redun's own frames), else null. */
  jobId: string | null;
}

export interface RedunFailure {
  error: PyValue;
  frames: RedunTracebackFrame[];
  logs: string[];
}

export interface RedunJobDetails {
  job: RedunJob;
  execution: RedunExecution;
  /** Root first, the job's parent last. */
  ancestors: RedunJob[];
  task: RedunTask | undefined;
  call: RedunCall | undefined;
  failure: RedunFailure | undefined;
  tags: RedunTag[];
}

export interface RedunEvaluation {
  evalHash: string;
  taskHash: string;
  argsHash: string;
  /** The call's immediate return: a value, or an expression naming its child calls. */
  value: RedunValue;
}

export interface RedunStoreReader {
  readonly file: string;
  /** Changes whenever the store does; compare with `storeStamp(file)` to know when to read again. */
  readonly stamp: string;
  executions(options?: { limit?: number }): RedunExecution[];
  execution(idOrPrefix: string): RedunExecution | undefined;
  jobs(executionId: string): RedunJob[];
  jobTree(executionId: string): RedunJobNode | undefined;
  job(idOrPrefix: string): RedunJob | undefined;
  jobDetails(idOrPrefix: string): RedunJobDetails | undefined;
  evaluation(taskHash: string, argsHash: string): RedunEvaluation | undefined;
  task(hash: string): RedunTask | undefined;
  taskSource(hash: string): string | undefined;
  latestJob(task: { hash: string } | { name: string }): RedunJob | undefined;
  computingJob(callHash: string): RedunJob | undefined;
  callOf(taskHash: string, argsHash: string): { callHash: string; valueHash: string } | undefined;
  latestExecution(task: { hash: string } | { name: string }): RedunExecution | undefined;
  value(hash: string): RedunValue | undefined;
  /** The arguments of a call node, decoded. */
  callArguments(callHash: string): RedunArgument[];
  tags(entityType: "Execution" | "Job" | "Task" | "Value" | "CallNode", id: string): RedunTag[];
  close(): void;
}

/** The store's current change stamp, without reading it (a server's store: one small query on a kept connection). */
export function storeStamp(location: string): string {
  if (!isPostgresUrl(location)) return fileStamp(location);
  let stamp = serverStamps.get(location);
  if (!stamp) serverStamps.set(location, (stamp = new PostgresStamp(location)));
  return stamp.read();
}
const serverStamps = new Map<string, PostgresStamp>();

const REQUIRED: Record<string, string[]> = {
  execution: ["id", "args", "job_id", "updated_time"],
  job: ["id", "start_time", "end_time", "task_hash", "cached", "call_hash", "parent_id", "execution_id"],
  task: ["hash", "name", "namespace", "source"],
  call_node: ["call_hash", "task_name", "task_hash", "args_hash", "value_hash", "timestamp"],
  evaluation: ["eval_hash", "task_hash", "args_hash", "value_hash"],
  value: ["value_hash", "type", "format", "value"],
  argument: ["arg_hash", "call_hash", "value_hash", "arg_position", "arg_key"],
  tag: ["entity_type", "entity_id", "key", "value", "is_current"],
};

// redun's schema versions by their alembic revision; 0.46 needs 3.5 and upgrades older stores itself.
const SCHEMA_VERSIONS: Record<string, string> = {
  "806f5dcb11bf": "1.0", "647c510a77b1": "2.0", "30ffbaee18cd": "2.1", "71ec303c90e4": "2.2", "d4af139b6f53": "2.3",
  "cd2d53191748": "3.0", "cc4f663817b6": "3.1", "eb7b95e4e8bf": "3.2", "f68b3aaee9cc": "3.3", "3b0a6e67cc58": "3.4", "0bee3d6dba76": "3.5",
};

export async function openRedunStore(location: string): Promise<RedunStore> {
  const SQL = await loadSql();
  let db: Database;
  let snapshot: { stamp: string; rolledBack: number };
  // On PostgreSQL, the same tables read into an in-memory SQLite database; messages never show a password.
  const file = maskLocation(location);
  if (isPostgresUrl(location)) {
    const read = await readPostgresStore(SQL, location);
    db = read.db;
    snapshot = { stamp: read.stamp, rolledBack: 0 };
  } else {
    const bytes = readSnapshot(location);
    snapshot = bytes;
    try {
      db = new SQL.Database(bytes.bytes);
    } catch (e) {
      throw new StoreError(`${file}: not a readable SQLite database (${(e as Error).message})`, file);
    }
  }
  let schemaVersion: string;
  try {
    const revision = db.exec("SELECT name FROM sqlite_master WHERE name = 'alembic_version'").length ? db.exec("SELECT version_num FROM alembic_version")[0]?.values[0]?.[0] : undefined;
    if (revision === undefined) throw new StoreError(`${file}: not a redun store (no schema version)`, file);
    schemaVersion = SCHEMA_VERSIONS[String(revision)] ?? String(revision);
    if (schemaVersion < "3.5" && /^\d\.\d$/.test(schemaVersion)) throw new StoreError(`${file}: a redun store of schema ${schemaVersion}, older than redun 0.46's 3.5 (running redun once upgrades it)`, file);
    for (const [table, columns] of Object.entries(REQUIRED)) {
      const have = new Set(db.exec(`PRAGMA table_info(${table})`)[0]?.values.map((r) => String(r[1])) ?? []);
      const missing = columns.filter((c) => !have.has(c));
      if (missing.length) throw new StoreError(`${file}: not a redun 0.46 store (table ${table} ${have.size ? `lacks ${missing.join(", ")}` : "missing"})`, file);
    }
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(`${file}: not a readable SQLite database (${(e as Error).message})`, file);
  }
  return new RedunStore(file, db, snapshot.stamp, snapshot.rolledBack, schemaVersion);
}

// A task's full name: `namespace.name`, or the name alone in the empty namespace.
const FULL_NAME = `CASE WHEN t.namespace IS NULL OR t.namespace = '' THEN t.name ELSE t.namespace || '.' || t.name END`;
const JOB_COLUMNS = `j.id, j.execution_id, j.parent_id, j.task_hash, j.call_hash, j.cached, j.start_time, j.end_time,
  ${FULL_NAME} AS task_name, v.type AS value_type`;
const JOB_JOINS = `LEFT JOIN task t ON t.hash = j.task_hash LEFT JOIN call_node c ON c.call_hash = j.call_hash LEFT JOIN value v ON v.value_hash = c.value_hash`;
const JOB_FROM = `job j ${JOB_JOINS}`;
const EXECUTION_FROM = `execution e JOIN job j ON j.id = e.job_id ${JOB_JOINS}`;

export class RedunStore implements RedunStoreReader {
  private readonly values = new Map<string, RedunValue>();

  constructor(
    readonly file: string,
    private readonly db: Database,
    readonly stamp: string,
    /** Pages put back from a journal when the snapshot was taken (0 without one). */
    readonly rolledBackPages: number,
    /** redun's schema version ("3.5"), or the alembic revision of one this reader does not know. */
    readonly schemaVersion: string,
  ) {}

  close(): void {
    this.db.close();
  }

  private all(sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const rows: Record<string, SqlValue>[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  }

  executions({ limit }: { limit?: number } = {}): RedunExecution[] {
    const rows = this.all(`SELECT e.id AS exec_id, e.args AS exec_args, e.updated_time, ${JOB_COLUMNS} FROM ${EXECUTION_FROM} ORDER BY j.start_time DESC${limit ? ` LIMIT ${Math.floor(limit)}` : ""}`);
    return rows.map((r) => this.toExecution(r));
  }

  execution(idOrPrefix: string): RedunExecution | undefined {
    const r = this.all(`SELECT e.id AS exec_id, e.args AS exec_args, e.updated_time, ${JOB_COLUMNS} FROM ${EXECUTION_FROM} WHERE e.id LIKE ? ESCAPE '\\' ORDER BY e.id LIMIT 2`, [likePrefix(idOrPrefix)]);
    return r.length === 1 || (r.length && r[0].exec_id === idOrPrefix) ? this.toExecution(r[0]) : undefined;
  }

  private toExecution(r: Record<string, SqlValue>): RedunExecution {
    let args: string[];
    try {
      args = JSON.parse(String(r.exec_args));
    } catch {
      args = [String(r.exec_args)];
    }
    const job = toJob(r);
    return {
      id: String(r.exec_id),
      args,
      rootJobId: job.id,
      startTime: job.startTime,
      endTime: job.endTime,
      updatedTime: r.updated_time === null ? null : String(r.updated_time),
      // An execution is as its root job, a cached root counting as done.
      status: job.status === "CACHED" ? "DONE" : job.status,
      tags: this.tags("Execution", String(r.exec_id)),
    };
  }

  tags(entityType: string, id: string): RedunTag[] {
    return this.all(`SELECT key, value FROM tag WHERE entity_type = ? AND entity_id = ? AND is_current ORDER BY key`, [entityType, id]).map((r) => {
      let value: unknown = r.value;
      try {
        value = JSON.parse(String(r.value));
      } catch {
        // Kept as text.
      }
      return { key: String(r.key), value };
    });
  }

  jobs(executionId: string): RedunJob[] {
    return this.all(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE j.execution_id = ? ORDER BY j.start_time, j.id`, [executionId]).map(toJob);
  }

  jobTree(executionId: string): RedunJobNode | undefined {
    const execution = this.execution(executionId);
    if (!execution) return undefined;
    const nodes = new Map(this.jobs(execution.id).map((j) => [j.id, { ...j, children: [] as RedunJobNode[] }]));
    for (const node of nodes.values()) if (node.parentId) nodes.get(node.parentId)?.children.push(node);
    return nodes.get(execution.rootJobId);
  }

  job(idOrPrefix: string): RedunJob | undefined {
    const r = this.all(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE j.id LIKE ? ESCAPE '\\' ORDER BY j.id LIMIT 2`, [likePrefix(idOrPrefix)]);
    return r.length === 1 || (r.length && r[0].id === idOrPrefix) ? toJob(r[0]) : undefined;
  }

  jobDetails(idOrPrefix: string): RedunJobDetails | undefined {
    const job = this.job(idOrPrefix);
    if (!job) return undefined;
    const execution = this.execution(job.executionId);
    if (!execution) return undefined;
    const ancestors: RedunJob[] = [];
    const seen = new Set([job.id]);
    for (let id = job.parentId; id && !seen.has(id); ) {
      seen.add(id);
      const parent = this.job(id);
      if (!parent) break;
      ancestors.unshift(parent);
      id = parent.parentId;
    }
    const call = job.callHash ? this.call(job.callHash) : undefined;
    return { job, execution, ancestors, task: this.task(job.taskHash), call, failure: call ? failureOf(call.result) : undefined, tags: this.tags("Job", job.id) };
  }

  private call(callHash: string): RedunCall | undefined {
    const [c] = this.all(`SELECT * FROM call_node WHERE call_hash = ?`, [callHash]);
    if (!c) return undefined;
    return {
      callHash,
      taskName: String(c.task_name),
      taskHash: String(c.task_hash),
      argsHash: String(c.args_hash),
      timestamp: String(c.timestamp),
      result: this.value(String(c.value_hash)) ?? missingValue(String(c.value_hash)),
      arguments: this.callArguments(callHash),
    };
  }

  callArguments(callHash: string): RedunArgument[] {
    return this.all(`SELECT value_hash, arg_position, arg_key FROM argument WHERE call_hash = ?`, [callHash]).map((a) => ({
      position: a.arg_position === null ? null : Number(a.arg_position),
      key: a.arg_key === null ? null : String(a.arg_key),
      value: this.value(String(a.value_hash)) ?? missingValue(String(a.value_hash)),
    }));
  }

  evaluation(taskHash: string, argsHash: string): RedunEvaluation | undefined {
    const [r] = this.all(`SELECT eval_hash, value_hash FROM evaluation WHERE task_hash = ? AND args_hash = ?`, [taskHash, argsHash]);
    if (!r) return undefined;
    return { evalHash: String(r.eval_hash), taskHash, argsHash, value: this.value(String(r.value_hash)) ?? missingValue(String(r.value_hash)) };
  }

  task(hash: string): RedunTask | undefined {
    const [r] = this.all(`SELECT t.hash, t.name, t.namespace, t.source, ${FULL_NAME} AS full_name FROM task t WHERE t.hash = ?`, [hash]);
    if (!r) return undefined;
    return { hash, name: String(r.name), namespace: String(r.namespace ?? ""), fullName: String(r.full_name), source: String(r.source) };
  }

  taskSource(hash: string): string | undefined {
    return this.task(hash)?.source;
  }

  latestJob(task: { hash: string } | { name: string }): RedunJob | undefined {
    const [where, param] = "hash" in task ? ["j.task_hash = ?", task.hash] : [`${FULL_NAME} = ?`, task.name];
    const [r] = this.all(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE ${where} ORDER BY j.start_time DESC LIMIT 1`, [param]);
    return r ? toJob(r) : undefined;
  }

  /** The newest call node of a task hash and arguments hash: its call hash and its final result's value hash. */
  callOf(taskHash: string, argsHash: string): { callHash: string; valueHash: string } | undefined {
    const [r] = this.all(`SELECT call_hash, value_hash FROM call_node WHERE task_hash = ? AND args_hash = ? ORDER BY timestamp DESC LIMIT 1`, [taskHash, argsHash]);
    return r ? { callHash: String(r.call_hash), valueHash: String(r.value_hash) } : undefined;
  }

  /** The job that computed a call's result (not one that reused it). */
  computingJob(callHash: string): RedunJob | undefined {
    const [r] = this.all(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE j.call_hash = ? AND j.cached = 0 ORDER BY j.start_time LIMIT 1`, [callHash]);
    return r ? toJob(r) : undefined;
  }

  latestExecution(task: { hash: string } | { name: string }): RedunExecution | undefined {
    const job = this.latestJob(task);
    return job ? this.execution(job.executionId) : undefined;
  }

  value(hash: string): RedunValue | undefined {
    const cached = this.values.get(hash);
    if (cached) return cached;
    const [r] = this.all(`SELECT value_hash, type, format, value FROM value WHERE value_hash = ?`, [hash]);
    if (!r) return undefined;
    const out: RedunValue = { hash, type: String(r.type), format: String(r.format) };
    const data = r.value;
    if (out.format !== "application/python-pickle") out.error = `stored as ${out.format}`;
    else if (!(data instanceof Uint8Array) || data.length === 0) out.error = "stored outside the database (value_store_path)";
    else {
      try {
        out.value = unpickle(data);
        if (out.value instanceof PyObject) out.value.hash = hash;
      } catch (e) {
        if (!(e instanceof PickleError)) throw e;
        out.value = undefined;
        out.error = e.message;
      }
    }
    this.values.set(hash, out);
    return out;
  }
}

function toJob(r: Record<string, SqlValue>): RedunJob {
  const endTime = r.end_time === null ? null : String(r.end_time);
  const cached = Boolean(r.cached);
  // redun keeps no status: it derives one (a failure's call node holds an ErrorValue).
  const status: RedunJobStatus = r.value_type === "redun.ErrorValue" ? "FAILED" : endTime === null ? "RUNNING" : cached ? "CACHED" : "DONE";
  return {
    id: String(r.id),
    executionId: String(r.execution_id),
    parentId: r.parent_id === null ? null : String(r.parent_id),
    taskHash: String(r.task_hash),
    taskName: r.task_name === null ? String(r.task_hash) : String(r.task_name),
    callHash: r.call_hash === null ? null : String(r.call_hash),
    cached,
    status,
    startTime: String(r.start_time),
    endTime,
  };
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

function missingValue(hash: string): RedunValue {
  return { hash, type: "unknown", format: "unknown", error: "value missing from the store" };
}

/** The error and traceback frames of an ErrorValue. */
function failureOf(result: RedunValue): RedunFailure | undefined {
  const v = result.value;
  if (result.type !== "redun.ErrorValue" || !(v instanceof PyObject)) return undefined;
  const traceback = v.field("traceback");
  const frames: RedunTracebackFrame[] = [];
  const rawFrames = traceback instanceof PyObject ? traceback.field("frames") : undefined;
  for (const f of Array.isArray(rawFrames) ? rawFrames : []) {
    if (!(f instanceof PyObject)) continue;
    const locals = f.field("locals");
    const job = f.field("job");
    const jobId = job instanceof PyObject ? job.field("id") : undefined;
    const text = f.field("_line");
    frames.push({
      file: String(f.field("filename") ?? "?"),
      line: Number(f.field("lineno") ?? 0),
      name: String(f.field("name") ?? "?"),
      text: typeof text === "string" ? text.trim() : null,
      locals: locals instanceof PyDict ? locals.entries.map(([k, x]) => [String(k), String(x)]) : [],
      jobId: typeof jobId === "string" ? jobId : null,
    });
  }
  const logs = traceback instanceof PyObject ? traceback.field("logs") : undefined;
  return { error: v.field("error") ?? null, frames, logs: Array.isArray(logs) ? logs.map(String) : [] };
}

/** The task calls an expression names (a cached parent's stored result), outermost first, nested ones after. */
export function childCalls(value: PyValue): TaskExpression[] {
  const out: TaskExpression[] = [];
  const seen = new Set<object>();
  const walk = (v: PyValue): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (v instanceof TaskExpression) out.push(v);
    for (const c of children(v)) walk(c);
  };
  walk(value);
  return out;
}

