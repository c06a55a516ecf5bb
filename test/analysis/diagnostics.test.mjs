// Diagnostics and quick fixes: each code on a fixture built to trigger it, through `tasklens check`;
// each quick fix applied to the file, which must then parse, run, and no longer show the diagnostic.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, workspace } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const { inspect } = require("../../dist/dialects/tasklens/inspect.js");
const { applyEdits } = require("../../dist/core/findings.js");
const { TasklensStoreReader } = require("../../dist/dialects/tasklens/storeReader.js");

const FIXTURE = join(ROOT, "test", "fixtures", "diagnostics");

const fixtureCopy = () => workspace({}, { from: FIXTURE });

test("tasklens check reports every static code, with the task and a precise range", () => {
  const ws = fixtureCopy();
  const r = ws.run(["check", "workflow.ts", "--json"]);
  assert.equal(r.code, 1, "warnings make check exit 1");
  const rows = JSON.parse(r.stdout);
  const text = ws.read("workflow.ts");
  const lines = text.split("\n");
  const at = (row) => lines[row.line - 1].slice(row.col - 1, row.endLine === row.line ? row.endCol - 1 : undefined);
  const expect = [
    ["unhashed-constant", "usesConstant", "FACTOR", "warning"],
    ["unhashed-function", "usesFunction", "double", "warning"],
    ["unhashed-import", "usesImport", "scale", "warning"],
    ["package-import", "usesPackage", "createHash", "information"],
    ["mutable-state", "usesState", "calls", "warning"],
    ["nondeterministic", "usesClock", "Date.now()", "warning"],
    ["external-input", "usesEnv", "process.env", "warning"],
    ["external-input", "usesFile", 'readFileSync("data.txt", "utf8")', "warning"],
  ];
  for (const [code, taskName, snippet, severity] of expect) {
    const row = rows.find((d) => d.code === code && d.task === taskName);
    assert.ok(row, `${code} on ${taskName} in ${JSON.stringify(rows, null, 1)}`);
    assert.equal(at(row), snippet, `${code} range`);
    assert.equal(row.severity, severity);
    assert.equal(row.file, "workflow.ts");
    assert.ok(row.message.includes(taskName), row.message);
  }
  assert.ok(!rows.some((d) => d.task === "clean"), "a constant used only as a parameter default is covered by the arguments");
  assert.equal(rows.filter((d) => d.code === "package-import" && /tasklens/.test(d.message)).length, 0);
  const human = ws.run(["check", "workflow.ts"]).stdout.split("\n")[0];
  assert.match(human, /^workflow\.ts:\d+:\d+  (warning|information)  [a-z-]+  .+/);
});

test("every quick fix yields a file that parses, runs, and clears its diagnostic", () => {
  const ws = fixtureCopy();
  const file = ws.path("workflow.ts");
  const original = ws.read("workflow.ts");
  const { findings: diagnostics } = inspect(file, original);
  let applied = 0;
  for (const d of diagnostics) {
    for (const fix of d.fixes) {
      const fixed = applyEdits(original, fix.edits);
      const result = inspect(file, fixed);
      assert.equal(result.analysis.syntaxErrors.length, 0, `${fix.title} for ${d.code} on ${d.task}: ${JSON.stringify(result.analysis.syntaxErrors)}\n${fixed}`);
      const still = result.findings.filter((x) => x.code === d.code && x.task === d.task && fixed.slice(x.start, x.end) === original.slice(d.start, d.end));
      assert.equal(still.length, 0, `${fix.title} clears ${d.code} on ${d.task}`);
      ws.write("workflow.ts", fixed);
      const r = ws.run(["run", "workflow.ts", d.task]);
      assert.equal(r.code, 0, `${fix.title} on ${d.task} runs:\n${r.stderr}\n${fixed}`);
      applied++;
    }
  }
  assert.ok(applied >= 10, `${applied} fixes applied`);
});

test("the parameter-default fix works as redun's idiom: editing the constant then reruns", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const file = ws.path("hello_world.ts");
  const { findings: diagnostics } = inspect(file, ws.read("hello_world.ts"));
  const warning = diagnostics.find((d) => d.code === "unhashed-constant");
  const fix = warning.fixes.find((f) => f.title === "Pass `planet` as a parameter default");
  ws.write("hello_world.ts", applyEdits(ws.read("hello_world.ts"), fix.edits));
  assert.match(ws.read("hello_world.ts"), /function getPlanet\(planetValue = planet\): string \{\n  return planetValue;/);
  assert.equal(ws.run(["run", "hello_world.ts"]).stdout, "Hello, World!\n");
  ws.edit("hello_world.ts", 'const planet = "World"', 'const planet = "Mars"');
  const r = ws.run(["run", "hello_world.ts"]);
  assert.equal(r.stdout, "Hello, Mars!\n");
  assert.equal(ws.run(["check", "hello_world.ts"]).code, 0, "no warning left");
});

