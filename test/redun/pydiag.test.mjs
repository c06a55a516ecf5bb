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
const { redunFindings, indexModule, functionUses, bodyOf, analyseModule, bindingFingerprints, textFingerprints, taskDependencies } = await import(join(ROOT, "dist/dialects/redun/analysis/index.js"));
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

const TUTORIAL = join(FIXTURES, "stores/tutorial");
const tutorialFile = (step) => readFileSync(join(TUTORIAL, step, "hello_world.py"), "utf8");
/** redun issue #99: the tutorial's get_planet returning a module constant, which its hash does not cover. */
const HELLO_PLANET = tutorialFile("01-first-run")
  .replace('return "World"', "return planet")
  .replace(/^redun_namespace = .*\n/m, '$&\nplanet = "World"\n');

test("redun #99: get_planet reads `planet`; both fixes clear it, the parameter default as redun's idiom", () => {
  const text = HELLO_PLANET;
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
  assert.deepEqual(summary(tutorialFile("01-first-run")), []);
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

// ---- what the store says: pinned edits, cosmetic edits, stale results ------------------------

test("version-pinned-edit: the source changed since the cached run; Bump version clears it", () => {
  const cachedSource = "def f(x):\n    return x + 1\n";
  const cases = [
    ['version="1"', 'version="2"'],
    ["version='1.4'", "version='1.5'"],
    ["version=3", "version=4"],
    ['version="beta"', 'version="beta.1"'],
  ];
  for (const [pin, bumped] of cases) {
    const text = `${HEAD}@task(${pin})\ndef f(x):\n    return x + 2\n`;
    const options = { cached: () => ({ source: cachedSource, status: "cached" }) };
    const [finding] = findingsOf(text, options);
    assert.equal(finding.code, "version-pinned-edit");
    assert.equal(finding.severity, "information");
    assert.equal(finding.message, `task f's source differs from the cached run, but version ${pin.slice(8)} pins it: the edit will not rerun the task`);
    const fix = finding.fixes[0];
    assert.equal(fix.title, "Bump version");
    const after = applyEdits(text, fix.edits);
    assert.ok(after.includes(`@task(${bumped})`), after);
    const module = discoverTasks(after, { moduleName: "wf" });
    assert.notEqual(module.tasks[0].hash, discoverTasks(text, { moduleName: "wf" }).tasks[0].hash);
    fixedTexts.push(after);
  }
  // The same source as cached: nothing to say.
  const same = `${HEAD}@task(version="1")\ndef f(x):\n    return x + 1\n`;
  assert.deepEqual(summary(same, { cached: () => ({ source: cachedSource, status: "cached" }) }), []);
});

test("cosmetic-edit-reruns: comments, blank lines, spacing or the docstring only; Pin version", () => {
  const cachedSource = 'def f(x):\n    """Adds one."""\n    return x + 1\n';
  const cosmetic = [
    'def f(x):\n    """Adds one, really."""\n    return x + 1\n',
    'def f(x):\n    """Adds one."""\n    # a comment\n    return x + 1\n',
    'def f(x):\n    """Adds one."""\n\n    return x+1  # why\n',
    "def f(x):\n    return x + 1\n",
  ];
  const options = { cached: () => ({ source: cachedSource, status: "will-rerun" }) };
  for (const source of cosmetic) {
    const text = `${HEAD}@task()\n${source}`;
    const [finding, ...rest] = findingsOf(text, options);
    assert.deepEqual(rest, []);
    assert.equal(finding?.code, "cosmetic-edit-reruns", source);
    assert.equal(finding.message, "task f's edit changes only comments, blank lines, spacing or the docstring, yet redun hashes the raw source: the next run reruns the task");
    assert.equal(finding.fixes[0].title, "Pin version");
    const after = applyEdits(text, finding.fixes[0].edits);
    assert.ok(after.includes('@task(version="1")'), after);
    assert.notEqual(discoverTasks(after, { moduleName: "wf" }).tasks[0].hash, null);
    fixedTexts.push(after);
  }
  for (const source of ['def f(x):\n    """Adds one."""\n    return x + 2\n', 'def f(y):\n    """Adds one."""\n    return y + 1\n']) {
    assert.deepEqual(summary(`${HEAD}@task()\n${source}`, options), [], source);
  }
  // The tutorial's step 5: a comment added to get_planet, and redun reran it.
  const before = discoverTasks(tutorialFile("04-mars"), { moduleName: "hello_world" }).tasks;
  const step5 = tutorialFile("05-comment-edit");
  const cachedFrom = { cached: (task) => ({ source: before.find((t) => t.fullname === task.fullname).source, status: "will-rerun" }) };
  assert.deepEqual(summary(step5, cachedFrom), ["cosmetic-edit-reruns get_planet"]);
  // Unchanged source, or unknown cached source: nothing.
  assert.deepEqual(summary(`${HEAD}@task()\n${cachedSource}`, options), []);
  assert.deepEqual(summary(`${HEAD}@task()\n${cosmetic[0]}`, { cached: () => ({ source: null, status: "will-rerun" }) }), []);
});

test("stale-cache: a result computed before an unhashed dependency changed; the fixes hash it", () => {
  const text = HELLO_PLANET;
  const options = { cached: (task) => (task.name === "get_planet" ? { source: task.source, status: "stale", changed: ["planet"] } : { source: task.source, status: "cached" }) };
  const stale = findingsOf(text, options).find((f) => f.code === "stale-cache");
  assert.equal(text.slice(stale.start, stale.end), "get_planet");
  assert.equal(stale.message, "the store holds a result of task get_planet computed before `planet` changed (not hashed): running reuses a stale result");
  assert.deepEqual(
    stale.fixes.map((f) => f.title),
    ["Pass `planet` as a parameter default"],
  );
  const after = applyEdits(text, stale.fixes[0].edits);
  assert.deepEqual(summary(after), []);
});

test("binding fingerprints: which unhashed names read differently than in the text a cached run imported", () => {
  // As core/stale.ts compares them: an unhashed dependency whose fingerprint then and now differ.
  const changedFor = (cachedText, text, taskName) => {
    const module = discoverTasks(text, { moduleName: "wf" });
    const analysis = analyseModule(text, module);
    const now = bindingFingerprints(analysis.index, text);
    const then = textFingerprints(cachedText);
    const deps = taskDependencies(analysis, module.tasks.find((t) => t.name === taskName)).dependencies;
    return deps.filter((d) => !d.hashed && d.kind !== "package" && d.name in then && then[d.name] !== now[d.name]).map((d) => d.name);
  };
  const mars = HELLO_PLANET.replace('planet = "World"', 'planet = "Mars"');
  assert.deepEqual(changedFor(HELLO_PLANET, mars, "get_planet"), ["planet"]);
  assert.deepEqual(changedFor(HELLO_PLANET, mars, "main"), []);
  assert.deepEqual(changedFor(HELLO_PLANET, HELLO_PLANET, "get_planet"), []);
  // Helpers by their whole text, their own reads too; hashed names do not count.
  const base = `${HEAD}SUFFIX = "!"\n\ndef shout(s):\n    return s.upper() + SUFFIX\n\n@task(hash_includes=[LIMIT])\ndef t(s):\n    return shout(s)[:LIMIT]\n`;
  const withLimit = base.replace("SUFFIX = ", "LIMIT = 3\nSUFFIX = ");
  assert.deepEqual(changedFor(withLimit, withLimit.replace("s.upper()", "s.title()"), "t"), ["shout"]);
  assert.deepEqual(changedFor(withLimit, withLimit.replace('"!"', '"?"'), "t"), ["SUFFIX"]);
  assert.deepEqual(changedFor(withLimit, withLimit.replace("LIMIT = 3", "LIMIT = 4"), "t"), []);
  // The dependencies themselves, as the Dialect's hover lists them.
  const module = discoverTasks(withLimit, { moduleName: "wf" });
  const deps = taskDependencies(analyseModule(withLimit, module), module.tasks[0]);
  assert.deepEqual(
    deps.dependencies.map((d) => [d.name, d.kind, d.hashed, d.via ?? null]),
    [
      ["shout", "function", false, null],
      ["LIMIT", "constant", true, null],
      ["SUFFIX", "constant", false, "shout"],
    ],
  );
});

// ---- effects -------------------------------------------------------------------------------

/** The findings of `body` (indented by 4) in a task after `imports`. */
function bodySummary(imports, body, decorator = "@task()") {
  return summary(`${HEAD}${imports}\n\n${decorator}\ndef t(path: str, data: File = None):\n${body.replace(/^/gm, "    ")}\n`);
}

/** Each [imports, body, subject] gives one finding `code` on `subject` (besides package-import). */
function assertEffects(code, cases) {
  for (const [imports, body, subject] of cases) {
    const got = bodySummary(imports, body).filter((s) => !s.startsWith("package-import"));
    assert.deepEqual(got, [`${code} ${subject}`], `${imports}; ${body}`);
  }
}

test("nondeterministic: random, time, datetime, uuid, secrets, numpy.random — however imported", () => {
  const cases = [
    ["import random", "return random.random()", "random.random"],
    ["import random", "return random.choice([1, 2])", "random.choice"],
    ["from random import randint", "return randint(1, 6)", "randint"],
    ["import random as rnd", "return rnd.shuffle(xs)", "rnd.shuffle"],
    ["import numpy as np", "return np.random.rand(3)", "np.random.rand"],
    ["import time", "return time.time()", "time.time"],
    ["from time import perf_counter", "return perf_counter()", "perf_counter"],
    ["from datetime import datetime", "return datetime.now()", "datetime.now"],
    ["import datetime", "return datetime.datetime.now()", "datetime.datetime.now"],
    ["import datetime as dt", "return dt.date.today()", "dt.date.today"],
    ["import uuid", "return str(uuid.uuid4())", "uuid.uuid4"],
    ["import secrets", "return secrets.token_hex(8)", "secrets.token_hex"],
  ];
  assertEffects("nondeterministic", cases);
  const text = `${HEAD}import random\n\n@task()\ndef roll():\n    return random.randint(1, 6)\n`;
  const [finding] = findingsOf(text);
  assert.equal(finding.message, "`random.randint()` in cached task roll: the cache keeps the first result and serves it on every run");
  assert.equal(applyEdits(text, finding.fixes[0].edits).includes("@task(cache=False)"), true);
  assert.equal(finding.fixes[0].title, "Do not cache this task (cache=False)");
  // Seeded randomness is repeatable; a task with cache=False is not cached.
  assert.deepEqual(bodySummary("import random", "random.seed(1)\nreturn random.Random(4)"), []);
  assert.deepEqual(bodySummary("import numpy as np", "return np.random.default_rng(0)"), ["package-import np.random.default_rng"]);
  assert.deepEqual(bodySummary("import random", "return random.random()", "@task(cache=False)"), []);
});

test("external-input: environment, files named in the code, network, commands; redun File arguments are fine", () => {
  const cases = [
    ["import os", 'return os.environ["HOME"]', "os.environ"],
    ["import os", 'return os.environ.get("HOME")', "os.environ.get"],
    ["import os", 'return os.getenv("HOME")', "os.getenv"],
    ["from os import environ", 'return environ["HOME"]', "environ"],
    ["", 'return open("data.txt").read()', "open"],
    ["", 'with open("data.txt") as fh:\n    return fh.read()', "open"],
    ["", "return input()", "input"],
    ["import requests", 'return requests.get("https://example.org").text', "requests.get"],
    ["import urllib.request", 'return urllib.request.urlopen("https://example.org")', "urllib.request.urlopen"],
    ["import subprocess", 'return subprocess.run(["ls"])', "subprocess.run"],
    ["import sys", "return sys.argv", "sys.argv"],
    ["import glob", 'return glob.glob("*.csv")', "glob.glob"],
    ["import pandas as pd", 'return pd.read_csv("table.csv")', "pd.read_csv"],
  ];
  assertEffects("external-input", cases);
  const fixed = `${HEAD}PATH = "data.txt"\n\n@task()\ndef t():\n    return open(PATH).read()\n`;
  assert.deepEqual(summary(fixed), ["external-input open", "unhashed-constant PATH"]);
  const [finding] = findingsOf(`${HEAD}import os\n\n@task()\ndef home():\n    return os.environ["HOME"]\n`);
  assert.equal(finding.message, "`os.environ` in cached task home: the input is not in the cache key, so a change to it will not rerun the task");
  // A path passed in (a File's, a parameter) is the caller's: it is in the arguments.
  assert.deepEqual(bodySummary("from redun import File", "return open(data.path).read() + open(path).read()"), []);
  assert.deepEqual(bodySummary("from redun import File", 'return File("x.txt")'), []);
});

test("effects in helpers count for the task that calls them, said where the task calls the helper", () => {
  const text = `${HEAD}import time\nplanet = "World"\n\ndef stamp():\n    return time.time()\n\ndef label():\n    return planet + str(stamp())\n\n@task()\ndef t():\n    return label()\n`;
  assert.deepEqual(summary(text), ["nondeterministic label", "unhashed-constant label", "unhashed-function label", "unhashed-function label"]);
  const messages = findingsOf(text).map((f) => f.message);
  assert.ok(messages.includes("`time.time()` (through `label`) in cached task t: the cache keeps the first result and serves it on every run"), messages.join("\n"));
  assert.ok(messages.includes("`planet` is a module constant that task t's cache key does not cover (through `label`): editing it will not rerun the task"));
  assert.ok(messages.includes("task t calls function `stamp` (through `label`), whose source its cache key does not cover: editing it will not rerun the task"));
  // Hashing the helper's constant clears that one; the helpers' sources stay unhashed.
  const after = applyFix(text, "unhashed-constant", "label", "Add");
  assert.deepEqual(summary(after), ["nondeterministic label", "unhashed-function label", "unhashed-function label"]);
  // Recursion ends.
  const cycle = `${HEAD}def a(n):\n    return b(n - 1) if n else 0\n\ndef b(n):\n    return a(n)\n\n@task()\ndef t():\n    return a(3)\n`;
  assert.deepEqual(summary(cycle), ["unhashed-function a", "unhashed-function a"]);
});

// ---- state, imports, classes ------------------------------------------------------------------

test("mutable-state: global statements, containers changed in place, names another function rebinds", () => {
  assert.deepEqual(summary(`${HEAD}COUNTER = 0\n\n@task()\ndef t():\n    global COUNTER\n    COUNTER += 1\n    return COUNTER\n`), ["mutable-state COUNTER"]);
  for (const change of ['CACHE["k"] = 1', "CACHE.append(1)", 'CACHE.update(k=1)', 'del CACHE["k"]', 'CACHE["k"] += 1', "CACHE.attr = 1"]) {
    const text = `${HEAD}CACHE = {}\n\n@task()\ndef t():\n    ${change}\n    return CACHE\n`;
    const found = findingsOf(text);
    assert.deepEqual(
      found.map((f) => f.code),
      ["mutable-state"],
      change,
    );
    assert.equal(found[0].message, "task t changes module-level `CACHE` in place: no cache key can cover it, so results may depend on when the task ran");
  }
  const rebound = `${HEAD}COUNTER = 0\n\ndef bump():\n    global COUNTER\n    COUNTER += 1\n\n@task()\ndef t():\n    return COUNTER\n`;
  const [finding] = findingsOf(rebound);
  assert.equal(finding.code, "mutable-state");
  assert.equal(finding.message, "`COUNTER` is module-level mutable state read by task t (`bump` rebinds it): no cache key can cover it, so results may depend on when the task ran");
  // Mutation inside a helper counts too; reading a container nobody changes is a constant.
  assert.deepEqual(summary(`${HEAD}SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n\n@task()\ndef t(x):\n    mark(x)\n`), ["mutable-state mark", "unhashed-function mark"]);
  assert.deepEqual(summary(`${HEAD}NAMES = ["a", "b"]\n\n@task()\ndef t():\n    return NAMES[0]\n`), ["unhashed-constant NAMES"]);
});

test("imports: project code (relative, or a module beside the file) warns; packages inform; the standard library and redun are quiet", () => {
  const body = "\n\n@task()\ndef t(x):\n    return clean(x) + helpers.shout(x) + np.zeros(1) + json.dumps(x) + os.sep + File(x)\n";
  const text = `${HEAD}from .util import clean\nimport helpers\nimport numpy as np\nimport json, os\nfrom redun import File${body}`;
  assert.deepEqual(summary(text), ["package-import helpers.shout", "package-import np.zeros", "unhashed-import clean"]);
  // A sibling module file makes `helpers` project code.
  const dir = tempDir("tasklens-pydiag-");
  writeFileSync(join(dir, "helpers.py"), "def shout(s):\n    return s.upper()\n");
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "lib", "__init__.py"), "");
  const path = join(dir, "wf.py");
  assert.deepEqual(summary(text, { path }), ["package-import np.zeros", "unhashed-import clean", "unhashed-import helpers.shout"]);
  const found = findingsOf(text, { path });
  const viaModule = found.find((f) => f.message.includes("`helpers`"));
  assert.equal(viaModule.message, 'task t uses `helpers` imported from "helpers", which its cache key does not cover: editing it will not rerun the task');
  assert.deepEqual(viaModule.fixes, [], "a module cannot be put in hash_includes");
  assert.equal(found.find((f) => f.code === "package-import").message, 'task t uses `np` from package "numpy"; the package\'s version is not in the hash');
  assert.equal(found.find((f) => f.code === "package-import").severity, "information");
  assert.equal(found.find((f) => f.code === "unhashed-import").message, 'task t uses `clean` imported from ".util", which its cache key does not cover: editing it will not rerun the task');
  assert.deepEqual(summary(`${HEAD}from lib.sub import thing\n\n@task()\ndef t():\n    return thing\n`, { path }), ["unhashed-import thing"]);
  assert.deepEqual(summary(`${HEAD}from lib.sub import thing\n\n@task()\ndef t():\n    return thing\n`, { isProjectModule: () => false }), ["package-import thing"]);
});

