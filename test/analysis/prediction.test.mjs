// Prediction equals behaviour: for each edit scenario, run the workflow, apply the edit, ask
// `tasklens explain`, run again, and check that explain's status for every task matched what the
// engine then did; and that every reused result that is no longer right was reported stale or warned.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { runJson, workspace } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const { inspect } = require("../../dist/dialects/tasklens/inspect.js");

const header = `import { task } from "tasklens";\nimport { readFileSync } from "node:fs";\nimport { scale, Scaler } from "./lib";\n`;
const lib = `export function scale(n: number): number { return n * 10; }\nexport class Scaler { factor = 2; apply(n: number) { return n * this.factor; } }\nexport const TABLE = [1, 2];\n`;

/** A workflow with `main` calling every task given; each task returns something its dependencies shape. */
function workflow(top, tasks, extra = "") {
  const names = Object.keys(tasks);
  return `${header}${top}\n${Object.entries(tasks).map(([name, def]) => `export const ${name} = ${def};`).join("\n")}
export const main = task(function main() { return { ${names.map((n) => `${n}: ${n}()`).join(", ")} }; }${extra});
`;
}

const scenarios = [
  { name: "constant edit, source mode", top: `const PLANET = "World";`, tasks: { get: `task(function get() { return PLANET; })` }, edit: ["World", "Mars"], expect: { get: "stale", main: "cached" } },
  { name: "constant edit, closure mode", top: `const PLANET = "World";`, tasks: { get: `task(function get() { return PLANET; }, { hash: "closure" })` }, edit: ["World", "Mars"], expect: { get: "will-rerun" } },
  { name: "helper edit, source mode", top: `function helper() { return 1; }`, tasks: { t: `task(function t() { return helper(); })` }, edit: ["return 1;", "return 2;"], expect: { t: "stale" } },
  { name: "helper edit, closure mode", top: `function helper() { return 1; }`, tasks: { t: `task(function t() { return helper(); }, { hash: "closure" })` }, edit: ["return 1;", "return 2;"], expect: { t: "will-rerun" } },
  { name: "transitive helper edit, closure mode", top: `function inner() { return 1; }\nfunction outer() { return inner() + 1; }`, tasks: { t: `task(function t() { return outer(); }, { hash: "closure" })` }, edit: ["return 1;", "return 5;"], expect: { t: "will-rerun" } },
  { name: "imported helper edit, source mode", tasks: { t: `task(function t() { return scale(1); })` }, libEdit: ["n * 10", "n * 11"], expect: { t: "stale" } },
  { name: "imported helper edit, closure mode", tasks: { t: `task(function t() { return scale(1); }, { hash: "closure" })` }, libEdit: ["n * 10", "n * 11"], expect: { t: "will-rerun" } },
  { name: "imported class edit, closure mode", tasks: { t: `task(function t() { return new Scaler().apply(3); }, { hash: "closure" })` }, libEdit: ["factor = 2", "factor = 3"], expect: { t: "will-rerun" } },
  { name: "edit inside a nested function", tasks: { t: `task(function t() { const f = (x: number) => x + 1; return f(1); })` }, edit: ["x + 1", "x + 2"], expect: { t: "will-rerun", main: "cached" } },
  { name: "comment-only edit", tasks: { t: `task(function t() { return 1; /* one */ })` }, edit: ["/* one */", "/* uno */ /* more */"], expect: { t: "cached", main: "cached" } },
  { name: "reformat edit", tasks: { t: `task(function t() { const a = [1, 2]; return a.length; })` }, edit: ["const a = [1, 2]; return a.length;", "\n  const a = [\n    1,\n    2,\n  ]\n  return a.length\n"], expect: { t: "cached" } },
  { name: "version-pinned edit", tasks: { t: `task(function t() { return 1; }, { version: "1" })` }, edit: ["return 1;", "return 2;"], expect: { t: "stale" } },
  { name: "version bump", tasks: { t: `task(function t() { return 1; }, { version: "1" })` }, edit: ['version: "1"', 'version: "2"'], expect: { t: "will-rerun" } },
  { name: "cacheVersion bump", tasks: { t: `task(function t() { return 1; }, { cacheVersion: 1 })` }, edit: ["cacheVersion: 1", "cacheVersion: 2"], expect: { t: "will-rerun" } },
  { name: "hashIncludes helper edit", top: `function helper() { return 1; }`, tasks: { t: `task(function t() { return helper(); }, { hashIncludes: [helper] })` }, edit: ["return 1;", "return 2;"], expect: { t: "will-rerun" } },
  { name: "hashIncludes imported constant, unchanged", tasks: { t: `task(function t() { return TABLE.length; }, { hashIncludes: [TABLE] })` }, topImport: `import { TABLE } from "./lib";`, libEdit: ["n * 10", "n * 10 /* same */"], expect: { t: "cached" } },
  { name: "hashIncludes imported constant edit", tasks: { t: `task(function t() { return TABLE.length; }, { hashIncludes: [TABLE] })` }, topImport: `import { TABLE } from "./lib";`, libEdit: ["TABLE = [1, 2]", "TABLE = [1, 2, 3]"], expect: { t: "will-rerun" } },
  { name: "hashIncludes constant edit", top: `const TABLE = [1, 2];`, tasks: { t: `task(function t() { return TABLE.length; }, { hashIncludes: [TABLE] })` }, edit: ["[1, 2]", "[1, 2, 3]"], expect: { t: "will-rerun" } },
  { name: "parameter default change", tasks: { t: `task(function t(n: number = 1) { return n; })` }, edit: ["n: number = 1", "n: number = 2"], expect: { t: "will-rerun" } },
  { name: "constant used as a parameter default", top: `const N = 1;`, tasks: { t: `task(function t(n: number = N) { return n; })` }, edit: ["const N = 1;", "const N = 2;"], expect: { t: "will-rerun" } },
  { name: "mutable module state", top: `let counter = 0;`, tasks: { t: `task(function t() { counter++; return counter; })` }, edit: ["let counter = 0;", "let counter = 10;"], expect: { t: "stale" } },
  { name: "Date.now()", tasks: { t: `task(function t() { return Date.now(); })` }, edit: null, expect: { t: "cached" }, warned: { t: "nondeterministic" } },
  { name: "Math.random()", tasks: { t: `task(function t() { return Math.random(); })` }, edit: null, expect: { t: "cached" }, warned: { t: "nondeterministic" } },
  { name: "process.env", tasks: { t: `task(function t() { return process.env.TASKLENS_SCENARIO ?? "unset"; })` }, edit: null, env: ["a", "b"], expect: { t: "cached" }, warned: { t: "external-input" } },
  { name: "file read", files: { "data.txt": "one" }, tasks: { t: `task(function t() { return readFileSync("data.txt", "utf8"); })` }, fileEdit: ["data.txt", "two"], expect: { t: "cached" }, warned: { t: "external-input" } },
  { name: "renamed task", tasks: { t: `task(function t() { return 1; })` }, edit: ["function t()", "function renamed()"], expect: { renamed: "never-run", main: "will-rerun" } },
  { name: "task moved within the file", top: `function spacer() { return 0; }`, tasks: { a: `task(function a() { return 1; })`, b: `task(function b() { return 2; })` }, edit: [`export const a = task(function a() { return 1; });\nexport const b = task(function b() { return 2; });`, `export const b = task(function b() { return 2; });\n\nexport const a = task(function a() { return 1; });`], expect: { a: "cached", b: "cached", main: "cached" } },
  { name: "edit to an unrelated task", top: `const SHARED = 1;`, tasks: { a: `task(function a(n: number = SHARED) { return n; })`, b: `task(function b() { return 2; })` }, edit: ["return 2;", "return 3;"], expect: { a: "cached", b: "will-rerun", main: "cached" } },
  { name: "cache: false", tasks: { t: `task(function t() { return 1; }, { cache: false })` }, edit: null, expect: { t: "will-rerun" } },
  { name: "edit to main itself", tasks: { t: `task(function t() { return 1; })` }, mainExtra: "", edit: ["return { t: t() };", "return { t: t(), extra: 1 };"], expect: { main: "will-rerun", t: "cached" } },
  { name: "awaited child changes under an async parent", tasks: { leaf: `task(function leaf() { return 1; })`, parent: `task(async function parent() { return (await leaf()) + 1; })` }, edit: ["return 1; })", "return 2; })"], expect: { leaf: "will-rerun", parent: "will-rerun" } },
];

