// Task options through the CLI: version, cacheVersion, hashIncludes, cache: false, parameter defaults.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statuses, workspace } from "../helpers.mjs";

const source = (body) => `import { task } from "tasklens";\n${body}\n`;

test("version pins the hash: an edit is Cached, a new version runs", () => {
  const ws = workspace({ "w.ts": source(`export const main = task(function main() { return 1; }, { version: "1" });`) });
  assert.equal(statuses(ws.run(["run", "w.ts"]).stderr).main, "Run");
  ws.edit("w.ts", "return 1;", "return 2;");
  const r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Cached");
  assert.equal(r.stdout.trim(), "1", "the pinned result is reused");
  ws.edit("w.ts", 'version: "1"', 'version: "2"');
  const r2 = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r2.stderr).main, "Run");
  assert.equal(r2.stdout.trim(), "2");
});

test("cacheVersion bump reruns without a code change", () => {
  const ws = workspace({ "w.ts": source(`export const main = task(function main() { return 1; }, { cacheVersion: 1 });`) });
  ws.run(["run", "w.ts"]);
  assert.equal(statuses(ws.run(["run", "w.ts"]).stderr).main, "Cached");
  ws.edit("w.ts", "cacheVersion: 1", "cacheVersion: 2");
  assert.equal(statuses(ws.run(["run", "w.ts"]).stderr).main, "Run");
});

test("hashIncludes: editing an included helper reruns; editing an included value reruns", () => {
  const ws = workspace({
    "w.ts": source(`function helper(x: number) { return x + 1; }
const TABLE = { a: 1 };
export const main = task(function main() { return helper(TABLE.a); }, { hashIncludes: [helper, TABLE] });`),
  });
  assert.equal(ws.run(["run", "w.ts"]).stdout.trim(), "2");
  assert.equal(statuses(ws.run(["run", "w.ts"]).stderr).main, "Cached");
  ws.edit("w.ts", "return x + 1;", "return x + 10;");
  let r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Run");
  assert.equal(r.stdout.trim(), "11");
  ws.edit("w.ts", "{ a: 1 }", "{ a: 5 }");
  r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Run");
  assert.equal(r.stdout.trim(), "15");
  ws.edit("w.ts", "return x + 10;", "return x + 10; /* same */");
  assert.equal(statuses(ws.run(["run", "w.ts"]).stderr).main, "Cached", "a comment in an included helper changes nothing");
});

test("cache: false always runs, and its results are still recorded", () => {
  const ws = workspace({ "w.ts": source(`export const main = task(function main() { return 7; }, { cache: false });`) });
  ws.run(["run", "w.ts"]);
  const r = ws.run(["run", "w.ts", "--json"]);
  assert.equal(statuses(r.stderr).main, "Run");
  const doc = JSON.parse(r.stdout);
  const log = JSON.parse(ws.run(["log", doc.jobs[0].id.slice(0, 10), "--json"]).stdout);
  assert.equal(log.result, 7);
});

test("a changed parameter default reruns (new arguments); main() and main(default) are one call", () => {
  const ws = workspace({
    "w.ts": source(`const PLANET = "World";
export const greet = task(function greet(name: string = PLANET) { return "hi " + name; });
export const main = task(function main() { return [greet(), greet("World")]; });`),
  });
  let r = ws.run(["run", "w.ts", "--json"]);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.result, ["hi World", "hi World"]);
  assert.equal(doc.jobs.filter((j) => j.task === "greet").length, 1, "greet() and greet('World') are the same call");
  ws.edit("w.ts", 'const PLANET = "World";', 'const PLANET = "Mars";');
  r = ws.run(["run", "w.ts", "--json"]);
  const jobs = JSON.parse(r.stdout).jobs.filter((j) => j.task === "greet");
  assert.deepEqual(jobs.map((j) => [j.args, j.status]).sort(), [[["Mars"], "done"], [["World"], "cached"]]);
  ws.edit("w.ts", 'name: string = PLANET', 'name: string = "Venus"');
  r = ws.run(["run", "w.ts", "greet"]);
  assert.equal(r.stdout.trim(), "hi Venus");
  assert.equal(statuses(r.stderr).greet, "Run");
});

test("--no-cache reruns every task and records the new results", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  ws.run(["run", "hello_world.ts"]);
  const r = ws.run(["run", "hello_world.ts", "--no-cache"]);
  assert.deepEqual(statuses(r.stderr), { main: "Run", getPlanet: "Run", greeter: "Run" });
  assert.deepEqual(statuses(ws.run(["run", "hello_world.ts", "--full-check"]).stderr), { main: "Cached", getPlanet: "Cached", greeter: "Cached" });
});

test("executor is not hashed: a worker task is predicted exactly (cached after a run)", () => {
  const ws = workspace({ "w.ts": source(`export const double = task((x: number) => x * 2, { executor: "worker" });
export const main = task(() => double(21));`) });
  assert.equal(ws.run(["run", "w.ts", "main"]).stdout.trim(), "42");
  const r = ws.run(["explain", "w.ts", "double"]);
  assert.match(r.stdout, /^double: cached/m, r.stdout);
  assert.doesNotMatch(r.stdout, /computed at run time/);
});

test("a misspelled or mistyped option is a load error naming the workflow's line, not a silent default", () => {
  const ws = workspace({ "w.ts": source(`export const main = task(() => 1, { cahce: false } as never);`) });
  let r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option "cahce"; the options are name, namespace, version/);
  assert.match(r.stderr, /w\.ts:2:/);
  assert.doesNotMatch(r.stderr, /dist\/|engine\//, "engine frames are trimmed");
  ws.write("w.ts", source(`export const main = task(() => 1, { hash: "everything" } as never);`));
  r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /option hash must be "source" \| "closure", not "everything"/);
});