test("classes, and names bound after the task (no fix could name them where the decorator runs)", () => {
  const cls = `${HEAD}class Model:\n    pass\n\n@task()\ndef t():\n    return Model()\n`;
  const [finding] = findingsOf(cls);
  assert.equal(finding.code, "unhashed-function");
  assert.equal(finding.message, "task t calls class `Model`, whose source its cache key does not cover: editing it will not rerun the task");
  assert.deepEqual(finding.fixes, []);
  // Named only in an annotation or isinstance(), a class runs none of its code in the task.
  assert.deepEqual(summary(`${HEAD}class Model:\n    pass\n\n@task()\ndef t(m):\n    x: Model = m\n    return isinstance(x, Model)\n`), []);
  assert.deepEqual(summary(`${HEAD}class Model:\n    LIMIT = 3\n\n@task()\ndef t(m):\n    return Model.LIMIT\n`), ["unhashed-function Model.LIMIT"]);
  const later = `${HEAD}@task()\ndef t():\n    return planet + helper()\n\nplanet = 1\n\ndef helper():\n    return 2\n`;
  const found = findingsOf(later);
  assert.deepEqual(found.map((f) => [f.code, f.fixes.length]), [["unhashed-constant", 0], ["unhashed-function", 0]]);
});

test("hashed already: hash_includes, parameter defaults, version=; cache=False tasks are not cached", () => {
  const base = `${HEAD}import random\nplanet = "World"\n\ndef helper():\n    return 1\n\n`;
  assert.deepEqual(summary(`${base}@task(hash_includes=[planet, helper])\ndef t():\n    return planet + helper()\n`), []);
  assert.deepEqual(summary(`${base}@task()\ndef t(p=planet):\n    return p + planet\n`), []);
  assert.deepEqual(summary(`${base}@task()\ndef t(h=helper):\n    return h() + helper()\n`), []);
  // A default that only mentions the name in a string hashes the string.
  assert.deepEqual(summary(`${base}@task()\ndef t(p="planet"):\n    return p + planet\n`), ["unhashed-constant planet"]);
  // version= replaces the source in the hash: nothing unhashed to warn about, but randomness stays.
  assert.deepEqual(summary(`${base}@task(version="1")\ndef t():\n    return planet + helper() + random.random()\n`), ["nondeterministic random.random"]);
  assert.deepEqual(summary(`${base}@task(cache=False)\ndef t():\n    return planet + helper() + random.random()\n`), []);
});