test("stale-cache and version-pinned-edit come from the store; their fixes rerun the task", async () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
const RATE = 2;
export const pinned = task(function pinned() { return 1; }, { version: "1" });
export const rated = task(function rated() { return RATE; });
`,
  });
  ws.run(["run", "w.ts", "pinned"]);
  ws.run(["run", "w.ts", "rated"]);
  ws.edit("w.ts", "return 1;", "return 100;");
  ws.edit("w.ts", "const RATE = 2;", "const RATE = 3;");
  const rows = JSON.parse(ws.run(["check", "w.ts", "--json"]).stdout);
  assert.ok(rows.find((d) => d.code === "version-pinned-edit" && d.task === "pinned" && d.severity === "information"));
  assert.ok(rows.find((d) => d.code === "stale-cache" && d.task === "rated" && /RATE/.test(d.message)));
  const store = await TasklensStoreReader.open(ws.path(".tasklens/cache.db"));
  const text = ws.read("w.ts");
  const { findings: diagnostics } = inspect(ws.path("w.ts"), text, { store });
  const bumpVersion = diagnostics.find((d) => d.code === "version-pinned-edit").fixes.find((f) => f.title === "Bump version");
  const bumpCache = diagnostics.find((d) => d.code === "stale-cache").fixes.find((f) => f.title === "Bump cacheVersion");
  ws.write("w.ts", applyEdits(text, [...bumpVersion.edits, ...bumpCache.edits]));
  assert.match(ws.read("w.ts"), /version: "2"/);
  assert.match(ws.read("w.ts"), /cacheVersion: 1/);
  assert.equal(ws.run(["run", "w.ts", "pinned"]).stdout.trim(), "100");
  assert.equal(ws.run(["run", "w.ts", "rated"]).stdout.trim(), "3");
  const after = JSON.parse(ws.run(["check", "w.ts", "--json"]).stdout);
  assert.ok(!after.some((d) => d.code === "version-pinned-edit" || d.code === "stale-cache"), JSON.stringify(after));
});

test("the parameter-default fix finds the parameter list in the syntax tree, whatever its shape", () => {
  const shapes = [
    // [task source, expected after the fix, command-line arguments]
    ['task((s: string = ")") => s + SUFFIX)', 'task((s: string = ")", SUFFIXValue = SUFFIX) => s + SUFFIXValue)', ["--s", "a"]],
    ["task(async x => String(x) + SUFFIX)", "task(async (x, SUFFIXValue = SUFFIX) => String(x) + SUFFIXValue)", ["--x", "1"]],
    ["task(function f(a: number, b = Math.max(1, 2),) { return a + b + SUFFIX; })", "task(function f(a: number, b = Math.max(1, 2), SUFFIXValue = SUFFIX,) { return a + b + SUFFIXValue; })", ["--a", "1"]],
    ["task(function g(/* none */) { return SUFFIX; })", "task(function g(SUFFIXValue = SUFFIX/* none */) { return SUFFIXValue; })", []],
  ];
  for (const [source, expected, args] of shapes) {
    const text = `import { task } from "tasklens";\nconst SUFFIX = "!";\nexport const main = ${source};\n`;
    const ws = workspace({ "w.ts": text });
    const warning = inspect(ws.path("w.ts"), text).findings.find((d) => d.code === "unhashed-constant");
    assert.ok(warning, source);
    const fix = warning.fixes.find((f) => f.title === "Pass `SUFFIX` as a parameter default");
    const fixed = applyEdits(text, fix.edits);
    assert.equal(fixed.split("\n")[2], `export const main = ${expected};`);
    ws.write("w.ts", fixed);
    const r = ws.run(["run", "w.ts", ...args]);
    assert.equal(r.code, 0, `${expected}\n${r.stderr}`);
    assert.match(r.stdout, /!/);
    assert.equal(ws.run(["check", "w.ts"]).code, 0, `no warning left: ${expected}`);
  }
});
