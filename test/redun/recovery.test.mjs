// Half-typed Python: a broken statement never hides the rest of the file's tasks, and never gives a
// wrong hash. Each shape is typed into big.py (whose 500 hashes real redun recorded in big.json);
// every task the broken text cannot touch keeps redun's exact hash, the others have none.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";
import { rng } from "./generate.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const { decodeSource } = await import(join(ROOT, "dist/dialects/redun/python/linecache.js"));
const DIR = join(ROOT, "test/fixtures/redun/hashes");
const BIG = readFileSync(join(DIR, "big.py"), "utf8");
const BIG_LINES = BIG.split("\n");
const RECORDED = JSON.parse(readFileSync(join(DIR, "big.json"), "utf8"))["big.py"].tasks;
const ORIGINAL = discoverTasks(BIG, { moduleName: "big" }).tasks;

/** 0-based line of a line of big.py. */
const lineOf = (text, after = 0) => BIG_LINES.findIndex((l, i) => i >= after && l === text);
// Between two tasks (before task_251's decorator), and inside task_250's body.
const BETWEEN = lineOf("@task(cache=False)", lineOf("def task_250(x, y=-3):"));
const IN_BODY = lineOf("    total = x + 250");

/**
 * big.py with `inserted` lines typed before line `at`, against redun's hashes of big.py: which tasks
 * kept their exact hash, which lost it, and the tasks that broken text may touch (allowed no hash):
 * those whose lines meet a broken region, those whose hash_includes name a function defined in
 * broken text (transitively), and those named after a broken `redun_namespace` until it is set again.
 */
function typeInto(at, inserted) {
  const text = [...BIG_LINES.slice(0, at), ...inserted, ...BIG_LINES.slice(at)].join("\n");
  const found = discoverTasks(text, { moduleName: "big" });
  // Typed lines sit between lines at - 1 and at.
  const toOriginal = (line) => (line >= at + inserted.length ? line - inserted.length : line < at ? line : at - 0.5);
  const regions = found.syntaxErrors.map((e) => ({ start: toOriginal(e.region.start), end: toOriginal(e.region.end - 1), text: text.split("\n").slice(e.region.start, e.region.end).join("\n") }));
  const touched = new Set();
  const names = new Set(regions.flatMap((r) => [...r.text.matchAll(/^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)|^(\w+)[ \t]*=/gm)].map((m) => m[1] ?? m[2])));
  for (const t of ORIGINAL) if (regions.some((r) => t.range.start.line <= r.end && t.range.end.line >= r.start)) touched.add(t.functionName);
  // A whole def typed at column 0 inside a task's body ends that body, whatever else is fixed: another text.
  const reshaped = new Set();
  if (inserted.some((l) => /^(async )?def \w+\(.*\):$/.test(l))) for (const t of ORIGINAL) if (t.range.start.line < at && t.range.end.line >= at) reshaped.add(t.functionName);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of ORIGINAL) {
      const includes = t.options.hash_includes?.text ?? "";
      if (!touched.has(t.functionName) && [...names, ...touched].some((n) => new RegExp(`\\b${n}\\b`).test(includes))) (touched.add(t.functionName), (grew = true));
    }
  }
  for (const r of regions.filter((r) => /redun_namespace/.test(r.text))) {
    const next = BIG_LINES.findIndex((l, i) => i > r.end && l.startsWith("redun_namespace"));
    for (const t of ORIGINAL) if (t.range.start.line > r.end && (next < 0 || t.range.start.line < next) && !t.options.namespace) touched.add(t.functionName);
  }
  // Matched by their def line (a typed decorator may now start a task).
  const ours = new Map(found.tasks.map((t) => [toOriginal(t.defLine), t]));
  const result = { found, exact: 0, unhashed: [], wrong: [], missing: [], touched };
  for (const [i, r] of RECORDED.entries()) {
    const t = ours.get(ORIGINAL[i].defLine);
    const name = ORIGINAL[i].functionName;
    if (reshaped.has(name)) continue;
    if (t?.hash === r.hash && t.fullname === r.fullname) result.exact++;
    else if (t && t.hash !== null) result.wrong.push(`${name}: ${t.fullname} ${t.hash}, redun ${r.fullname} ${r.hash}`);
    else if (!touched.has(name)) result[t ? "unhashed" : "missing"].push(`${name} ${t?.reason ?? ""}`);
  }
  for (const t of found.tasks) if (t.hash !== null && !ORIGINAL.some((o) => o.defLine === toOriginal(t.defLine))) result.wrong.push(`${t.functionName}: hashed, unknown to redun`);
  return result;
}

