// `tasklens plan` on redun's hello-world tutorial, against what real redun 0.46 then did: for each
// step, the plan made on the store before it (with that step's file and arguments) is compared job by
// job with the execution redun recorded for the step (fixtures made by real redun).
import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tasklens } from "../helpers.mjs";
import { fixtureText, STORES, TUTORIAL, unpack } from "./store-helpers.mjs";

/** The arguments a step ran with, from the command line redun recorded (`run [--no-cache] hello_world.py main …`). */
function stepArgs(step) {
  const command = fixtureText(step, "log-exec.txt").split("\n")[0].replace(/ \(.*$/, "").split(":  run ")[1].split(" ");
  const file = command.indexOf("hello_world.py");
  return { noCache: command.slice(0, file).includes("--no-cache"), task: command[file + 1], params: command.slice(file + 2) };
}

/** What happened to a job, as the plan's rules count it. */
function outcome(job, jobs) {
  if (job.status === "cached") return "reused";
  // A job failing only because a child failed reused its own evaluation (redun marks it failed).
  if (job.status === "failed" && jobs.some((c) => c.parentId === job.id && c.status === "failed")) return "reused";
  return "ran";
}

test("plan = what redun did next, step by step through the tutorial", () => {
  const table = [];
  for (const [i, step] of TUTORIAL.entries()) {
    const { noCache, task, params } = stepArgs(step);
    if (noCache) continue; // --no-cache runs everything: nothing to predict
    const before = unpack(TUTORIAL[Math.max(0, i - 1)]);
    if (i === 0) rmSync(join(before.dir, ".redun"), { recursive: true });
    copyFileSync(join(STORES, step, "hello_world.py"), join(before.dir, "hello_world.py"));
    const r = tasklens(["plan", "hello_world.py", task, ...params, "--json"], { cwd: before.dir });
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    const after = unpack(step);
    const actual = JSON.parse(tasklens(["log", "-", "--json"], { cwd: after.dir }).stdout).jobs;
    const unmatched = [...actual];
    for (const job of plan.jobs) {
      const k = unmatched.findIndex((a) => a.task === job.task);
      if (k < 0 && job.status === "may-rerun") {
        // Its input comes from a job that reruns: if that job fails, redun never gets to it.
        table.push({ step: step.split("/")[1], task: job.task.split(".").pop(), predicted: job.status, actual: "not reached" });
        continue;
      }
      assert.ok(k >= 0, `${step}: planned ${job.task} (${job.status}), which redun did not run`);
      const [a] = unmatched.splice(k, 1);
      const did = outcome(a, actual);
      table.push({ step: step.split("/")[1], task: job.task.split(".").pop(), predicted: job.status, actual: did });
      if (job.status === "cached" || job.status === "stale") assert.equal(did, "reused", `${step}: ${job.task} predicted ${job.status} but ran`);
      if (job.status === "will-rerun" || job.status === "never-run") assert.equal(did, "ran", `${step}: ${job.task} predicted ${job.status} but was reused`);
    }
    // Jobs the plan did not reach lie below a job whose body runs.
    if (plan.complete) assert.deepEqual(unmatched.map((j) => j.task), [], `${step}: a complete plan names every job`);
    for (const a of unmatched) table.push({ step: step.split("/")[1], task: a.task.split(".").pop(), predicted: "(below a rerun)", actual: outcome(a, actual) });
  }
  const counts = {};
  for (const row of table) counts[`${row.predicted} → ${row.actual}`] = (counts[`${row.predicted} → ${row.actual}`] ?? 0) + 1;
  console.log(table.map((r) => `${r.step.padEnd(16)} ${r.task.padEnd(11)} predicted ${r.predicted.padEnd(16)} redun ${r.actual}`).join("\n"));
  console.log(Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join("\n"));
  assert.ok(table.filter((r) => r.predicted === "cached").length >= 5, "the tutorial exercises cached predictions");
  assert.ok(table.filter((r) => r.predicted === "will-rerun").length >= 3, "and reruns");
});
