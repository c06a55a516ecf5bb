// The cache and run history, modelled on redun's store (task, value, call node, job, execution),
// plus dependency fingerprints per computed result.
//
// The costs follow the work, not the history. Four kinds of file sit side by side:
// - `cache.db`: an SQLite snapshot (sql.js) of the cache: tasks, values, call nodes;
// - `cache.db.journal`: cache records written since that snapshot, one JSON line each, append-only;
//   a flush appends (and fsyncs) only what changed; when the journal outgrows the snapshot, a
//   compaction writes a new snapshot (temporary file, fsync, rename) and starts a new journal;
// - `cache.db.runs/`: the history, one JSON-lines file per execution and an index of executions.
//   A run appends to its own file and never reads the others, so history does not slow a run;
// - `values/`: large values, content-addressed.
// Every write checks that it wrote everything; a failed append is cut back, a snapshot is only
// ever replaced by a complete, fsynced file, and a file that is not a tasklens store is never
// written. Appends and compactions hold a lock file; records are idempotent upserts, so two runs
// on one store at once both end up recorded.
import fs from "node:fs";
import path from "node:path";
import type { Database, SqlJsStatic, SqlValue, Statement } from "sql.js";
import { loadSql } from "./sqlite";
import { StoreError } from "../core/storeReader";
import { isPostgresUrl, maskLocation } from "../core/paths";
import { sha256 } from "./hash";
import { appendDurably, writeFileAtomic } from "./fsutil";
import { LOCK_TIMEOUT_MS, removeDeadTemporaries, StoreLock } from "./storeLock";
import { columnsOf, integrityProblem, isValueHash, readSmallText, readStoreFile, schemaProblem, STORE_FILE_LIMIT, UnsafeFileError } from "./storeSafety";
import { CallFactory, Json, serializeValue, decodeValue } from "./values";

export { StoreError, isPostgresUrl, maskLocation };

/** The file is an SQLite database, but not a tasklens store. */
class ForeignDatabaseError extends StoreError {}

/** Writing the store failed (a full disk, a read-only file system): what is on disk stays as it was. */
export class StoreWriteError extends StoreError {
  constructor(readonly file: string, readonly cause: unknown) {
    super(`tasklens: could not write the store ${file}: ${(cause as Error)?.message ?? String(cause)}. The store on disk is intact (it holds what earlier writes recorded).`);
    this.name = "StoreWriteError";
  }
}

/** Another process holds the store's lock longer than a write may wait: the records stay pending. */
export class StoreBusyError extends StoreWriteError {
  constructor(lockFile: string) {
    super(lockFile, new Error(`the store is locked by another process (${lockFile}); if no tasklens is running, remove the lock file`));
    this.name = "StoreBusyError";
  }
}

