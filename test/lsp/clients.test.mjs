// What LSP clients other than VS Code need (issue #13): documents keyed by file path whatever the
// URI's spelling, quick fixes anywhere on a diagnostic's lines, only importers re-analysed on an
// edit, syntax errors published, hover in the client's markup kind, a short lens for a bad store,
// and the server's own commands (run with progress, explain) over workspace/executeCommand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tempDir, waitFor, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";
import { generateWorkflow } from "../../bench/generate.mjs";
import { createRequire } from "node:module";

const rpc = createRequire(import.meta.url)("vscode-jsonrpc/node");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const statusLens = async (server, uri, task) =>
  (await server.codeLens(uri)).find((l) => /explainTask$/.test(l.command.command) && (!task || l.command.arguments[0].task.endsWith(task)))?.command.title;

test("an edit re-analyses the documents that import the edited one (transitively), not an unrelated big one", async () => {
  const ws = workspace({
    "c.ts": `export function base(n: number): number { return n + 1; }\n`,
    "b.ts": `import { base } from "./c";\nexport function scale(n: number): number { return base(n) * 10; }\n`,
    "w.ts": `import { task } from "tasklens";\nimport { scale } from "./b";\nexport const main = task(function main() { return scale(1); }, { hash: "closure" });\n`,
    "big.ts": generateWorkflow(100),
  });
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  await withServer({ cwd: ws.dir }, async (server) => {
    const bigUri = server.open(ws.path("big.ts"), ws.read("big.ts"));
    const uri = server.open(ws.path("w.ts"), ws.read("w.ts"));
    const cUri = server.open(ws.path("c.ts"), ws.read("c.ts"));
    await server.waitForDiagnostics(bigUri, (ds) => ds.length > 0, { timeout: 60_000 });
    await server.waitForDiagnostics(uri);
    assert.match(await statusLens(server, uri), /^✓ cached/);
    const bigBefore = server.publishCount(bigUri);
    const wBefore = server.publishCount(uri);
    let text = ws.read("c.ts");
    for (let i = 0; i < 8; i++) {
      text = text.replace(/n \+ \d+/, `n + ${i + 2}`);
      server.change(cUri, text);
      await sleep(350);
    }
    assert.equal(server.publishCount(bigUri) - bigBefore, 0, "the unrelated workflow is not re-analysed");
    assert.ok(server.publishCount(uri) - wBefore >= 1, "the transitive importer is re-analysed");
    await waitFor(async () => /^⟳ will rerun: \w+ changed/.test(await statusLens(server, uri)), { what: "the transitive closure-changed lens", timeout: 5000 }).catch(async (e) => assert.fail(`${e.message}: ${await statusLens(server, uri)}`));
  });
});

test("workspace/executeCommand: the server's own commands are declared; a run reports progress, shows its result and turns the lens cached", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const file = ws.path("hello_world.ts");
  const capabilities = { window: { workDoneProgress: true }, workspace: { codeLens: { refreshSupport: true } } };
  await withServer({ cwd: ws.dir, capabilities, initializationOptions: { runTasks: "server" } }, async (server) => {
    const progress = [];
    server.connection.onRequest("window/workDoneProgress/create", ({ token }) => {
      server.connection.onProgress(new rpc.ProgressType(), token, (value) => progress.push(value));
      return null;
    });
    const uri = server.open(file, ws.read("hello_world.ts"));
    assert.equal(await statusLens(server, uri, ".main"), "never run");
    const lenses = await server.codeLens(uri);
    const run = lenses.find((l) => l.command.title === "▶ Run task" && l.command.arguments[0].task.endsWith(".main"));
    assert.equal(run.command.command, "tasklens.server.runTask");
    const refreshesBefore = server.lensRefreshes;
    const result = await server.request("workspace/executeCommand", { command: run.command.command, arguments: run.command.arguments });
    assert.equal(result, "exit 0");
    assert.deepEqual(progress.map((p) => p.kind).filter((k, i, a) => a[i - 1] !== k), ["begin", "report", "end"]);
    assert.equal(progress[0].title, "tasklens: running examples.hello_world.main");
    assert.ok(server.notifications.some((n) => n.method === "window/showMessage" && /main done: Hello, World!/.test(n.params.message)));
    // The lens reads the store as the run left it as soon as the command returns.
    assert.match(await statusLens(server, uri, ".main"), /^✓ cached/);
    assert.ok(server.lensRefreshes > refreshesBefore, "the client was asked to refresh its lenses");

    // Without the cache: every job runs again (the log says Run, not Cached).
    const again = await server.request("workspace/executeCommand", { command: "tasklens.server.runTaskWithoutCache", arguments: run.command.arguments });
    assert.equal(again, "exit 0");
    assert.equal(JSON.parse(ws.run(["log", "--json"]).stdout).length, 2);

    // Explain answers with its text too (a client may show it in a buffer).
    const explained = await server.request("workspace/executeCommand", { command: "tasklens.server.explainTask", arguments: run.command.arguments });
    assert.match(explained, /main/);
  });
});

