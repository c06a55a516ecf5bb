// The command line as a user meets it: parameters, help, errors, --json, log, the transpile cache.
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runJson, tempDir, workspace } from "../helpers.mjs";

test("parameters are parsed from declared types and defaults; --help lists them", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const show = task(function show(name: string, count: number, loud: boolean = false, tags: string[] = [], opts: { depth: number } = { depth: 1 }, ratio = 0.5) {
  return { name, count, loud, tags, opts, ratio };
});
`,
  });
  const { code, doc, stderr } = runJson(ws, ["run", "w.ts", "show", "--name", "x y", "--count", "-3", "--loud", "--tags", "a,b", "--opts", '{"depth":2}', "--ratio", "2"]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(doc.result, { name: "x y", count: -3, loud: true, tags: ["a", "b"], opts: { depth: 2 }, ratio: 2 });
  const help = ws.run(["run", "w.ts", "show", "--help"]);
  assert.equal(help.code, 0);
  for (const line of ["--name <string> (required)", "--count <number> (required)", "--loud <boolean> (default: false)", "--tags <string[]> (default: [])", "--ratio <number> (default: 0.5)"]) {
    assert.ok(help.stdout.includes(line), `${line} in:\n${help.stdout}`);
  }
  const bad = ws.run(["run", "w.ts", "show", "--name", "x", "--count", "many"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--count: expected a number, got "many"/);
  const missing = ws.run(["run", "w.ts", "show", "--count", "1"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --name/);
  const unknown = ws.run(["run", "w.ts", "show", "--name", "x", "--count", "1", "--colour", "red"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no parameter --colour/);
});

test("an unknown task: exit 2 and the list of tasks in the file", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const r = ws.run(["run", "hello_world.ts", "nope"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no task "nope"/);
  for (const name of ["main", "greeter", "getPlanet"]) assert.match(r.stderr, new RegExp(`examples\\.hello_world\\.${name}`));
});

test("a syntax error in the workflow: exit 2 with file:line:col; no such file: exit 2", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nexport const main = task(function main() {\n  return [1, 2;\n});\n` });
  const r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^w\.ts:3:15: syntax error: ',' expected/);
  ws.write("tla.ts", `import { task } from "tasklens";\nconst x = await Promise.resolve(1);\nexport const main = task(function main() { return x; });\n`);
  const tla = ws.run(["run", "tla.ts"]);
  assert.equal(tla.code, 2);
  assert.equal(tla.stderr, "tla.ts:2:11: top-level await is not supported in a workflow file (workflows load as CommonJS); move the awaited work into a task\n");
  const missing = ws.run(["run", "missing.ts"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such workflow file: missing\.ts/);
});

test("two tasks with one full name: exit 2 naming both definitions", () => {
  const ws = workspace({
    "lib.ts": `import { task } from "tasklens";\nexport const taskNamespace = "shared";\nexport const load = task(function load() { return 1; });\n`,
    "w.ts": `import { task } from "tasklens";\nimport { load as other } from "./lib";\nexport const taskNamespace = "shared";\n\nexport const load = task(function load() { return other(); });\n`,
  });
  const r = ws.run(["run", "w.ts", "load"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /two tasks are named shared\.load: at lib\.ts:3 and at w\.ts:5\. Give one a different name/);
});

test("--json is exactly the documented document", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const { doc } = runJson(ws, ["run", "hello_world.ts"]);
  assert.deepEqual(Object.keys(doc).sort(), ["executionId", "jobs", "result", "status"]);
  assert.equal(doc.status, "done");
  assert.equal(doc.result, "Hello, World!");
  assert.equal(doc.jobs.length, 3);
  for (const job of doc.jobs) {
    assert.deepEqual(Object.keys(job).sort(), ["args", "callHash", "durationMs", "id", "parentId", "status", "task"]);
    assert.match(job.callHash, /^[0-9a-f]{64}$/);
    assert.equal(typeof job.durationMs, "number");
  }
  const main = doc.jobs.find((j) => j.task === "examples.hello_world.main");
  assert.deepEqual(main.args, ["Hello"]);
  assert.equal(main.parentId, null);
  const greeter = doc.jobs.find((j) => j.task === "examples.hello_world.greeter");
  assert.deepEqual(greeter.args, ["Hello", "World"]);
  assert.equal(greeter.parentId, main.id);
  ws.edit("hello_world.ts", "return planet;", "throw new Error('x');");
  const failed = runJson(ws, ["run", "hello_world.ts"]);
  assert.equal(failed.code, 1);
  assert.equal(failed.doc.status, "failed");
  assert.match(failed.doc.error, /getPlanet: Error: x/);
});

