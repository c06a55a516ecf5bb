// `tasklens plan` on redun's hello-world tutorial, against what real redun 0.46 then did: for each
// step, the plan made on the store before it (with that step's file and arguments) is compared job by
// job with the execution redun recorded for the step (fixtures made by real redun).
import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tasklens } from "../helpers.mjs";
import { compareStep, printAgreement } from "./agreement.mjs";
import { fixtureText, STORES, TUTORIAL, unpack } from "./store-helpers.mjs";

/** The arguments a step ran with, from the command line redun recorded (`run [--no-cache] hello_world.py main …`). */
function stepArgs(step) {
  const command = fixtureText(step, "log-exec.txt").split("\n")[0].replace(/ \(.*$/, "").split(":  run ")[1].split(" ");
  const file = command.indexOf("hello_world.py");
  return { noCache: command.slice(0, file).includes("--no-cache"), task: command[file + 1], params: command.slice(file + 2) };
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
    compareStep(step.split("/")[1], plan, actual, table);
  }
  printAgreement(table);
  assert.ok(table.filter((r) => r.predicted === "cached").length >= 5, "the tutorial exercises cached predictions");
  assert.ok(table.filter((r) => r.predicted === "will-rerun").length >= 3, "and reruns");
});
