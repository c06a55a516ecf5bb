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
export type PgReply = { ok: true; rows: Array<Array<Record<string, unknown>>> } | { ok: false; error: PgFailure };

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
  statements: PgStatement[];
  /** Run them in one transaction (BEGIN … COMMIT; ROLLBACK on any failure). */
  transaction?: boolean;
}

/** The longest one request may take before the store is reported unreachable. */
const REQUEST_TIMEOUT_MS = 120_000;

export class SyncPg {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private closed = false;

  /** Connects (blocking) to the server the URL names; throws PgFailureError when it cannot. */
  constructor(url: string) {
    const shared = new SharedArrayBuffer(4);
    this.signal = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    // Compiled (dist/engine/): pgWorker.js beside this file; bundled: the bundle itself, which starts the worker's body when it sees tasklensPg.
    const entry = path.basename(__filename) === "pgBridge.js" ? path.join(__dirname, "pgWorker.js") : __filename;
    this.worker = new Worker(entry, { workerData: { tasklensPg: true, url, signal: shared, port: port2 }, transferList: [port2] });
    this.worker.unref();
    this.port = port1;
    this.port.unref();
    const reply = this.wait();
    if (!reply.ok) {
      this.close();
      throw new PgFailureError(reply.error);
    }
  }

  private wait(): PgReply {
    const deadline = Date.now() + REQUEST_TIMEOUT_MS;
    for (;;) {
      const message = receiveMessageOnPort(this.port);
      if (message) {
        Atomics.store(this.signal, 0, 0);
        return message.message as PgReply;
      }
      if (Date.now() > deadline) return { ok: false, error: { message: `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`, code: "ETIMEDOUT" } };
      Atomics.wait(this.signal, 0, 0, 1000);
      Atomics.store(this.signal, 0, 0);
    }
  }

  /** Runs the statements (in one transaction when asked); the rows of each, or PgFailureError. */
  run(request: PgRequest): Array<Array<Record<string, unknown>>> {
    if (this.closed) throw new PgFailureError({ message: "the connection is closed" });
    this.port.postMessage(request);
    const reply = this.wait();
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
