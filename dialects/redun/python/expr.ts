// A small Python expression reader over tokens: enough to see decorator arguments, parameter defaults
// and module-level assignments as literals, names, attributes and calls. Anything else (operators,
// comprehensions, lambdas, f-strings, subscripts …) is kept as "other": its value is only known at run
// time. Never throws on malformed input.
import { readLines } from "./linecache";
import { generateTokens, Tok, type Token } from "./tokenize";
import { ConstantPool, FALSE, isHashable, NONE, pyEquals, TRUE, type PyValue } from "./values";

export type Expr =
  | { kind: "literal"; value: PyValue; from: number; to: number }
  | { kind: "name"; id: string; from: number; to: number }
  | { kind: "attr"; object: Expr; attr: string; from: number; to: number }
  | { kind: "call"; func: Expr; args: Arg[]; from: number; to: number }
  | { kind: "list" | "tuple" | "set"; items: Expr[]; from: number; to: number }
  | { kind: "dict"; entries: [Expr, Expr][]; from: number; to: number }
  | { kind: "neg" | "pos"; operand: Expr; from: number; to: number }
  | { kind: "other"; why: string; from: number; to: number };

/** A call argument: `name=value`, `*value`, `**value` or a positional value. */
export interface Arg {
  name?: string;
  star?: "*" | "**";
  value: Expr;
}

const CLOSERS = new Set([")", "]", "}"]);
const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/** Reads expressions from `tokens` (NL and COMMENT tokens already removed); positions are token indices. */
export class ExprReader {
  constructor(readonly tokens: readonly Token[]) {}

  private s(i: number): string | undefined {
    return this.tokens[i]?.string;
  }

  private atEnd(i: number): boolean {
    const t = this.tokens[i];
    return !t || t.type === Tok.NEWLINE || t.type === Tok.ENDMARKER;
  }

  /** Index after the balanced bracket group opening at i (or the end when it never closes). */
  skipGroup(i: number): number {
    let depth = 0;
    for (; !this.atEnd(i) || depth > 0; i++) {
      if (i >= this.tokens.length) return i;
      const s = this.s(i)!;
      if (this.tokens[i].type === Tok.OP && s in OPENERS) depth++;
      else if (this.tokens[i].type === Tok.OP && CLOSERS.has(s)) {
        depth--;
        if (depth <= 0) return i + 1;
      }
    }
    return i;
  }

  /** Index of the end of the expression starting at i: the first `,` `)` `]` `}` `:` `=` at depth 0. */
  private skipExpr(i: number, stopAtColon: boolean): number {
    let lambdas = 0;
    while (!this.atEnd(i)) {
      const t = this.tokens[i];
      const s = t.string;
      if (t.type === Tok.OP && s in OPENERS) {
        i = this.skipGroup(i);
        continue;
      }
      if (t.type === Tok.NAME && s === "lambda") lambdas++;
      if (t.type === Tok.OP && (s === "," || CLOSERS.has(s) || s === "=")) return i;
      if (t.type === Tok.OP && s === ":") {
        if (lambdas > 0) lambdas--;
        else if (stopAtColon) return i;
      }
      i++;
    }
    return i;
  }

  /** One expression (no tuple without brackets) starting at token i. */
  expr(i: number, stopAtColon = true): Expr {
    const atom = this.primary(i);
    const end = this.skipExpr(atom.to, stopAtColon);
    if (end === atom.to) return atom;
    return { kind: "other", why: "an expression computed at run time", from: i, to: end };
  }

