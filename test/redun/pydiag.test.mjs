// The redun dialect's findings over Python workflows: what a task's body reads beyond its hash (scopes
// checked against CPython's own symtable where python3 is there), the codes and messages, and every
// quick fix applied: the file must still discover the task (and parse, where python3 is there) and the
// diagnostic must be gone.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tempDir } from "../helpers.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const { redunFindings, indexModule, functionUses, bodyOf } = await import(join(ROOT, "dist/dialects/redun/analysis/index.js"));
const { applyEdits } = await import(join(ROOT, "dist/core/findings.js"));
const FIXTURES = join(ROOT, "test/fixtures/redun");

const python = spawnSync("python3", ["-c", "import symtable, ast"], { encoding: "utf8" }).status === 0 ? "python3" : undefined;

function findingsOf(text, options) {
  const module = discoverTasks(text, { moduleName: "wf" });
  return redunFindings(text, module, options);
}

/** `code subject` for each finding, the subject being the text it spans. */
function summary(text, options) {
  return findingsOf(text, options)
    .map((f) => `${f.code} ${text.slice(f.start, f.end)}`)
    .sort();
}

const HEAD = "from redun import task\n\n";

// ---- scopes against CPython's symtable ---------------------------------------------------------

/** Module-level names each top-level function reads, as `name:line` → sorted names. */
function ourReads(text) {
  const index = indexModule(text, [], () => false);
  const out = {};
  index.statements.forEach((st, i) => {
    const head = st.tokens[0].string === "async" ? st.tokens[1] : st.tokens[0];
    if (st.blocks.some((b) => b.kind !== "other") || head.string !== "def") return;
    const uses = functionUses(st, bodyOf(index.statements, i));
    out[`${st.tokens[st.tokens.indexOf(head) + 1].string}:${head.start[0] + 1}`] = [...new Set(uses.reads.map((u) => u.name))].sort();
  });
  return out;
}

const SYMTABLE = `
import json, symtable, sys
def refs(t):
    out = {s.get_name() for s in t.get_symbols() if s.is_referenced() and s.is_global()}
    for c in t.get_children():
        out |= refs(c)
    return out
res = {}
for path in sys.argv[1:]:
    src = open(path, encoding="utf-8-sig").read()
    top = symtable.symtable(src, path, "exec")
    res[path] = {f"{c.get_name()}:{c.get_lineno()}": sorted(refs(c)) for c in top.get_children() if c.get_type() == "function" and c.get_name() not in ("lambda", "listcomp", "setcomp", "dictcomp", "genexpr")}
print(json.dumps(res))
`;

test("scopes: the module-level names each function reads equal CPython's symtable", { skip: python ? false : "python3 not found" }, () => {
  const corpus = join(FIXTURES, "hashes/corpus");
  const files = [join(FIXTURES, "diagnostics/scopes.py"), join(FIXTURES, "hashes/big.py"), ...readdirSync(corpus).map((f) => join(corpus, f))];
  const r = spawnSync(python, ["-c", SYMTABLE, ...files], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout);
  let functions = 0;
  for (const file of files) {
    const ours = ourReads(readFileSync(file, "utf8"));
    for (const [fn, names] of Object.entries(expected[file])) {
      assert.deepEqual(ours[fn], names, `${file} ${fn}`);
      functions++;
    }
  }
  assert.ok(functions > 600, `${functions} functions compared`);
});

test("scopes: locals, parameters, comprehension and lambda variables, attributes, keywords, strings are not module reads", () => {
  const reads = ourReads(readFileSync(join(FIXTURES, "diagnostics/scopes.py"), "utf8"));
  assert.deepEqual(reads["shadow_assign:23"], []);
  assert.deepEqual(reads["attributes_and_keywords:120"], ["dict", "print"]);
  assert.deepEqual(reads["enclosing:108"], []);
  assert.ok(reads["strings_and_fstrings:127"].includes("planet"), "f-string fields are read");
  assert.ok(!reads["comprehensions:62"].includes("planet"));
});

// ---- quick fixes, applied ---------------------------------------------------------------------

/** Texts produced by applying fixes: the last test checks that Python parses every one. */
const fixedTexts = [];

/**
 * Applies the fix whose title starts with `title` on the finding `code` spanning `subject`; checks the
 * result still discovers the task (with a hash when it had one) and no longer has that finding.
 */
