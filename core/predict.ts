// What the next run would do with one task, against a store, without running anything: the status
// `explain`, the status lens and the stale-cache diagnostic all come from here, for every dialect.
import { createTwoFilesPatch } from "diff";
import type { HashParts, ManifestDependency, Prediction, Reason, TaskManifest } from "./manifest";
import type { StoredTask, StoreReader, TaskLookup } from "./storeReader";
import { changedDependencies, staleBecause } from "./stale";

export function sourceDiff(taskName: string, cached: string, current: string): string {
  const withNewline = (s: string) => (s.endsWith("\n") ? s : s + "\n");
  return createTwoFilesPatch(`${taskName} (cached run)`, `${taskName} (current)`, withNewline(cached), withNewline(current), undefined, undefined, { context: 3 });
}

function changedSince(m: TaskManifest, recorded: Record<string, string>): ManifestDependency[] {
  return changedDependencies(m.dependencies, recorded);
}

/** Why a task hash differs from the one recorded for its last run: one reason per changed part. */
function hashChanges(m: TaskManifest, previous: StoredTask, recorded: Record<string, string>): Reason[] {
  const parts: HashParts = previous.parts;
  const reasons: Reason[] = [];
  if (parts.version !== m.version) {
    reasons.push({ kind: "source-changed", detail: `version ${parts.version ?? "(none)"} → ${m.version ?? "(none)"}` });
  } else if (m.version === undefined && previous.sourceKey !== m.sourceKey) {
    reasons.push({ kind: "source-changed", detail: sourceDiff(m.fullName, previous.source, m.source) });
  }
  if ((parts.cacheVersion ?? 0) !== (m.parts.cacheVersion ?? 0)) reasons.push({ kind: "cache-version-changed", detail: `cacheVersion ${parts.cacheVersion ?? 0} → ${m.parts.cacheVersion ?? 0}` });
  if (m.parts.includesHash !== undefined && parts.includesHash !== m.parts.includesHash) reasons.push({ kind: "include-changed", detail: "a value in hashIncludes changed" });
  if ((parts.closure ?? null) !== (m.parts.closure ?? null)) {
    const changed = changedSince(m, recorded);
    const what = changed.length ? `${changed.map((d) => d.name).join(", ")} changed` : "something the body reaches changed";
    reasons.push({ kind: "closure-changed", detail: m.parts.closure && parts.closure ? what : `hash mode changed to ${m.hashMode ?? "source"}` });
  }
  if (reasons.length === 0) reasons.push({ kind: "source-changed", detail: "the task hash changed" });
  return reasons;
}

export function predict(m: TaskManifest, store: StoreReader | undefined, tasks?: TaskLookup): Prediction {
  const dependencies = m.dependencies.map((d) => ({ name: d.name, kind: d.kind, hashed: d.hashed }));
  const base = { task: m.fullName, taskHash: m.taskHash, dependencies, version: m.version, changed: [] as string[] };
  const lastJob = store?.latestJobOfTask(m.fullName);
  if (!store || !lastJob) return { ...base, status: "never-run", reasons: [] };
  const lastRun = {
    at: lastJob.started,
    durationMs: lastJob.ended === null ? null : lastJob.ended - lastJob.started,
    jobId: lastJob.id,
    status: lastJob.status,
    ...(lastJob.status === "failed" && lastJob.error ? { error: lastJob.error.split("\n")[0] } : {}),
  };
  if (!m.cached) return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "no-cache", detail: "cache: false reruns on every call" }] };

  const cached = m.taskHash ? store.latestResult(m.taskHash) : undefined;
  if (!cached) {
    if (m.taskHash === lastJob.taskHash) {
      const how = lastJob.status === "failed" ? "failed" : "did not finish";
      return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "no-result", detail: `its last run ${how}: nothing is cached to reuse` }] };
    }
    const previous = store.storedTask(lastJob.taskHash);
    const reasons: Reason[] =
      m.taskHash === null
        ? [{ kind: "source-changed", detail: m.unknownHash ?? "the hash cannot be predicted from the text" }]
        : previous
          ? hashChanges(m, previous, store.latestResult(previous.hash)?.fingerprints ?? {})
          : [{ kind: "source-changed", detail: "the task hash changed" }];
    return { ...base, lastRun, status: "will-rerun", reasons };
  }

  // A result with the current hash exists: the next run reuses it, if it can be replayed. Is it still right?
  const problem = tasks ? store.replayProblem(cached, tasks) : undefined;
  if (problem) return { ...base, lastRun, status: "will-rerun", reasons: [{ kind: "closure-changed", detail: problem }] };
  if (cached.fingerprints === null && m.dependencies.some((d) => !d.hashed && d.kind !== "global" && d.kind !== "task")) {
    return { ...base, lastRun: { ...lastRun, at: cached.created }, status: "cached", reasons: [{ kind: "unknown-dependencies", detail: "can't tell whether its unhashed dependencies changed: the run was started outside tasklens" }] };
  }
  const recorded = cached.fingerprints ?? {};
  const changed = staleBecause(m.dependencies, recorded);
  const argumentChanges = changedSince(m, recorded).filter((d) => d.asArgument).map((d) => d.name);
  if (argumentChanges.length) {
    // A parameter default read a constant that changed: calls that rely on the default get new arguments.
    return { ...base, lastRun, changed: argumentChanges, status: "will-rerun", reasons: argumentChanges.map((name) => ({ kind: "closure-changed", detail: `${name} changed: it is a parameter default, so the arguments change` })) };
  }
  const reasons: Reason[] = changed.map((name) => ({ kind: "unhashed-dependency-changed", detail: `${name} changed since the cached run (not hashed)` }));
  const stored = store.storedTask(m.taskHash!);
  if (m.version !== undefined && stored && stored.sourceKey !== m.sourceKey) {
    reasons.push({ kind: "version-pinned", detail: sourceDiff(m.fullName, stored.source, m.source) });
  }
  return { ...base, lastRun: { ...lastRun, at: cached.created }, changed, status: reasons.length ? "stale" : "cached", reasons };
}
