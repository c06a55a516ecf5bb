// Quick fixes as Python text edits: a keyword argument set in `@task(...)` (the call added to a bare
// `@task`), a name merged into `hash_includes=[...]`, a constant passed as a parameter default.
// Offsets are into the original text (BOM and CRLF kept), through discover's position mapper.
import type { TextEdit } from "../../../core/findings";
import { Tok, type Token } from "../python/tokenize";
import { commaSeparated, groupEnd } from "./syntax";

export type Offset = (at: [number, number]) => number;

interface Keyword {
  /** Token indices of the value: [from, to). */
  from: number;
  to: number;
}

/** `@task`, `@redun.task(...)`: where the call's parentheses and keyword arguments are. */
export interface DecoratorCall {
  tokens: readonly Token[];
  /** Index of the last token of the decorator's dotted name. */
  head: number;
  open?: number;
  close?: number;
  args: [number, number][];
  keywords: Map<string, Keyword>;
}

export function decoratorCall(all: readonly Token[]): DecoratorCall {
  const tokens = all.filter((t) => t.type !== Tok.NEWLINE);
  let head = 1;
  while (tokens[head + 1]?.string === "." && tokens[head + 2]?.type === Tok.NAME) head += 2;
  const call: DecoratorCall = { tokens, head, args: [], keywords: new Map() };
  if (tokens[head + 1]?.string !== "(") return call;
  call.open = head + 1;
  call.close = groupEnd(tokens, call.open) - 1;
  call.args = commaSeparated(tokens, call.open + 1, call.close);
  for (const [a, b] of call.args) {
    if (tokens[a].type === Tok.NAME && tokens[a + 1]?.string === "=") call.keywords.set(tokens[a].string, { from: a + 2, to: b });
  }
  return call;
}

/** The names listed in `hash_includes=[…]` (or a tuple). */
export function includedNames(call: DecoratorCall): string[] {
  const list = displayItems(call, "hash_includes");
  if (!list) return [];
  return list.items.filter(([a, b]) => b - a === 1 && call.tokens[a].type === Tok.NAME).map(([a]) => call.tokens[a].string);
}

function displayItems(call: DecoratorCall, key: string): { open: number; close: number; items: [number, number][] } | undefined {
  const kw = call.keywords.get(key);
  if (!kw || !["[", "("].includes(call.tokens[kw.from]?.string) || groupEnd(call.tokens, kw.from) !== kw.to) return undefined;
  return { open: kw.from, close: kw.to - 1, items: commaSeparated(call.tokens, kw.from + 1, kw.to - 1) };
}

/** Sets `key=value` in the decorator call, adding the call to a bare `@task`. */
export function setOption(call: DecoratorCall, offset: Offset, key: string, value: string): TextEdit {
  const { tokens } = call;
  const kw = call.keywords.get(key);
  if (kw) return { start: offset(tokens[kw.from].start), end: offset(tokens[kw.to - 1].end), newText: value };
  if (call.open === undefined || call.close === undefined) {
    const at = offset(tokens[call.head].end);
    return { start: at, end: at, newText: `(${key}=${value})` };
  }
  const last = call.args[call.args.length - 1];
  if (!last) {
    const at = offset(tokens[call.close].start);
    return { start: at, end: at, newText: `${key}=${value}` };
  }
  const at = offset(tokens[last[1] - 1].end);
  return { start: at, end: at, newText: `, ${key}=${value}` };
}

/** Adds `name` to `hash_includes`: merged into an existing list or tuple, else the keyword is added. */
export function addToHashIncludes(call: DecoratorCall, offset: Offset, name: string): TextEdit | undefined {
  if (!call.keywords.has("hash_includes")) return setOption(call, offset, "hash_includes", `[${name}]`);
  const list = displayItems(call, "hash_includes");
  // A list built elsewhere (a name, a call): merging would hide it from the static hash.
  if (!list) return undefined;
  const { tokens } = call;
  const last = list.items[list.items.length - 1];
  if (last) {
    const at = offset(tokens[last[1] - 1].end);
    return { start: at, end: at, newText: `, ${name}` };
  }
  const at = offset(tokens[list.open].end);
  return { start: at, end: at, newText: tokens[list.open].string === "(" ? `${name},` : name };
}

/**
 * Adds `name=name` to a def's parameters: last, or before `**kwargs` (after `*args` it is keyword-only,
 * which is as good). A default is evaluated where the def runs, so it reads the module's `name`.
 */
export function addParameterDefault(def: readonly Token[], offset: Offset, name: string): TextEdit | undefined {
  const open = def.findIndex((t, i) => t.string === "(" && def[i - 1]?.type === Tok.NAME && def[i - 2]?.string === "def");
  if (open < 0) return undefined;
  const close = groupEnd(def, open) - 1;
  if (def[close]?.string !== ")") return undefined;
  const params = commaSeparated(def, open + 1, close);
  const varKeyword = params.find(([a]) => def[a].string === "**");
  const added = `${name}=${name}`;
  if (varKeyword) {
    const at = offset(def[varKeyword[0]].start);
    return { start: at, end: at, newText: `${added}, ` };
  }
  const last = params[params.length - 1];
  const at = offset(last ? def[last[1] - 1].end : def[open].end);
  return { start: at, end: at, newText: last ? `, ${added}` : added };
}

/** The next version: `"1"` → `"2"`, `"1.4"` → `"1.5"`, `3` → `4`, `"beta"` → `"beta.1"`. */
export function bumpedVersion(text: string): string | undefined {
  if (/^\d+$/.test(text)) return String(BigInt(text) + 1n);
  const m = /^([rRuU]?)(['"])(.*)\2$/.exec(text);
  if (!m) return undefined;
  const d = /^(.*?)(\d+)$/.exec(m[3]);
  return `${m[1]}${m[2]}${d ? `${d[1]}${BigInt(d[2]) + 1n}` : `${m[3]}.1`}${m[2]}`;
}
