// What the next run would do, per task, against the store — without running anything (SPEC §5
// `explain`). The language server's status lens and stale-cache diagnostics come from here too.
import { createTwoFilesPatch } from "diff";
import type { Dependency } from "./analysis/closure";
import type { DependencyKind } from "./analysis/file";
import type { StaticTaskIdentity } from "./analysis/manifest";
import { callHashOf } from "./analysis/taskHash";
import { staleAwaitedChild } from "./replay";
import type { CallRecord, Store, TaskRecord } from "./store";

export type PredictedStatus = "never-run" | "cached" | "will-rerun" | "stale";
export type ReasonKind =
  | "source-changed"
  | "version-pinned"
  | "cache-version-changed"
  | "include-changed"
  | "closure-changed"
  | "unhashed-dependency-changed"
  | "no-cache"
  /** Not in SPEC §5's list: the hash is unchanged, but its last run left no result (failed or interrupted). */
  | "no-result";

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
    return (store.getValue(ref)?.value ?? {}) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Dependencies whose fingerprint differs from the one recorded with a computed result. */
function changedSince(id: StaticTaskIdentity, recorded: Record<string, string>): Dependency[] {
  return id.dependencies.filter((d) => d.kind !== "task" && d.kind !== "global" && d.name in recorded && recorded[d.name] !== d.fingerprint);
}

/** Why a task hash differs from the one recorded for its last run: one reason per changed part. */
function hashChanges(id: StaticTaskIdentity, previous: TaskRecord, recorded: Record<string, string>): Reason[] {
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
    const changed = changedSince(id, recorded);
    const what = changed.length ? `${changed.map((d) => d.name).join(", ")} changed` : "something the body reaches changed";
    reasons.push({ kind: "closure-changed", detail: id.closure && parts.closure ? what : `hash mode changed to ${id.hashMode}` });
  }
  if (reasons.length === 0) reasons.push({ kind: "source-changed", detail: "the task hash changed" });
  return reasons;
}

/** The other tasks a prediction may need: by full name, as the source currently defines them. */
export interface TaskLookup {
  identityOf(fullName: string): StaticTaskIdentity | undefined;
  /** Whether a task of that full name exists (in the file or the files it imports). */
  exists(fullName: string): boolean;
}

/** Task names the stored result calls: graph reduction replays them on a hit. */
function calledTasks(store: Store, hash: string): Set<string> {
  const names = new Set<string>();
  store.getValue(hash, (name) => names.add(name));
  return names;
}

/**
 * Why a stored result would not be reused although its call hash matches: the replayed expression
 * calls a task that no longer exists, or a child call the body awaited is no longer a hit (SPEC §3).
 */
function replayProblem(store: Store, call: CallRecord, tasks: TaskLookup): string | undefined {
  for (const name of calledTasks(store, call.resultHash)) {
    if (!tasks.exists(name)) return `the cached result calls task ${name}, which no longer exists`;
  }
  const stale = staleAwaitedChild(store, call, (task, argsHash) => {
    const child = tasks.identityOf(task);
    if (!child) return undefined; // defined elsewhere: the engine decides
    return child.hash && child.cached ? callHashOf(child.hash, argsHash) : null;
  });
  return stale ? `awaited child ${stale} will rerun` : undefined;
}

export function predict(id: StaticTaskIdentity, store: Store | undefined, tasks?: TaskLookup): Prediction {
  const dependencies = id.dependencies.map((d) => ({ name: d.name, kind: d.kind, hashed: d.hashed }));
  const base = { task: id.fullName, dependencies, changed: [] as string[] };
  const lastJob = store?.jobsOfTask(id.fullName, 1)[0];
  if (!store || !lastJob) return { ...base, status: "never-run", reasons: [] };
  const lastRun = { at: lastJob.started, durationMs: lastJob.ended === null ? null : lastJob.ended - lastJob.started, jobId: lastJob.id, status: lastJob.status };
  if (!id.cached) return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "no-cache", detail: "cache: false reruns on every call" }] };

  const cachedResults = id.hash ? store.callsOfTask(id.hash, 1) : [];
  if (cachedResults.length === 0) {
    if (id.hash === lastJob.taskHash) {
      const how = lastJob.status === "failed" ? "failed" : "did not finish";
      return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "no-result", detail: `its last run ${how}: nothing is cached to reuse` }] };
    }
    const previous = store.getTask(lastJob.taskHash);
    const reasons = id.hash === undefined
      ? [{ kind: "source-changed" as const, detail: "an option is computed at run time; the hash cannot be predicted" }]
      : previous ? hashChanges(id, previous, storedFingerprints(store, store.callsOfTask(previous.hash, 1)[0]?.fingerprints ?? null)) : [{ kind: "source-changed" as const, detail: "the task hash changed" }];
    return { ...base, lastRun, status: "will-rerun", reasons };
  }

  // A result with the current hash exists: the next run reuses it, if it can be replayed. Is it still right?
  const cached = cachedResults[0];
  const problem = tasks ? replayProblem(store, cached, tasks) : undefined;
  if (problem) return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "closure-changed", detail: problem }] };
  const reasons: Reason[] = [];
  const recorded = storedFingerprints(store, cached.fingerprints);
  const changed: string[] = [];
  const argumentChanges: string[] = [];
  for (const dep of changedSince(id, recorded)) {
    if (dep.sites.every((s) => s.inDefault)) argumentChanges.push(dep.name);
    else if (!dep.hashed) changed.push(dep.name);
  }
  if (argumentChanges.length) {
    // A parameter default read a constant that changed: calls that rely on the default get new arguments.
    return { ...base, lastRun, changed: argumentChanges, status: "will-rerun", reasons: argumentChanges.map((name) => ({ kind: "closure-changed", detail: `${name} changed: it is a parameter default, so the arguments change` })) };
  }
  for (const name of changed) reasons.push({ kind: "unhashed-dependency-changed", detail: `${name} changed since the cached run (not hashed)` });
  const task = store.getTask(id.hash!);
  if (id.version !== undefined && task && task.normalizedHash !== id.normalizedHash) {
    reasons.push({ kind: "version-pinned", detail: sourceDiff(id.fullName, task.source, id.task.source) });
  }
  return { ...base, lastRun: { ...lastRun, at: cached.created }, changed, status: reasons.length ? "stale" : "cached", reasons };
}