  private primary(i: number): Expr {
    const t = this.tokens[i];
    if (!t || this.atEnd(i)) return { kind: "other", why: "a missing expression", from: i, to: i };
    let e: Expr;
    if (t.type === Tok.OP && (t.string === "-" || t.string === "+")) {
      const operand = this.primary(i + 1);
      return { kind: t.string === "-" ? "neg" : "pos", operand, from: i, to: operand.to };
    } else if (t.type === Tok.NUMBER) {
      e = number(t.string, i);
    } else if (t.type === Tok.STRING) {
      let j = i;
      const parts: string[] = [];
      while (this.tokens[j]?.type === Tok.STRING) parts.push(this.tokens[j++].string);
      const value = stringValue(parts);
      e = value ? { kind: "literal", value, from: i, to: j } : { kind: "other", why: "an f-string or a string redun sees only at run time", from: i, to: j };
    } else if (t.type === Tok.NAME) {
      if (t.string === "None") e = { kind: "literal", value: NONE, from: i, to: i + 1 };
      else if (t.string === "True") e = { kind: "literal", value: TRUE, from: i, to: i + 1 };
      else if (t.string === "False") e = { kind: "literal", value: FALSE, from: i, to: i + 1 };
      else if (t.string === "lambda" || t.string === "not" || t.string === "await" || t.string === "yield")
        return { kind: "other", why: `a ${t.string} expression`, from: i, to: this.skipExpr(i + 1, true) };
      else e = { kind: "name", id: t.string, from: i, to: i + 1 };
    } else if (t.type === Tok.OP && t.string in OPENERS) {
      e = this.display(i);
    } else {
      return { kind: "other", why: "an expression computed at run time", from: i, to: i + 1 };
    }
    // Trailers: .attr and calls; a subscript makes the whole thing run-time.
    for (;;) {
      const s = this.s(e.to);
      if (s === "." && this.tokens[e.to + 1]?.type === Tok.NAME) {
        e = { kind: "attr", object: e, attr: this.s(e.to + 1)!, from: i, to: e.to + 2 };
      } else if (s === "(" && this.tokens[e.to].type === Tok.OP) {
        const { items, to } = this.argList(e.to);
        e = { kind: "call", func: e, args: items, from: i, to };
      } else if (s === "[" && this.tokens[e.to].type === Tok.OP) {
        e = { kind: "other", why: "a subscript", from: i, to: this.skipGroup(e.to) };
      } else return e;
    }
  }

  /** A call's arguments; `open` is the index of "(". */
  argList(open: number): { items: Arg[]; to: number } {
    const items: Arg[] = [];
    let i = open + 1;
    while (!this.atEnd(i) && this.s(i) !== ")") {
      let arg: Arg;
      if (this.s(i) === "*" || this.s(i) === "**") {
        const value = this.expr(i + 1);
        arg = { star: this.s(i) as "*" | "**", value };
      } else if (this.tokens[i].type === Tok.NAME && this.s(i + 1) === "=") {
        arg = { name: this.s(i), value: this.expr(i + 2) };
      } else arg = { value: this.expr(i) };
      items.push(arg);
      i = arg.value.to;
      if (this.s(i) === ",") i++;
      else if (this.s(i) !== ")") {
        // A generator argument or junk: the rest of the call is opaque.
        const end = this.skipGroup(open);
        items.push({ value: { kind: "other", why: "an argument computed at run time", from: i, to: end - 1 } });
        return { items, to: end };
      }
    }
    return { items, to: this.s(i) === ")" ? i + 1 : i };
  }

  private display(open: number): Expr {
    const opener = this.s(open)!;
    const closer = OPENERS[opener];
    const items: Expr[] = [];
    const entries: [Expr, Expr][] = [];
    let i = open + 1;
    let commas = 0;
    let isDict = opener === "{" && this.s(i) === "}";
    const opaque = (why: string): Expr => ({ kind: "other", why, from: open, to: this.skipGroup(open) });
    while (!this.atEnd(i) && this.s(i) !== closer) {
      if (this.s(i) === "*" || this.s(i) === "**") return opaque("an unpacking display");
      const item = this.expr(i, true);
      i = item.to;
      if (opener === "{" && this.s(i) === ":") {
        if (items.length > 0) return opaque("a malformed display");
        isDict = true;
        const value = this.expr(i + 1, true);
        entries.push([item, value]);
        i = value.to;
      } else {
        if (isDict) return opaque("a malformed display");
        items.push(item);
      }
      if (this.s(i) === ",") {
        commas++;
        i++;
      } else if (this.s(i) !== closer) return opaque("a comprehension or an expression computed at run time");
    }
    if (this.s(i) !== closer) return opaque("an unclosed bracket");
    const to = i + 1;
    if (isDict) return { kind: "dict", entries, from: open, to };
    if (opener === "[") return { kind: "list", items, from: open, to };
    if (opener === "{") return { kind: "set", items, from: open, to };
    // (x) is x itself; (x,) and () are tuples.
    if (items.length === 1 && commas === 0) return { ...items[0], from: open, to };
    return { kind: "tuple", items, from: open, to };
  }
}

