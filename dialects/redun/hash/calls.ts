// The hashes of one call of a task, as redun's scheduler computes them: parameters the call leaves
// out are filled from their defaults as keyword arguments, then every argument value is hashed like
// a value in hash_includes.
import type { PyValue } from "../python/values";
import type { RedunTask } from "./discover";
import { argsHash, evalHash, valueHash } from "./hash";

export type CallHashes = { argsHash: string; evalHash: string | null; reason?: string } | { argsHash: null; evalHash: null; reason: string };

export function callHashes(task: Pick<RedunTask, "parameters" | "hash" | "reason">, positional: PyValue[], keywords: Record<string, PyValue>): CallHashes {
  const merged: Record<string, PyValue> = { ...keywords };
  for (const [i, p] of task.parameters.entries()) {
    if (i < positional.length || p.name in keywords || !p.default) continue;
    if (p.default.value === undefined) return { argsHash: null, evalHash: null, reason: `the default of '${p.name}' (${p.default.text}) is computed at run time` };
    merged[p.name] = p.default.value;
  }
  let args: string;
  try {
    args = argsHash(
      positional.map(valueHash),
      Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, valueHash(v)])),
    );
  } catch (e) {
    return { argsHash: null, evalHash: null, reason: (e as Error).message };
  }
  if (task.hash === null) return { argsHash: args, evalHash: null, reason: task.reason ?? "the task hash is unknown" };
  return { argsHash: args, evalHash: evalHash(task.hash, args) };
}
