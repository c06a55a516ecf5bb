// Words for what the analysis found, shared by the language server (lenses, hovers) and the CLI.
import type { StaticTaskIdentity } from "../dialects/tasklens/manifest";
import type { Prediction } from "./predict";

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
};

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

/** The status lens: `✓ cached · 2 min ago`, `⟳ will rerun: source changed`, `⚠ stale: planet changed (not hashed)`, `never run`. */
export function statusText(p: Prediction, now = Date.now()): string {
  switch (p.status) {
    case "never-run":
      return "never run";
    case "cached":
      return `✓ cached · ${timeAgo(p.lastRun!.at, now)}`;
    case "will-rerun":
      return `⟳ will rerun: ${rerunWords(p)}`;
    case "stale":
      return p.changed.length ? `⚠ stale: ${p.changed.join(", ")} changed (not hashed)` : `⚠ stale: ${REASON_WORDS[p.reasons[0]?.kind ?? "version-pinned"]}`;
  }
}

function durationText(ms: number | null): string {
  if (ms === null) return "still running";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Markdown for a hover on a task's name: hash manifest, last run, and the diff against the cached source. */
export function hoverMarkdown(id: StaticTaskIdentity, p: Prediction, now = Date.now()): string {
  const lines = [`**task ${id.fullName}** — ${statusText(p, now)}`, ""];
  const hashed = [id.version !== undefined ? `version \`${id.version}\` (the body is not hashed)` : "its source (normalized: comments and formatting do not count)"];
  if (id.cacheVersion) hashed.push(`cacheVersion ${id.cacheVersion}`);
  for (const d of id.dependencies) if (d.hashed) hashed.push(`\`${d.name}\` (${d.kind}${d.kind === "task" ? ", hashed on its own" : d.sites.every((s) => s.inDefault) ? ", as an argument" : ""})`);
  const unhashed = notHashed(id.dependencies).map((d) => `\`${d.name}\` (${d.kind})`);
  lines.push(`Hashed: ${hashed.join(", ")}`, "");
  lines.push(`Not hashed: ${unhashed.length ? unhashed.join(", ") : "nothing"}`, "");
  if (p.lastRun) lines.push(`Last run: ${timeAgo(p.lastRun.at, now)} (${p.lastRun.status}, ${durationText(p.lastRun.durationMs)})`, "");
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
    lines.push(`  hashed: source${hashed.length ? ", " + hashed.join(", ") : ""}`);
    if (unhashed.length) lines.push(`  not hashed: ${unhashed.join(", ")}`);
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}
