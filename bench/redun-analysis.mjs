// Incremental analysis of the 5,000-line, 500-task redun workflow (test/fixtures/redun/hashes/big.py):
// a warm full parse (`discoverTasks`, median of 20), then 100 edits typed into a PythonDocument
// (a character inserted or deleted, a line broken, in random places), each timed from `update` to the
// analysed module, with p50 / p95 / max and their ratio to the warm full parse. Every 10th edit is
// checked against a full parse of the same text.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rng } from "../test/redun/generate.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const { PythonDocument } = await import(join(ROOT, "dist/dialects/redun/python/document.js"));
const original = readFileSync(join(ROOT, "test/fixtures/redun/hashes/big.py"), "utf8");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

for (let i = 0; i < 5; i++) discoverTasks(original, { moduleName: "big" });
const full = median(
  Array.from({ length: 20 }, () => {
    const t0 = performance.now();
    discoverTasks(original, { moduleName: "big" });
    return performance.now() - t0;
  }),
);

const r = rng(42);
const doc = new PythonDocument(original, "big");
doc.module;
let text = original;
const times = [];
for (let k = 0; k < 100; k++) {
  const at = Math.floor(r() * text.length);
  const roll = r();
  text = roll < 0.7 ? text.slice(0, at) + "x" + text.slice(at) : roll < 0.85 ? text.slice(0, at) + "\n" + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
  const t0 = performance.now();
  doc.update(text);
  const module = doc.module;
  times.push(performance.now() - t0);
  if (k % 10 === 9) assert.deepEqual(module, discoverTasks(text, { moduleName: "big" }), `edit ${k}: incremental = full`);
}

const lines = original.split("\n").length;
const tasks = discoverTasks(original, { moduleName: "big" }).tasks.length;
console.log(`redun analysis: ${lines} lines, ${tasks} tasks`);
console.log(`warm full parse: median ${full.toFixed(1)} ms`);
console.log(`re-analysis per edit (100 edits): p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
console.log(`ratio to the warm full parse: p50 ${(pct(times, 50) / full).toFixed(2)}×, p95 ${(pct(times, 95) / full).toFixed(2)}×, max ${(Math.max(...times) / full).toFixed(2)}×`);
