// Scheduling: async tasks awaiting children, structures of calls, concurrency, partial failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runJson, statuses, workspace } from "../helpers.mjs";

test("async tasks await children; the cached result stays valid only while every awaited child is a hit", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const leaf = task(function leaf(x: number) { return x * 2; });
export const main = task(async function main() {
  const a = await leaf(1);
  const [b, c] = await Promise.all([leaf(2), leaf(3)]);
  return a + b + c;
});
`,
  });
  let r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "12");
  r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Cached");
  assert.equal(r.stdout.trim(), "12");
  ws.edit("w.ts", "return x * 2;", "return x * 3;");
  r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Run", "a child awaited in the body changed: the parent reruns");
  assert.equal(r.stdout.trim(), "18");
});

test("arrays and plain objects of calls are resolved; independent calls overlap in time", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const slow = task(async function slow(i: number) {
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 300));
  return { i, started, ended: Date.now() };
}, { cache: false });
export const main = task(function main() {
  return { list: [slow(1), slow(2)], one: { nested: slow(3) } };
}, { cache: false });
`,
  });
  const { code, doc, stderr } = runJson(ws, ["run", "w.ts"]);
  assert.equal(code, 0, stderr);
  const spans = [...doc.result.list, doc.result.one.nested];
  assert.deepEqual(spans.map((s) => s.i), [1, 2, 3]);
  const latestStart = Math.max(...spans.map((s) => s.started));
  const earliestEnd = Math.min(...spans.map((s) => s.ended));
  assert.ok(latestStart < earliestEnd, `all three ran at once: ${JSON.stringify(spans)}`);
});

test("--jobs 1 runs one body at a time", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const slow = task(async function slow(i: number) {
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 50));
  return [started, Date.now()];
}, { cache: false });
export const main = task(async function main() { return await Promise.all([slow(1), slow(2), slow(3)]); }, { cache: false });
`,
  });
  const { doc } = runJson(ws, ["run", "w.ts", "--jobs", "1"]);
  const spans = doc.result.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `no overlap with --jobs 1: ${JSON.stringify(spans)}`);
});

test("a failure in one branch is reported; the other branches finish and are kept", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const ok = task(async function ok(i: number) { await new Promise((r) => setTimeout(r, 100)); return i; });
export const bad = task(function bad() { throw new Error("bad branch"); });
export const main = task(function main() { return [ok(1), bad(), ok(2)]; });
`,
  });
  let r = runJson(ws, ["run", "w.ts"]);
  assert.equal(r.code, 1);
  assert.equal(r.doc.status, "failed");
  assert.match(r.doc.error, /bad branch/);
  const byTask = (doc, name) => doc.jobs.filter((j) => j.task === name).map((j) => j.status);
  assert.deepEqual(byTask(r.doc, "ok"), ["done", "done"]);
  assert.deepEqual(byTask(r.doc, "bad"), ["failed"]);
  ws.edit("w.ts", 'throw new Error("bad branch");', "return 0;");
  r = runJson(ws, ["run", "w.ts"]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.doc.result, [1, 0, 2]);
  assert.deepEqual(byTask(r.doc, "ok"), ["cached", "cached"], "the healthy branches were recorded by the failed run");
  assert.deepEqual(byTask(r.doc, "bad"), ["done"]);
});
