// The Jobs view with several workspace folders whose stores do not exist yet: a run in any folder
// creates its store, and the server lists it (after the change notification, or when asked again).
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";

test("a store created by a run in the second workspace folder appears in the Jobs view", async () => {
  const one = workspace({}, { example: "hello_world.ts" });
  const two = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: one.dir, workspaceFolders: [one.dir, two.dir] }, async (server) => {
    assert.deepEqual(await server.request("tasklens/stores"), []);
    assert.equal(two.run(["run", "hello_world.ts"]).code, 0);
    const stores = await waitFor(async () => {
      const listed = await server.request("tasklens/stores");
      return listed.length ? listed : undefined;
    }, { what: "the second folder's store listed" });
    assert.deepEqual(stores.map((s) => s.location), [two.path(".tasklens/cache.db")]);
    const executions = await server.request("tasklens/executions", { store: two.path(".tasklens/cache.db") });
    assert.equal(executions.length, 1);
  });
});
