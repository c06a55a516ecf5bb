// Words for what the analysis found and the store holds, shared by the language server (lenses,
// hovers, the Jobs view) and the CLI: one home for every time, duration and status phrase.
import type { Prediction, Reason, TaskManifest } from "./manifest";

/** A local timestamp as logs print it: `2026/11/23 14:05:09`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration as logs print it: `12ms`, `1.50s`, `2m05s`; null: still running. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "running";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

export function timeAgo(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

const REASON_WORDS: Record<string, string> = {
  "source-changed": "source changed",
  "version-pinned": "source edited, version pinned",
  "cache-version-changed": "cacheVersion changed",
  "include-changed": "hashIncludes changed",
  "closure-changed": "closure changed",
  "unhashed-dependency-changed": "unhashed dependency changed",
  "no-cache": "cache: false",
  "unknown-dependencies": "can't tell what changed",
};

/** A reason in a few words: the detail's first line, or the kind's words where the detail is a diff. */
export function reasonText(r: Reason): string {
  const first = r.detail.split("\n")[0];
  return (r.kind === "source-changed" || r.kind === "version-pinned") && r.detail.includes("\n") ? REASON_WORDS[r.kind] : first || REASON_WORDS[r.kind] || r.kind;
}

/** The few words after `⟳ will rerun:`, from the first reason. */
function rerunWords(p: Prediction): string {
  const r = p.reasons[0];
  if (r.kind === "source-changed" && r.detail.startsWith("version")) return "version changed";
  if (r.kind === "closure-changed") return r.detail;
  if (r.kind === "no-result") return `last run ${p.lastRun?.status === "failed" ? "failed" : "did not finish"}`;
  return REASON_WORDS[r.kind];
}

/** Dependencies a reader is told are not hashed (globals such as `Math` go without saying). */
function notHashed<D extends { hashed: boolean; kind: string }>(dependencies: D[]): D[] {
  return dependencies.filter((d) => !d.hashed && d.kind !== "global");
}

/** What changed outside a reused result's hash: `planet, helper changed`. */
export function changedWords(names: string[]): string {
  return `${names.join(", ")} changed`;
}

/** The status lens: `✓ cached · 2 min ago`, `⟳ will rerun: source changed`, `⚠ stale: planet changed (not hashed)`, `never run`. */
export function statusText(p: Prediction, now = Date.now()): string {
  switch (p.status) {
    case "never-run":
      return "never run";
    case "cached":
      return `✓ cached · ${timeAgo(p.lastRun!.at, now)}`;
    case "will-rerun":
      // A failure is news in itself: the rerun that follows is implied.
      if (p.reasons[0]?.kind === "no-result" && p.lastRun?.status === "failed") return `✗ failed ${timeAgo(p.lastRun.at, now)}${p.lastRun.error ? `: ${p.lastRun.error}` : ""}`;
      return `⟳ will rerun: ${rerunWords(p)}`;
    case "may-rerun":
      return `⟳ may rerun: ${p.reasons[0]?.detail ?? "an input may change"}`;
    case "stale":
      return p.changed.length ? `⚠ stale: ${changedWords(p.changed)} (not hashed)` : `⚠ stale: ${REASON_WORDS[p.reasons[0]?.kind ?? "version-pinned"]}`;
  }
}

/** Markdown for a hover on a task's name: hash manifest, last run, and the diff against the cached source. */
export function hoverMarkdown(m: TaskManifest, p: Prediction, now = Date.now()): string {
  const lines = [`**task ${m.fullName}** — ${statusText(p, now)}`, ""];
  const unhashed = notHashed(m.dependencies).map((d) => `\`${d.name}\` (${d.kind})`);
  lines.push(`Hashed: ${m.hashedWords.join(", ")}`, "");
  lines.push(`Not hashed: ${unhashed.length ? unhashed.join(", ") : "nothing"}`, "");
  if (p.lastRun) lines.push(`Last run: ${timeAgo(p.lastRun.at, now)} (${p.lastRun.status}, ${p.lastRun.durationMs === null ? "still running" : formatDuration(p.lastRun.durationMs)})`, "");
  else lines.push("Last run: never", "");
  const diff = p.reasons.find((r) => r.kind === "source-changed" || r.kind === "version-pinned");
  if (diff && diff.detail.includes("@@")) lines.push("Changes since the cached run:", "", "```diff", diff.detail.split("\n").filter((l) => !l.startsWith("=")).join("\n").trimEnd(), "```");
  else if (p.status === "cached" || p.status === "stale") lines.push("The source is unchanged since the cached run.");
  for (const r of p.reasons) if (r.kind !== "source-changed" && r.kind !== "version-pinned") lines.push(`- ${r.detail}`);
  return lines.join("\n");
}

/** `tasklens explain` in words: status, reasons (with diffs), and the hash manifest of each task. */
export function explainText(predictions: Prediction[]): string {
  const lines: string[] = [];
  for (const p of predictions) {
    lines.push(`${p.task}: ${p.status}`);
    for (const r of p.reasons) {
      const [first, ...rest] = r.detail.split("\n");
      lines.push(`  ${r.kind}: ${first}`, ...rest.filter((l) => l !== "").map((l) => `    ${l}`));
    }
    const hashed = p.dependencies.filter((d) => d.hashed).map((d) => `${d.name} (${d.kind})`);
    const unhashed = notHashed(p.dependencies).map((d) => `${d.name} (${d.kind})`);
    const body = p.version !== undefined ? `version ${JSON.stringify(p.version)}` : "source";
    lines.push(`  hashed: ${body}${hashed.length ? ", " + hashed.join(", ") : ""}`);
    if (unhashed.length) lines.push(`  not hashed: ${unhashed.join(", ")}`);
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}
