// The pickle decoder against pickles written by real redun/CPython (pickles.json: each value's pickle at
// protocols 3, 4 and 5, Python's own structural description of it, and its repr).
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixtureText, store } from "./store-helpers.mjs";

const { unpickle, pyRepr, checkDepth, childCalls, PickleError, PyFloat, PyTuple, PyDict, PySet, PyBytes, PyDate, PyObject, TaskExpression, SimpleExpression, ValueExpression } = store;
const corpus = JSON.parse(fixtureText(".", "pickles.json"));

/** The decoded value described the way the generator's Python `describe` does. */
function describe(v) {
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") return { int: String(v) };
  if (typeof v === "string") return { str: v };
  if (v instanceof PyFloat) return { float: store.reprFloat(v.value) };
  if (v instanceof PyBytes) return { bytes: Buffer.from(v.data).toString("hex") };
  if (Array.isArray(v)) return { list: v.map(describe) };
  if (v instanceof PyTuple) return { tuple: v.items.map(describe) };
  if (v instanceof PyDict) return { dict: v.entries.map(([k, x]) => [describe(k), describe(x)]) };
  if (v instanceof PySet) return { [v.frozen ? "frozenset" : "set"]: v.items.map(describe) };
  if (v instanceof PyDate) {
    const p = (n, w = 2) => String(n).padStart(w, "0");
    const date = `${p(v.year, 4)}-${p(v.month)}-${p(v.day)}`;
    if (!v.time) return { date };
    const t = v.time;
    return { datetime: `${date}T${p(t.hour)}:${p(t.minute)}:${p(t.second)}${t.microsecond ? "." + p(t.microsecond, 6) : ""}` };
  }
  if (v instanceof TaskExpression) return { [v.kind]: { task_name: v.taskName, args: describe(new PyTuple(v.args)), kwargs: describe(v.kwargs) } };
  if (v instanceof SimpleExpression) return { SimpleExpression: { func_name: v.funcName, args: describe(new PyTuple(v.args)), kwargs: describe(v.kwargs) } };
  if (v instanceof ValueExpression) return { ValueExpression: describe(v.value) };
  if (v instanceof PyObject) return { object: v.className };
  throw new Error(`unexpected ${v}`);
}

test("every value of the corpus decodes to what Python described, at protocols 3, 4 and 5", () => {
  assert.ok(corpus.length > 100);
  const protocols = new Set();
  for (const c of corpus) {
    const v = unpickle(Buffer.from(c.pickle, "hex"));
    assert.deepEqual(describe(v), c.describe, `${c.name} (protocol ${c.protocol})`);
    protocols.add(c.protocol);
  }
  assert.deepEqual([...protocols].sort(), [3, 4, 5]);
});

test("repr of every decoded value equals Python's (objects with an address aside)", () => {
  let compared = 0;
  for (const c of corpus) {
    if (/ object at 0x/.test(c.repr) || c.describe?.object && !/Error/.test(c.describe.object)) continue;
    assert.equal(pyRepr(unpickle(Buffer.from(c.pickle, "hex"))), c.repr, `${c.name} (protocol ${c.protocol})`);
    compared++;
  }
  assert.ok(compared > 120, `${compared} compared`);
});

const value = (name, protocol = 3) => unpickle(Buffer.from(corpus.find((c) => c.name === name && c.protocol === protocol).pickle, "hex"));

test("ints are numbers in the safe range and bigints beyond it; floats stay floats", () => {
  assert.equal(value("safe"), 2 ** 53 - 1);
  assert.equal(value("unsafe"), 2n ** 53n + 1n);
  assert.equal(value("huge"), 3n ** 200n);
  assert.equal(value("hugeneg"), -(7n ** 90n));
  assert.equal(value("int32neg"), -(2 ** 31));
  assert.ok(value("float") instanceof PyFloat);
  assert.ok(Object.is(value("floatneg0").value, -0));
});

test("dicts keep insertion order and int keys; sets keep their kind", () => {
  assert.deepEqual(value("intkeys").entries, [[3, "c"], [1, "a"], [2, "b"]]);
  const mixed = value("mixedkeys", 4).entries.map(([k]) => k);
  assert.equal(mixed[0], 1);
  assert.equal(mixed[1], "1");
  assert.ok(mixed[2] instanceof PyTuple);
  assert.equal(mixed[3], null);
  assert.ok(value("frozenset").frozen);
  assert.ok(!value("set").frozen);
});

