// The reader against stores made by real redun 0.46: executions, statuses, job trees, decoded values
// and evaluations, checked against what redun printed while making them.
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, existsSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixtureText, store, TUTORIAL, unpack } from "./store-helpers.mjs";

const { openRedunStore, childCalls, pyRepr, TaskExpression, storeStamp, StoreError } = store;

/** `{ id8: "Run" | "Cached" | "Reject" }` from a `redun run` transcript. */
function transcriptJobs(stderr) {
  const out = {};
  for (const m of stderr.matchAll(/^\[redun\] (?:\*\*\* )?(Run|Cached|Reject) +Job ([0-9a-f]{8}):/gm)) out[m[2]] = m[1] === "Reject" ? "Reject" : (out[m[2]] ?? m[1]);
  return out;
}

async function open(name) {
  const { db, dir } = unpack(name);
  return { s: await openRedunStore(db), db, dir };
}

test("each tutorial step adds one execution, newest first, with the command line redun recorded", async () => {
  for (const [i, name] of TUTORIAL.entries()) {
    const { s } = await open(name);
    const executions = s.executions();
    assert.equal(executions.length, i + 1, name);
    const newest = executions[0];
    assert.match(fixtureText(name, "run.stderr"), new RegExp(`Start Execution ${newest.id}:  redun ${newest.args.slice(1).join(" ")}\\n`), name);
    assert.equal(newest.args[0], "redun");
    assert.deepEqual(newest.tags.map((t) => t.key), ["project", "redun.version", "user"]);
    assert.equal(newest.tags.find((t) => t.key === "redun.version").value, "0.46.0");
    assert.equal(s.execution(newest.id.slice(0, 8)).id, newest.id);
    s.close();
  }
});

test("job statuses are derived as redun derives them, and agree with the run transcript", async () => {
  for (const name of TUTORIAL) {
    const { s } = await open(name);
    const [newest] = s.executions();
    const printed = transcriptJobs(fixtureText(name, "run.stderr"));
    const jobs = s.jobs(newest.id);
    assert.equal(jobs.length, Object.keys(printed).length, name);
    for (const job of jobs) {
      const want = { Run: "DONE", Cached: "CACHED", Reject: "FAILED" }[printed[job.id.slice(0, 8)]];
      assert.equal(job.status, want, `${name} ${job.taskName}`);
    }
    const failed = fixtureText(name, "run.exit").trim() !== "0";
    assert.equal(newest.status, failed ? "FAILED" : "DONE", name);
    s.close();
  }
});

test("a failed run's cached root is FAILED; the failed execution shows as such", async () => {
  const { s } = await open("tutorial/06-failure");
  const [newest] = s.executions();
  const root = s.job(newest.rootJobId);
  assert.equal(root.cached, true);
  assert.equal(root.status, "FAILED");
  const details = s.jobDetails(root.id);
  assert.equal(details.call.result.type, "redun.ErrorValue");
  assert.equal(pyRepr(details.failure.error), "ZeroDivisionError('division by zero')");
  const frame = details.failure.frames.at(-1);
  assert.equal(frame.name, "get_planet");
  assert.equal(frame.text, "x = 1 / 0");
  assert.match(fixtureText("tutorial/06-failure", "run.stderr"), new RegExp(`File "${frame.file}", line ${frame.line}, in get_planet`));
  // Failures never get an evaluation row.
  const planet = s.jobs(newest.id).find((j) => j.taskName.endsWith("get_planet"));
  const call = s.jobDetails(planet.id).call;
  assert.equal(s.evaluation(planet.taskHash, call.argsHash), undefined);
});

test("a killed run's execution and its unfinished jobs are RUNNING", async () => {
  const { s } = await open("killed");
  const [e] = s.executions();
  assert.equal(e.status, "RUNNING");
  const tree = s.jobTree(e.id);
  assert.equal(tree.status, "RUNNING");
  assert.deepEqual(tree.children.map((c) => [c.taskName, c.status]), [["tl.slow.quick", "DONE"], ["tl.slow.sleepy", "RUNNING"]]);
  const sleepy = s.jobDetails(tree.children[1].id);
  assert.equal(sleepy.call, undefined);
  assert.match(sleepy.task.source, /time\.sleep\(120\)/);
});

// redun pretty-prints the result on stdout (pprint); a short str prints as its repr.
test("the root job's result is what redun printed on stdout", async () => {
  for (const name of TUTORIAL) {
    if (fixtureText(name, "run.exit").trim() !== "0") continue;
    const { s } = await open(name);
    const [e] = s.executions();
    const result = s.jobDetails(e.rootJobId).call.result;
    assert.equal(pyRepr(result.value), fixtureText(name, "run.stdout").trimEnd(), name);
    s.close();
  }
});

