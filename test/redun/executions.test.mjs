// Executions as the Jobs view lists them from redun's store: the workflow file and entry task come
// from redun's command line, whatever options came before them (fixture made by real redun through
// `tasklens run`, which passes --execution-id).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";
import { unpack } from "./store-helpers.mjs";

const { RedunStoreReader } = await import(join(ROOT, "dist", "dialects", "redun", "storeReader.js"));

test("an execution started with --execution-id names its file and task, not the id", async () => {
  const { db } = unpack("planet");
  const reader = await RedunStoreReader.open(db);
  const executions = reader.executions(10);
  assert.ok(executions.length > 0);
  for (const e of executions) {
    assert.ok(e.argv.includes("--execution-id"), JSON.stringify(e.argv));
    assert.match(e.file, /planet\.py$/, JSON.stringify(e));
    assert.match(e.task, /main$/);
  }
  reader.close();
});