function assertRecovers(at, inserted, { maxTouched }) {
  const r = typeInto(at, inserted);
  const label = JSON.stringify(inserted);
  assert.ok(r.found.syntaxErrors.length > 0, `${label}: a syntax error is reported`);
  assert.deepEqual(r.wrong, [], `${label}: no wrong hash`);
  assert.deepEqual(r.missing, [], `${label}: every task out of the broken text's reach is there`);
  assert.deepEqual(r.unhashed, [], `${label}: every task out of the broken text's reach keeps redun's hash`);
  assert.ok(r.touched.size <= maxTouched, `${label}: the broken text reaches ${r.touched.size} tasks: ${[...r.touched]}`);
  assert.ok(r.exact >= RECORDED.length - maxTouched);
  return r;
}

const BETWEEN_SHAPES = [
  ["@task(", ""],
  ["@task(version=", ""],
  ["@task(", "def half_done(x):", "    return x", ""],
  ["def f(", ""],
  ["def f(x):", ""],
  ["async def f(x", ""],
  ["x = [1, 2", ""],
  ["y = 'abc", ""],
  ["class C(", ""],
  ["class C", ""],
  ["from redun import (", ""],
  ["import", ""],
  ["z = 1 +* 2 $", ""],
];

// A string left open runs to the next quotes of its kind: what lies between is unknown.
const STRING_SHAPES = [
  ['s = """', ""],
  ["s = '''half", ""],
];

test("half-typed statements between two tasks: every task keeps redun's hash", () => {
  for (const shape of BETWEEN_SHAPES) assertRecovers(BETWEEN, shape, { maxTouched: 0 });
});

test("an unclosed string between two tasks: the tasks up to its closing quotes have no hash, the rest keep redun's", () => {
  for (const shape of STRING_SHAPES) assertRecovers(BETWEEN, shape, { maxTouched: 10 });
});

test("half-typed lines inside a task: that task (and what includes it) has no hash, the rest keep redun's", () => {
  for (const shape of [["    x = foo("], ['    """unclosed doc'], ["    s = '''"], ["  y = 2"], ["        y = 2"], ["    return (x"], ["    if x"], ["    a b"], ["x = [1, 2"], ["    ]"], ["@task("], ["def"]]) {
    const r = assertRecovers(IN_BODY, shape, { maxTouched: 12 });
    assert.ok(r.touched.has("task_250"), `${JSON.stringify(shape)}: task_250 is broken`);
    const shown = r.found.tasks.find((t) => t.functionName === "task_250");
    if (shown) assert.equal(shown.hash, null);
  }
});

test("a broken redun_namespace leaves the tasks named after it without a hash until it is set again", () => {
  const r = assertRecovers(BETWEEN, ["redun_namespace = (", ""], { maxTouched: 2 });
  const t = r.found.tasks.find((t) => t.functionName === "task_251");
  assert.equal(t.hash, null);
  assert.match(t.reason, /redun_namespace.*unfinished code/);
});

