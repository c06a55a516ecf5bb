// `tasklens plan`, the Stale line of `run`, and options and defaults from module constants: each
// through the CLI as a process, the plan compared with what the next run then does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runJson, workspace } from "../helpers.mjs";

function planOf(ws, args = []) {
  const r = ws.run(["plan", "w.ts", ...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const short = (task) => task.split(".").pop();
const byTask = (plan) => Object.fromEntries(plan.jobs.map((j) => [short(j.task), j]));

test("plan of the hello-world edit: main cached, getPlanet reruns, greeter may rerun; explain and the run agree", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const file = "hello_world.ts";
  assert.equal(ws.run(["run", file]).code, 0);
  ws.edit(file, "return planet;", 'return "Mars";');
  const r = ws.run(["plan", file, "--json"]);
  const plan = JSON.parse(r.stdout);
  const jobs = byTask(plan);
  assert.equal(plan.complete, false);
  assert.deepEqual(plan.entry, { task: "examples.hello_world.main", args: ["Hello"] });
  assert.equal(jobs.main.status, "cached");
  assert.equal(jobs.getPlanet.status, "will-rerun");
  assert.equal(jobs.greeter.status, "may-rerun");
  assert.deepEqual(jobs.greeter.reasons, [{ kind: "input-changed", detail: "input from examples.hello_world.getPlanet() reruns" }]);
  assert.equal(jobs.greeter.parentId, jobs.main.id);
  const explain = Object.fromEntries(JSON.parse(ws.run(["explain", file, "--json"]).stdout).map((p) => [short(p.task), p.status]));
  assert.deepEqual(explain, { getPlanet: "will-rerun", greeter: "may-rerun", main: "cached" });
  const human = ws.run(["plan", file]);
  assert.match(human.stderr, /\[tasklens\] Cached Job [0-9a-f]{8}:  examples\.hello_world\.main\(greet='Hello'\)/);
  assert.match(human.stderr, /\[tasklens\] Maybe  Job \?{8}:  examples\.hello_world\.greeter\(…\)/);
  assert.match(human.stderr, /\| ALL +2 +0 +0 +1 +0 +3/);
  const run = runJson(ws, ["run", file]).doc;
  assert.deepEqual(Object.fromEntries(run.jobs.map((j) => [short(j.task), j.status])), { main: "cached", getPlanet: "done", greeter: "done" });
  assert.equal(run.jobs.find((j) => short(j.task) === "main").callHash, jobs.main.callHash);
});

test("plan with arguments: args-changed names the argument; the same arguments as a cached run plan cached", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const file = "hello_world.ts";
  assert.equal(ws.run(["run", file]).code, 0);
  const hi = JSON.parse(ws.run(["plan", file, "--greet", "Hi", "--json"]).stdout);
  assert.deepEqual(hi.jobs[0].reasons, [{ kind: "args-changed", detail: "greet: 'Hello' → 'Hi'" }]);
  assert.equal(hi.jobs[0].status, "will-rerun");
  assert.equal(ws.run(["run", file, "--greet", "Hi"]).code, 0);
  const greeter = JSON.parse(ws.run(["plan", file, "greeter", "--greet", "Hi", "--thing", "World", "--json"]).stdout);
  assert.equal(greeter.jobs[0].status, "cached");
  assert.equal(ws.run(["plan", file, "nosuch"]).code, 2);
  assert.equal(ws.run(["plan", file, "--bogus", "1"]).code, 2);
});

test("run never reuses a stale result silently: a Stale line and staleBecause, as plan and check predicted", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nconst PLANET = "World";\nexport const get = task(function get() { return PLANET; });\nexport const main = task(function main() { return get(); });\n` });
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  ws.edit("w.ts", '"World"', '"Mars"');
  const plan = planOf(ws);
  assert.equal(byTask(plan).get.status, "stale");
  assert.deepEqual(plan.jobs.find((j) => j.task === "get").staleBecause, ["PLANET"]);
  assert.equal(ws.run(["check", "w.ts", "--json"]).stdout.includes('"stale-cache"'), true);
  const human = ws.run(["run", "w.ts"]);
  assert.match(human.stderr, /\[tasklens\] Stale  Job [0-9a-f]{8}:  get\(\) \(PLANET changed, not hashed\)/);
  // And again on the next run: a stale reuse is never folded into a whole reused subtree.
  const run = runJson(ws, ["run", "w.ts"]).doc;
  assert.deepEqual(run.jobs.find((j) => j.task === "get")?.staleBecause, ["PLANET"]);
  assert.equal(run.jobs.find((j) => j.task === "main").staleBecause, undefined);
});

test("options from module constants: version, cacheVersion, namespace, hashIncludes are predicted as the engine computes them", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
const V = "1";
const CV = 2;
const NS = "team";
const BASE = [1, 2];
const INCLUDES = [...BASE, 3];
export const pinned = task(function pinned() { return 1; }, { version: V, cacheVersion: CV });
export const named = task(function named() { return 2; }, { namespace: NS + ".etl" });
export const inc = task(function inc() { return 3; }, { hashIncludes: INCLUDES });
export const inc2 = task(function inc2() { return 4; }, { hashIncludes: [BASE, \`v\${CV}\`] });
export const main = task(function main() { return [pinned(), named(), inc(), inc2()]; });
`,
  });
  const before = JSON.parse(ws.run(["explain", "w.ts", "--json"]).stdout);
  assert.ok(before.every((p) => p.taskHash !== null), JSON.stringify(before));
  assert.ok(before.some((p) => p.task === "team.etl.named"));
  const run = runJson(ws, ["run", "w.ts"]).doc;
  assert.equal(run.status, "done");
  for (const p of before) {
    const job = run.jobs.find((j) => j.task === p.task);
    assert.ok(job, `${p.task} ran under the name explain predicted`);
  }
  const after = JSON.parse(ws.run(["explain", "w.ts", "--json"]).stdout);
  assert.deepEqual(after.map((p) => p.status), after.map(() => "cached"));
  const text = ws.run(["explain", "w.ts", "pinned"]).stdout;
  assert.match(text, /hashed: version "1"/);
  assert.doesNotMatch(text, /hashed: source/);
  ws.edit("w.ts", "const BASE = [1, 2];", "const BASE = [1, 2, 3];");
  const plan = byTask(planOf(ws));
  assert.equal(plan.inc.status, "will-rerun");
  assert.equal(plan.inc2.status, "will-rerun");
  assert.equal(plan.pinned.status, "cached");
  const second = runJson(ws, ["run", "w.ts"]).doc;
  assert.deepEqual(Object.fromEntries(second.jobs.map((j) => [short(j.task), j.status])), { main: "cached", pinned: "cached", named: "cached", inc: "done", inc2: "done" });
});

