// Argument and eval hashes of calls against the ones real redun's scheduler computed (calls.json,
// recorded by redun_hashes.py --calls): defaults merged as keywords, 1 / 1.0 / True told apart.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";

const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const { callHashes } = await import(join(ROOT, "dist/dialects/redun/hash/calls.js"));
const { literalValue } = await import(join(ROOT, "dist/dialects/redun/python/expr.js"));
const DIR = join(ROOT, "test/fixtures/redun/hashes");

test("calls: args and eval hashes equal real redun's for literal arguments", () => {
  const { tasks } = discoverTasks(readFileSync(join(DIR, "calls.py"), "utf8"), { moduleName: "calls" });
  const recorded = JSON.parse(readFileSync(join(DIR, "calls.json"), "utf8"));
  let exact = 0;
  const declined = [];
  for (const call of recorded) {
    const task = tasks.find((t) => t.fullname === call.fullname);
    assert.equal(task.hash, call.task_hash, call.fullname);
    const values = [...call.args, ...Object.values(call.kwargs)].map((text) => literalValue(text));
    if (values.some((v) => !v.ok)) {
      declined.push(`${call.task}(${call.args}) ${values.find((v) => !v.ok).why}`);
      continue;
    }
    const positional = values.slice(0, call.args.length).map((v) => v.value);
    const keywords = Object.fromEntries(Object.keys(call.kwargs).map((k, i) => [k, values[call.args.length + i].value]));
    const got = callHashes(task, positional, keywords);
    assert.equal(got.argsHash, call.args_hash, `${call.task} ${JSON.stringify(call.args)} ${JSON.stringify(call.kwargs)}`);
    assert.equal(got.evalHash, call.eval_hash);
    exact++;
  }
  console.log(`calls: ${exact} exact, ${declined.length} declined (${declined.join("; ")})`);
  assert.ok(exact >= recorded.length - 1);
});

test("calls: a positional and a keyword call hash differently; 1, 1.0 and True differ; keyword order does not matter", () => {
  const { tasks } = discoverTasks(readFileSync(join(DIR, "calls.py"), "utf8"), { moduleName: "calls" });
  const task = (name) => tasks.find((t) => t.name === name);
  const v = (text) => literalValue(text).value;
  const h = (name, args, kwargs = {}) => callHashes(task(name), args.map(v), Object.fromEntries(Object.entries(kwargs).map(([k, x]) => [k, v(x)]))).argsHash;
  assert.notEqual(h("main", ["'Hello'"]), h("main", []));
  assert.equal(h("main", [], { greet: "'Hello'" }), h("main", []));
  assert.equal(new Set([h("echo", ["1"]), h("echo", ["1.0"]), h("echo", ["True"])]).size, 3);
  assert.equal(h("many", [], { a: "1", c: "'x'" }), h("many", [], { c: "'x'", a: "1" }));
  assert.notEqual(h("echo", ["{'a': 1, 'b': 2}"]), h("echo", ["{'b': 2, 'a': 1}"]));
});
