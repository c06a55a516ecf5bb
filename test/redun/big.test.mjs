// The generated 5,000-line, 500-task workflow (big.py, from generate-big.mjs) against the hashes real
// redun computed for it (big.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";
import { compareWithRedun } from "./compare.mjs";
import { generateWorkflow } from "./generate.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const DIR = join(ROOT, "test/fixtures/redun/hashes");

test("big.py is what the committed generator writes", () => {
  assert.equal(readFileSync(join(DIR, "big.py"), "utf8"), generateWorkflow(1, 500));
});

test("500 generated tasks: every hash equals real redun's", () => {
  const text = readFileSync(join(DIR, "big.py"), "utf8");
  const recorded = JSON.parse(readFileSync(join(DIR, "big.json"), "utf8"))["big.py"];
  const found = discoverTasks(text, { moduleName: "big" });
  const r = compareWithRedun(found, recorded.tasks, "big");
  console.log(`big.py: ${r.exact} exact, ${r.declined.length} declined, ${r.wrong.length} wrong`);
  assert.deepEqual(r.wrong, []);
  assert.deepEqual(r.declined, []);
  assert.equal(r.exact, 500);
});
