// The language server over JSON-RPC, started as a process: diagnostics, quick fixes, lenses, hover.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRequire } from "node:module";
import { ROOT, waitFor, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { TextDocument } = require("vscode-languageserver-textdocument");

const applyTextEdits = (text, edits) => TextDocument.applyEdits(TextDocument.create("file:///x.ts", "typescript", 1, text), edits);

test("opening hello_world.ts publishes unhashed-constant on planet, naming the task; edits update it", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts");
    const uri = server.open(ws.path("hello_world.ts"), text);
    const [d] = await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    assert.equal(d.code, "unhashed-constant");
    assert.equal(d.source, "tasklens");
    assert.equal(d.severity, 2);
    assert.match(d.message, /getPlanet/);
    const line = text.split("\n")[d.range.start.line];
    assert.equal(line.slice(d.range.start.character, d.range.end.character), "planet");
    assert.equal(d.data.task, "examples.hello_world.getPlanet");
    // A burst of edits: the latest text wins.
    let version;
    for (let i = 0; i < 5; i++) version = server.change(uri, text.replace("return planet;", `return planet + "${i}";`));
    const final = text.replace("return planet;", 'return "no constant";');
    version = server.change(uri, final);
    const after = await server.waitForDiagnostics(uri, () => true, { version });
    assert.deepEqual(after, []);
  });
});

test("every code of the fixture through the protocol, and the quick fixes as code actions", async () => {
  const ws = workspace({}, { from: join(ROOT, "test", "fixtures", "diagnostics") });
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("workflow.ts"), ws.read("workflow.ts"));
    const ds = await server.waitForDiagnostics(uri, (x) => x.length >= 8);
    const codes = new Set(ds.map((d) => d.code));
    for (const code of ["unhashed-constant", "unhashed-function", "unhashed-import", "package-import", "mutable-state", "nondeterministic", "external-input"]) assert.ok(codes.has(code), code);
    const constant = ds.find((d) => d.code === "unhashed-constant");
    const actions = await server.request("textDocument/codeAction", { textDocument: { uri }, range: constant.range, context: { diagnostics: [constant] } });
    assert.deepEqual(actions.map((a) => a.title), ["Pass `FACTOR` as a parameter default", "Add `FACTOR` to hashIncludes", "Hash the closure"]);
    assert.ok(actions[0].isPreferred);
    assert.deepEqual(actions[0].diagnostics, [constant]);
  });
});

test("applying “Pass planet as a parameter default” yields a file that runs and clears the warning", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts");
    const uri = server.open(ws.path("hello_world.ts"), text);
    const [warning] = await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    const actions = await server.request("textDocument/codeAction", { textDocument: { uri }, range: warning.range, context: { diagnostics: [warning] } });
    const fix = actions.find((a) => a.title === "Pass `planet` as a parameter default");
    const fixed = applyTextEdits(text, fix.edit.changes[uri]);
    const version = server.change(uri, fixed);
    assert.deepEqual(await server.waitForDiagnostics(uri, () => true, { version }), []);
    ws.write("hello_world.ts", fixed);
    const r = ws.run(["run", "hello_world.ts"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Hello, World!\n");
  });
});

