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

    const jobs = await server.request("tasklens/stores", {});
    assert.ok(jobs.some((s) => s.dialect === "redun"), JSON.stringify(jobs));
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
