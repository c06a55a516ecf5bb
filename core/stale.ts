// When a reused result is stale: one rule for the engine (the `Stale` run-log line and `staleBecause`
// in `run --json`), `plan`, `explain`, the status lens and the stale-cache diagnostic.

/** A dependency as the staleness rule sees it (the engine's and a manifest's alike). */
export interface Fingerprinted {
  name: string;
  kind: string;
  hashed: boolean;
  fingerprint?: string;
}

/** Dependencies whose fingerprint differs from the one recorded with a computed result. */
export function changedDependencies<D extends Fingerprinted>(dependencies: D[], recorded: Record<string, string>): D[] {
  return dependencies.filter((d) => d.kind !== "task" && d.kind !== "global" && d.fingerprint !== undefined && d.name in recorded && recorded[d.name] !== d.fingerprint);
}

/**
 * The one rule of staleness: a reused result is stale when a dependency its hash does not cover
 * changed since it was computed. The engine (`Stale` in the run log), `plan`, `explain` and the
 * stale-cache diagnostic all ask this. A hashed change changes the call hash instead (a miss), and a
 * constant read only by parameter defaults reaches the call through its arguments.
 */
export function staleBecause(dependencies: Fingerprinted[], recorded: Record<string, string>): string[] {
  return changedDependencies(dependencies, recorded)
    .filter((d) => !d.hashed)
    .map((d) => d.name);
}
