// What the editor's Jobs view and other LSP clients get from the server: every workspace folder's
// store read by the server (custom requests, a change notification), and runs through
// workspace/executeCommand for clients that run nothing themselves.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { waitFor, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";

test("the Jobs view's data comes from the server: every folder's store, executions, job trees, job details, live", async () => {
  const one = workspace({}, { example: "hello_world.ts" });
  const two = workspace({}, { example: "hello_world.ts" });
  assert.equal(one.run(["run", "hello_world.ts"]).code, 0);
  assert.equal(two.run(["run", "hello_world.ts", "--greet", "Hi"]).code, 0);
  await withServer({ cwd: one.dir, workspaceFolders: [one.dir, two.dir] }, async (server) => {
    const stores = await server.request("tasklens/stores");
    assert.deepEqual(stores.map((s) => [s.dialect, s.location]).sort(), [
      ["tasklens", two.path(".tasklens/cache.db")],
      ["tasklens", one.path(".tasklens/cache.db")],
    ].sort());

    const secondStore = two.path(".tasklens/cache.db");
    const executions = await server.request("tasklens/executions", { store: secondStore });
    assert.equal(executions.length, 1);
    assert.equal(executions[0].task, "examples.hello_world.main");
    assert.equal(executions[0].status, "done");
    assert.match(executions[0].command, /hello_world\.ts --greet Hi/);

    const jobs = await server.request("tasklens/jobs", { store: secondStore, executionId: executions[0].id });
    assert.deepEqual(jobs.map((j) => j.call).sort(), [
      "examples.hello_world.getPlanet()",
      "examples.hello_world.greeter(greet='Hi', thing='World')",
      "examples.hello_world.main(greet='Hi')",
    ]);
    const root = jobs.find((j) => j.parentId === null);
    assert.equal(root.task, "examples.hello_world.main");

    // By a prefix, without naming the store: the server looks in every store it knows.
    const details = await server.request("tasklens/jobDetails", { jobId: root.id.slice(0, 10) });
    assert.equal(details.store, secondStore);
    assert.equal(details.jobId, root.id);
    assert.match(details.text, /^Task: examples\.hello_world\.main/m);
    assert.match(details.text, /Result: /);
    assert.equal(details.file, two.path("hello_world.ts"));

    // A run in a folder announces itself, so the view updates live.
    assert.equal(two.run(["run", "hello_world.ts"]).code, 0);
    await waitFor(() => server.notifications.some((n) => n.method === "tasklens/storeChanged" && n.params.store === secondStore), { what: "tasklens/storeChanged for the second folder's store" });
    assert.equal((await server.request("tasklens/executions", { store: secondStore })).length, 2);
  });
});

test("Run lenses only for clients that run tasks; the server runs one itself with an argument array when enabled", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const file = ws.path("hello_world.ts");
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(file, ws.read("hello_world.ts"));
    const lenses = await server.codeLens(uri);
    assert.equal(lenses.filter((l) => l.command.title === "▶ Run task").length, 0, "no Run lens for a client that did not ask");
    assert.ok(lenses.every((l) => l.command.command === "tasklens.server.explainTask"), "status lenses carry a command the server executes");
  });

  await withServer({ cwd: ws.dir, initializationOptions: { runTasks: "server" } }, async (server) => {
    const uri = server.open(file, ws.read("hello_world.ts"));
    const run = (await server.codeLens(uri)).find((l) => l.command.title === "▶ Run task" && l.command.arguments[0].task === "examples.hello_world.main");
    assert.equal(run.command.command, "tasklens.server.runTask");
    await server.request("workspace/executeCommand", { command: run.command.command, arguments: run.command.arguments });
    await waitFor(() => server.notifications.some((n) => n.method === "window/showMessage" && /main done: Hello, World!/.test(n.params.message)), { what: "the run's result message" });
    assert.equal(JSON.parse(ws.run(["log", "--json"]).stdout).length, 1, "the run is in the store");

    // A task name that looks like shell syntax reaches the CLI as one argument: nothing is executed.
    const hostile = { ...run.command.arguments[0], task: "main; touch pwned", runnable: { ...run.command.arguments[0].runnable, args: ["run", file, "main; touch pwned"] } };
    await server.request("workspace/executeCommand", { command: "tasklens.server.runTask", arguments: [hostile] });
    await waitFor(() => server.notifications.some((n) => n.method === "window/showMessage" && /failed \(exit 2\)/.test(n.params.message)), { what: "the unknown-task failure" });
    assert.equal(existsSync(ws.path("pwned")), false);
  });
});
