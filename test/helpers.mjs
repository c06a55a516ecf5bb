// Helpers shared by the tests: temporary workflow folders and the CLI run as a separate process.
import { spawn, spawnSync } from "node:child_process";
import { after } from "node:test";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI = join(ROOT, "bin", "tasklens.js");

/** Isolated transpile cache for the whole test process. */
const cacheDir = mkdtempSync(join(tmpdir(), "tasklens-test-cache-"));

export function tempDir(prefix = "tasklens-test-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh folder holding a copy of examples/<name>, of a fixture folder, or of the given files: nothing installed there. */
export function workspace(files = {}, { example, from } = {}) {
  const dir = tempDir();
  if (example) cpSync(join(ROOT, "examples", example), join(dir, example));
  if (from) cpSync(from, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return {
    dir,
    path: (name) => join(dir, name),
    read: (name) => readFileSync(join(dir, name), "utf8"),
    write: (name, text) => writeFileSync(join(dir, name), text),
    edit: (name, from, to) => {
      const text = readFileSync(join(dir, name), "utf8");
      if (!text.includes(from)) throw new Error(`edit: ${JSON.stringify(from)} not found in ${name}`);
      writeFileSync(join(dir, name), text.replace(from, to));
    },
    run: (args, options = {}) => tasklens(args, { cwd: dir, ...options }),
  };
}

export function tasklens(args, { cwd, env = {}, input } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    input,
    encoding: "utf8",
    env: { ...process.env, TASKLENS_CACHE_DIR: cacheDir, TASKLENS_DB: "", ...env },
    timeout: 120_000,
    // Large results are printed whole (the default 1 MB would kill the process).
    maxBuffer: 1 << 30,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Children started by spawnTasklens that may still run: a failed test must not leave one holding its file's process open. */
const spawned = new Set();
// Only under the test runner (benchmarks import these helpers too).
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    for (const child of spawned) child.kill("SIGKILL");
  });
}

export function spawnTasklens(args, { cwd, env = {} } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, TASKLENS_CACHE_DIR: cacheDir, TASKLENS_DB: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  child.on("exit", () => spawned.delete(child));
  // Always drained: a child whose output nobody reads would block on a full pipe.
  child.stdout.on("data", () => undefined);
  child.stderr.on("data", () => undefined);
  return child;
}

/** `{ taskShortName: "Run" | "Cached" }` from the human log on stderr. */
export function jobLines(stderr) {
  return [...stderr.matchAll(/\[tasklens\] (Run   |Cached) Job [0-9a-f]{8}:  ([\w.]+)\(/g)].map((m) => [m[2].split(".").pop(), m[1].trim()]);
}

export function statuses(stderr) {
  return Object.fromEntries(jobLines(stderr));
}

export function runJson(ws, args, options) {
  const r = ws.run([...args, "--json"], options);
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { ...r, doc };
}

export async function waitFor(predicate, { timeout = 20_000, interval = 25, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Rewrites the journal of a store: `edit(record)` returns the record to keep (or undefined to drop it); `extra` records are appended. */
export function editJournal(ws, edit, extra = []) {
  const file = join(ws.dir, ".tasklens", "cache.db.journal");
  const records = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const kept = records.map((r) => (Array.isArray(r) ? edit(r) : r)).filter((r) => r !== undefined);
  writeFileSync(file, [...kept, ...extra].map((r) => JSON.stringify(r)).join("\n") + "\n");
}

/** Points main's cached result (and its whole-subtree result) at `hash`, a value row stored outside the database. */
export function pointResultAt(ws, mainCall, hash, size) {
  editJournal(ws, (r) => {
    if (r[0] === "call" && r[1] === mainCall) return Object.assign([...r], { 4: hash });
    if (r[0] === "final" && r[3] === mainCall) return Object.assign([...r], { 1: hash });
    return r;
  }, [["value", hash, null, 1, size]]);
}

/** A workflow whose main awaits `count` steps of `ms` each, one after another (a run that takes a while). */
export const slowWorkflow = (name, count, ms) => `import { task } from "tasklens";
export const step = task(async function step(i: number, tag: string) {
  await new Promise((r) => setTimeout(r, ${ms}));
  return tag + i;
});
export const main = task(async function main(count: number = ${count}) {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(await step(i, "${name}"));
  return out;
});
`;
