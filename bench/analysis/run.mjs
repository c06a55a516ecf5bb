// Analysis benchmark: a generated 5,000-line, 500-task workflow; first analysis (parse,
// scope resolution, manifests, diagnostics) and re-analysis after each of 100 one-character edits.
// Usage: node bench/analysis/run.mjs
import { createRequire } from "node:module";
import { editGeneratedWorkflow, generateWorkflow, percentiles } from "../generate.mjs";

const require = createRequire(import.meta.url);
const { AnalyzedDocument } = require("../../dist/engine/analysis/document.js");
const { inspect } = require("../../dist/dialects/tasklens/inspect.js");

const text = generateWorkflow(500);
const file = "/virtual/bench-workflow.ts";
const lines = text.split("\n").length;

let t0 = performance.now();
const doc = new AnalyzedDocument(file, text);
let result = inspect(file, doc.text, { analysis: doc.analysis, provider: () => undefined });
const first = performance.now() - t0;
console.log(`analysis benchmark: ${lines} lines, ${result.identities.length} tasks, ${result.findings.length} diagnostics`);
console.log(`first analysis: ${first.toFixed(1)} ms`);

const times = [];
let current = text;
for (let i = 0; i < 100; i++) {
  current = editGeneratedWorkflow(current, i);
  t0 = performance.now();
  doc.update(current);
  result = inspect(file, doc.text, { analysis: doc.analysis, provider: () => undefined });
  times.push(performance.now() - t0);
}
console.log(`re-analysis per edit (100 edits): ${percentiles(times)}`);
