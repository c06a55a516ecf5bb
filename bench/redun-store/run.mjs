// Reading redun's store while redun writes it, and open/read times on the fixture stores.
// 1. With the real redun (TASKLENS_REDUN_SRC): a fan-out workflow commits job after job while this
//    process reads the store over and over, alternating a naive copy (the database file alone) and the
//    journal-aware snapshot; prints how many reads of each were corrupt (integrity_check fails or SQLite
//    errors) or inconsistent (a job whose task row is missing).
// 2. Without redun too: open + full read times on the committed fixture stores.
// Usage: npm run build && npm run bench:redun-store [-- fan-out size, default 300]
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { createRequire } from "node:module";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const store = await import(join(root, "dist", "dialects", "redun", "store", "index.js"));
const require = createRequire(import.meta.url);
const SQL = await require("sql.js")();
const n = Number(process.argv[2] ?? 300);

// --- open/read times on the fixture stores ---
const stores = join(root, "test", "fixtures", "redun", "stores");
const names = ["tutorial/08-no-cache", "values", "hot-journal"];
console.log("open + full read of fixture stores (median of 20):");
for (const name of names) {
  const dir = mkdtempSync(join(tmpdir(), "tl-redun-bench-"));
  const db = join(dir, "redun.db");
  writeFileSync(db, gunzipSync(readFileSync(join(stores, name, "redun.db.gz"))));
  if (existsSync(join(stores, name, "redun.db-journal.gz"))) writeFileSync(`${db}-journal`, gunzipSync(readFileSync(join(stores, name, "redun.db-journal.gz"))));
  await store.openRedunStore(db).then((s) => s.close()); // sql.js start-up, once per process
  const opens = [];
  const reads = [];
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    const s = await store.openRedunStore(db);
    opens.push(performance.now() - t);
    t = performance.now();
    for (const e of s.executions()) {
      store.formatExecution(s, e.id);
      for (const j of s.jobs(e.id)) store.formatJob(s, j.id);
    }
    reads.push(performance.now() - t);
    s.close();
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(1);
  console.log(`  ${name.padEnd(22)} ${(readFileSync(db).length / 1024).toFixed(0).padStart(5)} KB  open ${med(opens)} ms  every execution + job formatted ${med(reads)} ms`);
}

// --- concurrent reads while redun commits ---
const src = process.env.TASKLENS_REDUN_SRC;
if (!src || !existsSync(join(src, "redun", "cli.py"))) {
  console.log("concurrent reads: skipped (set TASKLENS_REDUN_SRC to a redun 0.46 checkout)");
  process.exit(0);
}
const python = process.env.TASKLENS_REDUN_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const dir = mkdtempSync(join(tmpdir(), "tl-redun-bench-"));
mkdirSync(join(dir, "stubs", "s3fs"), { recursive: true });
writeFileSync(join(dir, "stubs", "s3fs", "__init__.py"), "class S3FileSystem:\n    def __init__(self, *a, **k):\n        raise RuntimeError('s3fs stand-in')\n");
writeFileSync(join(dir, "fan.py"), `from redun import task

redun_namespace = "bench"


@task()
def work(i: int) -> list:
    return [i] * 50


@task()
def total(parts: list) -> int:
    return sum(len(p) for p in parts)


@task()
def main(n: int = ${n}) -> int:
    return total([work(i) for i in range(n)])
`);
const db = join(dir, ".redun", "redun.db");
const child = spawn(python, ["-c", 'import sys; from redun.cli import main; sys.argv[0]="redun"; main()', "run", "fan.py", "main"], {
  cwd: dir,
  env: { ...process.env, PYTHONPATH: `${src}:${join(dir, "stubs")}` },
  stdio: ["ignore", "ignore", "pipe"],
});
let done = false;
child.on("close", () => (done = true));
child.stderr.resume();

const check = (bytes) => {
  const d = new SQL.Database(bytes);
  try {
    const ok = d.exec("PRAGMA integrity_check")[0].values[0][0] === "ok";
    // A job row's task and execution exist whenever its commit does.
    const orphans = d.exec("SELECT count(*) FROM job j LEFT JOIN task t ON t.hash = j.task_hash WHERE t.hash IS NULL")[0].values[0][0];
    return !ok ? "corrupt" : orphans ? "orphans" : "ok";
  } catch {
    return "corrupt";
  } finally {
    d.close();
  }
};
const tally = { naive: { reads: 0, corrupt: 0, orphans: 0 }, journal: { reads: 0, corrupt: 0, orphans: 0, rolledBack: 0, retries: 0 } };
// Count from the first committed job on: before it, redun is still creating its schema ("Upgrading db").
const hasJobs = () => {
  try {
    const d = new SQL.Database(store.readSnapshot(db).bytes);
    try {
      return d.exec("SELECT count(*) FROM job")[0].values[0][0] > 0;
    } finally {
      d.close();
    }
  } catch {
    return false;
  }
};
while (!done && !hasJobs()) await new Promise((r) => setTimeout(r, 5));
const started = performance.now();
while (!done) {
  try {
    const bytes = readFileSync(db);
    if (bytes.length >= 100) {
      tally.naive.reads++;
      const r = check(bytes);
      if (r !== "ok") tally.naive[r] = (tally.naive[r] ?? 0) + 1;
    }
  } catch {
    // The file may be briefly absent at creation.
  }
  try {
    const snap = store.readSnapshot(db);
    tally.journal.reads++;
    tally.journal.retries += snap.retries;
    if (snap.rolledBack) tally.journal.rolledBack++;
    const r = check(snap.bytes);
    if (r !== "ok") tally.journal[r] = (tally.journal[r] ?? 0) + 1;
  } catch (e) {
    if (!(e instanceof store.StoreError)) throw e;
  }
  await new Promise((r) => setImmediate(r));
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`concurrent reads during a ${n}-job redun run (${seconds} s, exit ${child.exitCode}):`);
console.log(`  naive copy of the database file: ${tally.naive.corrupt} corrupt, ${tally.naive.orphans} with orphan jobs, of ${tally.naive.reads} reads`);
console.log(`  journal-aware snapshot:          ${tally.journal.corrupt} corrupt, ${tally.journal.orphans} with orphan jobs, of ${tally.journal.reads} reads (${tally.journal.rolledBack} rolled a journal back, ${tally.journal.retries} retries)`);
