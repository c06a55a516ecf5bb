// Hostile input through the CLI: crafted stores, workspace settings and arguments never reach
// outside the store, never read without bound, never choose another store.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pointResultAt, spawnTasklens, tasklens, waitFor, workspace } from "../helpers.mjs";

const require = createRequire(import.meta.url);

/** Runs SQL on the store's snapshot file. */
export async function editSnapshot(file, sql) {
  const SQL = await require("sql.js")();
  const db = new SQL.Database(readFileSync(file));
  db.exec(sql);
  writeFileSync(file, db.export());
  db.close();
}

/** A hello-world workspace run once, and the call hash of its `main`. */
function ranHelloWorld() {
  const ws = workspace({}, { example: "hello_world.ts" });
  const first = ws.run(["run", "hello_world.ts", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const main = JSON.parse(first.stdout).jobs.find((j) => j.task.endsWith(".main"));
  return { ws, mainCall: main.callHash };
}

test("a value hash read from a store is a file name only in its exact form: a `../` hash never reads outside the store", () => {
  const { ws, mainCall } = ranHelloWorld();
  const secret = join(ws.dir, "..", `secret-${process.pid}.json`);
  writeFileSync(secret, JSON.stringify("the secret content"));
  pointResultAt(ws, mainCall, `../../../../../../../..${secret}`, 20);
  const run = ws.run(["run", "hello_world.ts"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), "Hello, World!", "the unreadable cached result is computed again");
  const log = ws.run(["log", "~1"]);
  assert.doesNotMatch(log.stdout + log.stderr, /the secret content/);
});

test("a value file that is a symlink (to /dev/zero, or out of the store) is never read; the result is computed again", () => {
  const { ws, mainCall } = ranHelloWorld();
  const hash = createHash("sha256").update(JSON.stringify("planted")).digest("hex");
  pointResultAt(ws, mainCall, hash, 9);
  mkdirSync(join(ws.dir, ".tasklens", "values", hash.slice(0, 2)), { recursive: true });
  symlinkSync("/dev/zero", join(ws.dir, ".tasklens", "values", hash.slice(0, 2), hash));
  const started = Date.now();
  const run = tasklens(["run", "hello_world.ts"], { cwd: ws.dir });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), "Hello, World!");
  assert.ok(Date.now() - started < 20_000);
  const explain = ws.run(["log", "~1", "--json"]);
  assert.equal(explain.code, 0, explain.stderr);
});

test("a store path that is not a regular file (a symlink to /dev/zero, package.json's db) is refused, never read; explain exits 2", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  mkdirSync(join(ws.dir, ".tasklens"));
  symlinkSync("/dev/zero", join(ws.dir, ".tasklens", "cache.db"));
  const linked = ws.run(["explain", "hello_world.ts"]);
  assert.equal(linked.code, 2, linked.stderr);
  assert.match(linked.stderr, /cache\.db cannot be used: it is not a regular file/);
  const run = ws.run(["run", "hello_world.ts"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /not a regular file/);

  const configured = workspace({ "package.json": JSON.stringify({ tasklens: { db: "/dev/zero" } }) }, { example: "hello_world.ts" });
  const explained = configured.run(["explain", "hello_world.ts", "--json"]);
  assert.equal(explained.code, 2, explained.stderr);
  assert.match(explained.stderr, /\/dev\/zero cannot be used: it is not a regular file/);
  assert.equal(JSON.parse(explained.stdout).length, 3, "the predictions are still printed");
});

test("explain exits 2 when the store cannot be used, and 0 with a good one", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["explain", "hello_world.ts"]).code, 0, "no store yet: fine");
  mkdirSync(join(ws.dir, ".tasklens"));
  writeFileSync(join(ws.dir, ".tasklens", "cache.db"), "not a database ".repeat(20));
  const bad = ws.run(["explain", "hello_world.ts"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot be used: it is not an SQLite database/);
});

