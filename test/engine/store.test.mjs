// The store's durability through the CLI: killed runs, concurrent runs, corrupt files, large values.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runJson, slowWorkflow, spawnTasklens, waitFor, workspace } from "../helpers.mjs";

test("a run killed with SIGKILL keeps every job that finished more than a second before", async () => {
  const ws = workspace({ "w.ts": slowWorkflow("k", 200, 100) });
  const child = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const finishedBefore = await waitFor(() => {
    const n = (stderr.match(/Run    Job [0-9a-f]{8}:  step\(/g) ?? []).length;
    return n >= 15 ? n - 1 : 0; // step n-1 has finished once step n started
  }, { what: "15 steps" });
  await new Promise((r) => setTimeout(r, 1300));
  child.kill("SIGKILL");
  await new Promise((r) => child.on("close", r));
  const log = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
  const done = log.jobs.filter((j) => j.task === "step" && j.status === "done").length;
  assert.ok(done >= finishedBefore, `${done} step jobs recorded; ${finishedBefore} had finished more than 1 s before the kill`);
  assert.equal(log.status, "running", "the execution never finished");
  // The store is intact: a new run reuses the recorded steps.
  const again = ws.run(["run", "w.ts", "--count", String(finishedBefore)]);
  assert.equal(again.code, 0, again.stderr);
  const cachedSteps = (again.stderr.match(/Cached Job [0-9a-f]{8}:  step\(/g) ?? []).length;
  assert.ok(cachedSteps >= finishedBefore, `${cachedSteps} steps reused after the kill`);
});

test("SIGTERM and SIGINT end a run cleanly: completed jobs flushed, the execution marked interrupted", async () => {
  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]]) {
    const ws = workspace({ "w.ts": slowWorkflow("s", 100, 50) });
    const child = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await waitFor(() => (stderr.match(/Run    Job [0-9a-f]{8}:  step\(/g) ?? []).length >= 5, { what: "5 steps" });
    child.kill(signal);
    const exit = await new Promise((r) => child.on("close", (c) => r(c)));
    assert.equal(exit, code, `${signal} exit code`);
    assert.match(stderr, new RegExp(`interrupted by ${signal}`));
    const log = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
    assert.equal(log.status, "interrupted");
    assert.ok(log.jobs.filter((j) => j.task === "step" && j.status === "done").length >= 4, `${signal}: finished steps are recorded`);
    assert.equal(existsSync(join(ws.dir, ".tasklens", "cache.db.lock")), false, "no lock left behind");
  }
});

test("two runs of different workflows on one store at once are both fully recorded", async () => {
  const ws = workspace({ "a.ts": slowWorkflow("a", 30, 20), "b.ts": slowWorkflow("b", 30, 20).replace(/step/g, "other") });
  const db = join(ws.dir, "shared.db");
  const runs = ["a.ts", "b.ts"].map((f) => spawnTasklens(["run", f, "--db", db, "--json"], { cwd: ws.dir }));
  const outputs = await Promise.all(runs.map((c) => new Promise((resolve) => {
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", (code) => resolve({ code, doc: JSON.parse(out) }));
  })));
  for (const o of outputs) assert.equal(o.code, 0);
  for (const o of outputs) {
    const log = JSON.parse(ws.run(["log", o.doc.executionId.slice(0, 12), "--json", "--db", db]).stdout);
    assert.equal(log.status, "done");
    assert.equal(log.jobs.length, 31, "main and its 30 children are all recorded");
  }
  const rerun = runJson(ws, ["run", "a.ts", "--db", db]);
  assert.ok(rerun.doc.jobs.every((j) => j.status === "cached"), "every result of the concurrent run is in the store");
});

test("a corrupt or foreign store file: exit 2, a message naming it, the file byte-identical", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const cases = {
    "garbage.db": Buffer.from("this is not a database at all, just some text\n".repeat(10)),
    "empty.db": Buffer.alloc(0),
  };
  ws.run(["run", "hello_world.ts", "--db", ws.path("good.db")]);
  const good = readFileSync(ws.path("good.db"));
  const damaged = Buffer.from(good);
  damaged.fill(0x41, 100, Math.min(good.length, 4096)); // overwrite the schema page
  cases["damaged.db"] = damaged;
  for (const [name, bytes] of Object.entries(cases)) {
    writeFileSync(ws.path(name), bytes);
    const r = ws.run(["run", "hello_world.ts", "--db", ws.path(name)]);
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.ok(r.stderr.includes(ws.path(name)), `${name}: the message names the file: ${r.stderr}`);
    assert.match(r.stderr, /Move it aside|--db/);
    assert.deepEqual(readFileSync(ws.path(name)), bytes, `${name} is byte-identical`);
    assert.ok(!existsSync(ws.path(`${name}.lock`)));
  }
});

test("large values are kept beside the database, content-addressed", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const big = task(function big(n: number) { return "x".repeat(n); });
export const main = task(function main() { return [big(500000), big(10)]; });
`,
  });
  const r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  const dbFile = join(ws.dir, ".tasklens", "cache.db");
  assert.ok(statSync(dbFile).size < 200_000, `the database stays small: ${statSync(dbFile).size} bytes`);
  const valuesDir = join(ws.dir, ".tasklens", "values");
  const files = readdirSync(valuesDir, { recursive: true }).filter((f) => /[0-9a-f]{64}$/.test(f));
  assert.ok(files.length >= 1);
  const again = runJson(ws, ["run", "w.ts"]);
  assert.equal(again.doc.result[0].length, 500000);
  assert.ok(again.doc.jobs.every((j) => j.status === "cached"));
});