function applyFix(text, code, subject, title, options, { hashKnown = true } = {}) {
  const before = findingsOf(text, options);
  const finding = before.find((f) => f.code === code && text.slice(f.start, f.end) === subject);
  assert.ok(finding, `no ${code} on ${subject} in:\n${text}\n${JSON.stringify(before.map((f) => [f.code, f.message]))}`);
  const fix = finding.fixes.find((f) => f.title.startsWith(title));
  assert.ok(fix, `no fix "${title}" among ${finding.fixes.map((f) => f.title)}`);
  const after = applyEdits(text, fix.edits);
  const oldTask = discoverTasks(text, { moduleName: "wf" }).tasks.find((t) => (t.fullname ?? t.functionName) === finding.task);
  const module = discoverTasks(after, { moduleName: "wf" });
  assert.deepEqual(module.syntaxErrors, [], after);
  const task = module.tasks.find((t) => (t.fullname ?? t.functionName) === finding.task);
  assert.ok(task, `task ${finding.task} lost:\n${after}`);
  if (oldTask.hash !== null && hashKnown) assert.notEqual(task.hash, null, `${task.reason}\n${after}`);
  const left = redunFindings(after, module, options).filter((f) => f.code === code && f.message === finding.message);
  assert.deepEqual(left, [], `still there after "${fix.title}":\n${after}`);
  fixedTexts.push(after);
  return after;
}

test("redun #99: get_planet reads `planet`; both fixes clear it, the parameter default as redun's idiom", () => {
  const text = readFileSync(join(FIXTURES, "diagnostics/hello_planet.py"), "utf8");
  assert.deepEqual(summary(text), ["unhashed-constant planet"]);
  const [finding] = findingsOf(text);
  assert.equal(finding.task, "redun.examples.hello_world.get_planet");
  assert.equal(finding.severity, "warning");
  assert.equal(finding.message, "`planet` is a module constant that task get_planet's cache key does not cover: editing it will not rerun the task");
  assert.deepEqual(
    finding.fixes.map((f) => [f.title, !!f.preferred]),
    [
      ["Pass `planet` as a parameter default", true],
      ["Add `planet` to hash_includes", false],
    ],
  );
  const byDefault = applyFix(text, "unhashed-constant", "planet", "Pass");
  assert.match(byDefault, /def get_planet\(planet=planet\) -> str:/);
  const byInclude = applyFix(text, "unhashed-constant", "planet", "Add");
  assert.match(byInclude, /@task\(hash_includes=\[planet\]\)\ndef get_planet/);
  // The included value is in the hash: "Mars" gives another hash than "World".
  const hashOf = (t) => discoverTasks(t, { moduleName: "wf" }).tasks.find((x) => x.name === "get_planet").hash;
  assert.notEqual(hashOf(byInclude), hashOf(byInclude.replace('planet = "World"', 'planet = "Mars"')));
  // The tutorial's own hello_world reads nothing outside its hash.
  assert.deepEqual(summary(readFileSync(join(FIXTURES, "stores/tutorial/01-first-run/hello_world.py"), "utf8")), []);
});