test("a store of a newer format is called newer, and left untouched", async () => {
  const { ws } = ranHelloWorld();
  const file = join(ws.dir, ".tasklens", "cache.db");
  await editSnapshot(file, "UPDATE meta SET value = 'tasklens-store-9' WHERE key = 'format'");
  const before = readFileSync(file);
  const run = ws.run(["run", "hello_world.ts"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /written by a newer tasklens \(format tasklens-store-9/);
  assert.doesNotMatch(run.stderr, /another kind/);
  assert.deepEqual(readFileSync(file), before);
});

test("log quotes command lines for a POSIX shell: a copied $(…) never runs", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const value = "$(touch pwned) `id` it's";
  assert.equal(ws.run(["run", "hello_world.ts", "--greet", value]).code, 0);
  const line = ws.run(["log"]).stdout.split("\n").find((l) => l.includes("pwned"));
  assert.ok(line.endsWith(`run hello_world.ts --greet '$(touch pwned) \`id\` it'\\''s'`), line);
});

test("a task parameter's value that looks like a flag is the task's: it never chooses the store", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const a = ws.run(["run", "hello_world.ts", "main", "--greet", "--db=hijacked.db"]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout.trim(), "--db=hijacked.db, World!");
  const b = ws.run(["run", "hello_world.ts", "greeter", "--greet", "--db", "--thing", "hijacked.db"]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout.trim(), "--db, hijacked.db!");
  assert.equal(existsSync(join(ws.dir, "hijacked.db")), false);
  assert.equal(existsSync(join(ws.dir, ".tasklens", "cache.db")), true);
  // The run's own flags still work where the usage puts them.
  const c = ws.run(["run", "hello_world.ts", "main", "--greet", "Yo", "--db", "other.db", "--json"]);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(JSON.parse(c.stdout).result, "Yo, World!");
  assert.equal(existsSync(join(ws.dir, "other.db")), true);
});

/** Whether SQLite itself finds the database damaged (its quick_check: pages, records, their order). */
async function damaged(bytes) {
  const SQL = await require("sql.js")();
  try {
    const db = new SQL.Database(bytes);
    try {
      return db.exec("PRAGMA quick_check")[0].values.map((r) => r[0]).join() !== "ok";
    } finally {
      db.close();
    }
  } catch {
    return true;
  }
}

test("a damaged store (64 bytes inverted) is refused and left byte-identical, never written back", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  for (const greet of ["a", "b", "c", "d", "e", "f"]) assert.equal(ws.run(["run", "hello_world.ts", "--greet", greet.repeat(300)]).code, 0);
  assert.equal(ws.run(["gc"]).code, 0); // folds the journal into the snapshot
  const file = join(ws.dir, ".tasklens", "cache.db");
  const good = readFileSync(file);
  const pageSize = good.readUInt16BE(16);
  const pages = good.length / pageSize;
  let refused = 0;
  let damagedStores = 0;
  // At the start of a page: its b-tree header and cell pointers (where damage is structural).
  for (let trial = 0; trial < Math.min(12, pages - 1); trial++) {
    const bytes = Buffer.from(good);
    const at = (1 + trial) * pageSize + (trial % 3) * 8;
    for (let i = 0; i < 64; i++) bytes[at + i] ^= 0xff;
    if (!(await damaged(bytes))) continue; // the bytes were unused space: nothing to notice
    damagedStores++;
    writeFileSync(file, bytes);
    const run = ws.run(["run", "hello_world.ts"]);
    assert.equal(run.code, 2, `trial ${trial} (bytes ${at}..${at + 64}): ${run.stderr}`);
    assert.match(run.stderr, /cannot be used: it is damaged/);
    assert.deepEqual(readFileSync(file), bytes, "the damaged file is left as it was");
    refused++;
  }
  assert.ok(damagedStores >= 4, `${damagedStores} stores were damaged`);
  assert.equal(refused, damagedStores);
});

test("a database with the store's format tag but another schema is refused and left byte-identical", async () => {
  const { ws } = ranHelloWorld();
  const file = join(ws.dir, ".tasklens", "cache.db");
  await editSnapshot(file, "DROP TABLE value; CREATE TABLE value (hash TEXT PRIMARY KEY, payload BLOB)");
  const before = readFileSync(file);
  const run = ws.run(["run", "hello_world.ts"]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /its table value has another schema \(no column data.*an unknown column payload/);
  assert.deepEqual(readFileSync(file), before);
});

/** A process that stays alive (a lock holder that neither writes nor exits), and its lock text. */
async function liveHolder() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 120000)"], { stdio: "ignore" });
  await new Promise((r) => child.on("spawn", r));
  const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  return { child, text: `${child.pid} ${start}` };
}

const slowSteps = `import { task } from "tasklens";
export const step = task(async function step(i: number) {
  await new Promise((r) => setTimeout(r, 50));
  return i;
});
export const main = task(async function main() {
  const out: number[] = [];
  for (let i = 0; i < 80; i++) out.push(await step(i));
  return out.length;
});
`;