test("taskNamespace from constants names the tasks; one the analysis cannot evaluate is reported by run and check", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nconst ROOT = "acme";\nexport const taskNamespace = \`\${ROOT}.jobs\`;\nexport const main = task(function main() { return 1; });\n` });
  assert.equal(runJson(ws, ["run", "w.ts"]).doc.jobs[0].task, "acme.jobs.main");
  assert.equal(JSON.parse(ws.run(["explain", "w.ts", "--json"]).stdout)[0].status, "cached");
  ws.edit("w.ts", "`${ROOT}.jobs`", "ROOT + String(Date.now() % 2)");
  const run = ws.run(["run", "w.ts"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /w\.ts:3:\d+: taskNamespace must be a string built from literals and module constants/);
  const check = ws.run(["check", "w.ts"]);
  assert.equal(check.code, 2);
  assert.match(check.stdout, /taskNamespace must be a string/);
});

test("redun's idiom: reverting a default's constant, or explicit arguments, plan cached as the run reuses", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nconst N = 1;\nexport const t = task(function t(n: number = N) { return n * 10; });\nexport const main = task(function main() { return [t(), t(7)]; });\n` });
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  ws.edit("w.ts", "const N = 1;", "const N = 2;");
  let plan = planOf(ws);
  const statusOf = (p, arg) => p.jobs.find((j) => j.task === "t" && j.args[0] === arg)?.status;
  assert.equal(statusOf(plan, 2), "will-rerun");
  assert.equal(statusOf(plan, 7), "cached");
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  ws.edit("w.ts", "const N = 2;", "const N = 1;");
  plan = planOf(ws);
  assert.equal(statusOf(plan, 1), "cached");
  assert.equal(statusOf(plan, 7), "cached");
  const explain = JSON.parse(ws.run(["explain", "w.ts", "t", "--json"]).stdout)[0];
  assert.equal(explain.status, "cached");
  const run = runJson(ws, ["run", "w.ts"]).doc;
  assert.ok(run.jobs.filter((j) => j.task === "t").every((j) => j.status === "cached"), JSON.stringify(run.jobs));
});

test("an awaited child recorded after its parent's result (it reran since) makes the parent rerun", () => {
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nexport const leaf = task(function leaf() { return 1; });\nexport const parent = task(async function parent() { return (await leaf()) + 1; });\n` });
  assert.equal(ws.run(["run", "w.ts", "parent"]).stdout.trim(), "2");
  ws.edit("w.ts", "return 1;", "return 2;");
  // The edited leaf runs on its own first: its new call is a hit when parent is judged.
  assert.equal(ws.run(["run", "w.ts", "leaf"]).code, 0);
  assert.equal(JSON.parse(ws.run(["plan", "w.ts", "parent", "--json"]).stdout).jobs[0].status, "will-rerun");
  const run = runJson(ws, ["run", "w.ts", "parent"]);
  assert.equal(run.doc.result, 3);
  assert.equal(run.doc.jobs[0].status, "done");
});
