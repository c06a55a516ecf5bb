// redun's store on PostgreSQL (`db_uri = postgresql://…` in redun.ini): the same SQLAlchemy tables
// as on SQLite. They are read in one read-only, repeatable-read transaction (a consistent snapshot,
// as snapshot.ts gives of an SQLite file) into an in-memory SQLite database of the same columns, with
// values in SQLite's forms (timestamps as redun writes them there, booleans as 0/1, JSON as text), so
// the one reader (reader.ts) serves both.
import type { Database, SqlJsStatic, SqlValue } from "sql.js";
import { Client } from "pg";
import { clientUrl } from "../../../core/paths";
import { connectionProblem } from "../../../engine/pgStore";
import { SyncPg } from "../../../engine/pgBridge";

/** A token that changes when redun records anything a reader shows (a job, an execution's update, a call). */
const STAMP = `SELECT concat_ws(':', (SELECT count(*) FROM job), (SELECT max(coalesce(end_time, start_time)) FROM job),
  (SELECT max(updated_time) FROM execution), (SELECT count(*) FROM call_node), (SELECT count(*) FROM tag)) AS stamp`;

function select(column: string, type: string): string {
  const quoted = `"${column.replace(/"/g, '""')}"`;
  if (type.startsWith("timestamp")) return `to_char(${quoted}, 'YYYY-MM-DD HH24:MI:SS.US') AS ${quoted}`;
  if (type === "boolean") return `${quoted}::int AS ${quoted}`;
  if (type === "json" || type === "jsonb") return `${quoted}::text AS ${quoted}`;
  return quoted;
}

/** The PostgreSQL store as an in-memory SQLite database, and its change stamp. */
export async function readPostgresStore(SQL: SqlJsStatic, url: string): Promise<{ db: Database; stamp: string }> {
  const client = new Client({ connectionString: clientUrl(url), connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw connectionProblem(url, error);
  }
  const db = new SQL.Database();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const columns = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    );
    const tables = new Map<string, Array<{ name: string; type: string }>>();
    for (const c of columns.rows) {
      const list = tables.get(c.table_name) ?? [];
      list.push({ name: c.column_name, type: c.data_type });
      tables.set(c.table_name, list);
    }
    for (const [table, cols] of tables) {
      const names = cols.map((c) => `"${c.name.replace(/"/g, '""')}"`);
      db.exec(`CREATE TABLE "${table}" (${names.join(", ")})`);
      const rows = await client.query({ text: `SELECT ${cols.map((c) => select(c.name, c.type)).join(", ")} FROM "${table}"`, rowMode: "array" });
      const insert = db.prepare(`INSERT INTO "${table}" VALUES (${names.map(() => "?").join(", ")})`);
      for (const row of rows.rows as unknown[][]) insert.run(row.map((v) => (v === undefined ? null : typeof v === "bigint" ? String(v) : v)) as SqlValue[]);
      insert.free();
    }
    const stamp = tables.has("job") && tables.has("execution") && tables.has("call_node") && tables.has("tag") ? String((await client.query(STAMP)).rows[0].stamp) : "";
    await client.query("COMMIT");
    return { db, stamp };
  } catch (error) {
    db.close();
    throw connectionProblem(url, error, "cannot be read");
  } finally {
    void client.end().catch(() => undefined);
  }
}

/** Reads the change stamp synchronously (watchers poll it): a connection kept per store. */
export class PostgresStamp {
  private pg: SyncPg | undefined;
  constructor(private readonly url: string) {}

  read(): string {
    this.pg ??= new SyncPg(clientUrl(this.url), { timeoutMs: 5_000 });
    return String(this.pg.query(STAMP)[0].stamp);
  }

  close(): void {
    this.pg?.close();
    this.pg = undefined;
  }
}
