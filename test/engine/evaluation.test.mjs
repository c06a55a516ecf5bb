// Values the store must take (bigint, large bytes, cycles, non-Error throws), promises that never
// settle, shared calls evaluated once, deep chains, the worker executor, gc and crafted stores.
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runJson, tempDir, workspace } from "../helpers.mjs";

test("bigint and large binary results are stored, printed and reused", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const big = task(function big() { return 2n ** 70n; });
export const bytes = task(function bytes(n: number = 500_000) { const b = new Uint8Array(n); b[n - 1] = 7; return b; });
export const main = task(function main() { return { big: big(), bytes: bytes() }; });
`,
  });
  let r = ws.run(["run", "w.ts", "big"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "1180591620717411303424n");
  r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /big: 1180591620717411303424n, bytes: Uint8Array\(500000\)/);
  const again = runJson(ws, ["run", "w.ts", "--full-check"]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(again.doc.jobs.every((j) => j.status === "cached"));
  assert.equal(Buffer.from(again.doc.result.bytes.$bytes, "base64")[499_999], 7);
});

test("a 5 MB Uint8Array result round-trips: run, cached rerun with the same bytes, log --json", () => {
  const size = 5 * 1024 * 1024;
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const bytes = task(function bytes(n: number) { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7) % 256; return b; });
export const main = task(function main(n: number = ${size}) { return bytes(n); });
`,
  });
  const expected = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));
  // Every encoding of the value is a few times its size: a small heap is plenty.
  const env = { NODE_OPTIONS: "--max-old-space-size=200" };
  const first = ws.run(["run", "w.ts"], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim(), `Uint8Array(${size})`, "printed by its size, not its content");
  const again = runJson(ws, ["run", "w.ts", "--full-check"], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(again.doc.jobs.map((j) => j.status), ["cached", "cached"]);
  assert.ok(Buffer.from(again.doc.result.$bytes, "base64").equals(expected), "the cached rerun returns the same bytes");
  const log = ws.run(["log", "-", "--json"], { env });
  assert.equal(log.code, 0, log.stderr);
  const doc = JSON.parse(log.stdout);
  assert.ok(doc.jobs.every((j) => j.status === "cached"));
  assert.ok(Buffer.from(doc.result.$bytes, "base64").equals(expected), "log shows the execution's result");
});

test("a cyclic result fails its job with the path of the cycle; non-Error throws are reported as what they are", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const cyclic = task(function cyclic() {
  const items: any[] = [1, 2, 3, {}];
  items[3].back = items;
  return { items };
});
export const throwsUndefined = task(function throwsUndefined() { throw undefined; });
export const throwsObject = task(function throwsObject() { throw { code: 7, why: "nope" }; });
`,
  });
  let r = ws.run(["run", "w.ts", "cyclic"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot store result\.items\[3\]\.back: a reference back to a value that contains it \(a cycle\)/);
  r = ws.run(["run", "w.ts", "throwsUndefined"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /undefined \(thrown, not an Error\)/);
  r = runJson(ws, ["run", "w.ts", "throwsObject"]);
  assert.equal(r.code, 1);
  assert.match(r.doc.error, /\{code: 7, why: 'nope'\} \(thrown, not an Error\)/);
  assert.doesNotMatch(r.stderr, /\[object Object\]/);
});

test("a promise that never settles, and a task calling itself with the same arguments, fail the run naming the task", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const hang = task(function hang(x: number) { return new Promise(() => {}); });
export const main = task(async function main() { return [await hang(1)]; });
export const again = task(async function loop(n: number = 1): Promise<number> { return await again(n); });
`,
  });
  let r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /hang\(x=1\) never settled: it waits for a promise that can never resolve/);
  const log = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
  assert.equal(log.status, "failed");
  r = ws.run(["run", "w.ts", "again"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /loop calls itself with the same arguments/);
});

