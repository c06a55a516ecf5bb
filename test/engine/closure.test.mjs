// hash: "closure" in the engine: exactly the tasks that reach an edited binding rerun; import cycles terminate.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statuses, workspace } from "../helpers.mjs";

test("closure mode reruns exactly the tasks that reach an edit, through relative imports and cycles", () => {
  const ws = workspace({
    "a.ts": `import { fromB } from "./b";\nexport const A_CONST = 1;\nexport function fromA(n: number): number { return n > 0 ? fromB(n - 1) + A_CONST : 0; }\n`,
    "b.ts": `import { fromA } from "./a";\nexport const B_CONST = 10;\nexport function fromB(n: number): number { return fromA(n) + B_CONST; }\n`,
    "w.ts": `import { task } from "tasklens";
import { fromA } from "./a";
const LOCAL = 100;
function localHelper() { return LOCAL + 1; }
export const viaImport = task(function viaImport() { return fromA(2); }, { hash: "closure" });
export const viaLocal = task(function viaLocal() { return localHelper(); }, { hash: "closure" });
export const plain = task(function plain() { return 5; }, { hash: "closure" });
export const main = task(function main() { return [viaImport(), viaLocal(), plain()]; });
`,
  });
  let r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.replace(/\s/g, ""), "[22,101,5]");
  ws.edit("b.ts", "B_CONST = 10", "B_CONST = 20");
  r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(statuses(r.stderr), { main: "Cached", viaImport: "Run", viaLocal: "Cached", plain: "Cached" });
  assert.equal(r.stdout.replace(/\s/g, ""), "[42,101,5]");
  ws.edit("w.ts", "const LOCAL = 100;", "const LOCAL = 200;");
  r = ws.run(["run", "w.ts"]);
  assert.deepEqual(statuses(r.stderr), { main: "Cached", viaImport: "Cached", viaLocal: "Run", plain: "Cached" });
  ws.edit("w.ts", "return LOCAL + 1;", "return LOCAL + 1; /* a comment */");
  r = ws.run(["run", "w.ts", "--full-check"]);
  assert.deepEqual(statuses(r.stderr), { main: "Cached", viaImport: "Cached", viaLocal: "Cached", plain: "Cached" });
  assert.match(ws.run(["run", "w.ts"]).stderr, /Cached Job [0-9a-f]{8}:  main\(\) \(whole subtree, 4 jobs\)/, "unchanged: the whole subtree is reused");
});

test('a project default of "closure" in package.json applies to every task', () => {
  const ws = workspace({
    "package.json": JSON.stringify({ name: "p", tasklens: { hash: "closure" } }),
    "w.ts": `import { task } from "tasklens";\nconst K = 1;\nexport const main = task(function main() { return K; });\n`,
  });
  ws.run(["run", "w.ts"]);
  ws.edit("w.ts", "const K = 1;", "const K = 2;");
  const explain = JSON.parse(ws.run(["explain", "w.ts", "--json"]).stdout);
  assert.equal(explain[0].status, "will-rerun");
  assert.deepEqual(explain[0].dependencies, [{ name: "K", kind: "const", hashed: true }]);
  const r = ws.run(["run", "w.ts"]);
  assert.equal(statuses(r.stderr).main, "Run");
  assert.equal(r.stdout.trim(), "2");
  assert.equal(ws.run(["check", "w.ts"]).code, 0);
});