test("executeCommandProvider lists every server command; an untrusted workspace runs nothing", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const { startServer } = await import("./client.mjs");
  const server = await startServer({ cwd: ws.dir, initialize: false, initializationOptions: { runTasks: "server", trusted: false } });
  try {
    const init = await server.request("initialize", { processId: null, rootUri: pathToFileURL(ws.dir).toString(), capabilities: {}, initializationOptions: { runTasks: "server", trusted: false } });
    assert.deepEqual(init.capabilities.executeCommandProvider.commands.sort(), ["tasklens.server.explainTask", "tasklens.server.runTask", "tasklens.server.runTaskWithoutCache"]);
    server.connection.sendNotification("initialized", {});
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const run = (await server.codeLens(uri)).find((l) => l.command.title === "▶ Run task");
    await server.request("workspace/executeCommand", { command: run.command.command, arguments: run.command.arguments });
    assert.ok(server.notifications.some((n) => n.method === "window/showMessage" && /untrusted/.test(n.params.message)));
    assert.equal(JSON.parse(ws.run(["log", "--json"]).stdout).length, 0, "nothing ran");
  } finally {
    await server.stop();
  }
});

test("documents are keyed by file path: a folder named café with Neovim's lowercase percent-escapes", async () => {
  const root = join(tempDir(), "café");
  mkdirSync(root);
  const ws = workspace({});
  const files = {
    "lib.ts": `export function scale(n: number): number { return n * 10; }\n`,
    "w.ts": `import { task } from "tasklens";\nimport { scale } from "./lib";\nexport const main = task(function main() { return scale(1); }, { hash: "closure" });\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  assert.equal(ws.run(["run", join(root, "w.ts")], { cwd: root }).code, 0);
  const lower = (file) => pathToFileURL(file).toString().replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  assert.match(lower(join(root, "w.ts")), /caf%c3%a9\/w\.ts$/);
  await withServer({ cwd: root, workspaceFolders: [root] }, async (server) => {
    const uri = lower(join(root, "w.ts"));
    const libUri = lower(join(root, "lib.ts"));
    const send = (u, text, version) => server.connection.sendNotification(version === 1 ? "textDocument/didOpen" : "textDocument/didChange", version === 1 ? { textDocument: { uri: u, languageId: "typescript", version, text } } : { textDocument: { uri: u, version }, contentChanges: [{ text }] });
    send(uri, files["w.ts"], 1);
    send(libUri, files["lib.ts"], 1);
    await server.waitForDiagnostics(uri);
    assert.match(await statusLens(server, uri), /^✓ cached/);
    send(libUri, files["lib.ts"].replace("n * 10", "n * 11"), 2);
    await waitFor(async () => (await statusLens(server, uri)) === "⟳ will rerun: scale changed", { what: "the closure-changed lens", timeout: 5000 }).catch(async (e) => assert.fail(`${e.message}: ${await statusLens(server, uri)}`));
    // The same document asked for under the other spelling of its URI.
    assert.equal(await statusLens(server, pathToFileURL(join(root, "w.ts")).toString()), "⟳ will rerun: scale changed");
  });
});

test("quick fixes anywhere on a diagnostic's lines, not only on the flagged word", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const [warning] = await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    const line = warning.range.start.line;
    // The cursor at the start of the line, no diagnostics in the context (as Neovim sends them from elsewhere on the line).
    const at = { line, character: 0 };
    const actions = await server.request("textDocument/codeAction", { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } });
    assert.ok(actions.some((a) => a.title === "Pass `planet` as a parameter default"), JSON.stringify(actions.map((a) => a.title)));
    const elsewhere = { line: line + 3, character: 0 };
    const none = await server.request("textDocument/codeAction", { textDocument: { uri }, range: { start: elsewhere, end: elsewhere }, context: { diagnostics: [] } });
    assert.ok(!none.some((a) => a.title === "Pass `planet` as a parameter default"));
  });
});

test("syntax errors of a workflow are published as diagnostics, as check reports them", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts").replace("return planet;", "return planet +;");
    const uri = server.open(ws.path("hello_world.ts"), text);
    const ds = await server.waitForDiagnostics(uri, (x) => x.some((d) => d.code === "syntax-error"), { timeout: 5000 });
    const error = ds.find((d) => d.code === "syntax-error");
    ws.write("hello_world.ts", text);
    const rows = JSON.parse(ws.run(["check", "--json", "hello_world.ts"]).stdout).filter((r) => r.code === "syntax-error");
    assert.equal(rows.length, 1);
    assert.equal(error.severity, 1);
    assert.equal(error.source, "tasklens");
    assert.equal(error.message, rows[0].message);
    assert.deepEqual(error.range.start, { line: rows[0].line - 1, character: rows[0].col - 1 });
  });
});

test("hover in the client's markup kind; on the task function's own name and on a call of the task", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const text = ws.read("hello_world.ts");
  const lines = text.split("\n");
  const at = (needle, offset = 0) => {
    const line = lines.findIndex((l) => l.includes(needle));
    return { line, character: lines[line].indexOf(needle) + offset };
  };
  const plaintext = { textDocument: { hover: { contentFormat: ["plaintext"] } }, workspace: { codeLens: { refreshSupport: true } } };
  await withServer({ cwd: ws.dir, capabilities: plaintext }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), text);
    const hover = await server.request("textDocument/hover", { textDocument: { uri }, position: at("const getPlanet", 8) });
    assert.equal(hover.contents.kind, "plaintext");
    assert.match(hover.contents.value, /^task examples\.hello_world\.getPlanet — never run/);
    assert.doesNotMatch(hover.contents.value, /\*\*|`/);
  });
  const markdown = { textDocument: { hover: { contentFormat: ["markdown", "plaintext"] } } };
  await withServer({ cwd: ws.dir, capabilities: markdown }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), text);
    const own = await server.request("textDocument/hover", { textDocument: { uri }, position: at("function getPlanet", "function ".length + 2) });
    assert.equal(own?.contents.kind, "markdown");
    assert.match(own.contents.value, /\*\*task examples\.hello_world\.getPlanet\*\*/);
    const call = await server.request("textDocument/hover", { textDocument: { uri }, position: at("getPlanet())", 3) });
    assert.match(call?.contents.value ?? "", /\*\*task examples\.hello_world\.getPlanet\*\*/);
    const greeterCall = await server.request("textDocument/hover", { textDocument: { uri }, position: at("greeter(greet,", 2) });
    assert.match(greeterCall?.contents.value ?? "", /\*\*task examples\.hello_world\.greeter\*\*/);
  });
});

