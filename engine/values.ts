// Values as the store keeps them, and the canonical form their hashes are taken of.
// One tagged JSON encoding serves both: canonical mode sorts object keys, Map entries and Set
// members, so `{a, b}` and `{b, a}` hash alike while `1`, `"1"` and `true` never do.
import { sha256 } from "./hash";

/** A lazy task call as the encoder sees it (the scheduler's CallExpression implements it). */
export interface EncodableCall {
  readonly taskFullName: string;
  readonly args: readonly unknown[];
  argumentName(index: number): string;
}
export const CALL_BRAND = Symbol.for("tasklens.call");
export function isCall(value: unknown): value is EncodableCall {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CALL_BRAND] === true;
}

export class UnhashableValueError extends Error {
  constructor(readonly path: string, readonly what: string) {
    super(`cannot hash ${path}: ${what} is not a value tasklens can hash (use primitives, arrays, plain objects, Map, Set, Date, Uint8Array or bigint)`);
    this.name = "UnhashableValueError";
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function describe(value: unknown): string {
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "symbol") return "a symbol";
  const ctor = (value as object)?.constructor?.name;
  return ctor ? `an instance of ${ctor}` : "an object with a custom prototype";
}

export function encodeValue(value: unknown, canonical: boolean, path = "value"): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value)) return Object.is(value, -0) ? { $num: "-0" } : value;
      return { $num: String(value) };
    case "bigint":
      return { $bigint: value.toString() };
    case "undefined":
      return { $undefined: 1 };
    case "function":
    case "symbol":
      throw new UnhashableValueError(path, describe(value));
  }
  if (value === null) return null;
  if (isCall(value)) {
    return { $call: value.taskFullName, args: value.args.map((a, i) => encodeValue(a, canonical, `argument '${value.argumentName(i)}' of task ${value.taskFullName}`)) };
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, canonical, `${path}[${i}]`));
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v], i) => [encodeValue(k, canonical, `${path}<key ${i}>`), encodeValue(v, canonical, `${path}.get(${i})`)] as [Json, Json]);
    if (canonical) entries.sort((a, b) => compare(JSON.stringify(a[0]), JSON.stringify(b[0])));
    return { $map: entries };
  }
  if (value instanceof Set) {
    const members = [...value].map((v, i) => encodeValue(v, canonical, `${path}<member ${i}>`));
    if (canonical) members.sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
    return { $set: members };
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new UnhashableValueError(path, describe(value));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (canonical) keys.sort(compare);
  const out: { [key: string]: Json } = {};
  for (const key of keys) out[key] = encodeValue(obj[key], canonical, `${path}.${key}`);
  // Keys that look like our tags are escaped so that decoding is unambiguous.
  return keys.some((k) => k.startsWith("$")) ? { $object: out } : out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type CallFactory = (taskFullName: string, args: unknown[]) => unknown;

export function decodeValue(json: Json, makeCall?: CallFactory): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map((v) => decodeValue(v, makeCall));
  if ("$num" in json) return Number(json.$num);
  if ("$bigint" in json) return BigInt(json.$bigint as string);
  if ("$undefined" in json) return undefined;
  if ("$date" in json) return new Date(json.$date as string);
  if ("$bytes" in json) return new Uint8Array(Buffer.from(json.$bytes as string, "base64"));
  if ("$map" in json) return new Map((json.$map as Json[][]).map(([k, v]) => [decodeValue(k, makeCall), decodeValue(v, makeCall)]));
  if ("$set" in json) return new Set((json.$set as Json[]).map((v) => decodeValue(v, makeCall)));
  if ("$call" in json) {
    const args = (json.args as Json[]).map((v) => decodeValue(v, makeCall));
    if (!makeCall) return { task: json.$call, args };
    return makeCall(json.$call as string, args);
  }
  const source = "$object" in json ? (json.$object as { [key: string]: Json }) : json;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) out[k] = decodeValue(v, makeCall);
  return out;
}

export function serializeValue(value: unknown): string {
  return JSON.stringify(encodeValue(value, false));
}

export function deserializeValue(text: string, makeCall?: CallFactory): unknown {
  return decodeValue(JSON.parse(text) as Json, makeCall);
}

/** Canonical hash of a value; `path` names it in the error when it cannot be hashed. */
export function hashValue(value: unknown, path = "value"): string {
  return sha256(JSON.stringify(encodeValue(value, true, path)));
}

/** A call as logs show it: `task(param='value', …)`, each argument named when its parameter is known. */
export function displayCall(taskName: string, args: readonly unknown[], params: readonly string[]): string {
  return `${taskName}(${args.map((a, i) => (params[i] ? `${params[i]}=` : "") + displayValue(a, 60)).join(", ")})`;
}

/** A short, redun-like rendering of a value for logs: `'Hello'`, `[1, 2]`, `{a: 1}`. */
export function displayValue(value: unknown, max = 80): string {
  const text = render(value, 0);
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

function render(value: unknown, depth: number): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined) return "undefined";
  if (value === null || typeof value !== "object") return String(value);
  if (depth > 3) return "…";
  if (isCall(value)) return `${value.taskFullName}(${value.args.map((a) => render(a, depth + 1)).join(", ")})`;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 10).map((v) => render(v, depth + 1));
    if (value.length > 10) shown.push(`… ${value.length - 10} more`);
    return `[${shown.join(", ")}]`;
  }
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? "invalid" : value.toISOString()})`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (value instanceof Map) return `Map(${value.size})`;
  if (value instanceof Set) return `Set(${value.size})`;
  const entries = Object.entries(value as object);
  const shown = entries.slice(0, 8).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${render(v, depth + 1)}`);
  if (entries.length > 8) shown.push("…");
  return `{${shown.join(", ")}}`;
}
