// Engine benchmarks. Each run is the real CLI as a separate process (process start included) on a
// fresh store unless the case says otherwise; each figure is the median of REPEAT runs.
// Usage: node bench/fanout/run.mjs [case …]   cases: fanout dag chain bytes worker history flush (default: all)
// Env: REPEAT (default 3), SIZES (fan-out sizes, default 1000,10000,100000).
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { workflows } from "./workflows.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(root, "bin", "tasklens.js");
const REPEAT = Number(process.env.REPEAT ?? 3);
const SIZES = (process.env.SIZES ?? "1000,10000,100000").split(",").map(Number);
const cases = process.argv.slice(2);
const want = (name) => cases.length === 0 || cases.includes(name);

const work = mkdtempSync(join(tmpdir(), "tasklens-bench-"));
const rssFile = join(work, "rss");
const preload = join(work, "rss.cjs");
writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`);

for (const [name, text] of Object.entries(workflows)) writeFileSync(join(work, name), text);

function run(args, { db, expect } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--require", preload, cli, ...args, ...(db ? ["--db", db] : [])], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, TASKLENS_CACHE_DIR: join(work, "transpile-cache"), TASKLENS_DB: "" },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  if (expect !== undefined && r.stdout.trim() !== String(expect)) throw new Error(`${args.join(" ")}: wrong result ${r.stdout.slice(0, 200)}`);
  return { ms, rssMb: Number(readFileSync(rssFile, "utf8")) / 1024, stderr: r.stderr };
}

const require = createRequire(import.meta.url);
const { Store } = require(join(root, "dist", "engine", "store.js"));

/** What one flush of a run typically carries: 100 new jobs with their values and call nodes. */
function addHundredJobs(store, k) {
  for (let i = 0; i < 100; i++) {
    const h = store.putValue(`new ${k} ${i}`);
    store.putCall({ callHash: h.replace(/^./, "d"), taskHash: "t".repeat(64), argsHash: h, resultHash: h, children: [], fingerprints: null });
    store.putJob({ id: `${k}${i}`.padStart(32, "0"), executionId: "e".repeat(32), parentId: null, seq: i, taskName: "x", taskHash: "t".repeat(64), callHash: h, argsHash: h, status: "done", started: Date.now(), ended: Date.now(), resultHash: h, error: null, traceback: null, upstream: [] });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let storeCounter = 0;
const freshDb = () => join(work, `store-${storeCounter++}`, "cache.db");
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

// Transpile each workflow once, so that no first timed case pays for it.
for (const name of Object.keys(workflows)) run(["run", name, "--help"]);

console.log(`tasklens engine benchmarks (node ${process.version}, ${REPEAT} runs each, medians; work folder ${work})`);

if (want("fanout")) {
  console.log("\nfan-out main → [inc(i) for i < N] → sumAll (fresh store per repetition)");
  console.log("tasks      first       cached      first RSS MB  cached RSS MB");
  const rows = [];
  for (const n of SIZES) {
    const first = [];
    const cached = [];
    for (let k = 0; k < REPEAT; k++) {
      const db = freshDb();
      first.push(run(["run", "fanout.ts", "--n", String(n)], { db, expect: (n * (n + 1)) / 2 }));
      cached.push(run(["run", "fanout.ts", "--n", String(n)], { db, expect: (n * (n + 1)) / 2 }));
      rmSync(dirname(db), { recursive: true, force: true });
    }
    const row = { n, first: median(first.map((r) => r.ms)), cached: median(cached.map((r) => r.ms)), firstRss: median(first.map((r) => r.rssMb)), cachedRss: median(cached.map((r) => r.rssMb)) };
    rows.push(row);
    console.log(`${String(n).padEnd(10)} ${fmt(row.first).padStart(8)}   ${fmt(row.cached).padStart(8)}   ${row.firstRss.toFixed(0).padStart(12)}  ${row.cachedRss.toFixed(0).padStart(13)}`);
  }
  for (const key of ["first", "cached"]) {
    console.log(`growth (${key}): ${rows.slice(1).map((r, i) => `${(r[key] / rows[i][key]).toFixed(1)}x for ${r.n / rows[i].n}x tasks`).join(", ")}`);
  }
}

/** What dag.ts computes, computed directly: the bench checks that every layer really ran. */
function dagTotal(width, depth) {
  let prev = Array.from({ length: width }, (_, i) => i);
  for (let d = 1; d < depth; d++) {
    const sum = prev.reduce((a, b) => a + b, 0);
    prev = prev.map((_, i) => (sum + i) % 1000003);
  }
  return prev.reduce((a, b) => a + b, 0);
}

if (want("dag")) {
  console.log("\nshared-input DAG, 100 wide, each task taking the whole previous layer, summed by one task (first run, fresh store)");
  for (const depth of [8, 9, 10, 11, 12]) {
    const times = [];
    for (let k = 0; k < REPEAT; k++) times.push(run(["run", "dag.ts", "--depth", String(depth)], { db: freshDb(), expect: dagTotal(100, depth) }));
    console.log(`depth ${String(depth).padStart(2)} (${100 * depth + 2} tasks): ${fmt(median(times.map((t) => t.ms)))}, ${median(times.map((t) => t.rssMb)).toFixed(0)} MB`);
  }
}

if (want("chain")) {
  console.log("\n100,000-deep dataflow chain step(step(…step(0)))");
  const db = freshDb();
  const first = run(["run", "chain.ts"], { db, expect: 100000 });
  const cached = run(["run", "chain.ts"], { db, expect: 100000 });
  const full = run(["run", "chain.ts", "--full-check"], { db, expect: 100000 });
  console.log(`first ${fmt(first.ms)} (${first.rssMb.toFixed(0)} MB), cached ${fmt(cached.ms)}, cached --full-check ${fmt(full.ms)} (${full.rssMb.toFixed(0)} MB)`);
}

if (want("bytes")) {
  console.log("\na 50 MB Uint8Array result (fresh store per repetition): time and peak RSS");
  const rows = { first: [], cached: [], full: [], log: [] };
  let storeMb = 0;
  for (let k = 0; k < REPEAT; k++) {
    const db = freshDb();
    rows.first.push(run(["run", "bytes.ts"], { db, expect: "Uint8Array(52428800)" }));
    rows.cached.push(run(["run", "bytes.ts"], { db, expect: "Uint8Array(52428800)" }));
    rows.full.push(run(["run", "bytes.ts", "--full-check"], { db, expect: "Uint8Array(52428800)" }));
    rows.log.push(run(["log", "-", "--json", "--db", db]));
    storeMb = Number(spawnSync("du", ["-sb", dirname(db)], { encoding: "utf8" }).stdout.split("\t")[0]) / 1e6;
    rmSync(dirname(db), { recursive: true, force: true });
  }
  for (const [name, label] of [["first", "first run"], ["cached", "cached"], ["full", "cached --full-check"], ["log", "log - --json"]]) {
    console.log(`${label.padEnd(20)} ${fmt(median(rows[name].map((r) => r.ms))).padStart(8)}  ${median(rows[name].map((r) => r.rssMb)).toFixed(0).padStart(5)} MB`);
  }
  console.log(`store on disk ${storeMb.toFixed(1)} MB (the value, base64 in JSON, beside the database)`);
}

if (want("worker")) {
  console.log('\n8 one-second CPU-bound tasks, executor: "worker", --jobs 2');
  const times = [];
  for (let k = 0; k < REPEAT; k++) times.push(run(["run", "cpu.ts", "--jobs", "2"], { db: freshDb() }).ms);
  console.log(`wall ${fmt(median(times))} (one core would take 8 s)`);
}

if (want("history")) {
  console.log("\nstore holding 20 executions of a 10,000-task fan-out vs an empty store");
  const full = freshDb();
  const designs = [];
  for (let k = 0; k < 20; k++) {
    run(["run", "fanout.ts", "--n", "10000", "--no-cache"], { db: full, expect: 50005000 });
    if (k === 0 || k === 19) designs.push({ runs: k + 1, ...(await flushDesigns(full)) });
  }
  const measure = (db) => ({
    one: median(Array.from({ length: Math.max(REPEAT, 5) }, () => run(["run", "fanout.ts", "one", "--no-cache"], { db, expect: 1 }).ms)),
    log: median(Array.from({ length: Math.max(REPEAT, 5) }, () => run(["log", "--db", db]).ms)),
    logLatest: median(Array.from({ length: Math.max(REPEAT, 5) }, () => run(["log", "-", "--db", db]).ms)),
  });
  const empty = freshDb();
  run(["run", "fanout.ts", "one"], { db: empty, expect: 1 });
  const e = measure(empty);
  const f = measure(full);
  const size = spawnSync("du", ["-sb", dirname(full)], { encoding: "utf8" }).stdout.split("\t")[0];
  console.log(`store size ${(Number(size) / 1e6).toFixed(1)} MB`);
  console.log(`1-task run: empty ${fmt(e.one)}, 20×10k ${fmt(f.one)} (${(f.one / e.one).toFixed(2)}x)`);
  console.log(`log:        empty ${fmt(e.log)}, 20×10k ${fmt(f.log)} (${(f.log / e.log).toFixed(2)}x)`);
  console.log(`log - (a 10k-job execution vs a 1-job one): ${fmt(e.logLatest)} vs ${fmt(f.logLatest)}`);
  console.log("flush of 100 jobs, this store's design (journal + history files) vs the naive one (one SQLite file holding cache and history, exported whole per flush):");
  for (const d of designs) {
    console.log(`  ${String(d.runs).padStart(2)} run(s) of 10k: journal ${d.current.toFixed(1)} ms, whole export ${d.naive.toFixed(0)} ms of ${d.naiveMb.toFixed(1)} MB (${(d.naive / d.current).toFixed(0)}x)`);
  }
}

/**
 * Median flush time of 100 new jobs on a store, in this design, and in the naive design measured
 * on the same content: one SQLite database holding the cache and every job of the history, whose
 * every flush exports the whole database and writes it atomically (temporary file, fsync, rename).
 */
async function flushDesigns(original) {
  // On a copy: the store measured by the other figures stays as the runs left it.
  const db = freshDb();
  cpSync(dirname(original), dirname(db), { recursive: true });
  const { loadSql } = require(join(root, "dist", "engine", "sqlite.js"));
  const { writeFileAtomic } = require(join(root, "dist", "engine", "fsutil.js"));
  const store = await Store.open(db);
  store.compact(); // the snapshot then holds the whole cache
  const current = [];
  for (let k = 0; k < 5; k++) {
    addHundredJobs(store, `bench${k}`);
    const t0 = performance.now();
    store.flush();
    current.push(performance.now() - t0);
  }
  store.close();
  const SQL = await loadSql();
  const whole = new SQL.Database(readFileSync(db));
  whole.exec("CREATE TABLE job (id TEXT PRIMARY KEY, execution_id TEXT, record TEXT NOT NULL)");
  const insert = whole.prepare("INSERT OR REPLACE INTO job(id, execution_id, record) VALUES (?, ?, ?)");
  const runs = `${db}.runs`;
  whole.exec("BEGIN");
  for (const name of readdirSync(runs).filter((n) => n !== "index.jsonl")) {
    for (const line of readFileSync(join(runs, name), "utf8").split("\n").filter(Boolean)) {
      const job = JSON.parse(line);
      insert.run([job.id, job.executionId, line]);
    }
  }
  whole.exec("COMMIT");
  insert.free();
  const naiveFile = join(dirname(db), "naive.db");
  const naive = [];
  let bytes = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) whole.run("INSERT OR REPLACE INTO job(id, execution_id, record) VALUES (?, ?, ?)", [`naive${k}-${i}`, "e", "{}"]);
    const data = whole.export();
    writeFileAtomic(naiveFile, data);
    naive.push(performance.now() - t0);
    bytes = data.length;
  }
  whole.close();
  rmSync(dirname(db), { recursive: true, force: true });
  return { current: median(current), naive: median(naive), naiveMb: bytes / 1e6 };
}

if (want("flush")) {
  console.log("\nflush of 100 new jobs (with their values and call nodes) against cache size (in-process, Store API)");
  for (const records of [0, 10_000, 100_000, 300_000]) {
    const db = freshDb();
    const store = await Store.open(db);
    for (let i = 0; i < records; i++) {
      const h = store.putValue(i);
      store.putCall({ callHash: h.replace(/^./, "c"), taskHash: "t".repeat(64), argsHash: h, resultHash: h, children: [], fingerprints: null });
      if (i % 20000 === 0) store.flush();
    }
    store.compact();
    const times = [];
    for (let k = 0; k < 10; k++) {
      addHundredJobs(store, k);
      const t0 = performance.now();
      store.flush();
      times.push(performance.now() - t0);
    }
    const mb = spawnSync("du", ["-sb", dirname(db)], { encoding: "utf8" }).stdout.split("\t")[0];
    console.log(`cache with ${String(records).padStart(7)} call nodes (${(Number(mb) / 1e6).toFixed(1).padStart(5)} MB): flush ${median(times).toFixed(1)} ms`);
    store.close();
  }
}
rmSync(work, { recursive: true, force: true });
