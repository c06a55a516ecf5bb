// The CLI as one entry point for the extension's bundle (bin/tasklens.js does the same for npm). The
// bundle is also what `executor: "worker"` threads load: one copy of the engine in the .vsix.
import { isMainThread, workerData } from "node:worker_threads";
import { main } from "./main";

if (!isMainThread && (workerData as { tasklensWorker?: boolean } | null)?.tasklensWorker) {
  require("../engine/worker");
} else if (!isMainThread && (workerData as { tasklensPg?: boolean } | null)?.tasklensPg) {
  require("../engine/pgWorker");
} else {
  process.setSourceMapsEnabled(true);
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