test("CodeLens: ▶ Run task with JSON arguments; the status lens follows the store and the buffer", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir, initializationOptions: { runTasks: "client" } }, async (server) => {
    const text = ws.read("hello_world.ts");
    const file = ws.path("hello_world.ts");
    const uri = server.open(file, text);
    const statusOf = async (task) => {
      const lenses = await server.codeLens(uri);
      const forTask = lenses.filter((l) => l.command.arguments[0].task === `examples.hello_world.${task}`);
      return forTask.find((l) => /explainTask$/.test(l.command.command)).command.title;
    };
    const lenses = await server.codeLens(uri);
    const runs = lenses.filter((l) => l.command.title === "▶ Run task");
    assert.equal(runs.length, 3);
    for (const lens of runs) {
      assert.equal(lens.command.command, "tasklens.runTask");
      assert.deepEqual(Object.keys(lens.command.arguments[0]).sort(), ["dialect", "file", "params", "runnable", "task"]);
      assert.equal(lens.command.arguments[0].file, file);
      const { runnable, task } = lens.command.arguments[0];
      assert.deepEqual(runnable, { dialect: "tasklens", cwd: ws.dir, args: ["run", file, task], file, task });
      assert.deepEqual(JSON.parse(JSON.stringify(lens.command.arguments)), lens.command.arguments, "JSON-only arguments");
    }
    assert.equal(await statusOf("getPlanet"), "never run");

    assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
    await waitFor(async () => (await statusOf("getPlanet")).startsWith("✓ cached"), { what: "the cached lens after a CLI run" });
    assert.match(await statusOf("getPlanet"), /^✓ cached · just now$/);
    assert.ok(server.lensRefreshes >= 1, "the server asked the client to refresh its lenses");

    server.change(uri, text.replace('const planet = "World"', 'const planet = "Mars"'));
    assert.equal(await statusOf("getPlanet"), "⚠ stale: planet changed (not hashed)");
    const stale = await server.waitForDiagnostics(uri, (ds) => ds.some((d) => d.code === "stale-cache"));
    assert.ok(stale.find((d) => d.code === "stale-cache").message.includes("planet"));

    server.change(uri, text.replace('const planet = "World"', 'const planet = "Mars"').replace("return planet;", "return planet.toUpperCase();"));
    assert.equal(await statusOf("getPlanet"), "⟳ will rerun: source changed");
    assert.match(await statusOf("main"), /^✓ cached/);

    const status = await server.request("tasklens/fileStatus", { uri });
    assert.deepEqual({ ...status, entries: undefined }, { stale: 0, willRerun: 1, tasks: 3, entries: undefined });
    // Each task with its status, for the status bar's list.
    assert.deepEqual(status.entries.map((e) => [e.task.split(".").pop(), e.status, e.line]), [["getPlanet", "will-rerun", 7], ["greeter", "may-rerun", 11], ["main", "cached", 15]]);
  });
});

test("the editor's store setting (initializationOptions) decides which store the status lens reads", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const elsewhere = ws.path("elsewhere/runs.db");
  assert.equal(ws.run(["run", "hello_world.ts", "--db", elsewhere]).code, 0);
  await withServer({ cwd: ws.dir, initializationOptions: { storeOverrides: [{ folder: ws.dir, db: elsewhere }] } }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const titles = (await server.codeLens(uri)).filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
    assert.equal(titles.length, 3);
    for (const title of titles) assert.match(title, /^✓ cached · just now$/);
  });
  // Without the setting, the project's default store: nothing ran there.
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const titles = (await server.codeLens(uri)).filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
    assert.deepEqual(titles, ["never run", "never run", "never run"]);
  });
});

test("hover on a task name: the hash manifest, the last run, and the diff against the cached source", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  ws.run(["run", "hello_world.ts"]);
  await withServer({ cwd: ws.dir }, async (server) => {
    const text = ws.read("hello_world.ts").replace("return planet;", 'return planet + "!";');
    const uri = server.open(ws.path("hello_world.ts"), text);
    const lines = text.split("\n");
    const line = lines.findIndex((l) => l.startsWith("export const getPlanet"));
    const hover = await server.request("textDocument/hover", { textDocument: { uri }, position: { line, character: "export const get".length } });
    const md = hover.contents.value;
    assert.match(md, /\*\*task examples\.hello_world\.getPlanet\*\* — ⟳ will rerun: source changed/);
    assert.match(md, /Not hashed: `planet` \(const\)/);
    assert.match(md, /Last run: just now \(done, \d+ms\)/);
    assert.match(md, /```diff[\s\S]*-  return planet;\n\+  return planet \+ "!";[\s\S]*```/);
    const none = await server.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 2 } });
    assert.equal(none, null);
  });
});

test("editing an imported helper in its own buffer updates the importing workflow's lens", async () => {
  const ws = workspace({
    "lib.ts": `export function scale(n: number): number { return n * 10; }\n`,
    "w.ts": `import { task } from "tasklens";\nimport { scale } from "./lib";\nexport const main = task(function main() { return scale(1); }, { hash: "closure" });\n`,
  });
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("w.ts"), ws.read("w.ts"));
    const libUri = server.open(ws.path("lib.ts"), ws.read("lib.ts"));
    const status = async () => (await server.codeLens(uri)).find((l) => /explainTask$/.test(l.command.command)).command.title;
    assert.match(await status(), /^✓ cached/);
    server.change(libUri, ws.read("lib.ts").replace("n * 10", "n * 11"));
    await waitFor(async () => (await status()) === "⟳ will rerun: scale changed", { what: "the closure-changed lens" });
  });
});
