// redun's hello-world tutorial, step by step, through the CLI as a separate process.
import assert from "node:assert/strict";
import { test } from "node:test";
import { statuses, workspace } from "../helpers.mjs";

test("hello world tutorial: run, cache, arguments, edits, failure, fix", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const run = (...args) => ws.run(["run", "hello_world.ts", ...args]);

  let r = run();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Hello, World!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Run", getPlanet: "Run", greeter: "Run" });
  assert.match(r.stderr, /\[tasklens\] Run    Job [0-9a-f]{8}:  examples\.hello_world\.main\(greet='Hello'\)/);
  assert.match(r.stderr, /JOB STATUS[\s\S]*TASK\s+PENDING\s+RUNNING\s+FAILED\s+CACHED\s+DONE\s+TOTAL[\s\S]*ALL\s+0\s+0\s+0\s+0\s+3\s+3/);

  r = run();
  assert.equal(r.stdout, "Hello, World!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Cached" }, "nothing changed: the whole subtree's result is reused");
  assert.match(r.stderr, /Cached Job [0-9a-f]{8}:  examples\.hello_world\.main\(greet='Hello'\) \(whole subtree, 3 jobs\)/);
  r = run("--full-check");
  assert.equal(r.stdout, "Hello, World!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Cached", getPlanet: "Cached", greeter: "Cached" });

  r = run("--greet", "Hi");
  assert.equal(r.stdout, "Hi, World!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Run", getPlanet: "Cached", greeter: "Run" });

  r = ws.run(["run", "hello_world.ts", "greeter", "--greet", "Yo", "--thing", "Venus"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Yo, Venus!\n");

  ws.edit("hello_world.ts", "return planet;", 'return "Mars";');
  r = run();
  assert.equal(r.stdout, "Hello, Mars!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Cached", getPlanet: "Run", greeter: "Run" });

  ws.edit("hello_world.ts", 'return "Mars";', '// the red one\n    return  "Mars" ;');
  ws.edit("hello_world.ts", "function getPlanet(): string {", "function getPlanet(): string\n{");
  r = run("--full-check");
  assert.equal(r.stdout, "Hello, Mars!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Cached", getPlanet: "Cached", greeter: "Cached" });

  ws.edit("hello_world.ts", '// the red one\n    return  "Mars" ;', 'throw new Error("no planet today");');
  const lines = ws.read("hello_world.ts").split("\n");
  const lineOf = (needle) => lines.findIndex((l) => l.includes(needle)) + 1;
  r = run();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /\*\*\* Failed Job [0-9a-f]{8}:  examples\.hello_world\.getPlanet\(\)/);
  const traceback = r.stderr.slice(r.stderr.indexOf("Traceback"));
  const mainAt = traceback.indexOf(`hello_world.ts:${lineOf("function main(")}`);
  const planetAt = traceback.indexOf(`hello_world.ts:${lineOf("function getPlanet(")}`);
  assert.ok(mainAt > 0 && planetAt > mainAt, `traceback names main then getPlanet with their lines:\n${traceback}`);
  assert.match(traceback, /Error: no planet today/);
  assert.match(traceback, new RegExp(`hello_world\\.ts:${lineOf("no planet today")}:\\d+`), "the error's own stack points into the .ts file");

  ws.edit("hello_world.ts", 'throw new Error("no planet today");', 'const fixed = "Mars";\n    return fixed;');
  r = run();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Hello, Mars!\n");
  assert.deepEqual(statuses(r.stderr), { main: "Cached", getPlanet: "Run", greeter: "Cached" });
});