function number(text: string, i: number): Expr {
  const s = text.replace(/_/g, "");
  if (/[jJ]$/.test(s)) return { kind: "other", why: "a complex number", from: i, to: i + 1 };
  if (/^0[xXoObB]/.test(s) || /^[0-9]+$/.test(s)) return { kind: "literal", value: { t: "int", v: BigInt(/^0+[0-9]/.test(s) ? "0" : s) }, from: i, to: i + 1 };
  return { kind: "literal", value: { t: "float", v: Number(s) }, from: i, to: i + 1 };
}

const SIMPLE_ESCAPES: Record<string, number> = { "\\": 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** The value of adjacent string tokens (implicit concatenation), or undefined for f-strings and invalid mixes. */
export function stringValue(tokens: string[]): PyValue | undefined {
  let isBytes: boolean | undefined;
  const strs: string[] = [];
  const bytes: number[] = [];
  for (const token of tokens) {
    const m = /^([A-Za-z]*)('''|"""|'|")/.exec(token);
    if (!m) return undefined;
    const prefix = m[1].toLowerCase();
    const q = m[2];
    if (prefix.includes("f") || !token.endsWith(q) || token.length < prefix.length + 2 * q.length) return undefined;
    const b = prefix.includes("b");
    if (isBytes !== undefined && isBytes !== b) return undefined;
    isBytes = b;
    const body = token.slice(prefix.length + q.length, token.length - q.length);
    const units = decode(body, prefix.includes("r"), b);
    if (units === undefined) return undefined;
    if (b) bytes.push(...(units as number[]));
    else strs.push(units as string);
  }
  return isBytes ? { t: "bytes", v: Uint8Array.from(bytes) } : { t: "str", v: strs.join("") };
}

function decode(body: string, raw: boolean, isBytes: boolean): string | number[] | undefined {
  if (isBytes) {
    const out: number[] = [];
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c > 127) return undefined;
      if (raw || body[i] !== "\\") {
        out.push(c);
        continue;
      }
      const e = body[++i];
      if (e === "\n") continue;
      if (e in SIMPLE_ESCAPES) out.push(SIMPLE_ESCAPES[e]);
      else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
        const v = parseInt(m, 8);
        if (v > 255) return undefined;
        out.push(v);
        i += m.length - 1;
      } else if (e === "x") {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
        out.push(parseInt(h, 16));
        i += 2;
      } else out.push(92, e.charCodeAt(0));
    }
    return out;
  }
  if (raw) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== "\\") {
      out += body[i];
      continue;
    }
    const e = body[++i];
    if (e === "\n") continue;
    if (e in SIMPLE_ESCAPES) out += String.fromCharCode(SIMPLE_ESCAPES[e]);
    else if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out += String.fromCodePoint(parseInt(m, 8));
      i += m.length - 1;
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return undefined;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) return undefined;
      out += String.fromCodePoint(cp);
      i += n;
    } else if (e === "N") return undefined; // \N{NAME}: no name table here
    else out += "\\" + e;
  }
  return out;
}

const EMPTY_BUILDERS = new Set(["set", "list", "dict", "tuple"]);

/** A compile-time constant: a literal, a signed number or a tuple of constants. */
function isConstant(e: Expr): boolean {
  if (e.kind === "literal") return true;
  if (e.kind === "neg" || e.kind === "pos") return e.operand.kind === "literal";
  if (e.kind === "tuple") return e.items.every(isConstant);
  return false;
}

/** What a name stands for where an expression is evaluated. */
export type Binding = { kind: "value"; value: PyValue } | { kind: "unknown"; why: string };

export type Evaluated = { ok: true; value: PyValue } | { ok: false; why: string };

/** The value of a literal expression, building objects as CPython would (constants merged through `pool`). */
export function evaluate(e: Expr, lookup: (name: string) => Binding | undefined, pool: ConstantPool): Evaluated {
  const fail = (why: string): Evaluated => ({ ok: false, why });
  const all = (items: Expr[]): PyValue[] | Evaluated => {
    const out: PyValue[] = [];
    for (const item of items) {
      const r = evaluate(item, lookup, pool);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return out;
  };
  switch (e.kind) {
    case "literal":
      return { ok: true, value: pool.intern(e.value) };
    case "neg":
    case "pos": {
      const r = evaluate(e.operand, lookup, pool);
      if (!r.ok) return r;
      const v = r.value;
      if (v.t !== "int" && v.t !== "float" && v.t !== "bool") return fail("an operator applied at run time");
      if (e.kind === "pos") return { ok: true, value: v.t === "bool" ? pool.intern({ t: "int", v: v.v ? 1n : 0n }) : v };
      if (v.t === "float") return { ok: true, value: pool.intern({ t: "float", v: -v.v }) };
      const n = v.t === "bool" ? (v.v ? 1n : 0n) : v.v;
      return { ok: true, value: pool.intern({ t: "int", v: -n }) };
    }
    case "name": {
      const b = lookup(e.id);
      if (!b) return fail(`'${e.id}' is not defined here`);
      return b.kind === "value" ? { ok: true, value: b.value } : fail(b.why);
    }
    case "list":
    case "tuple":
    case "set": {
      const items = all(e.items);
      if (!Array.isArray(items)) return items;
      if (e.kind === "list") return { ok: true, value: { t: "list", items } };
      // Only a tuple of literals is a compile-time constant (merged); others are built afresh.
      if (e.kind === "tuple") return { ok: true, value: isConstant(e) ? pool.intern({ t: "tuple", items }) : { t: "tuple", items } };
      if (!items.every(isHashable)) return fail("an unhashable set element");
      const unique: PyValue[] = [];
      for (const v of items) if (!unique.some((u) => pyEquals(u, v))) unique.push(v);
      return { ok: true, value: { t: "set", items: unique } };
    }
    case "dict": {
      const entries: [PyValue, PyValue][] = [];
      for (const [k, v] of e.entries) {
        const kr = evaluate(k, lookup, pool);
        if (!kr.ok) return kr;
        const vr = evaluate(v, lookup, pool);
        if (!vr.ok) return vr;
        if (!isHashable(kr.value)) return fail("an unhashable dict key");
        // A repeated key keeps its first position and takes the last value.
        const at = entries.findIndex(([ek]) => pyEquals(ek, kr.value));
        if (at >= 0) entries[at] = [entries[at][0], vr.value];
        else entries.push([kr.value, vr.value]);
      }
      return { ok: true, value: { t: "dict", entries } };
    }
    case "attr":
      return fail("an attribute read at run time");
    case "call": {
      // set(), list(), dict(), tuple() of the builtins: empty containers.
      const f = e.func;
      if (f.kind === "name" && e.args.length === 0 && EMPTY_BUILDERS.has(f.id) && lookup(f.id) === undefined) {
        const t = f.id as "set" | "list" | "dict" | "tuple";
        return { ok: true, value: t === "dict" ? { t, entries: [] } : t === "tuple" ? pool.intern({ t, items: [] }) : { t, items: [] } };
      }
      return fail("a value built by a call at run time");
    }
    case "other":
      return fail(e.why);
  }
}

/** The value of one literal expression given as source text (no names in scope). */
export function literalValue(text: string, pool = new ConstantPool()): Evaluated {
  const tokens: Token[] = [];
  try {
    for (const t of generateTokens(readLines(text))) if (t.type !== Tok.NL && t.type !== Tok.COMMENT) tokens.push(t);
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
  const e = new ExprReader(tokens).expr(0);
  if (tokens[e.to]?.type !== Tok.NEWLINE && tokens[e.to]?.type !== Tok.ENDMARKER) return { ok: false, why: "not a single expression" };
  return evaluate(e, () => undefined, pool);
}
