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
