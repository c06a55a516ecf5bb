// The two shapes a Python value takes here: a literal read from the source (python/values, which the
// hashes are computed from) and a value decoded from the store (store/pickle, which reprs and JSON
// are made from). A plan moves values between them: stored results become arguments of new calls.
import type { PyValue as Literal } from "./python/values";
import { PyBytes, PyDate, PyDict, PyFloat, PyGlobal, PyObject, PySet, PyTuple, TaskExpression, type PyValue as Stored } from "./store/pickle";
import { pyRepr, trimString } from "./store/repr";

/** A stored value as a literal (for hashing), or undefined when it is not a builtin value. */
export function literalOf(v: Stored): Literal | undefined {
  if (v === null) return { t: "None" };
  if (typeof v === "boolean") return { t: "bool", v };
  if (typeof v === "number") return Number.isInteger(v) ? { t: "int", v: BigInt(v) } : undefined;
  if (typeof v === "bigint") return { t: "int", v };
  if (typeof v === "string") return { t: "str", v };
  if (v instanceof PyFloat) return { t: "float", v: v.value };
  if (v instanceof PyBytes) return { t: "bytes", v: v.data };
  const all = (items: Stored[]) => {
    const out = items.map(literalOf);
    return out.every((x): x is Literal => x !== undefined) ? out : undefined;
  };
  if (Array.isArray(v)) {
    const items = all(v);
    return items && { t: "list", items };
  }
  if (v instanceof PyTuple) {
    const items = all(v.items);
    return items && { t: "tuple", items };
  }
  if (v instanceof PySet && !v.frozen) {
    const items = all(v.items);
    return items && { t: "set", items };
  }
  if (v instanceof PyDict) {
    const keys = all(v.entries.map(([k]) => k));
    const values = all(v.entries.map(([, x]) => x));
    return keys && values && { t: "dict", entries: keys.map((k, i) => [k, values[i]]) };
  }
  return undefined;
}

/** A literal as a stored value (for reprs and JSON). */
export function storedOf(v: Literal): Stored {
  switch (v.t) {
    case "None":
      return null;
    case "bool":
    case "str":
      return v.v;
    case "int":
      return v.v >= BigInt(Number.MIN_SAFE_INTEGER) && v.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.v) : v.v;
    case "float":
      return new PyFloat(v.v);
    case "bytes":
      return new PyBytes(v.v);
    case "list":
      return v.items.map(storedOf);
    case "tuple":
      return new PyTuple(v.items.map(storedOf));
    case "set":
      return new PySet(v.items.map(storedOf), false);
    case "dict":
      return new PyDict(v.entries.map(([k, x]) => [storedOf(k), storedOf(x)]));
  }
}

/** A decoded Python value as JSON: plain where JSON has the type, tagged (`$int`, `$set`, …) where not. */
export function pyJson(v: Stored, type = ""): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return { $int: v.toString() };
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? v.value : { $float: String(v.value) };
  if (Array.isArray(v)) return v.map((x) => pyJson(x));
  if (v instanceof PyTuple) return { $tuple: v.items.map((x) => pyJson(x)) };
  if (v instanceof PySet) return { [v.frozen ? "$frozenset" : "$set"]: v.items.map((x) => pyJson(x)) };
  if (v instanceof PyBytes) return { $bytes: Buffer.from(v.data).toString("base64") };
  if (v instanceof PyDict) {
    if (v.entries.every(([k]) => typeof k === "string")) return Object.fromEntries(v.entries.map(([k, x]) => [k as string, pyJson(x)]));
    return { $dict: v.entries.map(([k, x]) => [pyJson(k), pyJson(x)]) };
  }
  if (v instanceof PyDate) return { [v.time ? "$datetime" : "$date"]: pyRepr(v) };
  if (v instanceof PyGlobal) return { $global: v.fullName };
  if (v instanceof TaskExpression) return { $call: v.taskName };
  if (v instanceof PyObject) return { $type: v.className, hash: v.hash ?? null, repr: trimString(pyRepr(v), 200) };
  return { $type: type || "object", repr: trimString(pyRepr(v), 200) };
}
