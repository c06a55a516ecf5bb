// Fan-out benchmark (SPEC §8): main → [inc(i) for i < N] → sumAll, for N = 1,000 / 10,000 / 100,000.
// Each run is the real CLI as a separate process (process start included); prints wall time, time per
// job and peak memory (max RSS) for the first run and the fully cached rerun.
// Usage: node bench/fanout/run.mjs [N …]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(root, "bin", "tasklens.js");
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const counts = sizes.length ? sizes : [1000, 10000, 100000];

const workflow = `import { task } from "tasklens";
export const inc = task(function inc(i: number): number { return i + 1; });
export const sumAll = task(function sumAll(values: number[]): number { return values.reduce((a, b) => a + b, 0); });
export const main = task(function main(n: number = 1000) {
  const calls = [];
  for (let i = 0; i < n; i++) calls.push(inc(i));
  return sumAll(calls);
});
`;

const dir = mkdtempSync(join(tmpdir(), "tasklens-bench-fanout-"));
writeFileSync(join(dir, "fanout.ts"), workflow);
const rssFile = join(dir, "rss");
const preload = join(dir, "rss.cjs");
writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`);

function run(n, label) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--require", preload, cli, "run", "fanout.ts", "--n", String(n)], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, TASKLENS_CACHE_DIR: join(dir, "cache") },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const expected = (n * (n + 1)) / 2;
  if (Number(r.stdout.trim()) !== expected) throw new Error(`${label}: wrong result ${r.stdout}`);
  const jobs = n + 2;
  const rssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
  return { label, n, jobs, ms, perJobUs: (ms * 1000) / jobs, rssMb };
}

console.log(`fan-out benchmark (node ${process.version}, store in ${dir})`);
console.log("tasks     run      wall ms   µs/job   peak RSS MB");
const rows = [];
for (const n of counts) {
  for (const label of ["first", "cached"]) {
    const row = run(n, label);
    rows.push(row);
    console.log(`${String(n).padEnd(9)} ${label.padEnd(8)} ${row.ms.toFixed(0).padStart(8)} ${row.perJobUs.toFixed(1).padStart(8)} ${row.rssMb.toFixed(0).padStart(12)}`);
  }
}
for (const label of ["first", "cached"]) {
  const series = rows.filter((r) => r.label === label);
  if (series.length > 1) {
    const growth = series.slice(1).map((r, i) => `${(r.ms / series[i].ms).toFixed(1)}x for ${r.n / series[i].n}x tasks`).join(", ");
    console.log(`growth (${label}): ${growth}`);
  }
}
