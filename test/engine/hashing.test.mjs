// Hashing: normalized source and canonical argument hashes (unit), and an unhashable argument (CLI).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { workspace } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const { hashValue } = require("../../dist/engine/values.js");
const { analyzeText } = require("../../dist/engine/analysis/file.js");

const taskHash = (body) => analyzeText("w.ts", `import { task } from "tasklens";\nexport const t = task(${body});`).tasks[0].normalizedHash;

test("normalized source: comments, whitespace, quotes, optional semicolons and trailing commas do not count", () => {
  const base = taskHash(`function t(a: string, b = 1) { const x = { k: "v", l: [1, 2] }; return a + x.k + b; }`);
  const same = [
    `function t(a: string, b = 1) {\n  // a comment\n  const x = { k: 'v', l: [1, 2,], };\n  return a + x.k + b\n}`,
    `function t(a: string, b = 1) { /* block */ const x = {k:"v",l:[1,2]}; return a + x.k + b; }`,
    `/** doc */ function t(\n  a: string,\n  b = 1,\n) {\n\n const x = { k: "v", l: [1, 2] };\n return (a + x.k + b);\n}`.replace("return (a + x.k + b);", "return a + x.k + b;"),
  ];
  for (const body of same) assert.equal(taskHash(body), base, body);
  const different = [
    `function t(a: string, b = 2) { const x = { k: "v", l: [1, 2] }; return a + x.k + b; }`,
    `function t(a: number, b = 1) { const x = { k: "v", l: [1, 2] }; return a + x.k + b; }`,
    `function t(a: string, b = 1) { const x = { k: "w", l: [1, 2] }; return a + x.k + b; }`,
    `function t(a: string, b = 1) { const x = { k: \`v\`, l: [1, 2] }; return a + x.k + b; }`,
    `function t(a: string, b = 1) { let x = { k: "v", l: [1, 2] }; return a + x.k + b; }`,
  ];
  for (const body of different) assert.notEqual(taskHash(body), base, body);
  // `a;(b)` and `a(b)` are different programs even though their tokens differ only by a semicolon.
  assert.notEqual(taskHash(`function t() { a;\n(b) }`), taskHash(`function t() { a\n(b) }`));
});

test("canonical argument hashing: key order irrelevant, types distinct, rich types covered", () => {
  assert.equal(hashValue({ a: 1, b: [1, 2] }), hashValue({ b: [1, 2], a: 1 }));
  const distinct = [1, "1", true, 1n, null, undefined, [1], { 0: 1 }, new Date(0), 0, -0, NaN, "", [], {}];
  const hashes = distinct.map((v) => hashValue(v));
  assert.equal(new Set(hashes).size, distinct.length, "every value hashes differently");
  assert.equal(hashValue(new Map([["a", 1], ["b", 2]])), hashValue(new Map([["b", 2], ["a", 1]])));
  assert.notEqual(hashValue(new Map([["a", 1]])), hashValue({ a: 1 }));
  assert.equal(hashValue(new Set([1, 2])), hashValue(new Set([2, 1])));
  assert.notEqual(hashValue(new Set([1, 2])), hashValue([1, 2]));
  assert.equal(hashValue(new Date("2024-01-01")), hashValue(new Date("2024-01-01T00:00:00Z")));
  assert.equal(hashValue(new Uint8Array([1, 2, 3])), hashValue(Uint8Array.from([1, 2, 3])));
  assert.notEqual(hashValue(new Uint8Array([1, 2, 3])), hashValue([1, 2, 3]));
  assert.equal(hashValue(12345678901234567890n), hashValue(BigInt("12345678901234567890")));
  assert.notEqual(hashValue({ $call: "x" }), hashValue({ $object: { $call: "x" } }));
  assert.throws(() => hashValue({ f: () => 1 }, "value"), /cannot hash value\.f: a function/);
  class Point {}
  assert.throws(() => hashValue([new Point()]), /an instance of Point/);
});

test("an unhashable argument is a clear error naming the parameter and the task", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
class Point { constructor(public x: number) {} }
export const show = task(function show(options: { point: unknown }) { return String(options); });
export const main = task(function main() { return show({ point: new Point(1) }); });
`,
  });
  const r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot hash argument .options. of task show\.point: an instance of Point/);
});