const FORMAT = "tasklens-store-2";
/** The earlier single-file format: the same cache tables plus the history; migrated on the first write. */
const LEGACY_FORMAT = "tasklens-store-1";
/** Values larger than this live beside the database, content-addressed, not inside it. */
const LARGE_VALUE_BYTES = 64 * 1024;
/** The journal is folded into a new snapshot when it exceeds this and half the snapshot. */
const COMPACT_MIN_BYTES = 1 << 20;
const SQLITE_HEADER = "SQLite format 3\u0000";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task (
  hash TEXT PRIMARY KEY, full_name TEXT NOT NULL, source TEXT NOT NULL, normalized_hash TEXT,
  file TEXT, line INTEGER, parts TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS task_name ON task(full_name);
CREATE TABLE IF NOT EXISTS value (hash TEXT PRIMARY KEY, data TEXT, external INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS call_node (
  call_hash TEXT PRIMARY KEY, task_hash TEXT NOT NULL, args_hash TEXT NOT NULL, result_hash TEXT NOT NULL,
  children TEXT NOT NULL, fingerprints TEXT, created REAL NOT NULL, final_hash TEXT, subtree TEXT);
CREATE INDEX IF NOT EXISTS call_node_task ON call_node(task_hash, created);
`;

/** Journal record kinds and the statement each replays. */
const OPS: Record<string, string> = {
  task: "INSERT OR IGNORE INTO task(hash, full_name, source, normalized_hash, file, line, parts, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  value: "INSERT OR IGNORE INTO value(hash, data, external, size) VALUES (?, ?, ?, ?)",
  call: "INSERT OR REPLACE INTO call_node(call_hash, task_hash, args_hash, result_hash, children, fingerprints, created, final_hash, subtree) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
  final: "UPDATE call_node SET final_hash = ?, subtree = ? WHERE call_hash = ?",
};

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

/** What a finished call's whole subtree was: the task hashes in it and its size (ultimate reduction). */
export interface Subtree {
  /** [full name, task hash, fingerprint of its dependencies] of every task in the subtree. */
  tasks: Array<[string, string, string]>;
  jobs: number;
}

export interface CallRecord {
  callHash: string;
  taskHash: string;
  argsHash: string;
  resultHash: string;
  /** Child calls the body awaited: the result stays valid while each is still a hit. */
  children: Array<{ task: string; argsHash: string }>;
  fingerprints: string | null;
  created: number;
  /** The fully evaluated result, once the whole subtree finished. */
  finalHash?: string | null;
  subtree?: Subtree | null;
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

/** Why a database with a `meta` table is not a store this tasklens can use. */
function formatProblem(format: string | undefined): string {
  const version = /^tasklens-store-(\d+)$/.exec(format ?? "")?.[1];
  if (version && Number(version) > Number(FORMAT.split("-").pop())) return `it was written by a newer tasklens (format ${format}; this one reads ${FORMAT}): upgrade tasklens to use it`;
  return `it is a database of another kind (format ${String(format)})`;
}

function unwritableMessage(file: string, why: string): string {
  return `tasklens: the store ${file} cannot be written: ${why}. Nothing was run and nothing was changed. Fix the permissions, or pass --db PATH (or TASKLENS_DB) to use another store.`;
}

/** sql.js keeps the database in (emscripten) memory: a rollback journal there only costs time. */
function configure(db: Database): Database {
  db.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY");
  return db;
}

/** The tables of the current format, as SCHEMA creates them (what a store must hold). */
let expectedColumns: Map<string, string[]> | undefined;
const TABLES = ["task", "value", "call_node"];
/** Columns the earlier format lacks (its migration adds them). */
const LEGACY_MISSING = new Set(["final_hash", "subtree"]);

/**
 * Opens the bytes of a store snapshot as a database, or explains why they are not one. The whole
 * file's pages and records are checked (SQLite's quick_check: integrity_check, which also
 * cross-checks indexes, takes over ten times as long on a large store).
 */
function openBytes(SQL: SqlJsStatic, file: string, bytes: Uint8Array): { db: Database; format: string; generation: number } {
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString("latin1") !== SQLITE_HEADER) {
    throw new StoreError(corruptMessage(file, bytes.length === 0 ? "the file is empty" : "it is not an SQLite database"));
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    const meta = new Map((db.exec("SELECT key, value FROM meta")[0]?.values ?? []).map(([k, v]) => [String(k), String(v)]));
    const format = meta.get("format");
    if (format !== FORMAT && format !== LEGACY_FORMAT) throw new ForeignDatabaseError(corruptMessage(file, formatProblem(format)));
    const damage = integrityProblem(db);
    if (damage) throw new StoreError(corruptMessage(file, `it is damaged (${damage})`));
    if (!expectedColumns) {
      const fresh = emptyDb(SQL, 0);
      expectedColumns = columnsOf(fresh, TABLES);
      fresh.close();
    }
    const schema = schemaProblem(columnsOf(db, TABLES), expectedColumns, format === LEGACY_FORMAT ? LEGACY_MISSING : undefined);
    if (schema) throw new StoreError(corruptMessage(file, `${schema}: it is not a store this tasklens can use`));
    return { db: configure(db), format, generation: Number(meta.get("generation") ?? 0) };
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    const message = String((error as Error).message ?? error);
    if (/no such table/.test(message)) throw new ForeignDatabaseError(corruptMessage(file, "it is an SQLite database but not a tasklens store"));
    throw new StoreError(corruptMessage(file, `it is damaged (${message})`));
  }
}

function emptyDb(SQL: SqlJsStatic, generation: number): Database {
  const db = configure(new SQL.Database());
  db.exec(SCHEMA);
  db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('format', ?), ('generation', ?)", [FORMAT, String(generation)]);
  return db;
}

/** Whether a path is a file starting with SQLite's header (a store, maybe). */
function looksLikeSqlite(file: string): boolean {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const head = Buffer.alloc(16);
      return fs.readSync(fd, head, 0, 16, 0) === 16 && head.toString("latin1") === SQLITE_HEADER;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false; // a folder, or gone meanwhile
  }
}

/** The lines of a JSON-lines file that parse (a torn last line, cut by a crash, is skipped). */
function readJsonLines<T>(file: string, from = 0): { records: T[]; end: number } {
  const bytes = readStoreFile(file);
  if (!bytes) return { records: [], end: 0 };
  const records: T[] = [];
  let start = from;
  for (let nl = bytes.indexOf(10, start); nl >= 0; nl = bytes.indexOf(10, start)) {
    const line = bytes.toString("utf8", start, nl);
    start = nl + 1;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      // a damaged line: skipped, the others still count
    }
  }
  return { records, end: start };
}

/** History files of one execution id (ids are hex; anything else never becomes a path). */
function isId(id: string): boolean {
  return /^[0-9a-f]{8,64}$/.test(id);
}

export interface RunFile {
  stamp: FileStamp | undefined;
  jobs: JobRecord[];
  byTask: Map<string, JobRecord[]> | undefined;
}

export class Store {
  /** Journal lines not yet on disk. */
  protected pendingCache: string[] = [];
  protected pendingExecutions = new Map<string, ExecutionRecord>();
  protected pendingJobs = new Map<string, JobRecord>();
  /** Prepared statements by SQL text, for the current database object. */
  private statements = new Map<string, Statement>();
  private snapshotStamp: FileStamp | undefined;
  private journalApplied = 0;
  /** The journal's size after our own last append: anything beyond it was written by someone else. */
  private journalKnownSize = -1;
  private lastFlushMs = 0;
  protected closed = false;
  private indexCache: { stamp: FileStamp | undefined; executions: Map<string, ExecutionRecord> } | undefined;
  private runCache = new Map<string, RunFile>();
  /** The large value read last, checked: a log shows one value as several jobs' results and arguments. */
  private lastExternal: { hash: string; text: string } | undefined;
  private readonly storeLock: StoreLock;

  protected constructor(
    protected readonly SQL: SqlJsStatic,
    protected db: Database,
    private generation: number,
    readonly file: string,
    readonly readonly: boolean,
  ) {
    this.storeLock = new StoreLock(`${file}.lock`);
  }

  get valuesDir(): string {
    return path.join(path.dirname(this.file), "values");
  }
  get journalFile(): string {
    return `${this.file}.journal`;
  }
  get runsDir(): string {
    return `${this.file}.runs`;
  }
  private get indexFile(): string {
    return path.join(this.runsDir, "index.jsonl");
  }
  private runFile(id: string): string {
    return path.join(this.runsDir, `${id}.jsonl`);
  }

  /**
   * Opens a store. For writing, everything is checked before anything runs: a corrupt or foreign
   * file, a read-only file, a folder that cannot be written, a full disk are refused here.
   */
  static async open(file: string, options: { readonly?: boolean } = {}): Promise<Store> {
    // A PostgreSQL URL: the same store, its records kept by a PostgreSQL server (pgStore.ts).
    if (isPostgresUrl(file)) return (require("./pgStore") as typeof import("./pgStore")).PgStore.openUrl(await loadSql(), file, options);
    return Store.openWith(await loadSql(), file, options);
  }

  /** An empty in-memory database of the current format (what a store that keeps its records elsewhere mirrors them in). */
  protected static emptyDatabase(SQL: SqlJsStatic): Database {
    return emptyDb(SQL, 0);
  }

  private static openWith(SQL: SqlJsStatic, file: string, options: { readonly?: boolean }): Store {
    const abs = path.resolve(file);
    const readonly = options.readonly ?? false;
    const loaded = Store.readSnapshot(SQL, abs);
    if (!loaded && readonly) return new Store(SQL, emptyDb(SQL, 0), 0, abs, true);
    if (!readonly) {
      Store.checkWritable(abs, loaded !== undefined);
      removeDeadTemporaries(abs);
    }
    let store: Store;
    if (loaded) {
      store = new Store(SQL, loaded.db, loaded.generation, abs, readonly);
      store.snapshotStamp = loaded.stamp;
      store.applyJournal();
      store.journalKnownSize = stampOf(store.journalFile)?.size ?? 0;
      if (!readonly && loaded.format === LEGACY_FORMAT) store.migrateLegacy();
    } else {
      store = new Store(SQL, emptyDb(SQL, 1), 1, abs, false);
      store.writeSnapshot();
    }
    return store;
  }

  private static readSnapshot(SQL: SqlJsStatic, abs: string): { db: Database; format: string; generation: number; stamp: FileStamp | undefined } | undefined {
    let bytes: Uint8Array | undefined;
    const stamp = stampOf(abs);
    try {
      bytes = readStoreFile(abs);
    } catch (error) {
      throw new StoreError(corruptMessage(abs, error instanceof UnsafeFileError ? `it ${error.why}` : `it cannot be read (${(error as Error).message})`));
    }
    if (!bytes) return undefined;
    return { ...openBytes(SQL, abs, bytes), stamp };
  }

  /** Refuses a store that could not be written, before any task runs. */
  private static checkWritable(abs: string, exists: boolean): void {
    const folder = path.dirname(abs);
    for (const f of exists ? [abs, `${abs}.journal`] : []) {
      const st = fs.statSync(f, { throwIfNoEntry: false });
      // The mode bits, not access(): root may write a read-only file, but the user made it read-only.
      if (st && (st.mode & 0o200) === 0) throw new StoreError(unwritableMessage(f, "the file is read-only"));
    }
    const probe = path.join(folder, `.tasklens-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      fs.mkdirSync(folder, { recursive: true });
      fs.mkdirSync(`${abs}.runs`, { recursive: true });
      // A few kilobytes: a disk too full for them cannot take a run's records either.
      writeFileAtomic(probe, Buffer.alloc(16 * 1024));
    } catch (error) {
      throw new StoreError(unwritableMessage(abs, (error as Error).message));
    } finally {
      fs.rmSync(probe, { force: true });
    }
  }

  /** Applies the journal's records not yet applied (all of them after a new snapshot). */
  private applyJournal(): void {
    const { records, end } = readJsonLines<unknown[] | { generation: number }>(this.journalFile, this.journalApplied);
    let start = 0;
    if (this.journalApplied === 0) {
      const header = records[0] as { generation?: number } | undefined;
      // A journal of an older generation is already inside the snapshot; of a newer one, the
      // snapshot was replaced while we read: read both again.
      if (!header || Array.isArray(header) || header.generation !== this.generation) {
        if (header && !Array.isArray(header) && (header.generation ?? 0) > this.generation) return this.reload();
        this.journalApplied = 0;
        return;
      }
      start = 1;
    }
    if (records.length > start) {
      this.db.exec("BEGIN");
      for (let i = start; i < records.length; i++) {
        const [op, ...params] = records[i] as [string, ...SqlValue[]];
        const sql = OPS[op];
        if (sql) this.statement(sql).run(params);
      }
      this.db.exec("COMMIT");
    }
    this.journalApplied = end;
  }

  /** Whether another process wrote the store since this one last read it. */
  changedOnDisk(): boolean {
    return !sameStamp(this.snapshotStamp, stampOf(this.file)) || (stampOf(this.journalFile)?.size ?? 0) !== this.journalApplied || this.historyChanged();
  }

  private historyChanged(): boolean {
    return this.indexCache !== undefined && !sameStamp(this.indexCache.stamp, stampOf(this.indexFile));
  }

  /** Re-reads what changed on disk (read-only users such as the language server call this). */
  reload(): void {
    const stamp = stampOf(this.file);
    const snapshotSame = stamp && this.snapshotStamp && stamp.ino === this.snapshotStamp.ino && stamp.size === this.snapshotStamp.size;
    if (!snapshotSame) {
      const loaded = Store.readSnapshot(this.SQL, this.file);
      if (!loaded) return;
      this.replaceDb(loaded.db);
      this.generation = loaded.generation;
      this.journalApplied = 0;
    }
    this.snapshotStamp = stamp;
    this.applyJournal();
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) this.statements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  /** Replaces the database object (after a compaction or reload); prepared statements belong to the old one. */
  private replaceDb(db: Database): void {
    for (const stmt of this.statements.values()) stmt.free();
    this.statements.clear();
    this.db.close();
    this.db = db;
  }

  private write(op: keyof typeof OPS, params: SqlValue[]): void {
    if (this.readonly) throw new Error("the store is open read-only");
    this.statement(OPS[op]).run(params);
    this.pendingCache.push(JSON.stringify([op, ...params]));
  }

  protected all(sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
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

  protected one(sql: string, params: SqlValue[] = []): Record<string, SqlValue> | undefined {
    return this.all(sql, params)[0];
  }

  // ---- values -------------------------------------------------------------------------------

  /**
   * Stores a value under the hash of its encoding; returns the hash. `where` names the value in
   * the error when it cannot be stored (`result.items[3]`).
   */
  putValue(value: unknown, where = "value"): string {
    // Encoded to bytes once: hashed, measured and written from them.
    const serialized = Buffer.from(serializeValue(value, where));
    const hash = sha256(serialized);
    const known = this.one("SELECT external FROM value WHERE hash = ?", [hash]);
    // A known large value whose file was lost (deleted by hand, or by an older gc) is written again.
    if (known && !(known.external && !this.hasLargeValue(hash))) return hash;
    const size = serialized.length;
    if (size > LARGE_VALUE_BYTES) {
      if (!this.hasLargeValue(hash)) this.writeLargeValue(hash, serialized);
      if (!known) this.write("value", [hash, null, 1, size]);
    } else {
      this.write("value", [hash, serialized.toString("utf8"), 0, size]);
    }
    return hash;
  }

  private valueFile(hash: string): string {
    return path.join(this.valuesDir, hash.slice(0, 2), hash);
  }

  /** Whether a large value's bytes are kept (out of the hot tables: a file in values/). */
  protected hasLargeValue(hash: string): boolean {
    return fs.existsSync(this.valueFile(hash));
  }

  protected writeLargeValue(hash: string, bytes: Buffer): void {
    const file = this.valueFile(hash);
    try {
      writeFileAtomic(file, bytes);
    } catch (error) {
      throw new StoreWriteError(file, error);
    }
  }

  /** A large value's bytes, at most `size` of them (undefined when they are not kept or cannot be read). */
  protected readLargeValue(hash: string, size: number): Buffer | undefined {
    try {
      // Only a regular file inside the store's folder, no larger than the row says.
      return readStoreFile(this.valueFile(hash), { noFollow: true, limit: Math.min(size || 0, STORE_FILE_LIMIT) });
    } catch {
      return undefined;
    }
  }

  /** The stored encoding of a value, or undefined when the store does not hold it. */
  getValueJson(hash: string): Json | undefined {
    // A hash read from the store becomes a file name: only its exact form may.
    if (!isValueHash(hash)) return undefined;
    const row = this.one("SELECT data, external, size FROM value WHERE hash = ?", [hash]);
    if (!row) return undefined;
    let text = row.data as string;
    if (row.external) {
      if (this.lastExternal?.hash === hash) {
        text = this.lastExternal.text;
      } else {
        const bytes = this.readLargeValue(hash, Number(row.size));
        if (!bytes || sha256(bytes) !== hash) return undefined;
        text = bytes.toString("utf8");
        this.lastExternal = { hash, text };
      }
    }
    return JSON.parse(text) as Json;
  }

  /** A stored value (`{ value }`, since undefined is a value too), or undefined when the store does not hold it. */
  getValue(hash: string, makeCall?: CallFactory): { value: unknown } | undefined {
    const json = this.getValueJson(hash);
    return json === undefined ? undefined : { value: decodeValue(json, makeCall) };
  }

  // ---- tasks and calls ----------------------------------------------------------------------

  putTask(t: Omit<TaskRecord, "created">): void {
    if (this.one("SELECT 1 AS x FROM task WHERE hash = ?", [t.hash])) return;
    this.write("task", [t.hash, t.fullName, t.source, t.normalizedHash, t.file, t.line, JSON.stringify(t.parts), Date.now()]);
  }

  getTask(hash: string): TaskRecord | undefined {
    const row = this.one("SELECT * FROM task WHERE hash = ?", [hash]);
    return row ? toTask(row) : undefined;
  }

  putCall(c: Omit<CallRecord, "created" | "finalHash" | "subtree">): void {
    this.write("call", [c.callHash, c.taskHash, c.argsHash, c.resultHash, JSON.stringify(c.children), c.fingerprints, Date.now()]);
  }

  /** Records the fully evaluated result of a call and what its subtree held. */
  putCallFinal(callHash: string, finalHash: string, subtree: Subtree): void {
    const row = this.one("SELECT final_hash, subtree FROM call_node WHERE call_hash = ?", [callHash]);
    const text = JSON.stringify(subtree);
    if (!row || (row.final_hash === finalHash && row.subtree === text)) return;
    this.write("final", [finalHash, text, callHash]);
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
    if (this.readonly) throw new Error("the store is open read-only");
    if (!isId(e.id)) throw new Error(`bad execution id ${e.id}`);
    this.pendingExecutions.set(e.id, { ...e });
  }

  putJob(j: JobRecord): void {
    if (this.readonly) throw new Error("the store is open read-only");
    this.pendingJobs.set(j.id, { ...j });
  }

  /** Every execution recorded, by id. */
  protected index(): Map<string, ExecutionRecord> {
    const stamp = stampOf(this.indexFile);
    if (!this.indexCache || !sameStamp(this.indexCache.stamp, stamp)) {
      const executions = new Map<string, ExecutionRecord>();
      for (const e of readJsonLines<ExecutionRecord>(this.indexFile).records) if (e && isId(e.id)) executions.set(e.id, e);
      this.indexCache = { stamp, executions };
    }
    return this.indexCache.executions;
  }

  /** The jobs of one execution, in order. */
  protected run(id: string): RunFile {
    const file = this.runFile(id);
    const stamp = stampOf(file);
    let run = this.runCache.get(id);
    if (!run || !sameStamp(run.stamp, stamp)) {
      const byId = new Map<string, JobRecord>();
      for (const j of readJsonLines<JobRecord>(file).records) if (j && typeof j.id === "string") byId.set(j.id, j);
      run = { stamp, jobs: [...byId.values()].sort((a, b) => a.seq - b.seq), byTask: undefined };
      this.runCache.set(id, run);
    }
    return run;
  }

  /** Executions, newest first. */
  private newestExecutions(): ExecutionRecord[] {
    return [...this.index().values()].sort((a, b) => b.started - a.started);
  }

  executions(limit = 20): ExecutionRecord[] {
    return this.newestExecutions().slice(0, limit);
  }

  execution(id: string): ExecutionRecord | undefined {
    return this.index().get(id);
  }

  findExecutions(prefix: string): ExecutionRecord[] {
    return this.newestExecutions().filter((e) => e.id.startsWith(prefix)).slice(0, 5);
  }

  jobsOf(executionId: string): JobRecord[] {
    return isId(executionId) ? this.run(executionId).jobs : [];
  }

  job(id: string): JobRecord | undefined {
    for (const e of this.newestExecutions()) {
      const found = this.run(e.id).jobs.find((j) => j.id === id);
      if (found) return found;
    }
    return undefined;
  }

  findJobs(prefix: string): JobRecord[] {
    const found: JobRecord[] = [];
    for (const e of this.newestExecutions()) {
      for (const j of this.run(e.id).jobs) if (j.id.startsWith(prefix)) found.push(j);
      if (found.length >= 5) break;
    }
    return found.slice(0, 5);
  }

  /** The newest jobs of a task by full name (whatever its hash was). */
  jobsOfTask(fullName: string, limit = 20): JobRecord[] {
    const found: JobRecord[] = [];
    for (const e of this.newestExecutions()) {
      const run = this.run(e.id);
      if (!run.byTask) {
        run.byTask = new Map();
        for (const j of run.jobs) {
          const list = run.byTask.get(j.taskName) ?? [];
          list.push(j);
          run.byTask.set(j.taskName, list);
        }
      }
      found.push(...(run.byTask.get(fullName) ?? []));
      if (found.length >= limit) break;
    }
    return found.sort((a, b) => b.started - a.started).slice(0, limit);
  }

  // ---- durability ---------------------------------------------------------------------------

  get dirty(): boolean {
    return this.pendingCache.length > 0 || this.pendingExecutions.size > 0 || this.pendingJobs.size > 0;
  }

  /** Milliseconds the last flush took. */
  get lastFlushDuration(): number {
    return this.lastFlushMs;
  }

  /**
   * Appends what changed to the journal and the history files, each write checked and fsynced.
   * On failure (StoreWriteError) nothing half-written stays behind, and the records stay pending.
   * `lockWaitMs`: how long to wait for another process's lock (0 for the periodic flush: the engine
   * must not stall; its records wait for the next one).
   */
  flush({ lockWaitMs }: { lockWaitMs?: number } = {}): void {
    if (this.readonly || this.closed || !this.dirty) return;
    const t0 = Date.now();
    this.persist(lockWaitMs);
    this.lastFlushMs = Date.now() - t0;
  }

  /** Writes the pending records durably and clears them (they stay pending when it throws). */
  protected persist(lockWaitMs: number | undefined): void {
    this.withLock(() => {
      if (this.pendingCache.length) {
        const before = stampOf(this.journalFile)?.size;
        const header = !before ? JSON.stringify({ generation: this.generation }) + "\n" : "";
        this.append(this.journalFile, header + this.pendingCache.join("\n") + "\n");
        this.pendingCache = [];
        // Whether the journal holds only what this process already has in memory (compaction can skip re-reading it).
        const ours = (before ?? 0) === this.journalKnownSize;
        this.journalKnownSize = ours ? fs.statSync(this.journalFile).size : -1;
      }
      if (this.pendingJobs.size) {
        const byRun = new Map<string, string[]>();
        for (const j of this.pendingJobs.values()) {
          const lines = byRun.get(j.executionId) ?? [];
          lines.push(JSON.stringify(j));
          byRun.set(j.executionId, lines);
        }
        for (const [id, lines] of byRun) {
          this.append(this.runFile(id), lines.join("\n") + "\n");
          for (const j of this.pendingJobs.values()) if (j.executionId === id) this.pendingJobs.delete(j.id);
        }
      }
      if (this.pendingExecutions.size) {
        this.append(this.indexFile, [...this.pendingExecutions.values()].map((e) => JSON.stringify(e)).join("\n") + "\n");
        this.pendingExecutions.clear();
      }
    }, lockWaitMs);
    // Observers (the language server) watch the store file: its time stamp says "records were added".
    try {
      const now = new Date();
      fs.utimesSync(this.file, now, now);
      this.snapshotStamp = stampOf(this.file);
    } catch {
      // only a hint for observers
    }
  }

  private append(file: string, text: string): void {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      appendDurably(file, text);
    } catch (error) {
      throw new StoreWriteError(file, error);
    }
  }

  /** Writes the in-memory database as the new snapshot (generation + 1) and starts an empty journal. */
  private writeSnapshot(): void {
    const generation = this.generation + 1;
    this.db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", [String(generation)]);
    // export() frees sql.js's prepared statements and reopens the database (pragmas reset).
    this.statements.clear();
    const bytes = this.db.export();
    configure(this.db);
    try {
      writeFileAtomic(this.file, bytes);
    } catch (error) {
      this.db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", [String(this.generation)]);
      throw new StoreWriteError(this.file, error);
    }
    try {
      // Until the new journal replaces the old one, readers see an older journal generation and skip it.
      writeFileAtomic(this.journalFile, JSON.stringify({ generation }) + "\n");
    } catch {
      // The old journal is inside the new snapshot: emptying it needs no space; the next append adds a header.
      fs.truncateSync(this.journalFile, 0);
    }
    this.generation = generation;
    this.snapshotStamp = stampOf(this.file);
    this.journalApplied = fs.statSync(this.journalFile).size;
    this.journalKnownSize = this.journalApplied;
  }

  /** Folds the journal into a new snapshot when it has grown past half the snapshot. */
  compactIfLarge(): void {
    const journal = stampOf(this.journalFile)?.size ?? 0;
    const snapshot = stampOf(this.file)?.size ?? 0;
    if (journal < COMPACT_MIN_BYTES || journal < snapshot / 2) return;
    try {
      this.compact();
    } catch (error) {
      // Compaction is an optimisation: a busy store keeps its journal until a later one.
      if (!(error instanceof StoreBusyError)) throw error;
    }
  }

  /** Writes a new snapshot holding everything recorded so far, by this process and any other. */
  compact(edit?: (db: Database) => void): void {
    this.flush();
    this.withLock(() => {
      const snapshot = stampOf(this.file);
      const journalSize = stampOf(this.journalFile)?.size ?? 0;
      const onlyOurs = snapshot?.ino === this.snapshotStamp?.ino && snapshot?.size === this.snapshotStamp?.size && journalSize === this.journalKnownSize;
      if (!onlyOurs) this.reload();
      edit?.(this.db);
      this.writeSnapshot();
    });
  }

  /** Moves the history of a single-file store of the earlier format into history files. */
  private migrateLegacy(): void {
    const tables = new Set((this.db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map(([n]) => String(n)));
    if (tables.has("execution")) for (const row of this.all("SELECT * FROM execution")) this.putExecution(toExecution(row));
    if (tables.has("job")) for (const row of this.all("SELECT * FROM job")) this.putJob(toJob(row));
    this.flush();
    this.compact((db) => {
      db.exec("DROP TABLE IF EXISTS job; DROP TABLE IF EXISTS execution");
      const columns = new Set((db.exec("PRAGMA table_info(call_node)")[0]?.values ?? []).map((r) => String(r[1])));
      if (!columns.has("final_hash")) db.exec("ALTER TABLE call_node ADD COLUMN final_hash TEXT; ALTER TABLE call_node ADD COLUMN subtree TEXT");
      db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('format', ?)", [FORMAT]);
      db.exec("VACUUM");
    });
  }

  /**
   * Forgets all but the `keep` newest executions, then every call node and value that no kept
   * execution needs: a kept call keeps the calls its body awaited (its result is valid while they
   * are hits), and a large value's file stays while another store in this folder holds it (they
   * share values/). Returns what it freed.
   */
  gc(keep: number): { executions: number; jobs: number; calls: number; values: number; bytesBefore: number; bytesAfter: number } {
    const bytesBefore = this.diskBytes();
    this.flush();
    const freed = { executions: 0, jobs: 0, calls: 0, values: 0 };
    this.withLock(() => {
      const all = this.newestExecutions();
      const kept = all.slice(0, keep);
      const dropped = all.slice(keep);
      const calls = new Set<string>();
      const values = new Set<string>();
      const tasks = new Set<string>();
      for (const e of kept) {
        if (e.resultHash) values.add(e.resultHash);
        for (const j of this.run(e.id).jobs) {
          calls.add(j.callHash);
          tasks.add(j.taskHash);
          for (const h of [j.argsHash, j.resultHash]) if (h) values.add(h);
        }
      }
      for (const e of dropped) freed.jobs += this.run(e.id).jobs.length;
      writeFileAtomic(this.indexFile, kept.map((e) => JSON.stringify(e)).join("\n") + (kept.length ? "\n" : ""));
      for (const e of dropped) {
        fs.rmSync(this.runFile(e.id), { force: true });
        this.runCache.delete(e.id);
      }
      freed.executions = dropped.length;
      const keepRows = (sql: string, keepSet: Set<string>): string[] =>
        this.all(sql).map((r) => String(Object.values(r)[0])).filter((h) => !keepSet.has(h));
      this.reload();
      const rows = this.all("SELECT c.call_hash, c.task_hash, c.args_hash, c.result_hash, c.final_hash, c.fingerprints, c.children, t.full_name FROM call_node c LEFT JOIN task t ON t.hash = c.task_hash");
      // Children are recorded by task name and arguments: every version of such a call is kept.
      const byNameAndArgs = new Map<string, Array<Record<string, SqlValue>>>();
      for (const row of rows) {
        const key = `${String(row.full_name)}\u0000${String(row.args_hash)}`;
        const versions = byNameAndArgs.get(key);
        if (versions) versions.push(row);
        else byNameAndArgs.set(key, [row]);
      }
      const pending = rows.filter((row) => calls.has(row.call_hash as string));
      for (let row = pending.pop(); row; row = pending.pop()) {
        for (const h of [row.result_hash, row.final_hash, row.fingerprints]) if (typeof h === "string") values.add(h);
        tasks.add(row.task_hash as string);
        for (const child of JSON.parse(row.children as string) as CallRecord["children"]) {
          for (const found of byNameAndArgs.get(`${child.task}\u0000${child.argsHash}`) ?? []) {
            if (calls.has(found.call_hash as string)) continue;
            calls.add(found.call_hash as string);
            pending.push(found);
          }
        }
      }
      const deadCalls = keepRows("SELECT call_hash FROM call_node", calls);
      const deadValues = this.all("SELECT hash, external FROM value").filter((r) => !values.has(r.hash as string));
      const deadTasks = keepRows("SELECT hash FROM task", tasks);
      freed.calls = deadCalls.length;
      freed.values = deadValues.length;
      this.edit((db) => {
        const del = (table: string, column: string, keys: string[]) => {
          const stmt = db.prepare(`DELETE FROM ${table} WHERE ${column} = ?`);
          for (const k of keys) stmt.run([k]);
          stmt.free();
        };
        db.exec("BEGIN");
        del("call_node", "call_hash", deadCalls);
        del("value", "hash", deadValues.map((r) => r.hash as string));
        del("task", "hash", deadTasks);
        db.exec("COMMIT");
        db.exec("VACUUM");
      });
      const deadFiles = deadValues.filter((r) => r.external && isValueHash(r.hash)).map((r) => r.hash as string);
      const heldElsewhere = this.valuesHeldBySiblings(deadFiles);
      for (const hash of deadFiles) if (!heldElsewhere.has(hash)) fs.rmSync(this.valueFile(hash), { force: true });
    });
    return { ...freed, bytesBefore, bytesAfter: this.diskBytes() };
  }

  /**
   * Copies every record of this store into another one (of either kind): the cache (tasks, values
   * with their large bytes, call nodes with their final results) and the history. Records the target
   * holds already stay as they are; flushed every few thousand records, and at the end.
   */
  copyTo(target: Store): { executions: number; jobs: number; tasks: number; calls: number; values: number } {
    const counts = { executions: 0, jobs: 0, tasks: 0, calls: 0, values: 0 };
    let unflushed = 0;
    const step = () => {
      if (++unflushed >= 5000) {
        target.flush();
        unflushed = 0;
      }
    };
    const has = (sql: string, key: string) => target.one(sql, [key]) !== undefined;
    for (const r of this.all("SELECT hash, full_name, source, normalized_hash, file, line, parts, created FROM task")) {
      if (has("SELECT 1 AS x FROM task WHERE hash = ?", r.hash as string)) continue;
      target.write("task", [r.hash, r.full_name, r.source, r.normalized_hash, r.file, r.line, r.parts, r.created]);
      counts.tasks++;
      step();
    }
    for (const r of this.all("SELECT hash, data, external, size FROM value")) {
      const hash = r.hash as string;
      if (has("SELECT 1 AS x FROM value WHERE hash = ?", hash)) continue;
      if (r.external) {
        const bytes = isValueHash(hash) ? this.readLargeValue(hash, Number(r.size)) : undefined;
        // A large value whose bytes are lost is not copied: its calls then miss, as they would here.
        if (!bytes || sha256(bytes) !== hash) continue;
        if (!target.hasLargeValue(hash)) target.writeLargeValue(hash, bytes);
      }
      target.write("value", [hash, r.data, r.external, r.size]);
      counts.values++;
      step();
    }
    for (const r of this.all("SELECT call_hash, task_hash, args_hash, result_hash, children, fingerprints, created, final_hash, subtree FROM call_node")) {
      if (has("SELECT 1 AS x FROM call_node WHERE call_hash = ?", r.call_hash as string)) continue;
      target.write("call", [r.call_hash, r.task_hash, r.args_hash, r.result_hash, r.children, r.fingerprints, r.created]);
      if (r.final_hash !== null) target.write("final", [r.final_hash, r.subtree, r.call_hash]);
      counts.calls++;
      step();
    }
    for (const e of this.newestExecutions().reverse()) {
      target.putExecution(e);
      counts.executions++;
      for (const j of this.run(e.id).jobs) {
        target.putJob(j);
        counts.jobs++;
        step();
      }
      step();
    }
    target.flush();
    return counts;
  }

  /** Which of these large values other stores in this folder hold (a store that cannot be read holds them all). */
  private valuesHeldBySiblings(hashes: string[]): Set<string> {
    const folder = path.dirname(this.file);
    const held = new Set<string>();
    if (!hashes.length) return held;
    for (const name of fs.readdirSync(folder)) {
      const other = path.join(folder, name);
      if (other === this.file || !looksLikeSqlite(other)) continue;
      let sibling: Store;
      try {
        sibling = Store.openWith(this.SQL, other, { readonly: true });
      } catch (error) {
        // Another kind of SQLite file shares no values; a damaged store may still need them.
        if (error instanceof ForeignDatabaseError) continue;
        return new Set(hashes);
      }
      try {
        for (const hash of hashes) if (sibling.one("SELECT 1 AS x FROM value WHERE hash = ?", [hash])) held.add(hash);
      } finally {
        sibling.close();
      }
    }
    return held;
  }

  /** An edit of the whole database, written as a new snapshot (the caller holds the lock). */
  private edit(change: (db: Database) => void): void {
    change(this.db);
    this.writeSnapshot();
  }

  /** Bytes the store takes on disk (snapshot, journal, history, its large values). */
  diskBytes(): number {
    let total = (stampOf(this.file)?.size ?? 0) + (stampOf(this.journalFile)?.size ?? 0);
    try {
      for (const name of fs.readdirSync(this.runsDir)) total += stampOf(path.join(this.runsDir, name))?.size ?? 0;
    } catch {
      // no history yet
    }
    const external = this.one("SELECT COALESCE(SUM(size), 0) AS n FROM value WHERE external = 1");
    return total + Number(external?.n ?? 0);
  }

  private withLock<T>(body: () => T, lockWaitMs?: number): T {
    const release = this.storeLock.acquireSync(lockWaitMs);
    if (!release) throw new StoreBusyError(this.storeLock.file);
    try {
      return body();
    } finally {
      release();
    }
  }

  /** Settles once the lock is free (true) or after LOCK_TIMEOUT_MS (false): wait here, not in a write, to keep the event loop turning. */
  whenUnlocked(timeoutMs: number = LOCK_TIMEOUT_MS): Promise<boolean> {
    return this.storeLock.whenFree(timeoutMs);
  }

  /** Flushes, folds a large journal into the snapshot, and releases the database. */
  close(): void {
    if (this.closed) return;
    try {
      if (!this.readonly) {
        this.flush();
        this.compactIfLarge();
      }
    } finally {
      this.closed = true;
      for (const stmt of this.statements.values()) stmt.free();
      this.statements.clear();
      this.db.close();
      this.release();
    }
  }

  /** Lets go of what the store holds besides its database (a connection). */
  protected release(): void {}
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
    finalHash: (r.final_hash as string | null | undefined) ?? null,
    subtree: typeof r.subtree === "string" ? (JSON.parse(r.subtree) as Subtree) : null,
  };
}

