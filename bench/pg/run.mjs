// The fan-out benchmark on a PostgreSQL store beside the SQLite one: main → [inc(i) for i < N] →
// sumAll, first run on a fresh store and the cached run after it, each the real CLI as a process.
// A throwaway PostgreSQL server is started for it (test/pg/cluster.mjs) on this machine.
// Usage: node bench/pg/run.mjs   Env: REPEAT (default 3), SIZES (default 1000,10000).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { workflows } from "../fanout/workflows.mjs";
import { startCluster } from "../../test/pg/cluster.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(root, "bin", "tasklens.js");
const REPEAT = Number(process.env.REPEAT ?? 3);
const SIZES = (process.env.SIZES ?? "1000,10000").split(",").map(Number);

const work = mkdtempSync(join(tmpdir(), "tasklens-bench-pg-"));
writeFileSync(join(work, "fanout.ts"), workflows["fanout.ts"]);

function run(n, db) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, "run", "fanout.ts", "--n", String(n), "--db", db], {
    cwd: work,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, TASKLENS_CACHE_DIR: join(work, "transpile-cache"), TASKLENS_DB: "" },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`run --n ${n} --db ${db} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  if (r.stdout.trim() !== String((n * (n + 1)) / 2)) throw new Error(`wrong result ${r.stdout.slice(0, 200)}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const cluster = await startCluster();
try {
  console.log(`tasklens fan-out on PostgreSQL beside SQLite (node ${process.version}, ${REPEAT} runs each, medians, fresh store per repetition; work folder ${work})`);
  console.log("tasks      store        first       cached");
  let k = 0;
  for (const n of SIZES) {
    for (const kind of ["sqlite", "postgresql"]) {
      const first = [];
      const cached = [];
      for (let i = 0; i < REPEAT; i++) {
        const db = kind === "sqlite" ? join(work, `s${k++}`, "cache.db") : cluster.url(cluster.createDb(`bench${k++}`));
        first.push(run(n, db));
        cached.push(run(n, db));
      }
      console.log(`${String(n).padEnd(10)} ${kind.padEnd(10)} ${fmt(median(first)).padStart(8)}   ${fmt(median(cached)).padStart(8)}`);
    }
  }
} finally {
  cluster.stop();
}