test("a run meeting another process's lock keeps its event loop free: Ctrl-C ends it at once", async () => {
  const ws = workspace({ "w.ts": slowSteps });
  const holder = await liveHolder();
  const run = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
  let stderr = "";
  run.stderr.on("data", (d) => (stderr += d));
  try {
    await waitFor(() => /Run    Job [0-9a-f]{8}:  step\(/.test(stderr), { what: "a step" });
    writeFileSync(join(ws.dir, ".tasklens", "cache.db.lock"), holder.text);
    await new Promise((r) => setTimeout(r, 600));
    const sent = Date.now();
    run.kill("SIGINT");
    const code = await new Promise((r) => run.on("close", r));
    assert.ok(Date.now() - sent < 3000, `the run ended ${Date.now() - sent} ms after SIGINT`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted by SIGINT/);
  } finally {
    holder.child.kill();
  }
});

test("a lock held during the run: the periodic flush says so and retries, jobs go on, every record is kept", async () => {
  const ws = workspace({ "w.ts": slowSteps });
  const holder = await liveHolder();
  const lock = join(ws.dir, ".tasklens", "cache.db.lock");
  const run = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
  let stderr = "";
  run.stderr.on("data", (d) => (stderr += d));
  const steps = () => (stderr.match(/Run    Job [0-9a-f]{8}:  step\(/g) ?? []).length;
  try {
    await waitFor(() => steps() >= 5, { what: "5 steps" });
    writeFileSync(lock, holder.text);
    const during = steps();
    await new Promise((r) => setTimeout(r, 1500));
    const after = steps();
    rmSync(lock);
    assert.ok(after > during + 3, `jobs went on while the lock was held (${during} → ${after})`);
  } finally {
    holder.child.kill();
  }
  const code = await new Promise((r) => run.on("close", r));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /locked by another process/);
  assert.match(stderr, /The store can be written again/);
  assert.doesNotMatch(stderr, /internal error|    at /);
  const log = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
  assert.equal(log.jobs.filter((j) => j.status === "done").length, 81);
});

test("an empty lock file (a crash between creating and writing it) and a dead holder's lock are taken over", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  const lock = join(ws.dir, ".tasklens", "cache.db.lock");
  writeFileSync(lock, "");
  const empty = ws.run(["run", "hello_world.ts"]);
  assert.equal(empty.code, 0, empty.stderr);
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
  writeFileSync(lock, `${dead} 1`);
  const gone = ws.run(["run", "hello_world.ts"]);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal(existsSync(lock), false);
});

test("a killed run's temporary store copy is removed by the next run; a live process's is left alone", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
  const stale = join(ws.dir, ".tasklens", `cache.db.tmp-${dead}-k1ll3d`);
  const staleJournal = join(ws.dir, ".tasklens", `cache.db.journal.tmp-${dead}-k1ll3d`);
  const live = join(ws.dir, ".tasklens", `cache.db.tmp-${process.pid}-w0rk1ng`);
  for (const f of [stale, staleJournal, live]) writeFileSync(f, Buffer.alloc(4096));
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  assert.equal(existsSync(stale), false);
  assert.equal(existsSync(staleJournal), false);
  assert.equal(existsSync(live), true);
});

const deepWorkflow = (n) => `import { task } from "tasklens";
const planet = "x";
export const main = task(function main() {
  return ${"(".repeat(n)}1${")".repeat(n)} + planet;
});
export const other = task(function other() {
  return planet;
});
`;

test("an expression nested 3,000 deep is checked: the rest of the file keeps its findings, the skipped region is named", () => {
  const ws = workspace({ "deep.ts": deepWorkflow(3000) });
  const r = ws.run(["check", "deep.ts", "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const rows = JSON.parse(r.stdout);
  assert.deepEqual(rows.map((d) => `${d.code} ${d.task}`).sort(), ["analysis-skipped main", "unhashed-constant main", "unhashed-constant other"]);
  assert.equal(ws.run(["explain", "deep.ts"]).code, 0);
});

test("a module-level concatenation of 3,000 strings loads, runs and is checked", () => {
  const strings = Array.from({ length: 3000 }, (_, i) => JSON.stringify(`s${i}`)).join(" + ");
  const ws = workspace({ "concat.ts": `import { task } from "tasklens";\nconst BIG = ${strings};\nexport const main = task(function main() {\n  return BIG.length;\n});\n` });
  const run = ws.run(["run", "concat.ts"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), String(Array.from({ length: 3000 }, (_, i) => `s${i}`).join("").length));
  const check = ws.run(["check", "concat.ts", "--json"]);
  assert.equal(check.code, 1, check.stderr);
  assert.ok(JSON.parse(check.stdout).some((d) => d.code === "unhashed-constant" && /BIG/.test(d.message)));
  assert.equal(ws.run(["explain", "concat.ts"]).code, 0);
});
