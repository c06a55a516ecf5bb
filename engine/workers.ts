// A pool of worker threads for tasks with `executor: "worker"`: CPU-bound bodies use every core.
// Arguments and results cross as the store encodes them; each worker loads the workflow once.
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { CallExpression, registry, TaskDefinition } from "./task";
import { deserializeValue, serializeValue } from "./values";

/** What a worker sends back: the encoded result, or what the body threw. */
export type WorkerReply =
  | { id: number; ok: true; value: string }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } | { thrown: string } };

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly waiting: Array<(worker: Worker) => void> = [];
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; worker: Worker }>();
  private nextId = 0;

  constructor(private readonly workflowFile: string, readonly size = os.availableParallelism()) {}

  /** Runs a task's body in a worker; resolves with its immediate result (calls in it are this run's calls), wrapped. */
  async run(def: TaskDefinition, args: unknown[]): Promise<{ value: unknown }> {
    const encodedArgs = serializeValue(args, `the arguments of ${def.fullName}`);
    const worker = await this.take();
    try {
      const id = this.nextId++;
      const reply = await new Promise<unknown>((resolve, reject) => {
        this.pending.set(id, { resolve, reject, worker });
        worker.postMessage({ id, task: def.fullName, args: encodedArgs });
      });
      const value = deserializeValue(reply as string, (name, callArgs) => {
        const target = registry.get(name);
        if (!target) throw new Error(`the worker's result calls task ${name}, which is not defined here`);
        return new CallExpression(target, callArgs);
      });
      return { value };
    } finally {
      this.give(worker);
    }
  }

  private take(): Promise<Worker> {
    const worker = this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : undefined);
    if (worker) {
      worker.ref();
      return Promise.resolve(worker);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(worker: Worker): void {
    if (!this.all.includes(worker)) return;
    const next = this.waiting.shift();
    if (next) return next(worker);
    // An idle worker does not keep the process alive.
    worker.unref();
    this.idle.push(worker);
  }

  private spawn(): Worker {
    // Compiled (dist/engine/): worker.js beside this file; bundled: the bundle itself, which starts a worker's body when it sees tasklensWorker.
    const entry = path.basename(__filename) === "workers.js" ? path.join(__dirname, "worker.js") : __filename;
    const worker = new Worker(entry, { workerData: { tasklensWorker: true, file: this.workflowFile } });
    this.all.push(worker);
    worker.on("message", (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else if ("thrown" in reply.error) pending.reject(deserializeValue(reply.error.thrown));
      else pending.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
    });
    const lost = (why: unknown) => {
      this.all.splice(this.all.indexOf(worker), 1);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(why instanceof Error ? why : new Error(`the worker thread stopped (exit code ${String(why)})`));
      }
    };
    worker.on("error", lost);
    worker.on("exit", lost);
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.splice(0).map((w) => w.terminate()));
  }
}
