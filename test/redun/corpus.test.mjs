// Task hashes against the ones real redun 0.46 computed for the corpus (recorded in corpus.json by
// redun_hashes.py): every definition identical, or declined with a reason — never different.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";
import { compareWithRedun } from "./compare.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const DIR = join(ROOT, "test/fixtures/redun/hashes");
const recorded = JSON.parse(readFileSync(join(DIR, "corpus.json"), "utf8"));

test("corpus: every task hash equals real redun's, or is declined with a reason", () => {
  const summary = { exact: 0, declined: [], wrong: [] };
  for (const [path, result] of Object.entries(recorded)) {
    const text = readFileSync(join(DIR, path), "utf8");
    const moduleName = basename(path, ".py");
    const found = discoverTasks(text, { moduleName });
    const r = compareWithRedun(found, result.tasks, moduleName);
    summary.exact += r.exact;
    summary.declined.push(...r.declined);
    summary.wrong.push(...r.wrong);
  }
  console.log(`corpus: ${summary.exact} exact, ${summary.declined.length} declined, ${summary.wrong.length} wrong`);
  for (const d of summary.declined) console.log(`  declined ${d.key}: ${d.reason}`);
  assert.deepEqual(summary.wrong, []);
  assert.ok(summary.exact + summary.declined.length >= 80);
  assert.ok(summary.declined.length <= 12, "declines stay rare");
});
