// Shared by the redun store tests: the fixture stores (made by real redun 0.46, kept gzipped)
// unpacked into a fresh folder as `.redun/redun.db` (and its journal, when the fixture has one).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ROOT, tempDir } from "../helpers.mjs";

export const STORES = join(ROOT, "test", "fixtures", "redun", "stores");
export const TUTORIAL = ["01-first-run", "02-rerun-cached", "03-greet-hi", "04-mars", "05-comment-edit", "06-failure", "07-fix", "08-no-cache"].map((s) => `tutorial/${s}`);

export const store = await import(join(ROOT, "dist", "dialects", "redun", "store", "index.js"));

/** `{ dir, db, fixture }`: a copy of the fixture store at `<dir>/.redun/redun.db`. */
export function unpack(name) {
  const fixture = join(STORES, name);
  const dir = tempDir("tasklens-redun-");
  mkdirSync(join(dir, ".redun"));
  const db = join(dir, ".redun", "redun.db");
  writeFileSync(db, gunzipSync(readFileSync(join(fixture, "redun.db.gz"))));
  if (existsSync(join(fixture, "redun.db-journal.gz"))) writeFileSync(`${db}-journal`, gunzipSync(readFileSync(join(fixture, "redun.db-journal.gz"))));
  return { dir, db, fixture };
}

export function fixtureText(name, file) {
  return readFileSync(join(STORES, name, file), "utf8");
}

/** The `redun log <job>` texts recorded for a fixture: `[[jobPrefix, text]]`. */
export function jobLogs(name) {
  return readdirSync(join(STORES, name))
    .filter((f) => /^log-job-\w{8}\.txt$/.test(f))
    .map((f) => [f.slice(8, 16), fixtureText(name, f)]);
}

/** redun's job details up to the dataflow section, which the formatter does not reproduce. */
export function withoutDataflow(text) {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === "Upstream dataflow:");
  if (start < 0) return text;
  const tb = lines.findIndex((l, i) => i > start && l.trim() === "Traceback:");
  // The dataflow section is preceded by one blank line of its own.
  return [...lines.slice(0, start - 1), ...(tb >= 0 ? lines.slice(tb) : [""])].join("\n");
}