test("evaluation(taskHash, argsHash) gives each tutorial call's immediate return: main's names its child calls", async () => {
  const { s } = await open("tutorial/04-mars");
  const [e] = s.executions();
  const tree = s.jobTree(e.id);
  const main = s.jobDetails(tree.id).call;
  const evaluation = s.evaluation(main.taskHash, main.argsHash);
  assert.equal(evaluation.value.type, "redun.expression.TaskExpression");
  const expr = evaluation.value.value;
  assert.ok(expr instanceof TaskExpression);
  assert.equal(expr.taskName, "redun.examples.hello_world.greeter");
  assert.equal(expr.args[0], "Hello");
  const calls = childCalls(expr);
  assert.deepEqual(calls.map((c) => c.taskName), ["redun.examples.hello_world.greeter", "redun.examples.hello_world.get_planet"]);
  assert.deepEqual(calls[1].args, []);
  // Each child's own evaluation is its result, as redun printed it in the run transcript.
  const stderr = fixtureText("tutorial/04-mars", "run.stderr");
  for (const child of tree.children) {
    const call = s.jobDetails(child.id).call;
    const value = s.evaluation(call.taskHash, call.argsHash).value.value;
    assert.equal(pyRepr(value), pyRepr(call.result.value));
  }
  assert.match(stderr, /greeter\(greet='Hello', thing='Mars'\)/);
  assert.equal(pyRepr(s.jobDetails(tree.children.find((c) => c.taskName.endsWith("get_planet")).id).call.result.value), "'Mars'");
  // The first run's get_planet is still cached under its old hash.
  const world = s.jobs(s.executions().at(-1).id).find((j) => j.taskName.endsWith("get_planet"));
  assert.notEqual(world.taskHash, tree.children.find((c) => c.taskName.endsWith("get_planet")).taskHash);
  assert.equal(s.evaluation(world.taskHash, s.jobDetails(world.id).call.argsHash).value.value, "World");
  assert.equal(s.evaluation(world.taskHash, "0".repeat(40)), undefined);
});