test("tasklens log: executions, the job tree, a job's details, --json", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  ws.run(["run", "hello_world.ts"]);
  ws.edit("hello_world.ts", "return planet;", "throw new Error('no planet');");
  ws.run(["run", "hello_world.ts"]);
  const list = ws.run(["log"]).stdout.trim().split("\n");
  assert.equal(list.length, 2);
  assert.match(list[0], /^Exec [0-9a-f]{8} \[FAILED\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d:  run hello_world\.ts$/);
  assert.match(list[1], /^Exec [0-9a-f]{8} \[ DONE \] /);
  const tree = ws.run(["log", "-"]).stdout;
  assert.match(tree, /Job [0-9a-f]{8} \[FAILED\] .*examples\.hello_world\.main\(greet='Hello'\)/);
  assert.match(tree, /\n  Job [0-9a-f]{8} \[FAILED\] .*examples\.hello_world\.getPlanet\(\)/);
  const previous = ws.run(["log", "~1"]).stdout;
  assert.match(previous, /\[ DONE \][\s\S]*greeter\(greet='Hello', thing='World'\)/);
  const json = JSON.parse(ws.run(["log", "~1", "--json"]).stdout);
  const greeter = json.jobs.find((j) => j.task.endsWith("greeter"));
  const details = ws.run(["log", greeter.id.slice(0, 8)]).stdout;
  assert.match(details, /Result: 'Hello, World!'/);
  assert.match(details, /^  greet = 'Hello'\n  thing = 'World'$/m, "arguments by parameter name");
  assert.match(details, /Upstream dataflow:\n  thing <- Job [0-9a-f]{8} examples\.hello_world\.getPlanet\(\) = 'World'/);
  assert.match(details, /Source:\n  function greeter\(greet: string, thing: string\): string \{/);
  const failedJob = JSON.parse(ws.run(["log", "-", "--json"]).stdout).jobs.find((j) => j.task.endsWith("getPlanet"));
  const failedDetails = JSON.parse(ws.run(["log", failedJob.id.slice(0, 8), "--json"]).stdout);
  assert.equal(failedDetails.status, "failed");
  assert.match(failedDetails.traceback, /Traceback[\s\S]*Error: no planet/);
  assert.match(failedDetails.error, /no planet/);
  const none = ws.run(["log", "ffffffffff"]);
  assert.equal(none.code, 2);
});

test(".mjs workflows and ESM packages load too; stack traces name the file", () => {
  const ws = workspace({
    "package.json": JSON.stringify({ name: "esm-project", type: "module" }),
    "w.mjs": `import { task } from "tasklens";\nconst base = 2;\nexport const double = task(function double(n = 3) { return n * base; });\nexport const main = task(function main() {\n  if (double.name) throw new Error("mjs boom");\n});\n`,
  });
  const r = ws.run(["run", "w.mjs", "double"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "6");
  const failed = ws.run(["run", "w.mjs"]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /Error: mjs boom\n\[tasklens\]     at .*w\.mjs:5:\d+/);
});

test("runs from any folder with nothing installed; transpile output is cached on disk", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const cache = tempDir();
  const elsewhere = tempDir();
  const env = { TASKLENS_CACHE_DIR: cache };
  const first = ws.run(["run", join(ws.dir, "hello_world.ts")], { cwd: elsewhere, env });
  assert.equal(first.code, 0, first.stderr);
  const entries = readdirSync(join(cache, "transpile"), { recursive: true }).filter((f) => f.endsWith(".json"));
  assert.equal(entries.length, 1);
  // A second run must not need TypeScript at all: make loading it fail.
  const guard = join(tempDir(), "no-typescript.cjs");
  writeFileSync(guard, `const M = require("module"); const load = M._load; M._load = function (r, ...a) { if (r === "typescript") throw new Error("TypeScript was loaded"); return load.call(this, r, ...a); };`);
  const second = ws.run(["run", "hello_world.ts"], { env: { ...env, NODE_OPTIONS: `--require ${guard}` } });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, "Hello, World!\n");
});
