// Language-server benchmark on a redun workflow: the 5,383-line, 500-task .py fixture through the
// protocol, against a warm full parse of the same text in this process. Prints didOpen → first
// publishDiagnostics, and didChange → publishDiagnostics over 100 edits (p50/p95/max, the server's
// debounce included), and their ratio to the warm full parse.
// Usage: node bench/lsp-redun/run.mjs
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../test/helpers.mjs";
import { startServer } from "../../test/lsp/client.mjs";
import { percentiles } from "../generate.mjs";

const { discoverTasks } = await import(join(ROOT, "dist", "dialects", "redun", "hash", "discover.js"));
const source = readFileSync(join(ROOT, "test", "fixtures", "redun", "hashes", "big.py"), "utf8");

// A warm full parse: the median of 20 after 5 unmeasured.
const parses = [];
for (let i = 0; i < 25; i++) {
  const t0 = performance.now();
  discoverTasks(source, { moduleName: "big" });
  if (i >= 5) parses.push(performance.now() - t0);
}
parses.sort((a, b) => a - b);
const warm = parses[parses.length >> 1];

const dir = mkdtempSync(join(tmpdir(), "tasklens-bench-lsp-redun-"));
const file = join(dir, "big.py");
writeFileSync(file, source);
const server = await startServer({ cwd: dir });
try {
  let text = source;
  let t0 = performance.now();
  const uri = server.open(file, text, "python");
  const first = await server.waitForDiagnostics(uri, () => true, { timeout: 60_000 });
  const firstMs = performance.now() - t0;
  console.log(`lsp benchmark (redun): ${text.split("\n").length} lines, 500 tasks, ${first.length} diagnostics`);
  console.log(`warm full parse in process (median of 20): ${warm.toFixed(1)} ms`);
  console.log(`first analysis (didOpen → publishDiagnostics): ${firstMs.toFixed(1)} ms`);
  const times = [];
  for (let i = 0; i < 100; i++) {
    // An edit inside one task's body, a different task each time.
    text = text.replace(`total = x + ${i}\n`, `total = x + ${i} + 1\n`);
    t0 = performance.now();
    const version = server.change(uri, text);
    await server.waitForDiagnostics(uri, () => true, { version, timeout: 60_000 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`didChange → publishDiagnostics (100 edits): ${percentiles(times)}`);
  console.log(`ratio to the warm full parse: p50 ${(times[50] / warm).toFixed(2)}×, p95 ${(times[95] / warm).toFixed(2)}×`);
} finally {
  await server.stop();
}
