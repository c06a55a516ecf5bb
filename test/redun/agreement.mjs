// Shared by the plan tests: a plan of a redun run compared job by job with the execution redun then
// recorded, under the plan's rules. Rows go to `table` for the agreement report.
import assert from "node:assert/strict";

/** What happened to a job, as the plan's rules count it. */
function outcome(job, jobs) {
  if (job.status === "cached") return "reused";
  // A job failing only because a child failed reused its own evaluation (redun marks it failed).
  if (job.status === "failed" && jobs.some((c) => c.parentId === job.id && c.status === "failed")) return "reused";
  return "ran";
}

/** Asserts the rules for one step and adds its rows to `table`. */
export function compareStep(step, plan, actual, table) {
  const unmatched = [...actual];
  for (const job of plan.jobs) {
    const k = unmatched.findIndex((a) => a.task === job.task);
    if (k < 0 && job.status === "may-rerun") {
      // Its input comes from a job that reruns: if that job fails, redun never gets to it.
      table.push({ step, task: job.task.split(".").pop(), predicted: job.status, actual: "not reached" });
      continue;
    }
    assert.ok(k >= 0, `${step}: planned ${job.task} (${job.status}), which redun did not run`);
    const [a] = unmatched.splice(k, 1);
    const did = outcome(a, actual);
    table.push({ step, task: job.task.split(".").pop(), predicted: job.status, actual: did });
    if (job.status === "cached" || job.status === "stale") assert.equal(did, "reused", `${step}: ${job.task} predicted ${job.status} but ran`);
    if (job.status === "will-rerun" || job.status === "never-run") assert.equal(did, "ran", `${step}: ${job.task} predicted ${job.status} but was reused`);
  }
  // Jobs the plan did not reach lie below a job whose body runs.
  if (plan.complete) assert.deepEqual(unmatched.map((j) => j.task), [], `${step}: a complete plan names every job`);
  for (const a of unmatched) table.push({ step, task: a.task.split(".").pop(), predicted: "(below a rerun)", actual: outcome(a, actual) });
}

/** The table and its counts, as the closing report shows them. */
export function printAgreement(table) {
  const counts = {};
  for (const row of table) counts[`${row.predicted} → ${row.actual}`] = (counts[`${row.predicted} → ${row.actual}`] ?? 0) + 1;
  console.log(table.map((r) => `${r.step.padEnd(16)} ${r.task.padEnd(11)} predicted ${r.predicted.padEnd(16)} redun ${r.actual}`).join("\n"));
  console.log(Object.entries(counts).map(([k, n]) => `${k}: ${n}`).join("\n"));
}