test("task sources, latest jobs by hash and by name, and the --greet Hi keyword argument", async () => {
  const { s } = await open("tutorial/05-comment-edit");
  const planet = s.latestJob({ name: "redun.examples.hello_world.get_planet" });
  assert.match(s.taskSource(planet.taskHash), /# Mars, not World\.\n    return "Mars"/);
  assert.equal(s.latestJob({ hash: planet.taskHash }).id, planet.id);
  assert.equal(s.latestExecution({ hash: planet.taskHash }).id, s.executions()[0].id);
  assert.equal(s.latestJob({ name: "no.such.task" }), undefined);
  assert.equal(s.task(planet.taskHash).fullName, "redun.examples.hello_world.get_planet");
  const hi = s.executions().find((e) => e.args.includes("Hi"));
  const mainCall = s.jobDetails(hi.rootJobId).call;
  assert.deepEqual(mainCall.arguments.map((a) => [a.key, a.position, a.value.value]), [["greet", null, "Hi"]]);
});

test("values of many kinds decode as redun printed them", async () => {
  const { s } = await open("values");
  const [e] = s.executions();
  // The first job of each task (fan also runs as fan(2) under pick).
  const byTask = new Map(s.jobs(e.id).reverse().map((j) => [j.taskName, s.jobDetails(j.id).call]));
  assert.equal(byTask.get("tl.values.big").result.value, 2n ** 100n);
  assert.equal(byTask.get("tl.values.negative").result.value, -(2n ** 70n) + 1n);
  const point = byTask.get("tl.values.point").result;
  assert.equal(point.value.className, "values.Point");
  assert.equal(point.value.hash, point.hash);
  assert.equal(point.value.field("x"), 1);
  // fan(3)'s immediate return is a list of three child calls.
  const fan = byTask.get("tl.values.fan");
  const calls = childCalls(s.evaluation(fan.taskHash, fan.argsHash).value.value);
  assert.deepEqual(calls.map((c) => c.args), [[0], [1], [2]]);
  const keywords = byTask.get("tl.values.keywords");
  const kw = s.evaluation(keywords.taskHash, keywords.argsHash).value.value;
  assert.deepEqual(kw.kwargs.entries, [["i", 5]]);
  const pick = byTask.get("tl.values.pick");
  assert.equal(pyRepr(s.evaluation(pick.taskHash, pick.argsHash).value.value), "tl.values.fan(2)[1]");
});

test("the reader never writes: store files are byte-identical and no journal appears", async () => {
  const { db } = unpack("tutorial/06-failure");
  const before = readFileSync(db);
  const mtime = statSync(db).mtimeMs;
  const s = await openRedunStore(db);
  assert.equal(s.schemaVersion, "3.5");
  for (const e of s.executions()) for (const j of s.jobs(e.id)) s.jobDetails(j.id);
  s.close();
  assert.ok(Buffer.compare(before, readFileSync(db)) === 0);
  assert.equal(statSync(db).mtimeMs, mtime);
  assert.equal(existsSync(`${db}-journal`), false);
});

test("the change stamp moves when the store changes, and only then", async () => {
  const { db } = unpack("tutorial/01-first-run");
  const s = await openRedunStore(db);
  assert.equal(storeStamp(db), s.stamp);
  assert.equal(storeStamp(db), s.stamp);
  const bytes = readFileSync(db);
  bytes.writeUInt32BE(bytes.readUInt32BE(24) + 1, 24); // what a commit does to the change counter
  writeFileSync(db, bytes);
  assert.notEqual(storeStamp(db), s.stamp);
  const later = storeStamp(db);
  writeFileSync(`${db}-journal`, "");
  assert.notEqual(storeStamp(db), later);
});

test("a corrupt or foreign file gives a clear error naming the file, and is left untouched", async () => {
  const { dir } = unpack("tutorial/01-first-run");
  const cases = {
    "text.db": ["hello, not a database\n".repeat(20), /not an SQLite database/],
    "empty.db": ["", /empty file/],
    "truncated.db": [readFileSync(join(dir, ".redun", "redun.db")).subarray(0, 5000), /not a (readable SQLite database|redun 0\.46 store)/],
  };
  for (const [file, [content, message]] of Object.entries(cases)) {
    const p = join(dir, file);
    writeFileSync(p, content);
    await assert.rejects(openRedunStore(p), (e) => e instanceof StoreError && e.location === p && e.message.startsWith(p) && message.test(e.message), file);
    assert.equal(readFileSync(p).length, Buffer.byteLength(content));
  }
  await assert.rejects(openRedunStore(join(dir, "missing.db")), /missing\.db: no such file/);
  // Another program's SQLite database.
  const SQL = await (await import("sql.js")).default();
  const other = new SQL.Database();
  other.run("CREATE TABLE task (hash TEXT, body TEXT)");
  writeFileSync(join(dir, "other.db"), other.export());
  await assert.rejects(openRedunStore(join(dir, "other.db")), /other\.db: not a redun store \(no schema version\)/);
  // A store of an older redun schema (as redun 0.45 and before left them).
  const old = new SQL.Database(readFileSync(join(dir, ".redun", "redun.db")));
  old.run("UPDATE alembic_version SET version_num = 'f68b3aaee9cc'");
  writeFileSync(join(dir, "old.db"), old.export());
  await assert.rejects(openRedunStore(join(dir, "old.db")), /old\.db: a redun store of schema 3\.3, older than redun 0\.46's 3\.5/);
  // One whose tables lack what 0.46 writes.
  const odd = new SQL.Database(readFileSync(join(dir, ".redun", "redun.db")));
  odd.run("ALTER TABLE execution DROP COLUMN updated_time");
  writeFileSync(join(dir, "odd.db"), odd.export());
  await assert.rejects(openRedunStore(join(dir, "odd.db")), /odd\.db: not a redun 0\.46 store \(table execution lacks updated_time\)/);
});

test("a hot journal's uncommitted changes are never shown: the reader sees what redun sees after rolling back", async () => {
  const { s, db } = await open("hot-journal");
  assert.ok(s.rolledBackPages > 0);
  const executions = s.executions();
  assert.deepEqual(executions.map((e) => e.args), [["redun", "run", "hello_world.py", "main"], ["redun", "run", "hello_world.py", "main"]]);
  assert.ok(executions.every((e) => e.status === "DONE"));
  assert.equal(s.task("00000000000000000000000000000000deadbeef"), undefined);
  // Without the journal the same file shows the uncommitted rows: the fixture is really hot.
  const SQL = await (await import("sql.js")).default();
  const naive = new SQL.Database(readFileSync(db));
  let shown;
  try {
    shown = naive.exec("SELECT args FROM execution")[0].values.map((r) => r[0]);
  } catch (e) {
    shown = String(e);
  }
  assert.notDeepEqual(shown, executions.map((e) => JSON.stringify(e.args)));
  assert.ok(existsSync(`${db}-journal`), "the journal is left for redun");
});