test("Pass as a parameter default: every signature shape", () => {
  const signatures = [
    ["def f():", "def f(planet=planet):"],
    ["def f(a):", "def f(a, planet=planet):"],
    ["def f(a, b=1):", "def f(a, b=1, planet=planet):"],
    ['def f(a: int, b: str = "x") -> str:', 'def f(a: int, b: str = "x", planet=planet) -> str:'],
    ["def f(*args):", "def f(*args, planet=planet):"],
    ["def f(*args, **kwargs):", "def f(*args, planet=planet, **kwargs):"],
    ["def f(**kwargs):", "def f(planet=planet, **kwargs):"],
    ["def f(a, *, b):", "def f(a, *, b, planet=planet):"],
    ["def f(a, /, b):", "def f(a, /, b, planet=planet):"],
    ["def f(a, /):", "def f(a, /, planet=planet):"],
    ["def f(a: dict[str, int] = {'k': 1}):", "def f(a: dict[str, int] = {'k': 1}, planet=planet):"],
    ["def f(\n    a: int,\n    b: str = \"x\",\n) -> str:", "def f(\n    a: int,\n    b: str = \"x\", planet=planet,\n) -> str:"],
    ["def f(\n    a,\n    **kw\n):", "def f(\n    a,\n    planet=planet, **kw\n):"],
  ];
  for (const [signature, expected] of signatures) {
    const text = `${HEAD}planet = "World"\n\n@task()\n${signature}\n    return planet\n`;
    const after = applyFix(text, "unhashed-constant", "planet", "Pass");
    assert.ok(after.includes(expected), after);
  }
  // async (redun wants cache=False there: nothing to warn about), a method, a one-liner, CRLF and a BOM.
  const oneLiner = `${HEAD}planet = "World"\n\n@task\ndef f(): return planet\n`;
  assert.match(applyFix(oneLiner, "unhashed-constant", "planet", "Pass"), /def f\(planet=planet\): return planet/);
  const crlf = `\ufeff${HEAD}planet = 1\n\n@task()\ndef f(a):\n    return a + planet\n`.replace(/\n/g, "\r\n");
  assert.match(applyFix(crlf, "unhashed-constant", "planet", "Pass"), /def f\(a, planet=planet\):\r\n/);
  const inClass = `${HEAD}planet = 1\n\nclass K:\n    @task()\n    def m(self):\n        return planet\n`;
  assert.match(applyFix(inClass, "unhashed-constant", "planet", "Pass"), /def m\(self, planet=planet\)/);
});

test("Add to hash_includes: every decorator shape", () => {
  const decorators = [
    ["@task", "@task(hash_includes=[planet])"],
    ["@task()", "@task(hash_includes=[planet])"],
    ['@task(namespace="ns")', '@task(namespace="ns", hash_includes=[planet])'],
    ["@task(hash_includes=[])", "@task(hash_includes=[planet])"],
    ["@task(hash_includes=[other])", "@task(hash_includes=[other, planet])"],
    ["@task(hash_includes=[other,])", "@task(hash_includes=[other, planet,])"],
    ["@task(hash_includes=(other,))", "@task(hash_includes=(other, planet,))"],
    ["@task(hash_includes=())", "@task(hash_includes=(planet,))"],
    ['@task(\n    namespace="ns",\n)', '@task(\n    namespace="ns", hash_includes=[planet],\n)'],
    ["@task(\n    hash_includes=[\n        other,\n    ],\n)", "@task(\n    hash_includes=[\n        other, planet,\n    ],\n)"],
  ];
  for (const [decorator, expected] of decorators) {
    const text = `${HEAD}other = 1\nplanet = "World"\n\n${decorator}\ndef f(a):\n    return a + planet\n`;
    const after = applyFix(text, "unhashed-constant", "planet", "Add");
    assert.ok(after.includes(expected), after);
  }
  // Other spellings of redun's decorator, and a decorator above it.
  const spellings = [
    ["import redun\n", "@redun.task", "@redun.task(hash_includes=[planet])"],
    ["import redun as rd\n", "@rd.task()", "@rd.task(hash_includes=[planet])"],
    ["from redun import task as t\n", "@t", "@t(hash_includes=[planet])"],
    ["from redun import task\nimport functools\n", "@functools.lru_cache\n@task", "@functools.lru_cache\n@task(hash_includes=[planet])"],
  ];
  for (const [imports, decorator, expected] of spellings) {
    const text = `${imports}\nplanet = "World"\n\n${decorator}\ndef f():\n    return planet\n`;
    const after = applyFix(text, "unhashed-constant", "planet", "Add");
    assert.ok(after.includes(expected), after);
  }
  // Helpers (by their source) and names imported from project code.
  const helper = `${HEAD}def shout(s):\n    return s.upper()\n\n@task\ndef f(s):\n    return shout(s)\n`;
  assert.match(applyFix(helper, "unhashed-function", "shout", "Add"), /@task\(hash_includes=\[shout\]\)/);
  const imported = `${HEAD}from .util import clean\n\n@task()\ndef f(s):\n    return clean(s)\n`;
  // redun hashes the imported function's source at import; tasklens cannot read it from this file.
  const includedImport = applyFix(imported, "unhashed-import", "clean", "Add", {}, { hashKnown: false });
  assert.match(includedImport, /@task\(hash_includes=\[clean\]\)/);
});
