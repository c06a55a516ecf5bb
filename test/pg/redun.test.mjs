// redun on PostgreSQL: a store made by the real redun (`db_uri = postgresql://…`, the planet workflow;
// test/fixtures/redun/stores/generate-planet-pg.mjs), loaded from its pg_dump into a real server.
// log reads it as `redun log` does; explain, plan and the language server's lenses read it too.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { tasklens, tempDir, waitFor } from "../helpers.mjs";
import { withServer } from "../lsp/client.mjs";
import { startCluster } from "./cluster.mjs";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "redun", "stores", "planet-pg");

let cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function project(dbUri) {
  const dir = tempDir("tasklens-redun-pg-");
  mkdirSync(join(dir, ".redun"));
  writeFileSync(join(dir, ".redun", "redun.ini"), `[backend]\ndb_uri = ${dbUri}\n`);
  // The workflow redun ran is the planet fixture's.
  cpSync(join(FIXTURE, "..", "planet", "planet.py"), join(dir, "planet.py"));
  return { dir, run: (args) => tasklens(args, { cwd: dir, env: { TZ: "UTC" } }) };
}

function loaded() {
  const db = cluster.createDb();
  cluster.load(db, join(FIXTURE, "redun.sql"));
  return cluster.url(db);
}

test("log shows redun's PostgreSQL store exactly as `redun log` does", () => {
  const p = project(loaded());
  let r = p.run(["log"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(FIXTURE, "redun-log.txt"), "utf8"));
  const latest = /Exec ([0-9a-f]{8})/.exec(r.stdout)[1];
  r = p.run(["log", latest]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(FIXTURE, "redun-log-exec.txt"), "utf8"));
  const json = JSON.parse(p.run(["log", "--json"]).stdout);
  assert.equal(json.length, 2);
});

test("explain and plan read redun's PostgreSQL store: cached, then will-rerun after a source edit", () => {
  const p = project(loaded().replace("postgresql://", "postgresql+psycopg2://"));
  let tasks = JSON.parse(p.run(["explain", "planet.py", "--json"]).stdout);
  assert.deepEqual(tasks.map((t) => [t.task, t.status]), [["tl.planet.get_planet", "cached"], ["tl.planet.greeter", "cached"], ["tl.planet.main", "cached"]]);
  const plan = JSON.parse(p.run(["plan", "planet.py", "--json"]).stdout);
  assert.deepEqual(plan.jobs.map((j) => [j.task.split(".").pop(), j.status]), [["main", "cached"], ["get_planet", "cached"], ["greeter", "cached"]]);
  writeFileSync(join(p.dir, "planet.py"), readFileSync(join(p.dir, "planet.py"), "utf8").replace('"{}, {}!"', '"{}; {}!"'));
  tasks = Object.fromEntries(JSON.parse(p.run(["explain", "planet.py", "--json"]).stdout).map((t) => [t.task.split(".").pop(), t.status]));
  assert.equal(tasks.greeter, "will-rerun");
});

test("an unreachable redun PostgreSQL store: exit 2, host and database named, password masked", () => {
  const p = project("postgresql://tl:sesame@127.0.0.1:1/redun");
  const r = p.run(["log"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /server 127\.0\.0\.1:1, database redun\) cannot be used: the server cannot be reached/);
  assert.ok(!r.stderr.includes("sesame"));
});

test("the language server's lenses and Jobs view read redun's PostgreSQL store", async () => {
  const url = loaded();
  const p = project(url);
  await withServer({ cwd: p.dir, workspaceFolders: [p.dir], initializationOptions: { runTasks: "client" } }, async (server) => {
    const uri = server.open(join(p.dir, "planet.py"), readFileSync(join(p.dir, "planet.py"), "utf8"));
    await waitFor(async () => (await server.codeLens(uri)).filter((l) => /^✓ cached/.test(l.command.title)).length === 3, { what: "three cached lenses" });
    const stores = await server.request("tasklens/stores");
    assert.deepEqual(stores.map((s) => [s.dialect, s.location]), [["redun", url]]);
    const executions = await server.request("tasklens/executions", { store: url });
    assert.equal(executions.length, 2);
  });
});
