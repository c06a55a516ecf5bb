// tasklens's store on a real PostgreSQL server (started here, see cluster.mjs): runs, the cache,
// history, concurrent runs from several processes, a killed run, large values, and the errors.
import assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { after, before, test } from "node:test";
import { runJson, slowWorkflow, spawnTasklens, waitFor, workspace } from "../helpers.mjs";
import { startCluster } from "./cluster.mjs";

let cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

const hello = `import { task } from "tasklens";
export const greet = task(function greet(who: string) { return "Hello, " + who; });
export const big = task(function big(n: number) { return "y".repeat(n); });
export const main = task(function main(who: string = "team") { return [greet(who), greet("CI")]; });
`;

test("--db, TASKLENS_DB and package.json's db keep the cache and history in PostgreSQL", () => {
  const db = cluster.createDb();
  const url = cluster.url(db);
  const ws = workspace({ "w.ts": hello });
  let r = runJson(ws, ["run", "w.ts", "--db", url]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.doc.result, ["Hello, team", "Hello, CI"]);
  assert.ok(r.doc.jobs.every((j) => j.status === "done"));
  // The same store through the environment, and through package.json.
  r = runJson(ws, ["run", "w.ts"], { env: { TASKLENS_DB: url } });
  assert.ok(r.doc.jobs.every((j) => j.status === "cached"), r.stderr);
  ws.write("package.json", JSON.stringify({ name: "w", tasklens: { db: url } }));
  r = runJson(ws, ["run", "w.ts", "--who", "team"]);
  assert.ok(r.doc.jobs.every((j) => j.status === "cached"), r.stderr);
  // Nothing went to a file store.
  assert.equal(ws.run(["log", "--json", "--db", ws.path(".tasklens/cache.db")]).stdout.trim(), "[]");
  const log = JSON.parse(ws.run(["log", "--json"]).stdout);
  assert.equal(log.length, 3);
  const last = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
  assert.equal(last.status, "done");
  const explain = ws.run(["explain", "w.ts", "--json"]);
  assert.equal(explain.code, 0, explain.stderr);
  assert.match(explain.stdout, /"cached"/);
  const plan = ws.run(["plan", "w.ts"]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stderr, /Cached/);
  assert.equal(cluster.psql(db, "SELECT count(*) FROM tasklens.execution").trim(), "3");
});

test("8 concurrent runs from 8 processes on one PostgreSQL store: every job of every run recorded", async () => {
  const db = cluster.createDb();
  const url = cluster.url(db);
  const names = Array.from({ length: 8 }, (_, i) => `w${i}`);
  // Half the workflows share a task (the same calls upserted by several runs at once).
  const files = Object.fromEntries(names.map((n, i) => [`${n}.ts`, slowWorkflow(i % 2 ? n : "shared", 25, 10).replace(/step/g, i % 2 ? `step_${n}` : "step")]));
  const ws = workspace(files);
  const runs = names.map((n) => spawnTasklens(["run", `${n}.ts`, "--db", url, "--json"], { cwd: ws.dir }));
  const outputs = await Promise.all(runs.map((c) => new Promise((resolve) => {
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => (out += d));
    c.stderr.on("data", (d) => (err += d));
    c.on("close", (code) => resolve({ code, out, err }));
  })));
  for (const o of outputs) assert.equal(o.code, 0, o.err);
  for (const o of outputs) {
    const doc = JSON.parse(o.out);
    const log = JSON.parse(ws.run(["log", doc.executionId.slice(0, 12), "--json", "--db", url]).stdout);
    assert.equal(log.status, "done");
    // A run that starts after another finished the same (shared) workflow reuses main's subtree whole:
    // one job. Either way, every job the run reports is in the store.
    assert.ok(doc.jobs.length === 26 || (doc.jobs.length === 1 && doc.jobs[0].status === "cached"), `${doc.jobs.length} jobs`);
    assert.deepEqual(log.jobs.map((j) => j.id).sort(), doc.jobs.map((j) => j.id).sort(), "every job of the run is recorded");
  }
  assert.equal(cluster.psql(db, "SELECT count(*) FROM tasklens.execution").trim(), "8");
  for (const n of names) {
    const rerun = runJson(ws, ["run", `${n}.ts`, "--db", url]);
    assert.ok(rerun.doc.jobs.every((j) => j.status === "cached"), `${n}: every result of the concurrent runs is in the store`);
  }
});