function statusesOf(doc) {
  const byTask = {};
  for (const job of doc.jobs) (byTask[job.task] ??= []).push(job);
  return byTask;
}

for (const scenario of scenarios) {
  test(`prediction = behaviour: ${scenario.name}`, () => {
    const ws = workspace({ "w.ts": workflow([scenario.topImport, scenario.top].filter(Boolean).join("\n"), scenario.tasks, scenario.mainExtra), "lib.ts": lib, ...(scenario.files ?? {}) });
    const env = scenario.env ? { TASKLENS_SCENARIO: scenario.env[0] } : {};
    const first = runJson(ws, ["run", "w.ts"], { env });
    assert.equal(first.code, 0, first.stderr);
    const firstArgs = new Set(first.doc.jobs.map((j) => `${j.task}:${JSON.stringify(j.args)}`));

    if (scenario.edit) ws.edit("w.ts", scenario.edit[0], scenario.edit[1]);
    if (scenario.libEdit) ws.edit("lib.ts", scenario.libEdit[0], scenario.libEdit[1]);
    if (scenario.fileEdit) ws.write(scenario.fileEdit[0], scenario.fileEdit[1]);
    if (scenario.env) env.TASKLENS_SCENARIO = scenario.env[1];

    const explain = JSON.parse(ws.run(["explain", "w.ts", "--json"], { env }).stdout);
    const predicted = Object.fromEntries(explain.map((p) => [p.task, p.status]));
    for (const [name, status] of Object.entries(scenario.expect)) assert.equal(predicted[name], status, `explain ${name}: ${JSON.stringify(explain.find((p) => p.task === name))}`);

    const second = runJson(ws, ["run", "w.ts"], { env });
    assert.equal(second.code, 0, second.stderr);
    for (const [name, jobs] of Object.entries(statusesOf(second.doc))) {
      const status = predicted[name];
      for (const job of jobs) {
        const reran = job.status === "done";
        const newArguments = !firstArgs.has(`${name}:${JSON.stringify(job.args)}`);
        if (status === "will-rerun" || status === "never-run") assert.ok(reran, `${name} predicted ${status} but was ${job.status}`);
        else if (!newArguments) assert.ok(!reran, `${name} predicted ${status} but reran with the same arguments`);
      }
    }

    // Every reused result that differs from a fresh computation was reported stale or warned.
    const fresh = runJson(ws, ["run", "w.ts", "--no-cache"], { env });
    const warnings = inspect(ws.path("w.ts"), ws.read("w.ts")).findings;
    for (const [name, value] of Object.entries(second.doc.result)) {
      if (JSON.stringify(value) === JSON.stringify(fresh.doc.result[name])) continue;
      const reported = predicted[name] === "stale" || warnings.some((d) => d.task === name && d.severity === "warning");
      assert.ok(reported, `${name} served ${JSON.stringify(value)} instead of ${JSON.stringify(fresh.doc.result[name])} without a stale report or warning`);
      if (scenario.warned?.[name]) assert.ok(warnings.some((d) => d.task === name && d.code === scenario.warned[name]), `${name} warned ${scenario.warned[name]}`);
    }
  });
}

test("the corpus covers at least 25 scenarios", () => assert.ok(scenarios.length >= 25));

test("a task whose last run failed or was cut short will rerun, and says so", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nexport const main = task(function main() { throw new Error("boom"); });\n` });
  assert.equal(ws.run(["run", "w.ts"]).code, 1);
  const [p] = JSON.parse(ws.run(["explain", "w.ts", "--json"]).stdout);
  assert.equal(p.status, "will-rerun");
  assert.deepEqual(p.reasons, [{ kind: "no-result", detail: "its last run failed: nothing is cached to reuse" }]);
});
