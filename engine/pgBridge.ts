// A synchronous door to PostgreSQL. The engine's Store is synchronous (the scheduler consults it
// between two awaits, a signal handler flushes it before exit), while the `pg` client is
// asynchronous: a worker thread owns the connection and the calling thread blocks on Atomics.wait
// until the worker posts the answer. One request is one round trip; a batch runs in one transaction.
import path from "node:path";
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

export interface PgStatement {
  text: string;
  values?: unknown[];
}

/** What the worker answers: the rows of each statement, or the error PostgreSQL (or the network) gave. */
export type PgReply = { id?: number } & ({ ok: true; rows: Array<Array<Record<string, unknown>>> } | { ok: false; error: PgFailure });

export interface PgFailure {
  message: string;
  /** PostgreSQL's SQLSTATE (28P01: wrong password, 3D000: no such database) or Node's (ECONNREFUSED). */
  code?: string;
}

export class PgFailureError extends Error {
  constructor(readonly failure: PgFailure) {
    super(failure.message);
    this.name = "PgFailureError";
  }
}

export interface PgRequest {
  /** Echoed by the answer: one that comes after its request timed out is recognised and dropped. */
  id?: number;
  statements: PgStatement[];
  /** Run them in one transaction (BEGIN … COMMIT; ROLLBACK on any failure). */
  transaction?: boolean;
}

/** The longest one request may take before the store is reported unreachable (a run's writes). */
const REQUEST_TIMEOUT_MS = 120_000;

export class SyncPg {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private closed = false;
  private nextId = 1;
  private readonly timeoutMs: number;

  /**
   * Connects (blocking) to the server the URL names; throws PgFailureError when it cannot.
   * `timeoutMs` bounds the connection and every request (a reader in an editor must not hang).
   */
  constructor(url: string, { timeoutMs = REQUEST_TIMEOUT_MS }: { timeoutMs?: number } = {}) {
    this.timeoutMs = timeoutMs;
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    // Compiled (dist/engine/): pgWorker.js beside this file; bundled: the bundle itself, which starts the worker's body when it sees tasklensPg.
    const entry = path.basename(__filename) === "pgBridge.js" ? path.join(__dirname, "pgWorker.js") : __filename;
    this.worker = new Worker(entry, { workerData: { tasklensPg: true, url, signal: shared, port: port2, connectTimeoutMs: Math.min(timeoutMs, 10_000) }, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
    this.port.unref();
    // Starting the thread and loading pg take a moment besides the connection's own time limit.
    const reply = this.wait(0, Math.min(timeoutMs, 10_000) + 10_000);
    if (!reply.ok) {
      this.close();
      throw new PgFailureError(reply.error);
    }
  }

  private wait(id: number, timeoutMs = this.timeoutMs): PgReply {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = receiveMessageOnPort(this.port);
      if (message) {
        Atomics.store(this.signal, 0, 0);
        const reply = message.message as PgReply;
        if ((reply.id ?? 0) === id) return reply;
        continue; // the late answer of a request that timed out
      }
      if (Date.now() > deadline) return { ok: false, error: { message: `no answer within ${timeoutMs / 1000} s`, code: "ETIMEDOUT" } };
      Atomics.wait(this.signal, 0, 0, 1000);
      Atomics.store(this.signal, 0, 0);
    }
  }

  /** Runs the statements (in one transaction when asked); the rows of each, or PgFailureError. */
  run(request: PgRequest): Array<Array<Record<string, unknown>>> {
    if (this.closed) throw new PgFailureError({ message: "the connection is closed" });
    const id = this.nextId++;
    this.port.postMessage({ ...request, id });
    const reply = this.wait(id);
    if (!reply.ok) throw new PgFailureError(reply.error);
    return reply.rows;
  }

  query(text: string, values?: unknown[]): Array<Record<string, unknown>> {
    return this.run({ statements: [{ text, values }] })[0];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}
