// The store under faults: a full disk, read-only files and folders, stale locks, killed runs,
// signals during synchronous work. Every case runs the CLI as a process.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { spawnTasklens, tempDir, waitFor, workspace } from "../helpers.mjs";

/** Mounts a tmpfs of `size` (root only); undefined when this machine does not allow it. */
function mountTmpfs(size, options = "") {
  const dir = tempDir("tasklens-tmpfs-");
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}${options ? `,${options}` : ""}`, "tmpfs", dir]);
  if (r.status !== 0) return undefined;
  return { dir, unmount: () => spawnSync("umount", [dir]) };
}

const manyJobs = `import { task } from "tasklens";
export const step = task(function step(i: number, pad: string) { return pad + i; });
export const main = task(function main(n: number = 10, size: number = 10) {
  const pad = "x".repeat(size);
  const out = [];
  for (let i = 0; i < n; i++) out.push(step(i, pad));
  return out;
});
`;

/**
 * The ways to fill the disk under a store here: a small tmpfs with a filler file when mount works
 * (root), and always a preloaded wrapper that fails writes in the folder with ENOSPC after a short
 * write (test/engine/enospc.cjs), so that no machine skips these tests. `fill(room)` leaves `room`
 * bytes for the next run and returns its environment; `free()` makes room again.
 */
function fullDisks(size) {
  const disks = [];
  const tmpfs = mountTmpfs(size);
  if (tmpfs) {
    const filler = join(tmpfs.dir, "filler");
    const avail = () => Number(spawnSync("df", ["-B1", "--output=avail", tmpfs.dir], { encoding: "utf8" }).stdout.trim().split("\n").pop());
    disks.push({
      name: "tmpfs",
      dir: tmpfs.dir,
      fill: (room) => (writeFileSync(filler, Buffer.alloc(Math.max(0, avail() - room))), {}),
      free: () => rmSync(filler, { force: true }),
      cleanup: tmpfs.unmount,
    });
  }
  const dir = tempDir("tasklens-enospc-");
  const preload = join(dirname(fileURLToPath(import.meta.url)), "enospc.cjs");
  disks.push({
    name: "write wrapper",
    dir,
    fill: (room) => ({ NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`, TASKLENS_TEST_FULL_DIR: dir, TASKLENS_TEST_FULL_AFTER: String(room) }),
    free: () => undefined,
    cleanup: () => undefined,
  });
  return disks;
}

/** Every file under a folder, with its bytes. */
function snapshotFiles(dir) {
  return new Map(readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).map((f) => [f, readFileSync(f)]));
}

