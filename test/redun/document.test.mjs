// PythonDocument: edits re-analysed incrementally give exactly what a full discoverTasks gives on
// the same text — on big.py, with random typing that breaks and mends it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";
import { rng } from "./generate.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const { PythonDocument } = await import(join(ROOT, "dist/dialects/redun/python/document.js"));
const BIG = readFileSync(join(ROOT, "test/fixtures/redun/hashes/big.py"), "utf8");
const RECORDED = JSON.parse(readFileSync(join(ROOT, "test/fixtures/redun/hashes/big.json"), "utf8"))["big.py"].tasks;

// What typing does: characters, brackets and quotes left open, lines broken and joined, decorators and
// defs half-typed, whole tasks pasted, CRLF, tabs.
const SNIPPETS = ["x", "\n", "(", ")", "[", '"""', "'''", "'", "@task(", "\ndef f(", "    ", "# c", "\n\n", "redun_namespace = 'q'\n", "\n@task\ndef z():\n    return 1\n", ":", "\t", "\r\n", "CONST = 8\n", "\\\n"];

function edits(seed, count, text) {
  const r = rng(seed);
  const out = [];
  for (let k = 0; k < count; k++) {
    const at = Math.floor(r() * text.length);
    const removed = r() < 0.3 ? Math.floor(r() * 60) : 0;
    text = text.slice(0, at) + SNIPPETS[Math.floor(r() * SNIPPETS.length)] + text.slice(at + removed);
    out.push(text);
  }
  return out;
}

test("random edits of big.py: the document's module equals discoverTasks on the same text", () => {
  const doc = new PythonDocument(BIG, "big");
  assert.deepEqual(doc.module, discoverTasks(BIG, { moduleName: "big" }));
  for (const [k, text] of edits(5, 40, BIG).entries()) {
    doc.update(text);
    assert.deepEqual(doc.module, discoverTasks(text, { moduleName: "big" }), `edit ${k}`);
  }
});

test("edits one at a time from the pristine file, and back: incremental equals full, and undoing gives redun's hashes again", () => {
  const doc = new PythonDocument(BIG, "big");
  for (const [k, text] of edits(9, 15, BIG).entries()) {
    const one = edits(100 + k, 1, BIG)[0];
    doc.update(one);
    assert.deepEqual(doc.module, discoverTasks(one, { moduleName: "big" }), `edit ${k}`);
    doc.update(text);
    assert.deepEqual(doc.module, discoverTasks(text, { moduleName: "big" }), `edit ${k}, cumulative`);
  }
  doc.update(BIG);
  assert.deepEqual(
    doc.module.tasks.map((t) => [t.range.start.line + 1, t.fullname, t.hash]),
    RECORDED.map((r) => [r.line, r.fullname, r.hash]),
  );
});

test("an edit inside one task changes its hash and its includers' only; the same text is not analysed again", () => {
  const doc = new PythonDocument(BIG, "big");
  const before = doc.module;
  const at = BIG.indexOf("    total = x + 250");
  doc.update(BIG.slice(0, at) + "    # note\n" + BIG.slice(at));
  const after = doc.module;
  assert.notEqual(after, before);
  const changed = after.tasks.filter((t, i) => t.hash !== before.tasks[i].hash).map((t) => t.functionName);
  // task_250's text changed; so did the hash of the task that includes it.
  assert.deepEqual(changed, ["task_250", ...after.tasks.filter((t) => /\btask_250\b/.test(t.options.hash_includes?.text ?? "")).map((t) => t.functionName)]);
  doc.update(doc.text);
  assert.equal(doc.module, after, "the same text is not analysed again");
});
