// Python values that a literal in the source evaluates to, with the object identities CPython gives
// them: the compiler merges equal constants (str, bytes, numbers, tuples of constants) module-wide into
// one object, while every evaluation of a list, dict or set display builds a new one. Identity matters
// because pickle writes a second reference to one object as a memo lookup.

export type PyValue =
  | { t: "None" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: bigint }
  | { t: "float"; v: number }
  | { t: "str"; v: string }
  | { t: "bytes"; v: Uint8Array }
  | { t: "tuple"; items: PyValue[] }
  | { t: "list"; items: PyValue[] }
  | { t: "dict"; entries: [PyValue, PyValue][] }
  | { t: "set"; items: PyValue[] };

export const NONE: PyValue = { t: "None" };
export const TRUE: PyValue = { t: "bool", v: true };
export const FALSE: PyValue = { t: "bool", v: false };

/** A key that tells constants apart as the compiler's constant cache does (1, 1.0, True and -0.0 differ). */
function constKey(v: PyValue): string | undefined {
  switch (v.t) {
    case "None":
      return "N";
    case "bool":
      return v.v ? "T" : "F";
    case "int":
      return "i" + v.v.toString();
    case "float":
      return "f" + (Object.is(v.v, -0) ? "-0" : String(v.v));
    case "str":
      return "s" + JSON.stringify(v.v);
    case "bytes":
      return "b" + Buffer.from(v.v).toString("hex");
    case "tuple": {
      const keys = v.items.map(constKey);
      return keys.every((k) => k !== undefined) ? "(" + keys.join(",") + ")" : undefined;
    }
    default:
      return undefined;
  }
}

/** Merges equal constants into one object, as one module's compilation does. */
export class ConstantPool {
  private readonly pool = new Map<string, PyValue>();
  intern(v: PyValue): PyValue {
    const key = constKey(v);
    if (key === undefined) return v;
    const known = this.pool.get(key);
    if (known) return known;
    this.pool.set(key, v);
    return v;
  }
}

/** True when the value can be a dict key or set element (no list, dict or set inside). */
export function isHashable(v: PyValue): boolean {
  if (v.t === "list" || v.t === "dict" || v.t === "set") return false;
  if (v.t === "tuple") return v.items.every(isHashable);
  return true;
}

function numeric(v: PyValue): bigint | number | undefined {
  if (v.t === "int") return v.v;
  if (v.t === "bool") return v.v ? 1n : 0n;
  if (v.t === "float") return v.v;
  return undefined;
}

function numEq(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  if (typeof a === "number" && typeof b === "number") return a === b;
  const [i, f] = typeof a === "bigint" ? [a, b as number] : [b as bigint, a as number];
  return Number.isInteger(f) && BigInt(f) === i;
}

/** Python's `==` for hashable literal values (1 == 1.0 == True). */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && numEq(na, nb);
  if (a.t !== b.t) return false;
  switch (a.t) {
    case "None":
      return true;
    case "str":
      return a.v === (b as typeof a).v;
    case "bytes":
      return Buffer.from(a.v).equals(Buffer.from((b as typeof a).v));
    case "tuple": {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => pyEquals(x, bi[i]));
    }
    default:
      return a === b;
  }
}

/** Python's `<` where redun's `sorted()` of a set can use it; undefined when Python would raise. */
export function pyLess(a: PyValue, b: PyValue): boolean | undefined {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na < nb;
  if (a.t === "str" && b.t === "str") return comparePoints(a.v, b.v) < 0;
  if (a.t === "bytes" && b.t === "bytes") return Buffer.compare(Buffer.from(a.v), Buffer.from(b.v)) < 0;
  if (a.t === "tuple" && b.t === "tuple") {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      if (pyEquals(a.items[i], b.items[i])) continue;
      return pyLess(a.items[i], b.items[i]);
    }
    return a.items.length < b.items.length;
  }
  return undefined;
}

/** Compares strings by code point, as Python does (JavaScript's `<` compares UTF-16 units). */
export function comparePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}