test("a run killed with SIGKILL keeps every job that finished more than a second before", async () => {
  const url = cluster.url(cluster.createDb());
  const ws = workspace({ "w.ts": slowWorkflow("k", 200, 100) });
  const child = spawnTasklens(["run", "w.ts", "--db", url], { cwd: ws.dir });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const finishedBefore = await waitFor(() => {
    const n = (stderr.match(/Run    Job [0-9a-f]{8}:  step\(/g) ?? []).length;
    return n >= 15 ? n - 1 : 0;
  }, { what: "15 steps" });
  await new Promise((r) => setTimeout(r, 1300));
  child.kill("SIGKILL");
  await new Promise((r) => child.on("close", r));
  const log = JSON.parse(ws.run(["log", "-", "--json", "--db", url]).stdout);
  const done = log.jobs.filter((j) => j.task === "step" && j.status === "done").length;
  assert.ok(done >= finishedBefore, `${done} step jobs recorded; ${finishedBefore} had finished more than 1 s before the kill`);
  assert.equal(log.status, "running", "the execution never finished");
  const again = ws.run(["run", "w.ts", "--count", String(finishedBefore), "--db", url]);
  assert.equal(again.code, 0, again.stderr);
  const cachedSteps = (again.stderr.match(/Cached Job [0-9a-f]{8}:  step\(/g) ?? []).length;
  assert.ok(cachedSteps >= finishedBefore, `${cachedSteps} steps reused after the kill`);
});

test("large values live outside the hot tables and come back whole", () => {
  const db = cluster.createDb();
  const url = cluster.url(db);
  const ws = workspace({ "w.ts": hello });
  let r = runJson(ws, ["run", "w.ts", "big", "--n", "300000", "--db", url]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.doc.result.length, 300000);
  assert.equal(cluster.psql(db, "SELECT count(*) FROM tasklens.value WHERE external = 1 AND data IS NULL").trim(), "1");
  assert.equal(cluster.psql(db, "SELECT max(octet_length(data)) > 300000 FROM tasklens.value_blob").trim(), "t");
  assert.equal(Number(cluster.psql(db, "SELECT max(octet_length(data)) FROM tasklens.value").trim()) < 70000, true);
  r = runJson(ws, ["run", "w.ts", "big", "--n", "300000", "--db", url]);
  assert.ok(r.doc.jobs.every((j) => j.status === "cached"));
  assert.equal(r.doc.result, "y".repeat(300000));
  const shown = ws.run(["log", r.doc.jobs[0].id.slice(0, 12), "--json", "--db", url]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(shown.stdout.includes("y".repeat(1000)), "the job's result is read back from the values table");
});

test("unreachable server, wrong password, missing database, another schema version: exit 2, host and database named, password masked, nothing lost", () => {
  const db = cluster.createDb();
  const good = cluster.url(db);
  const ws = workspace({ "w.ts": hello });
  assert.equal(ws.run(["run", "w.ts", "--db", good]).code, 0);
  const cases = [
    ["unreachable", `postgresql://tl:sesame@127.0.0.1:1/${db}`, /cannot be reached/, "127.0.0.1:1"],
    ["wrong password", `postgresql://secret:sesame@127.0.0.1:${cluster.port}/${db}`, /refused the credentials of user secret/, `127.0.0.1:${cluster.port}`],
    ["missing database", `postgresql://tl:sesame@127.0.0.1:${cluster.port}/nosuchdb`, /database nosuchdb does not exist/, `127.0.0.1:${cluster.port}`],
  ];
  for (const [what, url, why, host] of cases) {
    for (const args of [["run", "w.ts", "--db", url], ["log", "--db", url], ["plan", "w.ts", "--db", url]]) {
      const r = ws.run(args);
      assert.equal(r.code, 2, `${what} ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, why, what);
      assert.ok(r.stderr.includes(`server ${host}`), `${what}: names the host: ${r.stderr}`);
      assert.match(r.stderr, /database \w+/, what);
      assert.ok(!`${r.stdout}${r.stderr}`.includes("sesame"), `${what} ${args[0]}: the password is never printed`);
      assert.match(r.stderr, /:\*\*\*@/, `${what}: the URL is shown masked`);
    }
  }
  // The password given on the command line is not recorded in the history either.
  const withPassword = `postgresql://tl:sesame@127.0.0.1:${cluster.port}/${db}`;
  assert.equal(ws.run(["run", "w.ts", "--who", "pw", "--db", withPassword]).code, 0);
  assert.ok(!ws.run(["log", "--db", good]).stdout.includes("sesame"));
  assert.ok(!cluster.psql(db, "SELECT string_agg(argv, ' ') FROM tasklens.execution").includes("sesame"));
  // Another version's schema: refused, not touched.
  cluster.psql(db, "UPDATE tasklens.meta SET value = 'tasklens-pg-99' WHERE key = 'format'");
  const r = ws.run(["run", "w.ts", "--db", good]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /another version \(format tasklens-pg-99; this tasklens reads tasklens-pg-1\)/);
  assert.match(r.stderr, new RegExp(`server 127.0.0.1:${cluster.port}, database ${db}`));
  cluster.psql(db, "UPDATE tasklens.meta SET value = 'tasklens-pg-1' WHERE key = 'format'");
  // Nothing was lost: the first run's results are still reused.
  const again = runJson(ws, ["run", "w.ts", "--db", good]);
  assert.ok(again.doc.jobs.every((j) => j.status === "cached"), again.stderr);
});

test("store copy: SQLite → PostgreSQL → SQLite keeps history and cache (large values too), and copying again adds nothing", () => {
  const db = cluster.createDb();
  const url = cluster.url(db);
  const ws = workspace({ "w.ts": hello });
  const laptop = ws.path("laptop/cache.db");
  assert.equal(ws.run(["run", "w.ts", "--db", laptop]).code, 0);
  assert.equal(ws.run(["run", "w.ts", "big", "--n", "200000", "--db", laptop]).code, 0);
  let r = ws.run(["store", "copy", laptop, url]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /copied .*laptop\/cache\.db → postgresql:\/\/tl@127\.0\.0\.1:\d+\/\w+: 2 executions \(4 jobs\), 4 cached results/);
  for (const args of [["w.ts"], ["w.ts", "big", "--n", "200000"]]) {
    const again = runJson(ws, ["run", ...args, "--db", url]);
    assert.ok(again.doc.jobs.every((j) => j.status === "cached"), `${args.join(" ")} reuses the laptop's results on the team store`);
  }
  assert.equal(JSON.parse(ws.run(["log", "--json", "--db", url]).stdout).length, 4);
  const offline = ws.path("offline/cache.db");
  r = ws.run(["store", "copy", url, offline]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4 executions/);
  const back = runJson(ws, ["run", "w.ts", "big", "--n", "200000", "--db", offline]);
  assert.ok(back.doc.jobs.every((j) => j.status === "cached"));
  assert.equal(back.doc.result.length, 200000);
  r = ws.run(["store", "copy", laptop, url]);
  assert.match(r.stdout, /0 cached results, 0 values, 0 task versions/);
  assert.equal(cluster.psql(db, "SELECT count(*) FROM tasklens.execution").trim(), "4");
  // Usage errors.
  assert.equal(ws.run(["store", "copy", ws.path("nothing.db"), url]).code, 2);
  assert.equal(ws.run(["store", "copy", laptop]).code, 2);
});

test("credentials from PGPASSWORD or a .pgpass file, the URL naming no password; never printed", () => {
  const db = cluster.createDb();
  cluster.psql(db, "GRANT CREATE ON DATABASE " + db + " TO secret");
  const ws = workspace({ "w.ts": hello });
  const url = `postgresql://secret@127.0.0.1:${cluster.port}/${db}`;
  let r = ws.run(["run", "w.ts", "--db", url], { env: { PGPASSWORD: "hunter2" } });
  assert.equal(r.code, 0, r.stderr);
  const pgpass = ws.path("pgpass");
  ws.write("pgpass", `127.0.0.1:${cluster.port}:${db}:secret:hunter2\n`);
  chmodSync(pgpass, 0o600);
  r = runJson(ws, ["run", "w.ts", "--db", url], { env: { PGPASSFILE: pgpass } });
  assert.ok(r.doc.jobs.every((j) => j.status === "cached"), r.stderr);
  // The host, port and database from the environment too.
  r = runJson(ws, ["run", "w.ts", "--db", "postgresql://"], { env: { PGPASSFILE: pgpass, PGHOST: "127.0.0.1", PGPORT: String(cluster.port), PGDATABASE: db, PGUSER: "secret" } });
  assert.ok(r.doc.jobs.every((j) => j.status === "cached"), r.stderr);
  r = ws.run(["run", "w.ts", "--db", url], { env: { PGPASSWORD: "wrong" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /refused the credentials of user secret/);
  for (const out of [r.stdout, r.stderr, ws.run(["log", "--db", url], { env: { PGPASSWORD: "hunter2" } }).stdout]) assert.ok(!out.includes("hunter2"));
});