export function toExecution(r: Record<string, SqlValue>): ExecutionRecord {
  return {
    id: r.id as string,
    started: r.started as number,
    ended: r.ended as number | null,
    status: r.status as ExecutionRecord["status"],
    file: r.file as string,
    task: r.task as string,
    argv: typeof r.argv === "string" ? (JSON.parse(r.argv) as string[]) : (r.argv as unknown as string[]),
    resultHash: r.result_hash as string | null,
    error: r.error as string | null,
  };
}

export function toJob(r: Record<string, SqlValue>): JobRecord {
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
    upstream: typeof r.upstream === "string" ? (JSON.parse(r.upstream) as JobRecord["upstream"]) : [],
  };
}

/** The store for a workflow file: --db, else TASKLENS_DB, else `.tasklens/cache.db` in the project root (a file, or a PostgreSQL URL). */
export function defaultStorePath(workflowFile: string, override?: string): string {
  const resolve = (base: string, location: string) => (isPostgresUrl(location) ? location : path.resolve(base, location));
  if (override) return resolve(".", override);
  if (process.env.TASKLENS_DB) return resolve(".", process.env.TASKLENS_DB);
  const root = projectRoot(workflowFile);
  const configured = projectConfig(root).db;
  return resolve(root, typeof configured === "string" ? configured : ".tasklens/cache.db");
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
    const pkg = JSON.parse(readSmallText(path.join(root, "package.json")) ?? "{}") as { tasklens?: { hash?: unknown; db?: unknown } };
    return pkg.tasklens ?? {};
  } catch {
    return {};
  }
}
