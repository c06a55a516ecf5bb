// The body of SyncPg's worker thread (pgBridge.ts): one `pg` connection, requests answered in order.
// Credentials come from the URL, the PG* variables or ~/.pgpass, as `pg` (libpq's rules) finds them.
import { workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { Client } from "pg";
import type { PgReply, PgRequest } from "./pgBridge";
import { clientUrl } from "../core/paths";

const { url, signal, port, connectTimeoutMs } = workerData as { url: string; signal: SharedArrayBuffer; port: MessagePort; connectTimeoutMs: number };
const flag = new Int32Array(signal);

function answer(reply: PgReply): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function failure(error: unknown): PgReply {
  const e = error as { message?: string; code?: string };
  return { ok: false, error: { message: String(e?.message ?? error), code: e?.code } };
}

const client = new Client({ connectionString: clientUrl(url), connectionTimeoutMillis: connectTimeoutMs });
// A connection lost later is reported with the next request.
client.on("error", () => undefined);
let queue = Promise.resolve();

client.connect().then(
  () => answer({ ok: true, rows: [] }),
  (error) => answer(failure(error)),
);

port.on("message", (request: PgRequest) => {
  queue = queue.then(async () => {
    const rows: Array<Array<Record<string, unknown>>> = [];
    try {
      if (request.transaction) await client.query("BEGIN");
      for (const s of request.statements) rows.push((await client.query(s.text, s.values)).rows);
      if (request.transaction) await client.query("COMMIT");
      answer({ id: request.id, ok: true, rows });
    } catch (error) {
      if (request.transaction) await client.query("ROLLBACK").catch(() => undefined);
      answer({ id: request.id, ...failure(error) });
    }
  });
});
