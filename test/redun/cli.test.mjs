// The CLI on redun workflows, as a user runs it: check, explain, log and run on .py files against
// redun's own stores (fixtures made by real redun 0.46), and runs through a real redun where one is.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createRequire } from "node:module";
import { tasklens, tempDir } from "../helpers.mjs";
import { fixtureText, jobLogs, STORES, TUTORIAL, unpack, withoutDataflow } from "./store-helpers.mjs";

const TZ = { TZ: "UTC" };
const initSqlJs = createRequire(import.meta.url)("sql.js");

/** A fixture store with a given step's workflow file beside it. */
function project(storeStep, fileStep = storeStep) {
  const p = unpack(storeStep);
  copyFileSync(join(STORES, fileStep, "hello_world.py"), join(p.dir, "hello_world.py"));
  return { ...p, run: (args, env = {}) => tasklens(args, { cwd: p.dir, env: { ...TZ, ...env } }) };
}

function explain(p, task) {
  const r = p.run(["explain", "hello_world.py", ...(task ? [task] : []), "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries(JSON.parse(r.stdout).map((t) => [t.task.split(".").pop(), t]));
}

for (const step of TUTORIAL) {
  test(`explain on ${step}: the hash redun stored for each task of the file it ran; every task it ran is cached`, () => {
    const p = project(step);
    const tasks = explain(p);
    const log = JSON.parse(p.run(["log", "-", "--json"]).stdout);
    // A failed job whose failure came from a child: its own evaluation is cached; the failing child reruns.
    const failedItself = new Set(log.jobs.filter((j) => j.status === "failed" && !log.jobs.some((c) => c.parentId === j.id && c.status === "failed")).map((j) => j.task.split(".").pop()));
    for (const job of log.jobs) {
      const name = job.task.split(".").pop();
      assert.equal(tasks[name].taskHash, job.taskHash, `${name}: predicted hash = redun's`);
      if (step.endsWith("no-cache")) continue;
      assert.equal(tasks[name].status, failedItself.has(name) ? "will-rerun" : "cached", `${step} ${name}: ${JSON.stringify(tasks[name].reasons)}`);
    }
  });
}

test("never run without a store; a comment edit after a run: will-rerun, with the diff against the source redun stored", () => {
  const fresh = tempDir();
  copyFileSync(join(STORES, "tutorial/01-first-run", "hello_world.py"), join(fresh, "hello_world.py"));
  const r = tasklens(["explain", "hello_world.py", "--json"], { cwd: fresh });
  assert.deepEqual(JSON.parse(r.stdout).map((t) => t.status), ["never-run", "never-run", "never-run"]);
  assert.ok(!existsSync(join(fresh, ".redun")), "explain writes nothing");

  const p = project("tutorial/04-mars", "tutorial/05-comment-edit");
  const planet = explain(p).get_planet;
  assert.equal(planet.status, "will-rerun");
  assert.equal(planet.reasons[0].kind, "source-changed");
  assert.match(planet.reasons[0].detail, /^\+\s+# Mars, not World\.$/m);
  const text = p.run(["explain", "hello_world.py", "get_planet"]).stdout;
  assert.match(text, /get_planet: will-rerun/);
});

for (const step of ["tutorial/03-greet-hi", "tutorial/06-failure", "killed"]) {
  test(`log on ${step} prints what redun log prints`, () => {
    const p = unpack(step);
    const run = (args) => tasklens(["log", ...args], { cwd: p.dir, env: TZ });
    // Compared up to trailing blank lines (the CLI ends its output with one newline).
    assert.equal(run([]).stdout.trimEnd(), fixtureText(step, "log.txt").trimEnd());
    const wantExec = fixtureText(step, "log-exec.txt");
    const id = /^Exec ([0-9a-f-]{36}) /.exec(wantExec)[1];
    assert.equal(run([id.slice(0, 8)]).stdout.trimEnd(), wantExec.trimEnd());
    for (const [job, want] of jobLogs(step)) {
      assert.equal(run([job]).stdout.trimEnd(), withoutDataflow(want).replace(/ object at 0x[0-9a-f]+>/g, " object>").trimEnd(), `job ${job}`);
    }
    // The same through --db from elsewhere, and as JSON.
    const json = JSON.parse(tasklens(["log", "--db", join(p.dir, ".redun"), "--json"], { cwd: tempDir() }).stdout);
    assert.ok(json.length > 0 && json.every((e) => typeof e.id === "string" && ["done", "failed", "running"].includes(e.status)));
  });
}

test("a job's details as JSON: arguments and result decoded", () => {
  const p = project("tutorial/03-greet-hi");
  const exec = JSON.parse(p.run(["log", "-", "--json"]).stdout);
  const greeter = exec.jobs.find((j) => j.task.endsWith(".greeter"));
  assert.deepEqual(greeter.args, { args: ["Hi", "World"], kwargs: {} });
  const details = JSON.parse(p.run(["log", greeter.id, "--json"]).stdout);
  assert.equal(details.result, "Hi, World!");
  assert.match(details.source, /^def greeter\(/);
  assert.equal(exec.result, "Hi, World!");
});

test("check on a redun file: syntax errors reported, the tasks before them kept; redun-invalid names", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "bad.py"), 'from redun import task\n\n@task(name="not valid")\ndef a():\n    return 1\n');
  const r = tasklens(["check", "bad.py", "--json"], { cwd: dir });
  const rows = JSON.parse(r.stdout);
  assert.ok(rows.some((row) => row.code === "redun-invalid" && row.severity === "error"), r.stdout);
  assert.notEqual(r.code, 0);
});

test("run without redun: a clear message, exit 2, nothing written", () => {
  const dir = tempDir();
  copyFileSync(join(STORES, "tutorial/01-first-run", "hello_world.py"), join(dir, "hello_world.py"));
  for (const env of [{ PATH: "/nonexistent" }, { TASKLENS_REDUN: "/nonexistent/redun" }]) {
    const r = tasklens(["run", "hello_world.py"], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /redun not found \(looked for .*\): install it \(pip install redun\), or name it with --redun PATH, --python PATH or TASKLENS_REDUN/);
  }
  // An interpreter without redun: its own words, exit 127, nothing recorded.
  const r = tasklens(["run", "hello_world.py", "--python", process.execPath.replace(/node$/, "nonexistent-python")], { cwd: dir });
  assert.equal(r.code, 2);
  const python = ["/usr/bin/python3", "/usr/local/bin/python3"].find((p) => existsSync(p));
  if (python && !process.env.TASKLENS_REDUN_SRC) {
    const r2 = tasklens(["run", "hello_world.py", "--python", python], { cwd: dir, env: { PYTHONPATH: "" } });
    if (r2.code === 127) assert.match(r2.stderr, /cannot import redun .*-m pip install redun/);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f !== ".redun"), ["hello_world.py"]);
  assert.ok(!existsSync(join(dir, ".redun", "tasklens-runs")), "no run recorded");
});

