// Differential test against a real redun, where one is importable: fresh generated workflows (new
// seed each run, or TASKLENS_DIFF_SEED) in several encodings, hashed by redun and by tasklens.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, tempDir } from "../helpers.mjs";
import { compareWithRedun } from "./compare.mjs";
import { generateWorkflow, rng } from "./generate.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const SCRIPT = join(ROOT, "test/fixtures/redun/hashes/redun_hashes.py");

/** How to run a real redun here: { python, env } or { missing: why }. */
function findRedun() {
  const src = process.env.TASKLENS_REDUN_SRC;
  const python = process.env.TASKLENS_REDUN_PYTHON || (src ? "/usr/bin/python3" : "python3");
  const env = { ...process.env, ...(src ? { TASKLENS_REDUN_SRC: src } : {}) };
  const check = spawnSync(python, ["-c", "import os, sys; [sys.path.insert(0, p) for p in reversed(os.environ.get('TASKLENS_REDUN_SRC', '').split(os.pathsep)) if p]; import redun"], { env, encoding: "utf8" });
  if (check.error) return { missing: `${python}: ${check.error.message}` };
  if (check.status !== 0) return { missing: src ? `TASKLENS_REDUN_SRC=${src}: ${check.stderr.trim().split("\n").pop()}` : "set TASKLENS_REDUN_SRC, or install redun for python3" };
  return { python, env };
}

/** Inserts comment lines at random places (any indent): valid Python, and every place getblock cares about. */
function sprinkleComments(text, r) {
  const lines = text.split("\n");
  for (let n = 0; n < lines.length / 15; n++) {
    const at = Math.floor(r() * lines.length);
    lines.splice(at, 0, `${" ".repeat([0, 4, 8][Math.floor(r() * 3)])}# sprinkled ${n}`);
  }
  return lines.join("\n");
}

test("differential: generated definitions hash as a real redun hashes them", (t) => {
  const redun = findRedun();
  if (redun.missing) return t.skip(`redun not importable: ${redun.missing}`);
  const seed = Number(process.env.TASKLENS_DIFF_SEED) || Date.now() % 1_000_000;
  const r = rng(seed);
  const dir = tempDir("tasklens-redun-diff-");
  const base = generateWorkflow(seed, 60);
  const variants = {
    [`plain_${seed}`]: base,
    [`comments_${seed}`]: sprinkleComments(base, r),
    [`crlf_${seed}`]: sprinkleComments(base, r).replace(/\n/g, "\r\n"),
    [`bom_nofinal_${seed}`]: "\ufeff" + sprinkleComments(base, r).trimEnd(),
  };
  const files = Object.entries(variants).map(([name, text]) => {
    writeFileSync(join(dir, `${name}.py`), text);
    return `${name}.py`;
  });
  const run = spawnSync(redun.python, [SCRIPT, ...files], { cwd: dir, env: redun.env, encoding: "utf8", timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const recorded = JSON.parse(run.stdout);
  let exact = 0;
  let declined = 0;
  for (const [name, text] of Object.entries(variants)) {
    const result = recorded[`${name}.py`];
    assert.equal(result.error, undefined, `seed ${seed}: redun could not import ${name}.py: ${result.error}`);
    const c = compareWithRedun(discoverTasks(text, { moduleName: name }), result.tasks, name);
    assert.deepEqual(c.wrong, [], `seed ${seed} (files kept in ${dir})`);
    exact += c.exact;
    declined += c.declined.length;
  }
  console.log(`differential (seed ${seed}): ${exact} exact, ${declined} declined, 0 wrong`);
  assert.ok(exact >= 200);
});
