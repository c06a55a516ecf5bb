// With a real redun (TASKLENS_REDUN_SRC = a redun 0.46 checkout): read the store while redun commits,
// then compare the reader's `log` text with `redun log`'s. Skipped, and said so, without one.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers.mjs";
import { store } from "./store-helpers.mjs";

const src = process.env.TASKLENS_REDUN_SRC;
const skip = !src || !existsSync(join(src, "redun", "cli.py")) ? "skipped: no redun (set TASKLENS_REDUN_SRC to a redun 0.46 checkout)" : false;
const python = process.env.TASKLENS_REDUN_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
const REDUN = ["-c", 'import sys; from redun.cli import main; sys.argv[0]="redun"; main()'];

function setup() {
  const dir = tempDir("tasklens-redun-live-");
  mkdirSync(join(dir, "stubs", "s3fs"), { recursive: true });
  writeFileSync(join(dir, "stubs", "s3fs", "__init__.py"), "class S3FileSystem:\n    def __init__(self, *a, **k):\n        raise RuntimeError('s3fs stand-in')\n");
  writeFileSync(join(dir, "fan.py"), `from redun import task\n\nredun_namespace = "live"\n\n\n@task()\ndef work(i: int) -> dict:\n    return {i: [i] * 20, "s": {i}}\n\n\n@task()\ndef main(n: int = 40) -> list:\n    return [work(i) for i in range(n)]\n`);
  const env = { ...process.env, PYTHONPATH: `${src}:${join(dir, "stubs")}`, TZ: "UTC" };
  return { dir, env, db: join(dir, ".redun", "redun.db") };
}

test("reads while redun commits are always consistent, and the finished store logs as redun logs it", { skip, timeout: 120_000 }, async () => {
  const { dir, env, db } = setup();
  const child = spawn(python, [...REDUN, "run", "fan.py", "main"], { cwd: dir, env, stdio: ["ignore", "ignore", "ignore"] });
  let done = false;
  const exited = new Promise((r) => child.on("close", (code) => ((done = true), r(code))));
  let reads = 0;
  let sawJobs = 0;
  while (!done) {
    if (existsSync(db)) {
      try {
        const s = await store.openRedunStore(db);
        for (const e of s.executions()) for (const j of s.jobs(e.id)) if (j.callHash) s.jobDetails(j.id);
        sawJobs = Math.max(sawJobs, s.executions().length ? s.jobs(s.executions()[0].id).length : 0);
        s.close();
        reads++;
      } catch (e) {
        // Only while redun is still creating its schema may the store not look like one yet.
        if (!(e instanceof store.StoreError && /not a redun 0\.46 store/.test(e.message) && sawJobs === 0)) throw e;
      }
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(await exited, 0);
  assert.ok(reads > 10 && sawJobs > 0, `${reads} reads, up to ${sawJobs} jobs seen`);
  const s = await store.openRedunStore(db);
  const [e] = s.executions();
  const log = spawnSync(python, [...REDUN, "log", e.id], { cwd: dir, env, encoding: "utf8" });
  assert.equal(store.formatExecution(s, e.id), log.stdout);
  const list = spawnSync(python, [...REDUN, "log"], { cwd: dir, env, encoding: "utf8" });
  assert.equal(store.formatExecutionList(s.executions()), list.stdout);
});
