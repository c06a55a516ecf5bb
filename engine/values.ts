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
  constructor(readonly path: string, readonly what: string, readonly verb: "hash" | "store" = "hash") {
    super(`cannot ${verb} ${path}: ${what} is not a value tasklens can ${verb} (use primitives, arrays, plain objects, Map, Set, Date, Uint8Array or bigint)`);
    this.name = "UnhashableValueError";
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function describe(value: unknown): string {
  if (typeof value === "function") return `a function${value.name ? ` (${value.name})` : ""}`;
  if (typeof value === "symbol") return "a symbol";
  const ctor = (value as object)?.constructor?.name;
  return ctor ? `an instance of ${ctor}` : "an object with a custom prototype";
}

/**
 * Encodes plain data recursively (with a cycle check), and task calls by reference: every call met
 * becomes `{$ref: i}` into a flat table that is filled breadth-first. So a 100,000-deep chain of
 * calls encodes without deep recursion, and a call shared by many consumers is encoded once.
 */
class Encoder {
  readonly calls: Json[] = [];
  private readonly queue: EncodableCall[] = [];
  private readonly callIndex = new Map<EncodableCall, number>();
  private readonly ancestors = new Set<object>();
  constructor(private readonly canonical: boolean, private verb: "hash" | "store") {}

  run(value: unknown, path: string): Json {
    const root = this.encode(value, path);
    for (let i = 0; i < this.queue.length; i++) {
      const call = this.queue[i];
      // The arguments of a call are hashed when it runs: name them as such.
      const verb = this.verb;
      this.verb = "hash";
      this.calls.push([call.taskFullName, call.args.map((a, k) => this.encode(a, `argument '${call.argumentName(k)}' of task ${call.taskFullName}`))]);
      this.verb = verb;
    }
    return this.calls.length ? { $expr: root, calls: this.calls } : root;
  }

  private encode(value: unknown, path: string): Json {
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
        throw new UnhashableValueError(path, describe(value), this.verb);
    }
    if (value === null) return null;
    if (isCall(value)) {
      let index = this.callIndex.get(value);
      if (index === undefined) {
        index = this.queue.length;
        this.callIndex.set(value, index);
        this.queue.push(value);
      }
      return { $ref: index };
    }
    const obj = value as object;
    if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString() };
    if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
    if (this.ancestors.has(obj)) throw new UnhashableValueError(path, "a reference back to a value that contains it (a cycle)", this.verb);
    this.ancestors.add(obj);
    try {
      if (Array.isArray(value)) {
        const out: Json[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) out[i] = this.encode(value[i], `${path}[${i}]`);
        return out;
      }
      if (value instanceof Map) {
        const entries = [...value.entries()].map(([k, v], i) => [this.encode(k, `${path}<key ${i}>`), this.encode(v, `${path}.get(${i})`)] as [Json, Json]);
        if (this.canonical) entries.sort((a, b) => compare(JSON.stringify(a[0]), JSON.stringify(b[0])));
        return { $map: entries };
      }
      if (value instanceof Set) {
        const members = [...value].map((v, i) => this.encode(v, `${path}<member ${i}>`));
        if (this.canonical) members.sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
        return { $set: members };
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new UnhashableValueError(path, describe(value), this.verb);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (this.canonical) keys.sort(compare);
      const out: { [key: string]: Json } = {};
      for (const key of keys) out[key] = this.encode(record[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);
      // Keys that look like our tags are escaped so that decoding is unambiguous.
      return keys.some((k) => k.startsWith("$")) ? { $object: out } : out;
    } finally {
      this.ancestors.delete(obj);
    }
  }
}

/** The tagged JSON form of a value (canonical: keys, Map entries and Set members sorted). */
export function encodeValue(value: unknown, canonical: boolean, path = "value", verb: "hash" | "store" = canonical ? "hash" : "store"): Json {
  return new Encoder(canonical, verb).run(value, path);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type CallFactory = (taskFullName: string, args: unknown[]) => unknown;

export function decodeValue(json: Json, makeCall?: CallFactory): unknown {
  if (json !== null && typeof json === "object" && !Array.isArray(json) && "$expr" in json) {
    const calls = decodeCalls(json.calls as Json[], makeCall);
    return decodePlain(json.$expr, makeCall, calls);
  }
  return decodePlain(json, makeCall, []);
}

/**
 * The call table of an encoded expression, each call built after the calls its arguments refer to.
 * Iterative (an explicit stack), so that a 100,000-deep chain decodes without deep recursion.
 */
function decodeCalls(table: Json[], makeCall?: CallFactory): unknown[] {
  const built: unknown[] = new Array(table.length);
  const state = new Uint8Array(table.length); // 0 new, 1 visiting, 2 built
  const refsOf = (i: number): number[] => {
    const refs: number[] = [];
    const visit = (j: Json): void => {
      if (j === null || typeof j !== "object") return;
      if (Array.isArray(j)) j.forEach(visit);
      else if (typeof j.$ref === "number" && Object.keys(j).length === 1) refs.push(j.$ref);
      else Object.values(j).forEach(visit);
    };
    visit((table[i] as Json[])[1]);
    return refs;
  };
  for (let start = 0; start < table.length; start++) {
    if (state[start] === 2) continue;
    const stack = [start];
    while (stack.length) {
      const i = stack[stack.length - 1];
      if (state[i] === 2) {
        stack.pop();
        continue;
      }
      const pending = refsOf(i).filter((r) => state[r] !== 2);
      if (state[i] === 0 && pending.length) {
        state[i] = 1;
        for (const r of pending) {
          if (state[r] === 1) throw new Error("the stored expression refers to itself");
          stack.push(r);
        }
        continue;
      }
      const [name, args] = table[i] as [string, Json[]];
      const decodedArgs = args.map((a) => decodePlain(a, makeCall, built));
      built[i] = makeCall ? makeCall(name, decodedArgs) : { task: name, args: decodedArgs };
      state[i] = 2;
      stack.pop();
    }
  }
  return built;
}

function decodePlain(json: Json, makeCall: CallFactory | undefined, calls: unknown[]): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map((v) => decodePlain(v, makeCall, calls));
  if ("$ref" in json && typeof json.$ref === "number") return calls[json.$ref];
  if ("$num" in json) return Number(json.$num);
  if ("$bigint" in json) return BigInt(json.$bigint as string);
  if ("$undefined" in json) return undefined;
  if ("$date" in json) return new Date(json.$date as string);
  if ("$bytes" in json) return new Uint8Array(Buffer.from(json.$bytes as string, "base64"));
  if ("$map" in json) return new Map((json.$map as Json[][]).map(([k, v]) => [decodePlain(k, makeCall, calls), decodePlain(v, makeCall, calls)]));
  if ("$set" in json) return new Set((json.$set as Json[]).map((v) => decodePlain(v, makeCall, calls)));
  if ("$call" in json) {
    // The nested form of stores written before calls were encoded by reference.
    const args = (json.args as Json[]).map((v) => decodePlain(v, makeCall, calls));
    if (!makeCall) return { task: json.$call, args };
    return makeCall(json.$call as string, args);
  }
  const source = "$object" in json ? (json.$object as { [key: string]: Json }) : json;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) out[k] = decodePlain(v, makeCall, calls);
  return out;
}

/** The stored text of a value; `path` names the value in the error when it cannot be stored. */
export function serializeValue(value: unknown, path = "value"): string {
  return JSON.stringify(encodeValue(value, false, path, "store"));
}

export function deserializeValue(text: string, makeCall?: CallFactory): unknown {
  return decodeValue(JSON.parse(text) as Json, makeCall);
}

/** Canonical hash of a value; `path` names it in the error when it cannot be hashed. */
export function hashValue(value: unknown, path = "value"): string {
  return sha256(JSON.stringify(encodeValue(value, true, path, "hash")));
}

/** Whether a value prints as plain JSON (no bigint, Map, Date, bytes, undefined, … inside). */
export function isPlainJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v === "string" || typeof v === "boolean") continue;
    if (typeof v === "number") {
      if (!Number.isFinite(v) || Object.is(v, -0)) return false;
      continue;
    }
    if (typeof v !== "object" || seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, x] of Object.entries(v)) {
        if (k.startsWith("$")) return false;
        stack.push(x);
      }
    } else return false;
  }
  return true;
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
