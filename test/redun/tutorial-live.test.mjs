// The hello-world tutorial live, with a real redun where one is importable (TASKLENS_REDUN_SRC): before
// each step `tasklens plan` and `explain`, then the run through `tasklens run` (which starts redun), then
// plan and explain are compared with what redun did. Prints the agreement table.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tasklens, tempDir } from "../helpers.mjs";
import { compareStep, printAgreement } from "./agreement.mjs";
import { STORES } from "./store-helpers.mjs";

const SRC = process.env.TASKLENS_REDUN_SRC;

/** A `redun` executable over the source checkout. */
function redunExecutable() {
  const python = process.env.TASKLENS_REDUN_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
  const exe = join(tempDir(), "redun");
  writeFileSync(exe, `#!${python}\nimport sys\nsys.path[:0] = ${JSON.stringify(SRC.split(":"))}\nfrom redun.cli import main\nsys.argv[0] = "redun"\nmain()\n`);
  chmodSync(exe, 0o755);
  return exe;
}

test("the tutorial live: plan and explain before each step agree with what redun then does", { skip: SRC ? false : "skipped: no redun (set TASKLENS_REDUN_SRC to a redun 0.46 checkout)", timeout: 300_000 }, () => {
  const redun = redunExecutable();
  const dir = tempDir("tasklens-live-");
  copyFileSync(join(STORES, "tutorial/01-first-run", "hello_world.py"), join(dir, "hello_world.py"));
  const edit = (from, to) => writeFileSync(join(dir, "hello_world.py"), readFileSync(join(dir, "hello_world.py"), "utf8").replace(from, to));
  const steps = [
    ["01-first-run", () => {}, []],
    ["02-rerun-cached", () => {}, []],
    ["03-greet-hi", () => {}, ["--greet", "Hi"]],
    ["04-mars", () => edit('return "World"', 'return "Mars"'), []],
    ["05-comment-edit", () => edit('    return "Mars"', '    # Mars, not World.\n    return "Mars"'), []],
    ["06-failure", () => edit('    return "Mars"', '    x = 1 / 0\n    return "Mars"'), []],
    ["07-fix", () => edit("    x = 1 / 0\n", ""), []],
  ];
  const table = [];
  const explained = [];
  for (const [step, change, params] of steps) {
    change();
    const plan = JSON.parse(tasklens(["plan", "hello_world.py", "main", ...params, "--json"], { cwd: dir }).stdout);
    const explain = JSON.parse(tasklens(["explain", "hello_world.py", "--json"], { cwd: dir }).stdout);
    const run = tasklens(["run", "hello_world.py", "main", ...params, "--redun", redun], { cwd: dir });
    assert.equal(run.code, step === "06-failure" ? 1 : 0, run.stderr);
    const actual = JSON.parse(tasklens(["log", "-", "--json"], { cwd: dir }).stdout).jobs;
    compareStep(step, plan, actual, table);
    // explain follows the plan of main without arguments: compare where the step runs main so.
    if (params.length === 0) {
      for (const t of explain) {
        const job = actual.find((j) => j.task === t.task);
        if (job) explained.push(`${step} ${t.task.split(".").pop()}: explain ${t.status}, redun ${job.status}`);
      }
    }
  }
  printAgreement(table);
  console.log(explained.join("\n"));
  assert.ok(table.filter((r) => r.predicted === "cached").length >= 5);
});
