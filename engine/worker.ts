// The body of a worker thread (see workers.ts): loads the workflow, then runs task bodies on request.
import { parentPort, workerData } from "node:worker_threads";
import { loadWorkflow } from "./loader";
import { registry } from "./task";
import { deserializeValue, serializeValue } from "./values";
import type { WorkerReply } from "./workers";

const { file } = workerData as { file: string };
let loadError: unknown;
try {
  loadWorkflow(file);
} catch (error) {
  loadError = error;
}

parentPort!.on("message", async ({ id, task, args }: { id: number; task: string; args: string }) => {
  let reply: WorkerReply;
  try {
    if (loadError) throw loadError;
    const def = registry.get(task);
    if (!def) throw new Error(`task ${task} is not defined in the worker thread`);
    let result = def.fn(...(deserializeValue(args) as unknown[]));
    if (result instanceof Promise) result = await result;
    reply = { id, ok: true, value: serializeValue(result, "result") };
  } catch (error) {
    let thrown: string;
    try {
      thrown = serializeValue(error);
    } catch {
      thrown = serializeValue(String(error));
    }
    reply = { id, ok: false, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { thrown } };
  }
  parentPort!.postMessage(reply);
});
