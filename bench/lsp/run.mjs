// Language-server benchmark: the generated 5,000-line, 500-task workflow through the
// protocol. Prints the time from didOpen to the first publishDiagnostics, and from each of 100
// didChange notifications to its publishDiagnostics (p50/p95). The server debounces edits by
// DEBOUNCE_MS (server/protocol.ts); that wait is included.
// Usage: node bench/lsp/run.mjs
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../test/lsp/client.mjs";
import { editGeneratedWorkflow, generateWorkflow, percentiles } from "../generate.mjs";

const dir = mkdtempSync(join(tmpdir(), "tasklens-bench-lsp-"));
const file = join(dir, "big.ts");
let text = generateWorkflow(500);
writeFileSync(file, text);
const server = await startServer({ cwd: dir });
try {
  let t0 = performance.now();
  const uri = server.open(file, text);
  const first = await server.waitForDiagnostics(uri, () => true, { timeout: 60_000 });
  const firstMs = performance.now() - t0;
  console.log(`lsp benchmark: ${text.split("\n").length} lines, 500 tasks, ${first.length} diagnostics`);
  console.log(`first analysis (didOpen → publishDiagnostics): ${firstMs.toFixed(1)} ms`);
  const times = [];
  for (let i = 0; i < 100; i++) {
    text = editGeneratedWorkflow(text, i);
    t0 = performance.now();
    const version = server.change(uri, text);
    await server.waitForDiagnostics(uri, () => true, { version, timeout: 60_000 });
    times.push(performance.now() - t0);
  }
  console.log(`didChange → publishDiagnostics (100 edits): ${percentiles(times)}`);
} finally {
  await server.stop();
}
