// The language server on redun's Python workflows, over JSON-RPC: status lenses and hovers from
// redun's own store, redun-invalid as a diagnostic, and the Jobs requests over a redun store.
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { STORES, unpack } from "../redun/store-helpers.mjs";
import { withServer } from "./client.mjs";

test("a redun workflow: status lenses from redun's store follow the buffer; hover shows the hash", async () => {
  const p = unpack("tutorial/04-mars");
  const file = join(p.dir, "hello_world.py");
  copyFileSync(join(STORES, "tutorial/04-mars", "hello_world.py"), file);
  await withServer({ cwd: p.dir, workspaceFolders: [p.dir] }, async (server) => {
    const text = (await import("node:fs")).readFileSync(file, "utf8");
    const uri = server.open(file, text, "python");
    const statusOf = async (name) => {
      const lenses = await server.codeLens(uri);
      return lenses.find((l) => l.command.arguments[0].task.endsWith(`.${name}`) && /explainTask$/.test(l.command.command))?.command.title;
    };
    assert.match(await statusOf("get_planet"), /^✓ cached/);
    server.change(uri, text.replace('return "Mars"', '# a comment redun hashes\n    return "Mars"'));
    assert.match(await statusOf("get_planet"), /^⟳ will rerun: source changed/);
    // Its input comes from get_planet, which reruns: it may rerun (it will not if get_planet returns the same).
    assert.match(await statusOf("greeter"), /^⟳ may rerun/);
    assert.match(await statusOf("main"), /^✓ cached/);

    // The Jobs view's requests over redun's store: executions, a job tree, a job as `redun log <job>` shows it.
    const stores = await server.request("tasklens/stores", {});
    const redunStore = stores.find((s) => s.dialect === "redun");
    assert.ok(redunStore, JSON.stringify(stores));
    const executions = await server.request("tasklens/executions", { store: redunStore.location });
    assert.equal(executions.length, 4);
    assert.ok(executions.every((e) => e.status === "done" && e.task === "redun.examples.hello_world.main"), JSON.stringify(executions));
    const jobs = await server.request("tasklens/jobs", { store: redunStore.location, executionId: executions[0].id });
    const greeter = jobs.find((j) => j.task === "redun.examples.hello_world.greeter");
    assert.ok(greeter, JSON.stringify(jobs));
    const details = await server.request("tasklens/jobDetails", { store: redunStore.location, jobId: greeter.id });
    assert.match(details.text, /^Job [0-9a-f-]{36} \[ DONE \] .*redun\.examples\.hello_world\.greeter\('Hello', 'Mars'\)/);
    assert.match(details.text, /CallNode [0-9a-f]{40} redun\.examples\.hello_world\.greeter/);
    assert.match(details.text, /Result: 'Hello, Mars!'/);
  });
});

test("redun-invalid is published as an error on the task's name", async () => {
  const p = unpack("tutorial/01-first-run");
  const file = join(p.dir, "bad.py");
  const text = 'from redun import task\n\n@task(name="no spaces allowed")\ndef bad():\n    return 1\n';
  writeFileSync(file, text);
  await withServer({ cwd: p.dir }, async (server) => {
    const uri = server.open(file, text, "python");
    const [d] = await server.waitForDiagnostics(uri, (ds) => ds.length > 0);
    assert.equal(d.code, "redun-invalid");
    assert.equal(d.severity, 1);
    assert.equal(uri, pathToFileURL(file).toString());
  });
});