test("a half-typed rebinding of a constant: the tasks that include it have no hash, the rest keep redun's", () => {
  const r = assertRecovers(BETWEEN, ["CONST = [", ""], { maxTouched: 20 });
  const includers = ORIGINAL.filter((t) => /\bCONST\b/.test(t.options.hash_includes?.text ?? "") && t.range.start.line > BETWEEN);
  assert.ok(includers.length > 3);
  for (const t of includers) assert.match(r.found.tasks.find((x) => x.functionName === t.functionName).reason, /'CONST' may be bound by the unfinished code/);
});

test("a half-typed rebinding of a helper: the tasks that include it lose their hash", () => {
  // task_250 includes helper_116; a half-typed rebinding of it between the two tasks.
  const at = lineOf("@task(", lineOf("def helper_116(x):"));
  const includer = ORIGINAL.find((t) => /\bhelper_116\b/.test(t.options.hash_includes?.text ?? "") && t.range.start.line > at);
  const r = typeInto(at, ["helper_116 = wrap(", ""]);
  const t = r.found.tasks.find((x) => x.functionName === includer.functionName);
  assert.equal(t.hash, null);
  assert.match(t.reason, /helper_116.*unfinished code/);
  assert.deepEqual(r.wrong, []);
});

test("typing anywhere: 120 random half-typed insertions, never a throw, never a wrong hash", () => {
  const SHAPES = [...BETWEEN_SHAPES, ...STRING_SHAPES, ["CONST = [", ""], ["    x = foo("], ['    """'], ["  y = 2"], ["        y = 2"], ["    s = '''"], ["@task", "def g(x):", "    return {"], ["    '''"]];
  const r = rng(11);
  let exact = 0;
  for (let k = 0; k < 120; k++) {
    const at = Math.floor(r() * BIG_LINES.length);
    const shape = SHAPES[Math.floor(r() * SHAPES.length)];
    const got = typeInto(at, shape);
    // Typed into a string, some shapes are still Python: then the text is another file.
    if (got.found.syntaxErrors.length === 0) continue;
    assert.deepEqual(got.wrong, [], `${JSON.stringify(shape)} at line ${at + 1}`);
    assert.deepEqual(got.missing.concat(got.unhashed).length <= 25, true, `${JSON.stringify(shape)} at line ${at + 1}: ${got.missing.concat(got.unhashed)}`);
    exact += got.exact;
  }
  console.log(`random insertions: ${(exact / 120).toFixed(1)} of 500 tasks exact on average`);
  assert.ok(exact / 120 > 450);
});

test("syntax errors carry a line, a column and CPython's message", () => {
  const errors = (text) => discoverTasks(text, { moduleName: "m" }).syntaxErrors.map(({ line, col, message }) => [line, col, message]);
  assert.deepEqual(errors("from redun import task\n\n@task(\ndef f(x):\n    return x\n"), [[2, 5, "'(' was never closed"]]);
  assert.deepEqual(errors('x = 1\ns = """abc\n'), [[1, 4, "unterminated triple-quoted string literal"]]);
  assert.deepEqual(errors("def f(x):\n    return x\n  y = 1\n"), [[2, 0, "unindent does not match any outer indentation level"]]);
  assert.deepEqual(errors("x = 1\n    y = 2\n"), [[1, 0, "unexpected indent"]]);
  assert.deepEqual(errors("def f(x):\ny = 2\n"), [[1, 0, "expected an indented block after function definition"]]);
  assert.deepEqual(errors("x = (1]\n"), [[0, 6, "closing parenthesis ']' does not match opening parenthesis '('"]]);
  assert.deepEqual(errors("x = a b\n"), [[0, 6, "invalid syntax"]]);
  assert.deepEqual(errors("x = 'abc\n"), [[0, 4, "unterminated string literal"]]);
  assert.deepEqual(errors("class C\n    pass\n"), [[0, 7, "expected ':'"]]);
  assert.deepEqual(errors("x = 1 $ 2\n"), [[0, 6, "invalid character '$'"]]);
  // Valid Python says nothing: soft keywords, one-line compounds, relative imports, string concatenation.
  assert.deepEqual(errors("match x:\n    case [a, b]:\n        pass\nif x: y = 1; z = 2\nfrom .. import m\ns = 'a' 'b' f'{x}'\nasync def f():\n    async with a as b:\n        pass\nx = [i for i in y if i not in z]\nprint(*a, **k)\nx = lambda: (yield)\n"), []);
});