/** A `redun` executable over a source checkout (TASKLENS_REDUN_SRC), or undefined. */
function realRedun() {
  const src = process.env.TASKLENS_REDUN_SRC;
  if (!src) return undefined;
  const python = process.env.TASKLENS_REDUN_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
  const exe = join(tempDir(), "redun");
  writeFileSync(exe, `#!${python}\nimport sys\nsys.path[:0] = ${JSON.stringify(src.split(":"))}\nfrom redun.cli import main\nsys.argv[0] = "redun"\nmain()\n`);
  chmodSync(exe, 0o755);
  return exe;
}

test("run through the real redun: output streamed, exit code kept, what it imported recorded", { skip: realRedun() ? false : "skipped: no redun (set TASKLENS_REDUN_SRC to a redun 0.46 checkout)" }, () => {
  const redun = realRedun();
  const dir = tempDir();
  copyFileSync(join(STORES, "tutorial/01-first-run", "hello_world.py"), join(dir, "hello_world.py"));
  let r = tasklens(["run", "hello_world.py", "main", "--greet", "Hi", "--redun", redun], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "'Hi, World!'");
  assert.match(r.stderr, /Run {4}Job \w{8}: {2}redun\.examples\.hello_world\.greeter\(greet='Hi', thing='World'\)/);
  const runs = readdirSync(join(dir, ".redun", "tasklens-runs"));
  assert.equal(runs.length, 1);
  assert.equal(JSON.parse(readFileSync(join(dir, ".redun", "tasklens-runs", runs[0]), "utf8")).text, readFileSync(join(dir, "hello_world.py"), "utf8"));
  // explain follows `redun run hello_world.py` (main with its default greet='Hello'), which never ran.
  const tasks = explain({ run: (a) => tasklens(a, { cwd: dir }) });
  assert.equal(tasks.get_planet.status, "cached");
  assert.equal(tasks.greeter.status, "cached");
  assert.equal(tasks.main.status, "will-rerun");
  assert.equal(tasks.main.reasons[0].kind, "args-changed");
  // A failing task: redun's exit code.
  writeFileSync(join(dir, "hello_world.py"), readFileSync(join(dir, "hello_world.py"), "utf8").replace('return "World"', "return 1 / 0"));
  r = tasklens(["run", "hello_world.py", "--redun", redun], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ZeroDivisionError/);
  // Through an interpreter that has redun (as the editor passes the Python extension's).
  const python = process.env.TASKLENS_REDUN_PYTHON ?? "/usr/bin/python3";
  r = tasklens(["run", "hello_world.py", "greeter", "--greet", "Yo", "--thing", "You", "--python", python], { cwd: dir, env: { PYTHONPATH: process.env.TASKLENS_REDUN_SRC } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "'Yo, You!'");
});

test("bad input: no task, a corrupt store, another redun version's store, a syntax error — said clearly, nothing written", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "none.py"), "from redun import task\n\nX = 1\n");
  let r = tasklens(["explain", "none.py"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "none.py defines no task");

  // A corrupt store: named, exit 2, left byte-identical.
  copyFileSync(join(STORES, "tutorial/01-first-run", "hello_world.py"), join(dir, "hello_world.py"));
  mkdirSync(join(dir, ".redun"));
  const junk = Buffer.alloc(4096, 7);
  writeFileSync(join(dir, ".redun", "redun.db"), junk);
  for (const args of [["explain", "hello_world.py"], ["log"], ["plan", "hello_world.py"]]) {
    r = tasklens(args, { cwd: dir });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /redun\.db: not an SQLite database, so not a redun store/);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
  assert.ok(readFileSync(join(dir, ".redun", "redun.db")).equals(junk));

  // A store of an older redun schema: named, with what to do.
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run("CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('806f5dcb11bf')");
  const olderDir = tempDir();
  mkdirSync(join(olderDir, ".redun"));
  writeFileSync(join(olderDir, ".redun", "redun.db"), Buffer.from(db.export()));
  r = tasklens(["log"], { cwd: olderDir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /a redun store of schema 1\.0, older than redun 0\.46's 3\.5 \(running redun once upgrades it\)/);

  // A syntax error: where Python reports it, and the tasks before it keep their hashes.
  writeFileSync(join(dir, "broken.py"), 'from redun import task\n\n@task()\ndef ok():\n    return 1\n\n@task(\ndef f(:\n');
  r = tasklens(["check", "broken.py", "--json"], { cwd: dir });
  const rows = JSON.parse(r.stdout).filter((row) => row.code === "syntax-error");
  assert.ok(rows.length >= 1 && rows[0].line === 7, JSON.stringify(rows));
  r = tasklens(["explain", "broken.py", "--json"], { cwd: dir });
  const ok = JSON.parse(r.stdout).find((t) => t.task === "ok");
  assert.match(ok.taskHash, /^[0-9a-f]{40}$/);
});
