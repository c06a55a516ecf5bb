// Measured truth of `tasklens plan`: for each scenario of plan-corpus.mjs, run the workflow, edit it,
// plan, run again, and compare job by job (plan and run matched by call hash, else by task under the
// same parent). Prints the confusion table (predicted × what the run did) and asserts the rules:
// no job predicted cached runs, no job predicted to rerun is reused, every stale reuse was predicted
// stale, and a plan that says it is complete names every job of the run.
// `node test/analysis/plan-corpus.test.mjs` prints the table.
import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnTasklens, workspace } from "../helpers.mjs";
import { scenarios } from "./plan-corpus.mjs";

/** The CLI as a process, without blocking the event loop (scenarios run two at a time). */
function cli(ws, args) {
  return new Promise((resolve, reject) => {
    const child = spawnTasklens(args, { cwd: ws.dir });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function run(ws, args) {
  const r = await cli(ws, ["run", "w.ts", ...args, "--json"]);
  assert.ok(r.code === 0 || r.code === 1, `run ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  // What each job did, from the log: its body ran, or its result was reused (stale or not).
  const did = new Map([...r.stderr.matchAll(/\[tasklens\] (Run   |Cached|Stale ) Job ([0-9a-f]{8}):/g)].map((m) => [m[2], m[1].trim()]));
  return { doc: JSON.parse(r.stdout), did };
}

function edit(ws, [file, from, to]) {
  if (to === undefined) [file, from, to] = ["w.ts", file, from];
  ws.edit(file, from, to);
}

const PREDICTED = ["cached", "stale", "will-rerun", "never-run", "may-rerun", "(not planned)"];
const ACTUAL = ["reused", "stale reuse", "ran", "(no job)"];

/** Plan jobs paired with run jobs; the run jobs the plan did not name. */
function pair(plan, runDoc) {
  const used = new Set();
  const runOf = new Map();
  const take = (pj, rj) => {
    if (!rj) return;
    used.add(rj.id);
    runOf.set(pj.id, rj);
  };
  for (const pj of plan.jobs) if (pj.callHash) take(pj, runDoc.jobs.find((j) => !used.has(j.id) && j.callHash === pj.callHash));
  for (const pj of plan.jobs) {
    if (pj.callHash) continue;
    const parent = pj.parentId === null ? null : runOf.get(pj.parentId)?.id;
    take(pj, runDoc.jobs.find((j) => !used.has(j.id) && j.task === pj.task && j.parentId === parent));
  }
  return { runOf, unplanned: runDoc.jobs.filter((j) => !used.has(j.id)) };
}

function actualOf(job, did) {
  const word = did.get(job.id.slice(0, 8));
  if (word === "Stale" || job.staleBecause) return "stale reuse";
  return word === "Cached" ? "reused" : "ran";
}

const table = Object.fromEntries(PREDICTED.map((p) => [p, Object.fromEntries(ACTUAL.map((a) => [a, 0]))]));
const violations = [];

function judge(name, plan, second) {
  const { runOf, unplanned } = pair(plan, second.doc);
  for (const pj of plan.jobs) {
    const rj = runOf.get(pj.id);
    const actual = rj ? actualOf(rj, second.did) : "(no job)";
    table[pj.status][actual]++;
    const where = `${name}: ${pj.call}`;
    if (pj.status === "cached" && actual === "ran") violations.push(`${where} predicted cached, but it ran`);
    if ((pj.status === "will-rerun" || pj.status === "never-run") && (actual === "reused" || actual === "stale reuse")) violations.push(`${where} predicted ${pj.status}, but it was reused`);
    if (actual === "stale reuse" && pj.status !== "stale") violations.push(`${where} was a stale reuse predicted ${pj.status}`);
  }
  for (const rj of unplanned) {
    const actual = actualOf(rj, second.did);
    table["(not planned)"][actual]++;
    if (actual === "stale reuse") violations.push(`${name}: ${rj.task} was a stale reuse the plan did not name`);
    if (plan.complete) violations.push(`${name}: the plan said it was complete, but the run also made ${rj.task}(${JSON.stringify(rj.args)})`);
  }
}

function printTable() {
  const width = Math.max(...PREDICTED.map((p) => p.length)) + 2;
  const lines = [`plan corpus: ${scenarios.length} scenarios; predicted (rows) × what the next run did (columns)`];
  lines.push(`${"".padEnd(width)}${ACTUAL.map((a) => a.padStart(13)).join("")}`);
  for (const p of PREDICTED) lines.push(`${p.padEnd(width)}${ACTUAL.map((a) => String(table[p][a]).padStart(13)).join("")}`);
  console.log(lines.join("\n"));
}

test("the corpus holds at least 60 edit scenarios", () => assert.ok(scenarios.length >= 60, `${scenarios.length} scenarios`));

test("plan = the next run, job by job, over the corpus", { concurrency: 2 }, async (t) => {
  await Promise.all(
    scenarios.map((s) =>
      t.test(s.name, async () => {
        const ws = workspace(s.files);
        const args = s.args ?? [];
        await run(ws, s.first ?? args);
        for (const step of s.steps ?? []) {
          step.edits.forEach((e) => edit(ws, e));
          await run(ws, step.run ?? args);
        }
        (s.edits ?? []).forEach((e) => edit(ws, e));
        const planned = await cli(ws, ["plan", "w.ts", ...args, "--json"]);
        assert.equal(planned.code, 0, planned.stderr);
        const second = await run(ws, args);
        const before = violations.length;
        judge(s.name, JSON.parse(planned.stdout), second);
        assert.deepEqual(violations.slice(before), []);
      }),
    ),
  );
  printTable();
  assert.deepEqual(violations, []);
});