test("redun expressions yield their child calls with args and kwargs, nested", () => {
  const e = value("nested_expr");
  assert.ok(e instanceof TaskExpression);
  assert.equal(e.taskName, "tl.pickles.leaf");
  const calls = childCalls(e);
  assert.deepEqual(calls.map((c) => c.taskName), ["tl.pickles.leaf", "tl.pickles.leaf", "tl.pickles.leaf"]);
  assert.deepEqual(calls[1].args, [2]);
  assert.ok(Array.isArray(e.kwargs.get("y")) && e.kwargs.get("y")[0] instanceof TaskExpression);
  assert.equal(value("scheduler_expr").kind, "SchedulerExpression");
  assert.equal(value("getitem_expr").funcName, "getitem");
});

test("other objects are {class, state}, never constructed", () => {
  const o = value("object");
  assert.ok(o instanceof PyObject);
  assert.match(o.className, /\.Thing$/);
  assert.deepEqual(o.field("b"), [2, "three"]);
  assert.equal(value("slotted").field("p"), 4);
  const e = value("exception");
  assert.equal(e.className, "builtins.ValueError");
  assert.deepEqual(e.args, ["bad", 3]);
  // A call of os.system is data: a GLOBAL then REDUCE of ("echo pwned",).
  const evil = Buffer.concat([Buffer.from("\x80\x03cos\nsystem\nq\x00X\x0a\x00\x00\x00", "latin1"), Buffer.from("echo pwned"), Buffer.from("\x85R.", "latin1")]);
  const v = unpickle(evil);
  assert.ok(v instanceof PyObject);
  assert.equal(v.className, "os.system");
  assert.deepEqual(v.args, ["echo pwned"]);
});

test("malformed pickles are rejected with a PickleError", () => {
  const good = Buffer.from(corpus.find((c) => c.name === "task_expr").pickle, "hex");
  for (let n = 0; n < good.length; n++) assert.throws(() => unpickle(good.subarray(0, n)), PickleError, `prefix ${n}`);
  const bad = [
    [0x80, 0x06, 0x4e, 0x2e], // protocol 6
    [0x80, 0x03, 0xff, 0x2e], // unknown opcode
    [0x80, 0x03, 0x4e, 0x2e, 0x00], // bytes after STOP
    [0x80, 0x03, 0x61, 0x2e], // APPEND on an empty stack
    [0x80, 0x03, 0x68, 0x05, 0x2e], // memo 5 never stored
    [0x80, 0x03, 0x4e, 0x4e, 0x2e], // two values left
    [0x80, 0x03, 0x8b, 0xff, 0xff, 0xff, 0x7f, 0x2e], // LONG4 of 2 GB
    [0x80, 0x03, 0x58, 0x02, 0x00, 0x00, 0x00, 0xc3, 0x28, 0x2e], // invalid UTF-8
    [0x80, 0x03, 0x4e, 0x4e, 0x62, 0x2e], // BUILD on None
  ];
  for (const b of bad) assert.throws(() => unpickle(Uint8Array.from(b)), PickleError, Buffer.from(b).toString("hex"));
  assert.throws(() => unpickle(new Uint8Array(100), { maxBytes: 10 }), /too large/);
});

test("depth is bounded, and self-containing values print as Python prints them", () => {
  const deep = Buffer.concat([Buffer.from([0x80, 0x03]), Buffer.alloc(2000, 0x5d), Buffer.alloc(1999, 0x61), Buffer.from(".")]);
  assert.throws(() => unpickle(deep), (e) => e instanceof PickleError && /too deeply/.test(e.message));
  const v = unpickle(deep, { maxDepth: 5000 });
  assert.throws(() => checkDepth(v, 1998), /too deeply/);
  assert.doesNotThrow(() => checkDepth(v, 1999));
  // l = []; l.append(l)
  const cyclic = unpickle(Uint8Array.from([0x80, 0x03, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2e]));
  assert.equal(pyRepr(cyclic), "[[...]]");
  assert.doesNotThrow(() => checkDepth(cyclic));
  // Shared references can make repr explode: it is cut.
  const dag = [0x80, 0x03, 0x5d];
  for (let i = 0; i < 40; i++) dag.push(0x71, 0x00, 0x68, 0x00, 0x86); // t = (t, t)
  dag.push(0x2e);
  const shared = unpickle(Uint8Array.from(dag));
  assert.throws(() => checkDepth(shared, 39), /too deeply/);
  assert.ok(pyRepr(shared, 1000).length <= 1003);
});
