// Language-server benchmark, through the protocol (the server started as `tasklens lsp --stdio`).
// 1. The generated 5,000-line, 500-task workflow: didOpen → first publishDiagnostics, and 100
//    whole-text edits → their publishDiagnostics (p50/p95). The server's debounce is included.
// 2. Typing (issue #13): a 2,000-line, 200-task workflow against the same text without tasklens
//    (no `import … from "tasklens"`): time to the first lens after didOpen and after the process
//    started; per keystroke (one character inserted as an incremental change, as VS Code sends it)
//    the time until the diagnostics of that version are published and a codeLens request answers
//    (the worst case: an editor asking for lenses after every key), then a typist's keys every 80 ms
//    (key → diagnostics of it or a later version); the server's CPU per key. A file that is not a
//    workflow publishes nothing after it opens: a request's answer stands for its diagnostics.
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

/**
 * Opens `text` as `name`, waits for its first lenses, then types `keys` characters into a helper's body.
 * `gapMs` undefined: each keystroke waits for its diagnostics and lenses (the worst case: an editor
 * asking for lenses after every key). `gapMs` a number: a typist, one key every gapMs whatever the
 * server does; a keystroke's latency is the time until diagnostics of its version or a later one are
 * published; the lenses are asked for once, after the last key.
 */
async function typing(name, text, keys = 60, gapMs) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const spawned = performance.now();
  const server = await startServer({ cwd: dir, initializationOptions: { runTasks: "client" } });
  try {
    const uri = pathToFileURL(file).toString();
    const initialized = performance.now() - spawned;
    let t0 = performance.now();
    server.open(file, text);
    const lenses = await server.codeLens(uri);
    const firstLens = performance.now() - t0;
    const startToLens = performance.now() - spawned;
    await server.waitForDiagnostics(uri, () => true, { timeout: 60_000 });
    const workflow = text.includes(`from "tasklens"`);
    // Type inside the 100th helper's return expression: `return x * 2 + LIMIT_100` → `… + 1111…`.
    const needle = "  return x * 2 + LIMIT_100;";
    let offset = text.indexOf(needle) + needle.length - 1;
    const lines = text.slice(0, offset).split("\n");
    const position = () => ({ line: lines.length - 1, character: lines[lines.length - 1].length });
    const times = [];
    const cpu0 = cpuMs(server.child.pid);
    const pending = [];
    for (let version = 2; version < keys + 2; version++) {
      const at = position();
      const key = version === 2 ? " + 1" : "1";
      const sent = performance.now();
      server.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: key }] });
      lines[lines.length - 1] += key;
      offset += key.length;
      if (gapMs === undefined) {
        await Promise.all([workflow ? server.waitForDiagnostics(uri, () => true, { version, timeout: 60_000 }) : undefined, server.codeLens(uri)]);
        times.push(performance.now() - sent);
        await new Promise((r) => setTimeout(r, 20));
      } else {
        // A file that is not a workflow publishes nothing after it opens: the server answering a request stands for it.
        const caughtUp = workflow ? server.waitForDiagnostics(uri, () => true, { version, timeout: 60_000 }) : server.request("tasklens/fileStatus", { uri });
        pending.push(caughtUp.then(() => times.push(performance.now() - sent)));
        await new Promise((r) => setTimeout(r, gapMs));
      }
    }
    await Promise.all(pending);
    if (gapMs !== undefined) {
      t0 = performance.now();
      await server.codeLens(uri);
      times.lastLens = performance.now() - t0;
    }
    const cpuPerKey = (cpuMs(server.child.pid) - cpu0) / keys;
    return { lines: text.split("\n").length, lenses: lenses.length, firstLens, initialized, startToLens, times, cpuPerKey };
  } finally {
    await server.stop();
  }
}

const workflow = generateWorkflow(200);
const plain = workflow.replace(`import { task } from "tasklens";`, `const task = <T>(f: T, _o?: unknown): T => f;`);
const GAP = 80;
console.log(`typing: ${workflow.split("\n").length} lines, 200 tasks; 60 keystrokes`);
for (const [label, name, text] of [["workflow", "typing-workflow.ts", workflow], ["without tasklens", "typing-plain.ts", plain]]) {
  const each = await typing(name, text);
  const typist = await typing(name.replace(".ts", "-typist.ts"), text, 60, GAP);
  console.log(`  ${label}: first lens ${each.firstLens.toFixed(0)} ms after didOpen (${each.lenses} lenses); ${each.startToLens.toFixed(0)} ms after the server process started (initialize answered at ${each.initialized.toFixed(0)} ms)`);
  console.log(`    each key waits for diagnostics + lenses: ${percentiles(each.times)}; server CPU ${each.cpuPerKey.toFixed(0)} ms/key`);
  console.log(`    a key every ${GAP} ms, key → its diagnostics: ${percentiles(typist.times)}; server CPU ${typist.cpuPerKey.toFixed(0)} ms/key; lenses after the last key ${typist.times.lastLens.toFixed(0)} ms`);
}
