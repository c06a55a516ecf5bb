// The cache and run history: SQLite through sql.js, modelled on redun's store (task, value, call
// node, job, execution), plus dependency fingerprints per computed result (SPEC §4).
//
// sql.js keeps the database in memory, so durability is ours to provide:
// - every flush writes a temporary file, fsyncs it and renames it over the store: atomic;
// - flushes happen during a run (a timer), not only at its end, so a killed run keeps its jobs;
// - a flush holds a lock file; if another process wrote the store since we read it, we re-read it
//   and replay our own pending writes on top (all writes are idempotent upserts): two runs at once
//   both end up recorded;
// - a file that is not a tasklens store is never written: StoreError, and the user decides.
import fs from "node:fs";
import path from "node:path";
import type { Database, SqlJsStatic, SqlValue, Statement } from "sql.js";
import { sha256 } from "./hash";
import { sleepSync, writeFileAtomic } from "./fsutil";

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

const FORMAT = "tasklens-store-1";
/** Values larger than this live beside the database, content-addressed, not inside it. */
const LARGE_VALUE_BYTES = 64 * 1024;
const LOCK_STALE_MS = 30_000;
const LOCK_TIMEOUT_MS = 20_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task (
  hash TEXT PRIMARY KEY, full_name TEXT NOT NULL, source TEXT NOT NULL, normalized_hash TEXT,
  file TEXT, line INTEGER, parts TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS task_name ON task(full_name);
CREATE TABLE IF NOT EXISTS value (hash TEXT PRIMARY KEY, data TEXT, external INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS call_node (
  call_hash TEXT PRIMARY KEY, task_hash TEXT NOT NULL, args_hash TEXT NOT NULL, result_hash TEXT NOT NULL,
  children TEXT NOT NULL, fingerprints TEXT, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS call_node_task ON call_node(task_hash, created);
CREATE TABLE IF NOT EXISTS execution (
  id TEXT PRIMARY KEY, started REAL NOT NULL, ended REAL, status TEXT NOT NULL,
  file TEXT NOT NULL, task TEXT NOT NULL, argv TEXT NOT NULL, result_hash TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS job (
  id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, parent_id TEXT, seq INTEGER NOT NULL,
  task_name TEXT NOT NULL, task_hash TEXT NOT NULL, call_hash TEXT NOT NULL, args_hash TEXT NOT NULL,
  status TEXT NOT NULL, started REAL NOT NULL, ended REAL, result_hash TEXT, error TEXT, traceback TEXT,
  upstream TEXT NOT NULL DEFAULT '[]');
CREATE INDEX IF NOT EXISTS job_execution ON job(execution_id, seq);
CREATE INDEX IF NOT EXISTS job_task ON job(task_name, started);
`;

export interface TaskRecord {
  hash: string;
  fullName: string;
  source: string;
  normalizedHash: string | null;
  file: string | null;
  line: number | null;
  parts: Record<string, unknown>;
  created: number;
}

export interface CallRecord {
  callHash: string;
  taskHash: string;
  argsHash: string;
  resultHash: string;
  /** Child calls the body awaited: the result stays valid while each is still a hit (SPEC §3). */
  children: Array<{ task: string; argsHash: string }>;
  fingerprints: string | null;
  created: number;
}

export type JobStatus = "running" | "done" | "cached" | "failed";

export interface JobRecord {
  id: string;
  executionId: string;
  parentId: string | null;
  seq: number;
  taskName: string;
  taskHash: string;
  callHash: string;
  argsHash: string;
  status: JobStatus;
  started: number;
  ended: number | null;
  resultHash: string | null;
  error: string | null;
  traceback: string | null;
  upstream: Array<{ param: string; jobId: string }>;
}

export interface ExecutionRecord {
  id: string;
  started: number;
  ended: number | null;
  status: "running" | "done" | "failed" | "interrupted";
  file: string;
  task: string;
  argv: string[];
  resultHash: string | null;
  error: string | null;
}

let sqlPromise: Promise<SqlJsStatic> | undefined;
function loadSql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const initSqlJs = require("sql.js") as (config?: { locateFile?(file: string): string }) => Promise<SqlJsStatic>;
    // Beside this file in the extension's bundle; in node_modules otherwise.
    const wasmDir = process.env.TASKLENS_SQL_WASM_DIR ?? (fs.existsSync(path.join(__dirname, "sql-wasm.wasm")) ? __dirname : path.join(path.dirname(require.resolve("sql.js")), "..", "dist"));
    sqlPromise = initSqlJs({ locateFile: (file) => path.join(wasmDir, file) });
  }
  return sqlPromise;
}

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}
function stampOf(file: string): FileStamp | undefined {
  try {
    const s = fs.statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return undefined;
  }
}
function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a?.size === b?.size && a?.mtimeMs === b?.mtimeMs && a?.ino === b?.ino;
}

function corruptMessage(file: string, why: string): string {
  return (
    `tasklens: the store ${file} cannot be used: ${why}.\n` +
    `It was left untouched. Move it aside (mv ${file} ${file}.bad) to start a new store, or pass --db PATH (or TASKLENS_DB) to use another one.`
  );
}

/** sql.js keeps the database in (emscripten) memory: a rollback journal there only costs time. */
function configure(db: Database): Database {
  db.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY");
  return db;
}

/** Opens the bytes of a store file as a database, or explains why they are not one. */
function openBytes(SQL: SqlJsStatic, file: string, bytes: Uint8Array): Database {
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString("latin1") !== "SQLite format 3\u0000") {
    throw new StoreError(corruptMessage(file, bytes.length === 0 ? "the file is empty" : "it is not an SQLite database"));
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const rows = db.exec("SELECT value FROM meta WHERE key = 'format'");
    const format = rows[0]?.values[0]?.[0];
    if (format !== FORMAT) throw new StoreError(corruptMessage(file, `it is a database of another kind (format ${String(format)})`));
    db.exec("PRAGMA quick_check");
    return configure(db);
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    const message = String((error as Error).message ?? error);
    throw new StoreError(corruptMessage(file, /no such table/.test(message) ? "it is an SQLite database but not a tasklens store" : `it is damaged (${message})`));
  }
}

export class Store {
  private pending: Array<[string, SqlValue[]]> = [];
  /** Prepared statements by SQL text, for the current database object. */
  private statements = new Map<string, Statement>();
  private stamp: FileStamp | undefined;
  private lastFlushMs = 0;
  private closed = false;

  private constructor(
    private readonly SQL: SqlJsStatic,
    private db: Database,
    readonly file: string,
    readonly readonly: boolean,
  ) {}

  get valuesDir(): string {
    return path.join(path.dirname(this.file), "values");
  }

  static async open(file: string, options: { readonly?: boolean } = {}): Promise<Store> {
    const SQL = await loadSql();
    const abs = path.resolve(file);
    let bytes: Uint8Array | undefined;
    const stamp = stampOf(abs);
    try {
      bytes = fs.readFileSync(abs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new StoreError(corruptMessage(abs, `it cannot be read (${(error as Error).message})`));
    }
    let db: Database;
    if (bytes) db = openBytes(SQL, abs, bytes);
    else {
      db = configure(new SQL.Database());
      db.exec(SCHEMA);
      db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('format', ?)", [FORMAT]);
    }
    const store = new Store(SQL, db, abs, options.readonly ?? false);
    store.stamp = bytes ? stamp : undefined;
    if (!bytes && !store.readonly) store.pending.push(["INSERT OR REPLACE INTO meta(key, value) VALUES ('format', ?)", [FORMAT]]);
    return store;
  }

  /** Whether the file changed since this store last read or wrote it (another process wrote it). */
  changedOnDisk(): boolean {
    return !sameStamp(this.stamp, stampOf(this.file));
  }

  /** Re-reads the file (read-only users such as the language server call this when it changed). */
  reload(): void {
    const bytes = fs.readFileSync(this.file);
    const stamp = stampOf(this.file);
    this.replaceDb(openBytes(this.SQL, this.file, bytes));
    this.stamp = stamp;
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  /** Replaces the database object (after a merge or reload); prepared statements belong to the old one. */
  private replaceDb(db: Database): void {
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
    this.db.close();
    this.db = db;
  }

  private write(sql: string, params: SqlValue[]): void {
    if (this.readonly) throw new Error("the store is open read-only");
    this.statement(sql).run(params);
    this.pending.push([sql, params]);
  }

  private all(sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
    const stmt = this.statement(sql);
    try {
      stmt.bind(params);
      const rows: Record<string, SqlValue>[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.reset();
    }
  }

  private one(sql: string, params: SqlValue[] = []): Record<string, SqlValue> | undefined {
    return this.all(sql, params)[0];
  }

  // ---- values -------------------------------------------------------------------------------

  /** Stores a serialized value under its content hash; returns the hash. */
  putValue(serialized: string): string {
    const hash = sha256(serialized);
    const size = Buffer.byteLength(serialized);
    if (size > LARGE_VALUE_BYTES) {
      const file = path.join(this.valuesDir, hash.slice(0, 2), hash);
      if (!fs.existsSync(file)) writeFileAtomic(file, serialized);
      this.write("INSERT OR IGNORE INTO value(hash, data, external, size) VALUES (?, NULL, 1, ?)", [hash, size]);
    } else {
      this.write("INSERT OR IGNORE INTO value(hash, data, external, size) VALUES (?, ?, 0, ?)", [hash, serialized, size]);
    }
    return hash;
  }

  getValue(hash: string): string | undefined {
    const row = this.one("SELECT data, external FROM value WHERE hash = ?", [hash]);
    if (!row) return undefined;
    if (row.external) {
      try {
        return fs.readFileSync(path.join(this.valuesDir, hash.slice(0, 2), hash), "utf8");
      } catch {
        return undefined;
      }
    }
    return row.data as string;
  }

  // ---- tasks and calls ----------------------------------------------------------------------

  putTask(t: Omit<TaskRecord, "created">): void {
    this.write("INSERT OR IGNORE INTO task(hash, full_name, source, normalized_hash, file, line, parts, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      t.hash, t.fullName, t.source, t.normalizedHash, t.file, t.line, JSON.stringify(t.parts), Date.now(),
    ]);
  }

  getTask(hash: string): TaskRecord | undefined {
    const row = this.one("SELECT * FROM task WHERE hash = ?", [hash]);
    return row ? toTask(row) : undefined;
  }

  putCall(c: Omit<CallRecord, "created">): void {
    this.write("INSERT OR REPLACE INTO call_node(call_hash, task_hash, args_hash, result_hash, children, fingerprints, created) VALUES (?, ?, ?, ?, ?, ?, ?)", [
      c.callHash, c.taskHash, c.argsHash, c.resultHash, JSON.stringify(c.children), c.fingerprints, Date.now(),
    ]);
  }

  getCall(callHash: string): CallRecord | undefined {
    const row = this.one("SELECT * FROM call_node WHERE call_hash = ?", [callHash]);
    return row ? toCall(row) : undefined;
  }

  /** The most recently computed results of a task hash, newest first. */
  callsOfTask(taskHash: string, limit = 20): CallRecord[] {
    return this.all("SELECT * FROM call_node WHERE task_hash = ? ORDER BY created DESC LIMIT ?", [taskHash, limit]).map(toCall);
  }

  // ---- executions and jobs ------------------------------------------------------------------

  putExecution(e: ExecutionRecord): void {
    this.write("INSERT OR REPLACE INTO execution(id, started, ended, status, file, task, argv, result_hash, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
      e.id, e.started, e.ended, e.status, e.file, e.task, JSON.stringify(e.argv), e.resultHash, e.error,
    ]);
  }

  putJob(j: JobRecord): void {
    this.write(
      "INSERT OR REPLACE INTO job(id, execution_id, parent_id, seq, task_name, task_hash, call_hash, args_hash, status, started, ended, result_hash, error, traceback, upstream) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [j.id, j.executionId, j.parentId, j.seq, j.taskName, j.taskHash, j.callHash, j.argsHash, j.status, j.started, j.ended, j.resultHash, j.error, j.traceback, JSON.stringify(j.upstream)],
    );
  }

  executions(limit = 20): ExecutionRecord[] {
    return this.all("SELECT * FROM execution ORDER BY started DESC LIMIT ?", [limit]).map(toExecution);
  }

  execution(id: string): ExecutionRecord | undefined {
    const row = this.one("SELECT * FROM execution WHERE id = ?", [id]);
    return row ? toExecution(row) : undefined;
  }

  findExecutions(prefix: string): ExecutionRecord[] {
    return this.all("SELECT * FROM execution WHERE id LIKE ? ORDER BY started DESC LIMIT 5", [`${prefix}%`]).map(toExecution);
  }

  jobsOf(executionId: string): JobRecord[] {
    return this.all("SELECT * FROM job WHERE execution_id = ? ORDER BY seq", [executionId]).map(toJob);
  }

  job(id: string): JobRecord | undefined {
    const row = this.one("SELECT * FROM job WHERE id = ?", [id]);
    return row ? toJob(row) : undefined;
  }

  findJobs(prefix: string): JobRecord[] {
    return this.all("SELECT * FROM job WHERE id LIKE ? ORDER BY started DESC LIMIT 5", [`${prefix}%`]).map(toJob);
  }

  /** The newest jobs of a task by full name (whatever its hash was). */
  jobsOfTask(fullName: string, limit = 20): JobRecord[] {
    return this.all("SELECT * FROM job WHERE task_name = ? ORDER BY started DESC LIMIT ?", [fullName, limit]).map(toJob);
  }

  // ---- durability ---------------------------------------------------------------------------

  get dirty(): boolean {
    return this.pending.length > 0;
  }

  /** Milliseconds the last flush took (the run's flush timer adapts its period to it). */
  get lastFlushDuration(): number {
    return this.lastFlushMs;
  }

  /** Writes pending records to disk atomically, merging with what other processes wrote meanwhile. */
  flush(): void {
    if (this.readonly || this.closed || this.pending.length === 0) return;
    const t0 = Date.now();
    const release = this.lock();
    try {
      if (this.changedOnDisk() && fs.existsSync(this.file)) {
        const merged = openBytes(this.SQL, this.file, fs.readFileSync(this.file));
        merged.exec("BEGIN");
        for (const [sql, params] of this.pending) merged.run(sql, params);
        merged.exec("COMMIT");
        this.replaceDb(merged);
      }
      writeFileAtomic(this.file, this.db.export());
      this.stamp = stampOf(this.file);
      this.pending = [];
    } finally {
      release();
    }
    this.lastFlushMs = Date.now() - t0;
  }

  private lock(): () => void {
    const lockFile = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        const fd = fs.openSync(lockFile, "wx");
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return () => fs.rmSync(lockFile, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      if (this.lockIsStale(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new StoreError(`tasklens: the store ${this.file} is locked by another process (${lockFile}); if no tasklens is running, remove the lock file`);
      sleepSync(5);
    }
  }

  private lockIsStale(lockFile: string): boolean {
    try {
      const pid = Number(fs.readFileSync(lockFile, "utf8"));
      const age = Date.now() - fs.statSync(lockFile).mtimeMs;
      if (age > LOCK_STALE_MS) return true;
      if (pid > 0) {
        try {
          process.kill(pid, 0);
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "ESRCH";
        }
      }
      return false;
    } catch {
      return false; // vanished meanwhile: the next attempt takes it
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
    this.db.close();
  }
}

function toTask(r: Record<string, SqlValue>): TaskRecord {
  return {
    hash: r.hash as string,
    fullName: r.full_name as string,
    source: r.source as string,
    normalizedHash: r.normalized_hash as string | null,
    file: r.file as string | null,
    line: r.line as number | null,
    parts: JSON.parse(r.parts as string) as Record<string, unknown>,
    created: r.created as number,
  };
}

function toCall(r: Record<string, SqlValue>): CallRecord {
  return {
    callHash: r.call_hash as string,
    taskHash: r.task_hash as string,
    argsHash: r.args_hash as string,
    resultHash: r.result_hash as string,
    children: JSON.parse(r.children as string) as CallRecord["children"],
    fingerprints: r.fingerprints as string | null,
    created: r.created as number,
  };
}

function toExecution(r: Record<string, SqlValue>): ExecutionRecord {
  return {
    id: r.id as string,
    started: r.started as number,
    ended: r.ended as number | null,
    status: r.status as ExecutionRecord["status"],
    file: r.file as string,
    task: r.task as string,
    argv: JSON.parse(r.argv as string) as string[],
    resultHash: r.result_hash as string | null,
    error: r.error as string | null,
  };
}

function toJob(r: Record<string, SqlValue>): JobRecord {
  return {
    id: r.id as string,
    executionId: r.execution_id as string,
    parentId: r.parent_id as string | null,
    seq: r.seq as number,
    taskName: r.task_name as string,
    taskHash: r.task_hash as string,
    callHash: r.call_hash as string,
    argsHash: r.args_hash as string,
    status: r.status as JobStatus,
    started: r.started as number,
    ended: r.ended as number | null,
    resultHash: r.result_hash as string | null,
    error: r.error as string | null,
    traceback: r.traceback as string | null,
    upstream: JSON.parse(r.upstream as string) as JobRecord["upstream"],
  };
}

/** The store for a workflow file: --db, else TASKLENS_DB, else `.tasklens/cache.db` in the project root. */
export function defaultStorePath(workflowFile: string, override?: string): string {
  if (override) return path.resolve(override);
  if (process.env.TASKLENS_DB) return path.resolve(process.env.TASKLENS_DB);
  const root = projectRoot(workflowFile);
  const configured = projectConfig(root).db;
  return path.resolve(root, typeof configured === "string" ? configured : ".tasklens/cache.db");
}

/** The nearest folder above the file holding a package.json, else the file's folder. */
export function projectRoot(file: string): string {
  const start = path.dirname(path.resolve(file));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** The project's default hash mode (`"tasklens": { "hash": "closure" }` in package.json), else "source". */
export function projectHashMode(file: string): "source" | "closure" {
  return projectConfig(projectRoot(file)).hash === "closure" ? "closure" : "source";
}

/** The `"tasklens"` key of the project's package.json (defaults such as `hash` and `db`). */
export function projectConfig(root: string): { hash?: unknown; db?: unknown } {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { tasklens?: { hash?: unknown; db?: unknown } };
    return pkg.tasklens ?? {};
  } catch {
    return {};
  }
}