test("redun-invalid: what redun rejects at import", () => {
  const cases = [
    ['@task(name="bad-name")\ndef t():\n    pass\n', "task bad-name: task name 'bad-name' must use only letters, digits and '_' and not start with a digit"],
    ['@task(namespace="1ns")\ndef t():\n    pass\n', "task t: task namespace '1ns' must use only letters, digits, '_' and '.' and start with a letter or '_'"],
    ["@task()\nasync def t():\n    pass\n", "task t: async task 't' must set cache=False (or cache=True, check_valid=\"shallow\")"],
    ["@task()\ndef t():\n    pass\n\n@task()\ndef t():\n    return 1\n", "task t: a later task has the same full name 't' and replaces this one"],
  ];
  for (const [source, message] of cases) {
    const found = findingsOf(`${HEAD}${source}`);
    assert.deepEqual(found.map((f) => [f.code, f.severity, f.message]), [["redun-invalid", "error", message]], source);
  }
  assert.deepEqual(summary(`${HEAD}@task(cache=False)\nasync def t():\n    pass\n`), []);
});

// ---- what must not warn -----------------------------------------------------------------------

test("no warning: locals, parameters, comprehension and lambda variables, attributes, keyword names, strings, comments, builtins, tasks", () => {
  const pre = `${HEAD}from typing import List\nplanet = "World"\nitems = [1, 2]\n\n@task()\ndef other(x: int = 1) -> int:\n    return x\n\n`;
  const bodies = [
    'planet = "Mars"\nreturn planet',
    "for planet in range(3):\n    print(planet)\nreturn 0",
    'with open(path) as planet:\n    return planet.read()',
    "try:\n    pass\nexcept ValueError as planet:\n    return str(planet)",
    "import os as planet\nreturn planet.sep",
    "def planet():\n    return 1\nreturn planet()",
    "class planet:\n    pass\nreturn planet",
    'planet: str = "x"\nreturn planet',
    "if (planet := len(path)) > 1:\n    return planet",
    "return [planet for planet in path]",
    "return {planet: 1 for planet in path}",
    "return {planet for planet in path}",
    "return sum(planet for planet in range(3))",
    "return [[planet for planet in row] for row in path]",
    "return (lambda planet: planet * 2)(3)",
    "return sorted(path, key=lambda planet: -planet)",
    "def inner(planet):\n    return planet\nreturn inner(1)",
    "return path.planet + path.items",
    "return dict(planet=1, items=2)",
    "return other(x=len(path))",
    'return "planet" + \'items\'',
    "# planet items\nreturn 0",
    'return f"planet {path} {{planet}}"',
    "return len(str(sorted(list(range(int(path))))))",
    "return other(1) + other(x=2)",
    "x: List[int] = []\nreturn x",
    "planet = 1\ndef inner():\n    return planet\nreturn inner()",
    "counter = 0\ndef bump():\n    nonlocal counter\n    counter += 1\nbump()\nreturn counter",
    'match path:\n    case [planet, *items]:\n        return planet, items\n    case _:\n        return None',
    "del path\nreturn 0",
    'raise ValueError("planet")',
  ];
  for (const body of bodies) {
    const text = `${pre}@task()\ndef t(path):\n${body.replace(/^/gm, "    ")}\n`;
    assert.deepEqual(summary(text), [], `${body}\n${JSON.stringify(findingsOf(text).map((f) => f.message))}`);
  }
  // A parameter named like the constant.
  assert.deepEqual(summary(`${pre}@task()\ndef t(planet: str = "x"):\n    return planet\n`), []);
  // A constant bound on a compound statement's line, or under `if`, is a constant all the same.
  assert.deepEqual(summary(`${HEAD}import sys\nif sys.platform: LEVEL = 2\n\n@task()\ndef t():\n    return LEVEL\n`), ["unhashed-constant LEVEL"]);
  // f-string fields are code: that one reads the constant.
  assert.deepEqual(summary(`${pre}@task()\ndef t():\n    return f"Hello {planet}!"\n`), ["unhashed-constant planet"]);
  // A method of a class in the task body does not see the class's names: it reads the module's.
  assert.deepEqual(summary(`${pre}@task()\ndef t():\n    class K:\n        planet = 1\n        def m(self):\n            return planet\n    return K\n`), ["unhashed-constant planet"]);
});

