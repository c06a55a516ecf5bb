// The `redun log` formatter against redun's own `redun log` output, recorded on each fixture store.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fixtureText, jobLogs, store, TUTORIAL, unpack, withoutDataflow } from "./store-helpers.mjs";

const { openRedunStore, formatExecutionList, formatExecution, formatJob, formatDuration, toMicros } = store;
const FIXTURES = [...TUTORIAL, "values", "killed", "hot-journal"];

for (const name of FIXTURES) {
  test(`redun log on ${name}: executions, the newest execution, and each of its jobs`, async () => {
    const s = await openRedunStore(unpack(name).db);
    assert.equal(formatExecutionList(s.executions()), fixtureText(name, "log.txt"));
    const wantExec = fixtureText(name, "log-exec.txt");
    const id = /^Exec ([0-9a-f-]{36}) /.exec(wantExec)[1];
    assert.equal(formatExecution(s, id), wantExec);
    assert.equal(formatExecution(s, id.slice(0, 8)), wantExec);
    const jobs = jobLogs(name);
    assert.ok(jobs.length > 0);
    for (const [job, text] of jobs) {
      // Python prints a plain object with its memory address, which no reader can know.
      const want = withoutDataflow(text).replace(/ object at 0x[0-9a-f]+>/g, " object>");
      assert.equal(formatJob(s, job), want, `job ${job}`);
    }
    s.close();
  });
}

test("unknown ids give nothing", async () => {
  const s = await openRedunStore(unpack("tutorial/01-first-run").db);
  assert.equal(formatExecution(s, "ffffffff"), undefined);
  assert.equal(formatJob(s, "ffffffff"), undefined);
});

test("durations print as redun's format_timedelta", () => {
  const d = (a, b) => formatDuration(toMicros(b) - toMicros(a));
  assert.equal(d("2026-11-23 11:30:31.449971", "2026-11-23 11:30:31.506656"), "0:00:00.05");
  assert.equal(d("2026-11-23 11:30:31", "2026-11-23 13:02:03.999999"), "1:31:32.99");
  // timedelta.seconds leaves whole days out.
  assert.equal(d("2026-11-22 11:00:00", "2026-11-23 11:00:01.5"), "0:00:01.50");
});
