// Language-server benchmark, through the protocol (the server started as `tasklens lsp --stdio`).
// 1. The generated 5,000-line, 500-task workflow: didOpen → first publishDiagnostics, and 100
//    whole-text edits → their publishDiagnostics (p50/p95). The server's debounce is included.
// 2. Typing (issue #13): a 2,000-line, 200-task workflow against the same text without tasklens
//    (no `import … from "tasklens"`): time to the first lens after didOpen, and per keystroke (one
//    character inserted as an incremental change, as VS Code sends it) the time until both the
//    diagnostics of that version are published and a codeLens request answers (an editor asks for
//    lenses after each edit). p50/p95/max per keystroke.
// Usage: node bench/lsp/run.mjs [--typing-only]
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startServer } from "../../test/lsp/client.mjs";
import { editGeneratedWorkflow, generateWorkflow, percentiles } from "../generate.mjs";

const dir = mkdtempSync(join(tmpdir(), "tasklens-bench-lsp-"));

if (!process.argv.includes("--typing-only")) {
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
}

/** CPU time (user + system) the server process has used so far, in ms (Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Opens `text` as `name`, waits for its first lenses, then types `keys` characters into a helper's body one at a time. */
async function typing(name, text, keys = 60) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const server = await startServer({ cwd: dir, initializationOptions: { runTasks: "client" } });
  try {
    const uri = pathToFileURL(file).toString();
    let t0 = performance.now();
    server.open(file, text);
    const lenses = await server.codeLens(uri);
    const firstLens = performance.now() - t0;
    await server.waitForDiagnostics(uri, () => true, { timeout: 60_000 });
    // Type inside the 100th helper's return expression: `return x * 2 + LIMIT_100` → `… + 1111…`.
    const needle = "  return x * 2 + LIMIT_100;";
    let offset = text.indexOf(needle) + needle.length - 1;
    const lines = text.slice(0, offset).split("\n");
    const position = () => ({ line: lines.length - 1, character: lines[lines.length - 1].length });
    const times = [];
    const cpu0 = cpuMs(server.child.pid);
    for (let version = 2; version < keys + 2; version++) {
      const at = position();
      const key = version === 2 ? " + 1" : "1";
      t0 = performance.now();
      server.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: key }] });
      lines[lines.length - 1] += key;
      offset += key.length;
      await Promise.all([server.waitForDiagnostics(uri, () => true, { version, timeout: 60_000 }), server.codeLens(uri)]);
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const cpuPerKey = (cpuMs(server.child.pid) - cpu0) / keys;
    return { lines: text.split("\n").length, lenses: lenses.length, firstLens, times, cpuPerKey };
  } finally {
    await server.stop();
  }
}

const workflow = generateWorkflow(200);
const plain = workflow.replace(`import { task } from "tasklens";`, `const task = <T>(f: T, _o?: unknown): T => f;`);
const w = await typing("typing-workflow.ts", workflow);
const p = await typing("typing-plain.ts", plain);
console.log(`typing: ${w.lines} lines, 200 tasks`);
console.log(`  workflow:         first lens ${w.firstLens.toFixed(0)} ms (${w.lenses} lenses); per keystroke (publish + codeLens): ${percentiles(w.times)}; server CPU ${w.cpuPerKey.toFixed(0)} ms/key`);
console.log(`  without tasklens: first lens ${p.firstLens.toFixed(0)} ms (${p.lenses} lenses); per keystroke (publish + codeLens): ${percentiles(p.times)}; server CPU ${p.cpuPerKey.toFixed(0)} ms/key`);
