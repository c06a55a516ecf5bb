// The store kept by a PostgreSQL server: a team's cache and history, shared by everyone and CI.
//
// The rules are the Store's (store.ts): what a hit is, how values are encoded, which record
// replaces which. Only where the records are kept differs. The cache tables are mirrored in the same
// in-memory database the file store reads (loaded at open, then only rows changed since, by a change
// number); history is read from the server per execution. The pending records of a flush are
// written in one transaction of upserts (`INSERT … ON CONFLICT`), so concurrent runs from any number
// of machines all end up recorded and a killed run keeps every flush it made. Large values live in
// a table of their own (value_blob), out of the mirrored ones.
//
// Writers take a transaction-level advisory lock while they flush, readers its shared form while
// they pull: change numbers then become visible in order, and "everything above N" is never missed.
import type { Database, SqlJsStatic, SqlValue } from "sql.js";
import { StoreError } from "../core/storeReader";
import { PgFailureError, PgStatement, SyncPg } from "./pgBridge";
import { ExecutionRecord, JobRecord, maskLocation, RunFile, Store, StoreWriteError, toExecution as executionOf, toJob as jobOf } from "./store";

const toExecution = (r: Record<string, unknown>) => executionOf(r as Record<string, SqlValue>);
const toJob = (r: Record<string, unknown>) => jobOf(r as Record<string, SqlValue>);

/** The schema's version: a store of another version is refused with a clear error, never altered. */
export const PG_FORMAT = "tasklens-pg-1";
const SCHEMA_NAME = "tasklens";
/** The advisory lock writers (exclusive) and readers (shared) take around a transaction. */
const LOCK_KEY = 7_340_314;

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS tasklens;
CREATE SEQUENCE IF NOT EXISTS tasklens.change;
CREATE TABLE IF NOT EXISTS tasklens.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasklens.task (
  hash TEXT PRIMARY KEY, full_name TEXT NOT NULL, source TEXT NOT NULL, normalized_hash TEXT,
  file TEXT, line INTEGER, parts TEXT NOT NULL, created DOUBLE PRECISION NOT NULL,
  change BIGINT NOT NULL DEFAULT nextval('tasklens.change'));
CREATE TABLE IF NOT EXISTS tasklens.value (
  hash TEXT PRIMARY KEY, data TEXT, external INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL,
  change BIGINT NOT NULL DEFAULT nextval('tasklens.change'));