test("a corrupt store: a short lens; the reason and the store's path in the hover", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  mkdirSync(join(ws.dir, ".tasklens"));
  writeFileSync(join(ws.dir, ".tasklens", "cache.db"), "garbage, not a database".repeat(20));
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts");
    const uri = server.open(ws.path("hello_world.ts"), text);
    const titles = (await server.codeLens(uri)).filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
    assert.deepEqual(titles, ["⚠ store unavailable", "⚠ store unavailable", "⚠ store unavailable"]);
    const line = text.split("\n").findIndex((l) => l.startsWith("export const getPlanet"));
    const hover = await server.request("textDocument/hover", { textDocument: { uri }, position: { line, character: 15 } });
    assert.match(hover.contents.value, /store unavailable: the store .*cache\.db cannot be used: it is not an SQLite database/);
  });
});

test("clients without lenses (Helix, eglot, Zed): Run and Explain as code actions on a task's line", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const text = ws.read("hello_world.ts");
  const line = text.split("\n").findIndex((l) => l.startsWith("export const main"));
  const actionsAt = (server, uri) => server.request("textDocument/codeAction", { textDocument: { uri }, range: { start: { line, character: 3 }, end: { line, character: 3 } }, context: { diagnostics: [] } });
  await withServer({ cwd: ws.dir, initializationOptions: { runTasks: "server" } }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), text);
    const actions = await actionsAt(server, uri);
    assert.deepEqual(actions.map((a) => a.title), ["tasklens: Run examples.hello_world.main", "tasklens: Run examples.hello_world.main without cache", "tasklens: Explain examples.hello_world.main (never run)"]);
    const result = await server.request("workspace/executeCommand", actions[0].command);
    assert.equal(result, "exit 0");
    assert.match((await actionsAt(server, uri))[2].title, /\(✓ cached/);
  });
  // VS Code's extension runs and explains tasks itself: no such actions for it.
  await withServer({ cwd: ws.dir, initializationOptions: { runTasks: "client" } }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), text);
    assert.deepEqual(await actionsAt(server, uri), []);
  });
});

