// What the next run would do, per task, against the store — without running anything (SPEC §5
// `explain`). The language server's status lens and stale-cache diagnostics come from here too.
import { createTwoFilesPatch } from "diff";
import type { DependencyKind } from "./analysis/file";
import type { StaticTaskIdentity } from "./analysis/manifest";
import type { Store, TaskRecord } from "./store";

export type PredictedStatus = "never-run" | "cached" | "will-rerun" | "stale";
export type ReasonKind =
  | "source-changed"
  | "version-pinned"
  | "cache-version-changed"
  | "include-changed"
  | "closure-changed"
  | "unhashed-dependency-changed"
  | "no-cache";

export interface Reason {
  kind: ReasonKind;
  detail: string;
}

export interface Prediction {
  task: string;
  status: PredictedStatus;
  reasons: Reason[];
  dependencies: Array<{ name: string; kind: DependencyKind; hashed: boolean }>;
  /** When the result the next run would reuse (or the last run) was computed. */
  lastRun?: { at: number; durationMs: number | null; jobId: string; status: string };
  /** Names of unhashed dependencies that changed since the cached run (for short messages). */
  changed: string[];
}

export function sourceDiff(taskName: string, cached: string, current: string): string {
  return createTwoFilesPatch(`${taskName} (cached run)`, `${taskName} (current)`, cached.endsWith("\n") ? cached : cached + "\n", current.endsWith("\n") ? current : current + "\n", undefined, undefined, { context: 3 });
}

function storedFingerprints(store: Store, ref: string | null): Record<string, string> {
  if (!ref) return {};
  try {
    return JSON.parse(store.getValue(ref) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

/** Why a task hash differs from the one recorded for its last run: one reason per changed part. */
function hashChanges(id: StaticTaskIdentity, previous: TaskRecord): Reason[] {
  const parts = previous.parts as { version?: string; cacheVersion?: number; includesHash?: string; closure?: string; fullName?: string };
  const reasons: Reason[] = [];
  if (parts.version !== id.version) {
    reasons.push({ kind: "source-changed", detail: `version ${parts.version ?? "(none)"} → ${id.version ?? "(none)"}` });
  } else if (id.version === undefined && previous.normalizedHash !== id.normalizedHash) {
    reasons.push({ kind: "source-changed", detail: sourceDiff(id.fullName, previous.source, id.task.source) });
  }
  if ((parts.cacheVersion ?? 0) !== id.cacheVersion) reasons.push({ kind: "cache-version-changed", detail: `cacheVersion ${parts.cacheVersion ?? 0} → ${id.cacheVersion}` });
  if (id.includesHash !== undefined && parts.includesHash !== id.includesHash) reasons.push({ kind: "include-changed", detail: "a value in hashIncludes changed" });
  if ((parts.closure ?? null) !== (id.closure ?? null)) {
    reasons.push({ kind: "closure-changed", detail: id.closure && parts.closure ? "something the body reaches changed" : `hash mode changed to ${id.hashMode}` });
  }
  if (reasons.length === 0) reasons.push({ kind: "source-changed", detail: "the task hash changed" });
  return reasons;
}

export function predict(id: StaticTaskIdentity, store: Store | undefined): Prediction {
  const dependencies = id.dependencies.map((d) => ({ name: d.name, kind: d.kind, hashed: d.hashed }));
  const base = { task: id.fullName, dependencies, changed: [] as string[] };
  const lastJob = store?.jobsOfTask(id.fullName, 1)[0];
  if (!store || !lastJob) return { ...base, status: "never-run", reasons: [] };
  const lastRun = { at: lastJob.started, durationMs: lastJob.ended === null ? null : lastJob.ended - lastJob.started, jobId: lastJob.id, status: lastJob.status };
  if (!id.cached) return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "no-cache", detail: "cache: false reruns on every call" }] };

  const cachedResults = id.hash ? store.callsOfTask(id.hash, 1) : [];
  if (cachedResults.length === 0) {
    const previous = store.getTask(lastJob.taskHash);
    const reasons = id.hash === undefined
      ? [{ kind: "source-changed" as const, detail: "an option is computed at run time; the hash cannot be predicted" }]
      : previous ? hashChanges(id, previous) : [{ kind: "source-changed" as const, detail: "the task hash changed" }];
    return { ...base, lastRun, status: "will-rerun", reasons };
  }

  // A result with the current hash exists: the next run reuses it. Is it still right?
  const cached = cachedResults[0];
  const reasons: Reason[] = [];
  const recorded = storedFingerprints(store, cached.fingerprints);
  const changed: string[] = [];
  const argumentChanges: string[] = [];
  for (const dep of id.dependencies) {
    if (dep.kind === "task" || dep.kind === "global" || !(dep.name in recorded) || recorded[dep.name] === dep.fingerprint) continue;
    if (dep.sites.every((s) => s.inDefault)) argumentChanges.push(dep.name);
    else if (!dep.hashed) changed.push(dep.name);
  }
  for (const name of changed) reasons.push({ kind: "unhashed-dependency-changed", detail: `${name} changed since the cached run (not hashed)` });
  const task = store.getTask(id.hash!);
  if (id.version !== undefined && task && task.normalizedHash !== id.normalizedHash) {
    reasons.push({ kind: "version-pinned", detail: sourceDiff(id.fullName, task.source, id.task.source) });
  }
  if (argumentChanges.length) {
    // A parameter default read a constant that changed: calls that rely on the default get new arguments.
    return { ...base, lastRun, changed: argumentChanges, status: "will-rerun", reasons: argumentChanges.map((name) => ({ kind: "closure-changed", detail: `${name} changed: it is a parameter default, so the arguments change` })) };
  }
  return { ...base, lastRun: { ...lastRun, at: cached.created }, changed, status: reasons.length ? "stale" : "cached", reasons };
}