test("a half-typed @task( above a complete def: the task is listed without a hash", () => {
  const found = discoverTasks("from redun import task\n\n@task(version=\n\ndef f(x):\n    return x\n\n@task\ndef g(x):\n    return x\n", { moduleName: "m" });
  assert.deepEqual(
    found.tasks.map((t) => [t.functionName, t.hash === null]),
    [
      ["f", true],
      ["g", false],
    ],
  );
  assert.match(found.tasks[0].reason, /unfinished.*was never closed/);
  assert.equal(found.tasks[0].range.start.line, 2);
  assert.equal(found.tasks[1].hash, discoverTasks("from redun import task\n\n@task\ndef g(x):\n    return x\n", { moduleName: "m" }).tasks[0].hash);
});

test("decorator aliases: `t = task` hashes as @task; `t = task(...)` has no hash and says why", () => {
  const plain = discoverTasks("from redun import task\n\n@task\ndef a(x):\n    return x\n", { moduleName: "m" }).tasks[0];
  const aliased = discoverTasks("from redun import task\nimport redun\nt = task\nu = redun.task\n\n@t\ndef a(x):\n    return x\n\n@u()\ndef b(x):\n    return x\n", { moduleName: "m" }).tasks;
  assert.equal(aliased[0].hash, plain.hash);
  assert.equal(aliased[1].fullname, "b");
  assert.notEqual(aliased[1].hash, null);
  const configured = discoverTasks("from redun import task\nt = task(version='2')\n\n@t\ndef a(x):\n    return x\n", { moduleName: "m" }).tasks[0];
  assert.equal(configured.hash, null);
  assert.match(configured.reason, /'t' gets its options from task\(\.\.\.\) at line 2/);
  // Rebinding the alias ends it.
  assert.deepEqual(discoverTasks("from redun import task\nt = task\nt = 3\n\n@t\ndef a(x):\n    return x\n", { moduleName: "m" }).tasks, []);
});

test("bad input: no task, broken everywhere, not UTF-8 — clear results, never a throw", () => {
  const none = discoverTasks("import redun\n\nx = 1\n\ndef f():\n    return x\n", { moduleName: "m" });
  assert.deepEqual([none.importsRedun, none.tasks, none.syntaxErrors], [true, [], []]);
  for (const text of ["(", '"""', "@", "def", "\\", "\t\n  x\n\ty", "@task(\n" + "(".repeat(500), "\0", "x = \udc80", "é = 1\n", "\r\r\n\r"]) {
    assert.doesNotThrow(() => discoverTasks(text, { moduleName: "m" }), JSON.stringify(text));
  }
  const latin = Buffer.from("from redun import task\n# caf\xe9\n", "latin1");
  const bad = decodeSource(latin);
  assert.deepEqual(bad.problem, { line: 1, col: 5, message: "Non-UTF-8 code starting with '\\xe9', but no encoding declared" });
  assert.doesNotThrow(() => discoverTasks(bad.text, { moduleName: "m" }));
  const declared = decodeSource(Buffer.concat([Buffer.from("# -*- coding: latin-1 -*-\n"), latin]));
  assert.equal(declared.problem, undefined);
  assert.match(declared.text, /café/);
  assert.deepEqual(decodeSource(Buffer.from("\ufeffx = 'é'\n")), { text: "x = 'é'\n" });
  assert.match(decodeSource(Buffer.from("# coding: klingon\n")).problem.message, /unknown encoding: klingon/);
});
