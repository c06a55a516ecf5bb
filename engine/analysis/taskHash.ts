// The task hash, composed from its parts. The engine (with runtime values) and the static
// tools (with what the source shows) both go through composeTaskHash, so they cannot disagree.
import { hashParts } from "../hash";

export interface TaskHashParts {
  fullName: string;
  /** Hash of the normalized source, or absent when `version` pins the task. */
  sourceHash?: string;
  version?: string;
  cacheVersion: number;
  /** Hashes of the hashIncludes values, sorted. */
  includes: string[];
  /** Closure hash in `hash: "closure"` mode. */
  closure?: string;
}

export function composeTaskHash(p: TaskHashParts): string {
  const body = p.version !== undefined ? `version:${p.version}` : `source:${p.sourceHash}`;
  return hashParts("Task", p.fullName, body, p.cacheVersion, [...p.includes].sort().join(","), p.closure ?? "");
}

export function includesHash(includes: string[]): string {
  return hashParts("includes", [...includes].sort().join(","));
}

/** The cache key of one call: the task hash and the canonical hash of its bound arguments. */
export function callHashOf(taskHash: string, argsHash: string): string {
  return hashParts("Call", taskHash, argsHash);
}
