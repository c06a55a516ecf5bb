// redun issue #99 as tasklens tells it: a task reads the module constant `planet`, which redun's hash
// does not cover. The fixture store was made by real redun through `tasklens run` (which recorded the
// text redun imported), so staleness is exact; without the record tasklens says it can't tell.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { tasklens, tempDir } from "../helpers.mjs";
import { STORES } from "./store-helpers.mjs";

const FIXTURE = join(STORES, "planet");

function project() {
  const dir = tempDir("tasklens-planet-");
  mkdirSync(join(dir, ".redun"));
  writeFileSync(join(dir, ".redun", "redun.db"), gunzipSync(readFileSync(join(FIXTURE, "redun.db.gz"))));
  cpSync(join(FIXTURE, "tasklens-runs"), join(dir, ".redun", "tasklens-runs"), { recursive: true });
  cpSync(join(FIXTURE, "planet.py"), join(dir, "planet.py"));
  const run = (args) => tasklens(args, { cwd: dir });
  const explain = () => Object.fromEntries(JSON.parse(run(["explain", "planet.py", "--json"]).stdout).map((t) => [t.task.split(".").pop(), t]));
  const edit = (from, to) => writeFileSync(join(dir, "planet.py"), readFileSync(join(dir, "planet.py"), "utf8").replace(from, to));
  return { dir, run, explain, edit };
}

test("the constant a task reads is flagged, with redun's idiom as the fix", () => {
  const p = project();
  const r = p.run(["check", "planet.py", "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const [row] = JSON.parse(r.stdout).filter((d) => d.code === "unhashed-constant");
  assert.equal(row.task, "tl.planet.get_planet");
  assert.match(row.message, /`planet` is a module constant that task get_planet's cache key does not cover/);
  // Its fixes, as edits a tool can apply: redun's idiom first.
  assert.deepEqual(row.fixes.map((f) => f.title), ["Pass `planet` as a parameter default", "Add `planet` to hash_includes"]);
  assert.deepEqual(row.fixes[0].edits.map((e) => e.newText), ["planet=planet"]);
  assert.deepEqual(JSON.parse(p.run(["explain", "planet.py", "get_planet", "--json"]).stdout)[0].dependencies, [{ name: "planet", kind: "const", hashed: false }]);
});

test("after the Mars edit: stale, exactly, for a run tasklens started; the plan says which jobs reuse it", () => {
  const p = project();
  assert.deepEqual(Object.values(p.explain()).map((t) => t.status), ["cached", "cached", "cached"]);
  p.edit('planet = "World"', 'planet = "Mars"');
  const tasks = p.explain();
  assert.equal(tasks.get_planet.status, "stale");
  assert.equal(tasks.get_planet.reasons[0].kind, "unhashed-dependency-changed");
  assert.match(tasks.get_planet.reasons[0].detail, /planet changed since the cached run/);
  const check = JSON.parse(p.run(["check", "planet.py", "--json"]).stdout);
  assert.ok(check.some((d) => d.code === "stale-cache" && d.task === "tl.planet.get_planet"), JSON.stringify(check));
  const plan = JSON.parse(p.run(["plan", "planet.py", "--json"]).stdout);
  assert.deepEqual(plan.jobs.map((j) => [j.task.split(".").pop(), j.status]), [["main", "cached"], ["get_planet", "stale"], ["greeter", "cached"]]);
  assert.deepEqual(plan.jobs[1].staleBecause, ["planet"]);
  // Back to World: nothing changed since the run.
  p.edit('planet = "Mars"', 'planet = "World"');
  assert.equal(p.explain().get_planet.status, "cached");
});

test("a run started outside tasklens: cached, but it can't tell whether the constant changed", () => {
  const p = project();
  rmSync(join(p.dir, ".redun", "tasklens-runs"), { recursive: true });
  p.edit('planet = "World"', 'planet = "Mars"');
  const planet = p.explain().get_planet;
  assert.equal(planet.status, "cached");
  assert.equal(planet.reasons[0].kind, "unknown-dependencies");
  assert.match(planet.reasons[0].detail, /started outside tasklens/);
});