test("calls that wait for each other in a cycle fail the run naming the cycle; the execution is recorded", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const a = task(async function a(n: number): Promise<number> { return await b(n); });
export const b = task(async function b(n: number): Promise<number> { return await a(n); });
export const nested = task(async function nested() { return await a(1); });
export const pa = task(async function pa(n: number): Promise<number> { return (await pb(n)) + 1; });
export const pb = task(async function pb(n: number): Promise<number> { return (await pa(n)) + 1; });
export const siblings = task(async function siblings() { return await Promise.all([pa(1), pb(1)]); });
export const ea = task(function ea(n: number): any { return eb(n); });
export const eb = task(function eb(n: number): any { return ea(n); });
export const returned = task(function returned() { return [ea(1), eb(1)]; });
`,
  });
  const cases = {
    // b awaits a, which awaits b: a call of its own caller.
    nested: { failed: "b", cycle: "a(n=1) → b(n=1) → a(n=1)" },
    // pa and pb both started by siblings, each awaiting the other: found when nothing is left to run.
    siblings: { failed: "pb", cycle: "pb(n=1) → pa(n=1) → pb(n=1)" },
    // The same through returned expressions (graph reduction), not awaits.
    returned: { failed: "eb", cycle: "eb(n=1) → ea(n=1) → eb(n=1)" },
  };
  for (const [entry, { failed, cycle }] of Object.entries(cases)) {
    const r = ws.run(["run", "w.ts", entry]);
    assert.equal(r.code, 1, `${entry}: ${r.stderr}`);
    assert.equal(r.stdout, "", entry);
    assert.ok(r.stderr.includes(`a cycle of calls, each waiting for the next: ${cycle}`), `${entry}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`\\*\\*\\* Failed Job [0-9a-f]{8}:  ${failed}\\(n=1\\)`), entry);
    assert.doesNotMatch(r.stderr, /cli\/run|node:events/, `${entry}: no engine frames in the traceback`);
    const log = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
    assert.equal(log.status, "failed", entry);
    assert.equal(log.task, entry);
    assert.ok(log.error.includes(cycle), `${entry}: ${log.error}`);
    assert.ok(log.jobs.every((j) => j.status === "failed"), `${entry}: every job of the cycle is recorded as failed`);
  }
});

test("a call shared by many consumers is evaluated once, a layer shared by many tasks resolved once: a deep DAG stays linear", () => {
  // Each task takes the whole previous layer (and changes its copy): width^depth paths.
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const leaf = task(function leaf(i: number) { return i; });
export const layer = task(function layer(d: number, i: number, inputs: number[]) { inputs.push(-1); return (inputs.reduce((a, b) => a + b, 0) + 1 + i) % 1000003; });
export const total = task(function total(xs: number[]) { return xs.reduce((a, b) => a + b, 0); });
export const main = task(function main(width: number = 3, depth: number = 18) {
  let prev: any[] = [];
  for (let i = 0; i < width; i++) prev.push(leaf(i));
  for (let d = 1; d < depth; d++) {
    const next: any[] = [];
    for (let i = 0; i < width; i++) next.push(layer(d, i, prev));
    prev = next;
  }
  return total(prev);
});
`,
  });
  /** The same sums computed directly: a body changing its input must not change another's. */
  const expected = (width, depth) => {
    let prev = Array.from({ length: width }, (_, i) => i);
    for (let d = 1; d < depth; d++) prev = prev.map((_, i) => (prev.reduce((a, b) => a + b, 0) + i) % 1000003);
    return prev.reduce((a, b) => a + b, 0);
  };
  // 3 wide × 18 deep: 3^18 paths, 56 calls.
  let r = runJson(ws, ["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.doc.jobs.length, 1 + 3 * 18 + 1);
  assert.equal(r.doc.result, expected(3, 18));
  // 100 × 32 in a small heap: resolving each layer once per consumer kept width² × depth promises alive (over 300 MB).
  r = ws.run(["run", "w.ts", "--width", "100", "--depth", "32"], { env: { NODE_OPTIONS: "--max-old-space-size=150" } });
  assert.equal(r.code, 0, r.stderr.slice(-1000));
  assert.equal(r.stdout.trim(), String(expected(100, 32)));
  assert.equal((r.stderr.match(/(Run   |Cached) Job/g) ?? []).length, 1 + 100 * 32 + 1, "main, the layers and total (3 leaves cached)");
});

test("a 5,000-deep dataflow chain runs, and its cached rerun replays", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const step = task(function step(x: number) { return x + 1; });
export const main = task(function main(n: number = 5000) {
  let x: any = step(0);
  for (let i = 1; i < n; i++) x = step(x);
  return x;
});
`,
  });
  let r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "5000");
  r = ws.run(["run", "w.ts", "--full-check"]);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.trim(), "5000");
  assert.equal((r.stderr.match(/Cached Job/g) ?? []).length, 5001);
});