test("every quick fix of every finding in a varied workflow: the task is still there and the finding is gone", () => {
  const text = readFileSync(join(FIXTURES, "diagnostics/workflows.py"), "utf8");
  const found = findingsOf(text);
  const codes = new Set(found.map((f) => f.code));
  for (const code of ["unhashed-constant", "unhashed-function", "unhashed-import", "nondeterministic", "external-input"]) assert.ok(codes.has(code), code);
  let applied = 0;
  for (const finding of found) {
    for (const fix of finding.fixes) {
      // A name imported from another file is hashed by redun at import; tasklens cannot read it here.
      applyFix(text, finding.code, text.slice(finding.start, finding.end), fix.title, {}, { hashKnown: !fix.title.includes("hash_includes") || finding.code !== "unhashed-import" });
      applied++;
    }
  }
  assert.ok(applied >= 25, `${applied} fixes applied`);
});

test("half-typed files: truncated or broken anywhere, the analysis still answers", () => {
  const files = [join(FIXTURES, "diagnostics/workflows.py"), join(FIXTURES, "diagnostics/scopes.py")];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let variants = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (let k = 0; k < 200; k++) {
      const at = Math.floor(random() * text.length);
      const broken = [text.slice(0, at), text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 6)), text.slice(0, at) + "([{'\"\n:=.@\\"[k % 11] + text.slice(at)][k % 3];
      const found = findingsOf(broken);
      for (const f of found) assert.ok(f.start >= 0 && f.end <= broken.length && f.start <= f.end, `${f.code} ${f.start}-${f.end}`);
      variants++;
    }
  }
  assert.equal(variants, 400);
});

test("every fixed text parses as Python", { skip: python ? false : "python3 not found" }, () => {
  assert.ok(fixedTexts.length > 30, `${fixedTexts.length}`);
  const r = spawnSync(python, ["-c", "import ast, json, sys\nfor i, t in enumerate(json.load(sys.stdin)):\n    compile(t.lstrip('\\ufeff'), f'fixed{i}.py', 'exec')"], { input: JSON.stringify(fixedTexts), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});