CREATE TABLE IF NOT EXISTS tasklens.value_blob (hash TEXT PRIMARY KEY, data BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS tasklens.call_node (
  call_hash TEXT PRIMARY KEY, task_hash TEXT NOT NULL, args_hash TEXT NOT NULL, result_hash TEXT NOT NULL,
  children TEXT NOT NULL, fingerprints TEXT, created DOUBLE PRECISION NOT NULL, final_hash TEXT, subtree TEXT,
  change BIGINT NOT NULL DEFAULT nextval('tasklens.change'));
CREATE TABLE IF NOT EXISTS tasklens.execution (
  id TEXT PRIMARY KEY, started DOUBLE PRECISION NOT NULL, ended DOUBLE PRECISION, status TEXT NOT NULL,
  file TEXT NOT NULL, task TEXT NOT NULL, argv TEXT NOT NULL, result_hash TEXT, error TEXT,
  change BIGINT NOT NULL DEFAULT nextval('tasklens.change'));
CREATE TABLE IF NOT EXISTS tasklens.job (
  id TEXT PRIMARY KEY, execution_id TEXT NOT NULL, parent_id TEXT, seq INTEGER NOT NULL, task_name TEXT NOT NULL,
  task_hash TEXT NOT NULL, call_hash TEXT NOT NULL, args_hash TEXT NOT NULL, status TEXT NOT NULL,
  started DOUBLE PRECISION NOT NULL, ended DOUBLE PRECISION, result_hash TEXT, error TEXT, traceback TEXT,
  upstream TEXT NOT NULL, change BIGINT NOT NULL DEFAULT nextval('tasklens.change'));
CREATE INDEX IF NOT EXISTS task_change ON tasklens.task(change);
CREATE INDEX IF NOT EXISTS value_change ON tasklens.value(change);
CREATE INDEX IF NOT EXISTS call_node_change ON tasklens.call_node(change);
CREATE INDEX IF NOT EXISTS execution_change ON tasklens.execution(change);
CREATE INDEX IF NOT EXISTS job_execution ON tasklens.job(execution_id, change);
`;

const NEXT = "nextval('tasklens.change')";
/** How long a reader waits for the server before reporting it unreachable. */
const READER_TIMEOUT_MS = 5_000;

/** Where a URL points, for messages: host, port, database and user (PG* variables fill what it omits); never the password. */
export function describeServer(url: string): { host: string; database: string; user: string } {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    // described from the environment alone
  }
  const env = process.env;
  const host = decodeURIComponent(u?.hostname ?? "") || u?.searchParams.get("host") || env.PGHOST || "localhost";
  const port = u?.port || env.PGPORT || "5432";
  const user = decodeURIComponent(u?.username ?? "") || env.PGUSER || env.USER || "";
  const database = decodeURIComponent((u?.pathname ?? "").replace(/^\//, "")) || env.PGDATABASE || user;
  return { host: host.startsWith("/") ? host : `${host}:${port}`, database, user };
}

/** A failure of the server or the network, said as a tasklens store error (host and database named, no password). */
export function connectionProblem(url: string, error: unknown, doing = "cannot be used"): StoreError {
  const { host, database, user } = describeServer(url);
  const where = `the PostgreSQL store ${maskLocation(url)} (server ${host}, database ${database})`;
  const failure = error instanceof PgFailureError ? error.failure : { message: String((error as Error)?.message ?? error), code: (error as { code?: string })?.code };
  const code = failure.code ?? "";
  const detail = maskLocation(failure.message);
  let why: string;
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET"].includes(code) || /timeout|terminated/i.test(detail)) {
    why = `the server cannot be reached (${detail}): check that it runs and that the host and port are right`;
  } else if (code === "28P01" || code === "28000") {
    why = `the server refused the credentials of user ${user || "(default)"} (${detail}): check the password in the URL, PGPASSWORD or ~/.pgpass`;
  } else if (code === "3D000") {
    why = `the database ${database} does not exist on that server: create it (createdb ${database}) or name another one`;
  } else {
    why = detail;
  }
  return new StoreError(`tasklens: ${where} ${doing}: ${why}.\nNothing was changed. Pass --db (or TASKLENS_DB) to use another store.`, maskLocation(url));
}

/** Text columns go as text arrays, the others as the array type named. */
function unnest(types: string[]): string {
  return `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`;
}

/** The columns of rows as one array each (the parameters of an unnest). */
function columns(rows: unknown[][], width: number): unknown[][] {
  const out: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) out[i].push(row[i] ?? null);
  return out;
}

/** The statement writing the journal records of one kind (one per key). */
function cacheStatement(op: string, rows: unknown[][]): PgStatement | undefined {
  switch (op) {
    case "task":
      return { text: `INSERT INTO tasklens.task(hash, full_name, source, normalized_hash, file, line, parts, created) SELECT * FROM ${unnest(["text", "text", "text", "text", "text", "int", "text", "float8"])} ON CONFLICT (hash) DO NOTHING`, values: columns(rows, 8) };
    case "value":
      return { text: `INSERT INTO tasklens.value(hash, data, external, size) SELECT * FROM ${unnest(["text", "text", "int", "int"])} ON CONFLICT (hash) DO NOTHING`, values: columns(rows, 4) };
    case "call":
      return {
        text:
          `INSERT INTO tasklens.call_node(call_hash, task_hash, args_hash, result_hash, children, fingerprints, created) SELECT * FROM ${unnest(["text", "text", "text", "text", "text", "text", "float8"])} ` +
          `ON CONFLICT (call_hash) DO UPDATE SET task_hash = EXCLUDED.task_hash, args_hash = EXCLUDED.args_hash, result_hash = EXCLUDED.result_hash, children = EXCLUDED.children, ` +
          `fingerprints = EXCLUDED.fingerprints, created = EXCLUDED.created, final_hash = NULL, subtree = NULL, change = ${NEXT}`,
        values: columns(rows, 7),
      };
    case "final":
      return { text: `UPDATE tasklens.call_node c SET final_hash = u.f, subtree = u.s, change = ${NEXT} FROM ${unnest(["text", "text", "text"])} AS u(f, s, h) WHERE c.call_hash = u.h`, values: columns(rows, 3) };
  }
  return undefined;
}

function executionRow(e: ExecutionRecord): unknown[] {
  return [e.id, e.started, e.ended, e.status, e.file, e.task, JSON.stringify(e.argv), e.resultHash, e.error];
}

function jobRow(j: JobRecord): unknown[] {
  return [j.id, j.executionId, j.parentId, j.seq, j.taskName, j.taskHash, j.callHash, j.argsHash, j.status, j.started, j.ended, j.resultHash, j.error, j.traceback, JSON.stringify(j.upstream)];
}

function upsert(table: string, names: string[], types: string[], rows: unknown[][]): PgStatement {
  const set = names.slice(1).map((n) => `${n} = EXCLUDED.${n}`).join(", ");
  return { text: `INSERT INTO tasklens.${table}(${names.join(", ")}) SELECT * FROM ${unnest(types)} ON CONFLICT (${names[0]}) DO UPDATE SET ${set}, change = ${NEXT}`, values: columns(rows, names.length) };
}

const EXECUTION_COLUMNS = ["id", "started", "ended", "status", "file", "task", "argv", "result_hash", "error"];
const EXECUTION_TYPES = ["text", "float8", "float8", "text", "text", "text", "text", "text", "text"];
const JOB_COLUMNS = ["id", "execution_id", "parent_id", "seq", "task_name", "task_hash", "call_hash", "args_hash", "status", "started", "ended", "result_hash", "error", "traceback", "upstream"];
const JOB_TYPES = ["text", "text", "text", "int", "text", "text", "text", "text", "text", "float8", "float8", "text", "text", "text", "text"];

/** Mirrors pulled cache rows into the in-memory database (the rows replace what it held). */
const MIRROR: Array<{ table: string; select: string; insert: string; params(r: Record<string, unknown>): SqlValue[] }> = [
  {
    table: "task",
    select: "SELECT hash, full_name, source, normalized_hash, file, line, parts, created, change FROM tasklens.task WHERE change > $1",
    insert: "INSERT OR REPLACE INTO task(hash, full_name, source, normalized_hash, file, line, parts, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    params: (r) => [r.hash, r.full_name, r.source, r.normalized_hash, r.file, r.line, r.parts, r.created] as SqlValue[],
  },
  {
    table: "value",
    select: "SELECT hash, data, external, size, change FROM tasklens.value WHERE change > $1",
    insert: "INSERT OR REPLACE INTO value(hash, data, external, size) VALUES (?, ?, ?, ?)",
    params: (r) => [r.hash, r.data, r.external, r.size] as SqlValue[],
  },
  {
    table: "call_node",
    select: "SELECT call_hash, task_hash, args_hash, result_hash, children, fingerprints, created, final_hash, subtree, change FROM tasklens.call_node WHERE change > $1",
    insert: "INSERT OR REPLACE INTO call_node(call_hash, task_hash, args_hash, result_hash, children, fingerprints, created, final_hash, subtree) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    params: (r) => [r.call_hash, r.task_hash, r.args_hash, r.result_hash, r.children, r.fingerprints, r.created, r.final_hash, r.subtree] as SqlValue[],
  },
];

export class PgStore extends Store {
  /** Everything with a change number up to this one is in the mirror (and the cached history). */
  private seen = 0;
  private schemaExists = false;
  private executionsById: Map<string, ExecutionRecord> | undefined;
  private runs = new Map<string, RunFile>();
  private pendingBlobs = new Map<string, Buffer>();

  private constructor(SQL: SqlJsStatic, db: Database, readonly url: string, private readonly pg: SyncPg, readonly: boolean) {
    super(SQL, db, 0, maskLocation(url), readonly);
  }

  /** Connects, checks (or, for a writer, creates) the schema, and loads the cache. */
  static openUrl(SQL: SqlJsStatic, url: string, options: { readonly?: boolean }): PgStore {
    let pg: SyncPg;
    try {
      // A reader (the editor, log) gives up sooner than a run, whose records must get through.
      pg = new SyncPg(url, options.readonly ? { timeoutMs: READER_TIMEOUT_MS } : {});
    } catch (error) {
      throw connectionProblem(url, error);
    }
    const store = new PgStore(SQL, Store.emptyDatabase(SQL), url, pg, options.readonly ?? false);
    try {
      store.checkSchema();
      store.pull();
    } catch (error) {
      pg.close();
      throw error instanceof StoreError ? error : connectionProblem(url, error);
    }
    return store;
  }

  private checkSchema(): void {
    const exists = () => this.pg.query("SELECT to_regclass('tasklens.meta') IS NOT NULL AS present")[0].present === true;
    if (!exists()) {
      if (this.readonly) return;
      try {
        // Two first runs at once: the lock makes the second wait for the first's tables.
        this.pg.run({ statements: [{ text: "SELECT pg_advisory_xact_lock($1)", values: [LOCK_KEY] }, { text: SCHEMA }, { text: `INSERT INTO tasklens.meta(key, value) VALUES ('format', $1) ON CONFLICT (key) DO NOTHING`, values: [PG_FORMAT] }], transaction: true });
      } catch (error) {
        throw connectionProblem(this.url, error, "cannot be written");
      }
    }
    const format = this.pg.query("SELECT value FROM tasklens.meta WHERE key = 'format'")[0]?.value as string | undefined;
    if (format !== PG_FORMAT) {
      const { host, database } = describeServer(this.url);
      throw new StoreError(
        `tasklens: the PostgreSQL store ${this.file} (server ${host}, database ${database}) cannot be used: its schema "${SCHEMA_NAME}" is of another version (format ${String(format)}; this tasklens reads ${PG_FORMAT}).\n` +
          `It was left untouched. Use the tasklens that wrote it, or another database.`,
        this.file,
      );
    }
    this.schemaExists = true;
  }

  private failure(error: unknown, doing: string): never {
    if (error instanceof StoreError) throw error;
    throw connectionProblem(this.url, error, doing);
  }

  /** Reads what changed since the last pull: cache rows into the mirror, history into what is cached of it. */
  private pull(): void {
    if (!this.schemaExists) {
      this.checkSchema();
      if (!this.schemaExists) return;
    }
    const cachedRuns = [...this.runs.keys()];
    const statements: PgStatement[] = [
      { text: "SELECT pg_advisory_xact_lock_shared($1)", values: [LOCK_KEY] },
      { text: "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM tasklens.change" },
      ...MIRROR.map((m) => ({ text: m.select, values: [this.seen] })),
      { text: "SELECT * FROM tasklens.execution WHERE change > $1", values: [this.executionsById ? this.seen : Number.MAX_SAFE_INTEGER] },
      { text: "SELECT * FROM tasklens.job WHERE change > $1 AND execution_id = ANY($2::text[])", values: [this.seen, cachedRuns] },
    ];
    const rows = this.pg.run({ statements, transaction: true });
    const horizon = Number(rows[1][0].n);
    this.db.exec("BEGIN");
    MIRROR.forEach((m, i) => {
      const stmt = this.db.prepare(m.insert);
      for (const r of rows[2 + i]) stmt.run(m.params(r));
      stmt.free();
    });
    this.db.exec("COMMIT");
    for (const r of rows[2 + MIRROR.length]) this.executionsById?.set(r.id as string, toExecution(r));
    const jobs = rows[3 + MIRROR.length].map(toJob);
    for (const id of new Set(jobs.map((j) => j.executionId))) {
      const run = this.runs.get(id)!;
      const byId = new Map(run.jobs.map((j) => [j.id, j]));
      for (const j of jobs) if (j.executionId === id) byId.set(j.id, j);
      this.runs.set(id, { stamp: undefined, jobs: [...byId.values()].sort((a, b) => a.seq - b.seq), byTask: undefined });
    }
    this.seen = horizon;
  }

  protected override index(): Map<string, ExecutionRecord> {
    if (!this.executionsById) {
      const executions = new Map<string, ExecutionRecord>();
      if (this.schemaExists) {
        try {
          for (const r of this.pg.query("SELECT * FROM tasklens.execution")) executions.set(r.id as string, toExecution(r));
        } catch (error) {
          this.failure(error, "cannot be read");
        }
      }
      this.executionsById = executions;
    }
    return this.executionsById;
  }

  protected override run(id: string): RunFile {
    let run = this.runs.get(id);
    if (!run) {
      let jobs: JobRecord[] = [];
      if (this.schemaExists) {
        try {
          jobs = this.pg.query("SELECT * FROM tasklens.job WHERE execution_id = $1 ORDER BY seq", [id]).map(toJob);
        } catch (error) {
          this.failure(error, "cannot be read");
        }
      }
      run = { stamp: undefined, jobs, byTask: undefined };
      this.runs.set(id, run);
    }
    return run;
  }

  protected override hasLargeValue(hash: string): boolean {
    if (this.pendingBlobs.has(hash)) return true;
    try {
      return this.schemaExists && this.pg.query("SELECT 1 FROM tasklens.value_blob WHERE hash = $1", [hash]).length > 0;
    } catch (error) {
      throw new StoreWriteError(this.file, connectionProblem(this.url, error, "cannot be read"));
    }
  }

  protected override writeLargeValue(hash: string, bytes: Buffer): void {
    // Written with the flush that records the value's row, in the same transaction.
    this.pendingBlobs.set(hash, bytes);
  }

  protected override readLargeValue(hash: string, size: number): Buffer | undefined {
    const pending = this.pendingBlobs.get(hash);
    if (pending) return pending;
    try {
      const row = this.pg.query("SELECT data FROM tasklens.value_blob WHERE hash = $1 AND octet_length(data) <= $2", [hash, size])[0];
      // A Buffer crosses from the worker thread as a plain Uint8Array.
      const data = row?.data as Uint8Array | undefined;
      return data && Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    } catch {
      return undefined;
    }
  }

  /** One transaction: every pending record, or (on failure) none, and they stay pending. */
  protected override persist(): void {
    const statements: PgStatement[] = [{ text: "SELECT pg_advisory_xact_lock($1)", values: [LOCK_KEY] }];
    for (const [hash, bytes] of this.pendingBlobs) statements.push({ text: "INSERT INTO tasklens.value_blob(hash, data) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING", values: [hash, bytes] });
    // Records of one kind become one statement. Applied in the order tasks, values, calls, final
    // results, they leave what applying them one by one would: a call recorded again clears the final
    // result recorded before it in the same batch, as its replacement does.
    const byOp = new Map<string, Map<unknown, unknown[]>>(["task", "value", "call", "final"].map((op) => [op, new Map()]));
    for (const line of this.pendingCache) {
      const [op, ...params] = JSON.parse(line) as [string, ...unknown[]];
      if (op === "call") byOp.get("final")!.delete(params[0]);
      const key = op === "final" ? params[2] : params[0];
      const rows = byOp.get(op);
      // Tasks and values are inserted if absent (the first wins); calls and final results replace.
      if (!rows || ((op === "task" || op === "value") && rows.has(key))) continue;
      rows.delete(key);
      rows.set(key, params);
    }
    for (const [op, rows] of byOp) {
      const s = rows.size ? cacheStatement(op, [...rows.values()]) : undefined;
      if (s) statements.push(s);
    }
    if (this.pendingExecutions.size) statements.push(upsert("execution", EXECUTION_COLUMNS, EXECUTION_TYPES, [...this.pendingExecutions.values()].map(executionRow)));
    if (this.pendingJobs.size) statements.push(upsert("job", JOB_COLUMNS, JOB_TYPES, [...this.pendingJobs.values()].map(jobRow)));
    try {
      this.pg.run({ statements, transaction: true });
    } catch (error) {
      throw new StoreWriteError(this.file, new Error(connectionProblem(this.url, error, "cannot be written").message.split("\n")[0].replace(/^tasklens: /, "")));
    }
    for (const e of this.pendingExecutions.values()) this.executionsById?.set(e.id, e);
    for (const j of this.pendingJobs.values()) this.runs.delete(j.executionId);
    this.pendingBlobs.clear();
    this.pendingCache = [];
    this.pendingExecutions.clear();
    this.pendingJobs.clear();
  }

  override changedOnDisk(): boolean {
    try {
      if (!this.schemaExists) return this.pg.query("SELECT to_regclass('tasklens.meta') IS NOT NULL AS present")[0].present === true;
      return Number(this.pg.query("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM tasklens.change")[0].n) > this.seen;
    } catch {
      // An unreachable server: the next reload says so.
      return true;
    }
  }

  override reload(): void {
    try {
      this.pull();
    } catch (error) {
      this.failure(error, "cannot be read");
    }
  }

  override whenUnlocked(): Promise<boolean> {
    // Transactions, not a lock file: a write never waits for another process's run.
    return Promise.resolve(true);
  }

  override compact(): void {
    this.flush();
  }

  override compactIfLarge(): void {}

  override gc(): never {
    throw new StoreError(`tasklens: gc of a PostgreSQL store (${this.file}) is not supported yet: copy what to keep into a new store with tasklens store copy.`, this.file);
  }

  override diskBytes(): number {
    try {
      const row = this.pg.query("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tasklens' AND c.relkind = 'r'")[0];
      return Number(row.n);
    } catch {
      return 0;
    }
  }

  protected override release(): void {
    this.pg.close();
  }
}