test('executor: "worker" runs the body in a worker thread; its errors come back', () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
import { isMainThread } from "node:worker_threads";
export const where = task(function where(i: number) { return { i, main: isMainThread }; }, { executor: "worker" });
export const boom = task(function boom() { throw new Error("worker boom"); }, { executor: "worker" });
export const main = task(function main() { return [where(1), where(2)]; });
`,
  });
  let r = runJson(ws, ["run", "w.ts", "--jobs", "2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.doc.result, [{ i: 1, main: false }, { i: 2, main: false }]);
  r = ws.run(["run", "w.ts", "boom"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error: worker boom/);
});

test("gc keeps the newest executions and what they need; the kept results stay cached", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  for (const greet of ["A", "B", "C"]) assert.equal(ws.run(["run", "hello_world.ts", "--greet", greet]).code, 0);
  const r = ws.run(["gc", "--keep", "1", "--db", ws.path(".tasklens/cache.db")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /forgot 2 executions/);
  assert.equal(JSON.parse(ws.run(["log", "--json"]).stdout).length, 1);
  const kept = runJson(ws, ["run", "hello_world.ts", "--greet", "C"]);
  assert.equal(kept.doc.jobs[0].status, "cached");
  const dropped = runJson(ws, ["run", "hello_world.ts", "--greet", "A", "--full-check"]);
  assert.deepEqual(dropped.doc.jobs.map((j) => j.status), ["done", "cached", "done"], "main(A) and greeter(A) were forgotten; getPlanet is kept");
});

test("gc keeps shared values: a result shared by two executions, or by two stores in one folder, still loads", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const bytes = task(function bytes(n: number) { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = i % 251; return b; });
export const make = task(function make(tag: string) { const b = new Uint8Array(300000); for (let i = 0; i < b.length; i++) b[i] = i % 251; return b; });
export const viaAwait = task(async function viaAwait(tag: string) { return await bytes(300000); });
`,
  });
  const expected = Buffer.from(Array.from({ length: 300000 }, (_, i) => i % 251));
  const runBytes = (args) => {
    const r = runJson(ws, ["run", "w.ts", ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Buffer.from(r.doc.result.$bytes, "base64").equals(expected), `${args.join(" ")}: the bytes`);
    return r.doc.jobs.map((j) => j.status);
  };
  const valueFiles = (dir) => readdirSync(join(dir, "values"), { recursive: true }).filter((f) => /[0-9a-f]{64}$/.test(f));

  // Two executions of one store, two calls with one (content-addressed) result; gc forgets the first.
  const db = ws.path("one/cache.db");
  runBytes(["make", "--tag", "a", "--db", db]);
  runBytes(["make", "--tag", "b", "--db", db]);
  assert.equal(valueFiles(ws.path("one")).length, 1, "one file for the shared value");
  assert.equal(ws.run(["gc", "--keep", "1", "--db", db]).code, 0);
  assert.deepEqual(runBytes(["make", "--tag", "b", "--db", db]), ["cached"]);

  // Two stores in one folder share its values/: gc of one leaves the other's values in place.
  for (const name of ["a", "b"]) runBytes(["make", "--tag", "a", "--db", ws.path(`two/${name}.db`)]);
  assert.equal(ws.run(["gc", "--keep", "0", "--db", ws.path("two/a.db")]).code, 0);
  assert.deepEqual(runBytes(["make", "--tag", "a", "--db", ws.path("two/b.db")]), ["cached"]);
  assert.equal(ws.run(["gc", "--keep", "0", "--db", ws.path("two/b.db")]).code, 0);
  assert.equal(valueFiles(ws.path("two")).length, 0, "held by no store: freed");

  // A kept result whose body awaited a child stays valid only while the child is a hit: gc keeps the child.
  const db3 = ws.path("three/cache.db");
  runBytes(["viaAwait", "--tag", "a", "--db", db3]);
  runBytes(["viaAwait", "--tag", "a", "--db", db3]);
  assert.equal(ws.run(["gc", "--keep", "1", "--db", db3]).code, 0);
  assert.deepEqual(runBytes(["viaAwait", "--tag", "a", "--db", db3, "--full-check"]), ["cached"], "viaAwait is still a hit, its awaited child too");

  // A value file lost by other means is written again by the next run that computes it.
  rmSync(join(ws.path("three"), "values"), { recursive: true });
  runBytes(["viaAwait", "--tag", "a", "--db", db3]);
  assert.deepEqual(runBytes(["viaAwait", "--tag", "a", "--db", db3]), ["cached"]);
});

test("value hashes read from a crafted store never become paths outside it", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  const secretDir = tempDir();
  writeFileSync(join(secretDir, "secret"), JSON.stringify("TOP SECRET"));
  const store = ws.path(".tasklens/cache.db");
  const crafted = join("..", "..", "..", "..", "..", "..", "..", "..", secretDir, "secret");
  appendFileSync(`${store}.journal`, JSON.stringify(["value", crafted, null, 1, 10]) + "\n");
  const [execution] = JSON.parse(ws.run(["log", "--json"]).stdout);
  const runs = `${store}.runs`;
  const jobId = "ab".repeat(16);
  appendFileSync(join(runs, `${execution.id}.jsonl`), JSON.stringify({ id: jobId, executionId: execution.id, parentId: null, seq: 99, taskName: "x", taskHash: "0".repeat(64), callHash: "0".repeat(64), argsHash: crafted, status: "done", started: Date.now(), ended: Date.now(), resultHash: crafted, error: null, traceback: null, upstream: [] }) + "\n");
  const r = ws.run(["log", jobId, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /TOP SECRET/);
  assert.equal(JSON.parse(r.stdout).result, null);
});
