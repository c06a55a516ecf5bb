// redun 0.46's hashes of tasks, values and calls, from parts already known (see discover.ts for
// where the parts come from in a module's text).
import { pickleDumps } from "./pickle";
import { hashStruct, hashTagBytes, type BValue } from "./bencode";
import { pyEquals, pyLess, type PyValue } from "../python/values";

/** The hash `TypeRegistry.get_hash` gives a literal value: a set by its sorted elements, others by their pickle. */
export function valueHash(v: PyValue): string {
  if (v.t === "set") return hashTagBytes("Value.set", pickleDumps({ t: "list", items: sortedSet(v.items) }));
  return hashTagBytes("Value", pickleDumps(v));
}

/** `sorted(set)`; throws where Python's comparisons would raise (mixed types). */
function sortedSet(items: PyValue[]): PyValue[] {
  for (const a of items) for (const b of items) if (a !== b && pyLess(a, b) === undefined) throw new TypeError("a set whose elements Python cannot sort");
  return [...items].sort((a, b) => (pyEquals(a, b) ? 0 : pyLess(a, b) ? -1 : 1));
}

/** A plain function's hash (`Value.function`): its module's name, its name, its trimmed source. */
export function functionHash(module: string, name: string, source: string): string {
  return hashStruct(["Value.function", Buffer.from(`${module}.${name}`, "utf8"), "source", source]);
}

export type TaskHashParts = {
  fullname: string;
  /** Hashed when version is absent. */
  source: string;
  /** `version=`: a str or an int (they hash differently). */
  version?: string | bigint;
  /** `compat=`: a non-empty list's first element is the hash. */
  compat?: string;
  /** The hashes of the hash_includes items, in any order. */
  includes?: string[];
};

/** `Task.hash`. */
export function taskHash(p: TaskHashParts): string {
  if (p.compat !== undefined) return p.compat;
  const includes = [...(p.includes ?? [])].sort();
  const head: BValue[] = p.version === undefined ? ["Task", p.fullname, "source", p.source] : ["Task", p.fullname, "version", p.version];
  return hashStruct([...head, ...includes]);
}

/** The arguments' hash: positional value hashes and keyword value hashes (keyword order does not matter). */
export function argsHash(positional: string[], keywords: Record<string, string>): string {
  return hashStruct(["TaskArguments", positional, keywords]);
}

export function evalHash(taskHash: string, argsHash: string): string {
  return hashStruct(["Eval", taskHash, argsHash]);
}