test("a file that is not a workflow is not analysed on each edit; one that stops being a workflow loses its diagnostics", async () => {
  const ws = workspace({ "helper.ts": `export function scale(n: number): number { return n * 10; }\n` }, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const helperUri = server.open(ws.path("helper.ts"), ws.read("helper.ts"));
    await server.waitForDiagnostics(helperUri);
    await sleep(100);
    const before = server.publishCount(helperUri);
    let text = ws.read("helper.ts");
    for (let i = 0; i < 5; i++) {
      text = text.replace(/n \* \d+/, `n * ${20 + i}`);
      server.change(helperUri, text);
      await sleep(120);
    }
    assert.deepEqual(await server.codeLens(helperUri), []);
    assert.equal(server.publishCount(helperUri) - before, 0, "no diagnostics published for a file with nothing to show");

    const workflow = ws.read("hello_world.ts");
    const uri = server.open(ws.path("hello_world.ts"), workflow);
    await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    const version = server.change(uri, workflow.replace('import { task } from "tasklens";', 'const task = <T>(f: T, _o?: unknown): T => f;'));
    assert.deepEqual(await server.waitForDiagnostics(uri, (ds) => ds.length === 0, { version }), []);
    assert.deepEqual(await server.codeLens(uri), []);
  });
});

test("requests arriving together after an edit (lenses, status bar, hover) share one analysis", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts");
    const uri = server.open(ws.path("hello_world.ts"), text);
    await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    await sleep(100);
    for (let i = 0; i < 3; i++) {
      const before = server.publishCount(uri);
      server.change(uri, text.replace('"World"', `"World${i}"`));
      const position = { line: 6, character: 15 };
      const [lenses, status, hover] = await Promise.all([server.codeLens(uri), server.request("tasklens/fileStatus", { uri }), server.request("textDocument/hover", { textDocument: { uri }, position })]);
      assert.equal(lenses.length, 3);
      assert.equal(status.tasks, 3);
      assert.ok(hover);
      await sleep(150);
      assert.equal(server.publishCount(uri) - before, 1, "one analysis, one publish per edit");
    }
  });
});
