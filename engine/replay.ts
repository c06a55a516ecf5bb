// The validity rule for a recorded result whose task awaited child calls in its body: the
// result is reused only while every recorded child call is still a hit, recursively, with the
// result the body saw: a child call recorded after the parent's result (the child's task changed
// and it ran since) means the body awaited an older result. The engine
// (deciding) and `explain` (predicting) both ask this one function.
import type { CallRecord, Store } from "./store";

/**
 * A child's call hash as the code now stands: `null` when it cannot be a hit (the task is gone or
 * not cached), `undefined` when the caller cannot tell (the child is judged by someone else).
 */
export type ChildCallHash = (task: string, argsHash: string) => string | null | undefined;

/** The first awaited child (task name) that is no longer a hit, or undefined when the result stays valid. */
export function staleAwaitedChild(store: Pick<Store, "getCall">, call: CallRecord, childCallHash: ChildCallHash, memo = new Map<string, string | null>(), depth = 0): string | undefined {
  for (const child of call.children) {
    const callHash = childCallHash(child.task, child.argsHash);
    if (callHash === undefined) continue;
    if (callHash === null) return child.task;
    const hit = store.getCall(callHash);
    if (!hit || hit.created > call.created) return child.task;
    // depth bounds pathological records; a chain that deep is judged by its first 100 levels.
    if (!memo.has(callHash)) memo.set(callHash, depth < 100 ? staleAwaitedChild(store, hit, childCallHash, memo, depth + 1) ?? null : null);
    const stale = memo.get(callHash);
    if (stale) return stale;
  }
  return undefined;
}
