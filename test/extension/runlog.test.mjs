// What the editor reads from a run's log: the failed job, its error and the workflow line that
// raised (tasklens's own log from the real CLI; redun's from a log the real redun printed).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, workspace } from "../helpers.mjs";

const { lastFailure, locationsIn } = await import(join(ROOT, "dist", "core", "runLog.js"));

const FAILING = `import { task } from "tasklens";

export const boom = task(async function boom(n: number) {
  if (n > 0) throw new Error("boom");
  return n;
});

export const main = task(async function main(n: number = 1) {
  return await boom(n);
});
`;

test("a failed tasklens run: the innermost job, its error and the line that threw", () => {
  const ws = workspace({ "wf.ts": FAILING });
  const run = ws.run(["run", "wf.ts"]);
  assert.equal(run.code, 1);
  const failure = lastFailure(run.stderr, ws.dir);
  assert.deepEqual(failure, { call: "boom(n=1)", error: "Error: boom", location: { file: ws.path("wf.ts"), line: 4 } });
});

test("a successful run reports no failure", () => {
  const ws = workspace({ "wf.ts": FAILING.replace("n > 0", "n > 5") });
  const run = ws.run(["run", "wf.ts"]);
  assert.equal(run.code, 0);
  assert.equal(lastFailure(run.stderr, ws.dir), undefined);
});

test("a failed redun run: the rejected job, Python's error and the line that raised", () => {
  const log = readFileSync(join(ROOT, "test", "fixtures", "redun", "logs", "failed-run.txt"), "utf8");
  assert.deepEqual(lastFailure(log, "/elsewhere"), { call: "fx.boom(n=1)", error: "ValueError: boom", location: { file: "/work/project/fail.py", line: 8 } });
});

test("locations in log lines: V8 frames, job lines, Python frames", () => {
  const at = (line) => locationsIn(line).map(({ file, line: n }) => `${file}:${n}`);
  assert.deepEqual(at("[tasklens]     at TaskDefinition.boom (/tmp/fx/wf.ts:4:20)"), ["/tmp/fx/wf.ts:4"]);
  assert.deepEqual(at("[tasklens]   Job c6e7daef: main(n=1)  (wf.ts:8)"), ["wf.ts:8"]);
  assert.deepEqual(at('[redun]   File "/w/fail.py", line 8, in boom'), ["/w/fail.py:8"]);
  assert.deepEqual(at("[tasklens] | boom   0   0   1"), []);
});