test("a full disk never damages the store: the run says what happened, the earlier records stay usable", () => {
  for (const disk of fullDisks("2m")) {
    try {
      const ws = workspace({ "w.ts": manyJobs });
      const db = join(disk.dir, "store", "cache.db");
      let r = ws.run(["run", "w.ts", "--db", db, "--n", "20"]);
      assert.equal(r.code, 0, r.stderr);
      const before = snapshotFiles(join(disk.dir, "store"));
      // A little room: enough to start a run, not enough for its records.
      r = ws.run(["run", "w.ts", "--db", db, "--n", "3000", "--size", "500"], { env: disk.fill(200 * 1024) });
      assert.notEqual(r.code, 0, `${disk.name}: the run does not claim success`);
      assert.match(r.stderr, /could not write the store .*(ENOSPC|no space left)/i, disk.name);
      assert.match(r.stderr, /store on disk is intact/, disk.name);
      disk.free();
      // The snapshot is byte-identical; the append-only files (journal, history) only grew, by whole records.
      const after = snapshotFiles(join(disk.dir, "store"));
      for (const [file, bytes] of before) {
        const now = after.get(file);
        assert.ok(now, `${disk.name}: ${file} is still there`);
        if (file === db) assert.deepEqual(now, bytes, `${disk.name}: the snapshot is byte-identical`);
        else assert.deepEqual(now.subarray(0, bytes.length), bytes, `${disk.name}: ${file} kept its bytes`);
        if (file.endsWith(".journal") || file.endsWith(".jsonl")) {
          assert.ok(now.length === 0 || now[now.length - 1] === 10, `${disk.name}: ${file} ends with a whole record`);
          for (const line of now.toString("utf8").split("\n").filter(Boolean)) JSON.parse(line);
        }
      }
      assert.deepEqual([...after.keys()].filter((f) => /\.tmp-|\.lock$/.test(f)), [], `${disk.name}: no temporary or lock file left`);
      // Everything earlier is still there, and the store takes new runs.
      r = ws.run(["run", "w.ts", "--db", db, "--n", "20", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.jobs.length, 1, `${disk.name}: the first run's result is reused whole`);
      assert.equal(doc.jobs[0].status, "cached");
      assert.equal(ws.run(["log", "--db", db]).code, 0);
      assert.equal(ws.run(["run", "w.ts", "--db", db, "--n", "30"]).code, 0, `${disk.name}: a new run works`);
    } finally {
      disk.cleanup();
    }
  }
});

test("a disk too full to start: refused before any task runs", () => {
  for (const disk of fullDisks("1m")) {
    try {
      const marker = join(tempDir(), "ran");
      const ws = workspace({ "w.ts": `import { task } from "tasklens";\nimport { writeFileSync } from "node:fs";\nexport const main = task(function main() { writeFileSync(${JSON.stringify(marker)}, "ran"); return 1; });\n` });
      const db = join(disk.dir, "cache.db");
      const r = ws.run(["run", "w.ts", "--db", db], { env: disk.fill(8 * 1024) });
      assert.equal(r.code, 2, `${disk.name}: ${r.stderr}`);
      assert.match(r.stderr, /cannot be written/, disk.name);
      assert.equal(existsSync(marker), false, `${disk.name}: no task ran`);
    } finally {
      disk.cleanup();
    }
  }
});

test("a read-only store file and an unwritable folder are refused before any task runs; the file is kept as it was", (t) => {
  const marker = join(tempDir(), "ran");
  const ws = workspace({ "w.ts": `import { task } from "tasklens";\nimport { writeFileSync } from "node:fs";\nexport const main = task(function main(x: number = 1) { writeFileSync(${JSON.stringify(marker)}, "ran"); return x; });\n` });
  const db = ws.path("ro.db");
  assert.equal(ws.run(["run", "w.ts", "--db", db]).code, 0);
  rmSync(marker);
  chmodSync(db, 0o444);
  const before = readFileSync(db);
  const ino = statSync(db).ino;
  const r = ws.run(["run", "w.ts", "--db", db, "--x", "2"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /read-only/);
  assert.equal(existsSync(marker), false, "no task ran");
  assert.deepEqual(readFileSync(db), before);
  assert.equal(statSync(db).ino, ino, "the file was not replaced");
  assert.equal(statSync(db).mode & 0o777, 0o444, "its mode was not reset");

  const ro = mountTmpfs("1m", "ro");
  if (!ro) return t.skip("mounting a read-only tmpfs needs root");
  try {
    const r2 = ws.run(["run", "w.ts", "--db", join(ro.dir, "cache.db")]);
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /cannot be written/);
    assert.equal(existsSync(marker), false, "no task ran");
  } finally {
    ro.unmount();
  }
});

test("a lock left by a stopped process or by a process killed before it wrote its pid does not block runs", () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  const lock = join(ws.dir, ".tasklens", "cache.db.lock");
  const stopped = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  try {
    process.kill(stopped.pid, "SIGSTOP");
    const old = new Date(Date.now() - 15_000);
    for (const content of ["", String(stopped.pid)]) {
      writeFileSync(lock, content);
      utimesSync(lock, old, old);
      const r = ws.run(["run", "hello_world.ts", "--greet", `Hi${content.length}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(lock), false);
    }
  } finally {
    stopped.kill("SIGKILL");
  }
});

const syncSteps = (log) => `import { task } from "tasklens";
import { appendFileSync } from "node:fs";
export const step = task(function step(i: number) {
  const until = Date.now() + 1;
  while (Date.now() < until) {}
  appendFileSync(${JSON.stringify(log)}, i + " " + Date.now() + "\\n");
  return i;
});
export const main = task(function main(n: number = 2000) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(step(i));
  return out;
});
`;

test("SIGKILL at random points: every job finished more than a second before the kill is recorded", async () => {
  for (let round = 0; round < 3; round++) {
    const log = join(tempDir(), "finished");
    const ws = workspace({ "w.ts": syncSteps(log) });
    const child = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await waitFor(() => existsSync(log), { what: "the first finished step" });
    await new Promise((r) => setTimeout(r, 1200 + Math.random() * 1000));
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const finished = readFileSync(log, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
    const due = finished.filter(([, at]) => at < killedAt - 1000).map(([i]) => i);
    assert.ok(due.length > 0, "some steps finished more than a second before the kill");
    const doc = JSON.parse(ws.run(["log", "-", "--json"]).stdout);
    const recorded = new Set(doc.jobs.filter((j) => j.task === "step" && j.status === "done").map((j) => j.args[0]));
    const lost = due.filter((i) => !recorded.has(i));
    assert.equal(lost.length, 0, `round ${round}: ${lost.length} of ${due.length} steps finished >1 s before the kill are missing (${recorded.size} recorded)`);
  }
});

test("SIGINT during a synchronous 100,000-task run ends it promptly, interrupted, with finished jobs recorded", async () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const inc = task(function inc(i: number) { return i + 1; });
export const main = task(function main(n: number = 100000) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(inc(i));
  return out;
});
`,
  });
  const child = spawnTasklens(["run", "w.ts"], { cwd: ws.dir });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  await waitFor(() => (stderr.match(/Run    Job [0-9a-f]{8}:  inc\(/g) ?? []).length >= 100, { what: "100 inc jobs", timeout: 90_000 });
  child.kill("SIGINT");
  const code = await new Promise((r) => child.on("close", (c) => r(c)));
  assert.equal(code, 130, stderr.slice(-500));
  assert.match(stderr, /interrupted by SIGINT/);
  const [execution] = JSON.parse(ws.run(["log", "--json"]).stdout);
  assert.equal(execution.status, "interrupted");
});

test("a body that holds the engine long is named in the log", () => {
  const ws = workspace({
    "w.ts": `import { task } from "tasklens";
export const main = task(function main() { const until = Date.now() + 1100; while (Date.now() < until) {} return 1; });
`,
  });
  const r = ws.run(["run", "w.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /main held the engine for 1\.\d s: consider executor: "worker"/);
});
