// The language server and the Jobs view on a PostgreSQL store (a real throwaway server): read-only,
// the `tasklens.db` setting or package.json naming it, another process's run noticed as it lands.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { waitFor, workspace } from "../helpers.mjs";
import { startCluster } from "../pg/cluster.mjs";
import { withServer } from "./client.mjs";

let cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

test("lenses and the Jobs view read a PostgreSQL store and notice another process's run", async () => {
  const db = cluster.createDb();
  const url = cluster.url(db);
  const ws = workspace({ "package.json": JSON.stringify({ name: "team", tasklens: { db: url } }) }, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  await withServer({ cwd: ws.dir, workspaceFolders: [ws.dir], initializationOptions: { runTasks: "client" } }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const statusOf = async (task) => {
      const lenses = await server.codeLens(uri);
      return lenses.find((l) => l.command.arguments[0].task === `examples.hello_world.${task}` && /explainTask$/.test(l.command.command)).command.title;
    };
    assert.match(await statusOf("getPlanet"), /^✓ cached/);
    const stores = await server.request("tasklens/stores");
    assert.deepEqual(stores.map((s) => [s.dialect, s.location]), [["tasklens", url]]);
    assert.equal((await server.request("tasklens/executions", { store: url })).length, 1);

    // Another process runs a new call: the server notices it (it polls four times a second) and says so.
    const before = server.notifications.length;
    const r = ws.run(["run", "hello_world.ts", "--greet", "Hi"]);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => server.notifications.slice(before).some((n) => n.method === "tasklens/storeChanged" && n.params.store === url), { what: "tasklens/storeChanged for the PostgreSQL store" });
    // The notification may come from the run's first flush: the view then reads again as later ones arrive.
    const newJobs = await waitFor(async () => {
      const executions = await server.request("tasklens/executions", { store: url });
      if (executions.length !== 2) return undefined;
      const jobs = await server.request("tasklens/jobs", { store: url, executionId: executions[0].id });
      return jobs.some((j) => j.call === "examples.hello_world.greeter(greet='Hi', thing='World')") ? jobs : undefined;
    }, { what: "the new execution's jobs" });
    assert.equal(newJobs.length, 3);

    // An edit makes a task stale against the team's results, as with a file store.
    server.change(uri, ws.read("hello_world.ts").replace('const planet = "World"', 'const planet = "Mars"'));
    assert.equal(await statusOf("getPlanet"), "⚠ stale: planet changed (not hashed)");
  });
});

test("the tasklens.db setting names a PostgreSQL store; an unreachable one is a one-line problem, never fatal", async () => {
  const url = cluster.url(cluster.createDb());
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts", "--db", url]).code, 0);
  const down = `postgresql://tl:sesame@127.0.0.1:1/${"nothere"}`;
  await withServer({ cwd: ws.dir, workspaceFolders: [ws.dir], initializationOptions: { runTasks: "client", storeOverrides: [{ folder: ws.dir, db: url }] } }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    await waitFor(async () => (await server.codeLens(uri)).some((l) => /^✓ cached/.test(l.command.title)), { what: "a cached lens from the setting's store" });
  });
  await withServer({ cwd: ws.dir, workspaceFolders: [ws.dir], initializationOptions: { runTasks: "client", storeOverrides: [{ folder: ws.dir, db: down }] } }, async (server) => {
    server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const stores = await server.request("tasklens/stores");
    assert.equal(stores.length, 1);
    assert.match(stores[0].problem, /server 127\.0\.0\.1:1, database nothere\) cannot be used: the server cannot be reached/);
    assert.ok(!stores[0].problem.includes("sesame"), "the password is masked");
  });
});
