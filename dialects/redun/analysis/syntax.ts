// What one Python statement binds and reads, over its tokens: the names it binds in the current scope
// (assignment and `for` targets, `with … as`, `except … as`, imports, def/class names, `:=`), the names
// it reads (without attribute names, keyword-argument names, and names local to a comprehension or a
// lambda), what it changes in place (`x[k] = v`, `x.a = v`, `del x[k]`) and its global/nonlocal
// declarations. Scopes are the caller's business (scope.ts); this file never looks past one statement.
import { generateTokens, Tok, type Token } from "../python/tokenize";

/** A name read, with the token list it stands in (for its attribute chain and call arguments). */
export interface Read {
  tok: Token;
  tokens: readonly Token[];
  index: number;
  /** In a comprehension or lambda body: a function scope of its own, which does not see a class body's names. */
  nested?: boolean;
}

/** Where an expression is read: names local to an enclosing comprehension or lambda, the innermost bracket. */
interface ExprScope {
  hidden: ReadonlySet<string>;
  /** `f(x=1)`: inside parentheses, x is an argument's name. */
  bracket: string | null;
  nested: boolean;
}

const TOP: ExprScope = { hidden: new Set(), bracket: null, nested: false };

export interface StatementFacts {
  binds: Token[];
  reads: Read[];
  /** Names whose value the statement changes in place (subscript or attribute targets, `del x[k]`). */
  mutations: Read[];
  globals: Token[];
  nonlocals: Token[];
  /** The scope a `def` or `class` header opens, with the parameters bound in it. */
  opens?: { kind: "function" | "class"; name: string; params: Token[] };
  /** The body after a compound header's `:` on the same line (in the opened scope when `opens` is set). */
  inline?: StatementFacts;
}

export const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except",
  "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
]);

const OPENERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const COMPOUND = new Set(["if", "elif", "else", "while", "for", "try", "except", "finally", "with", "match", "case"]);

const isOp = (t: Token | undefined, s: string) => t !== undefined && t.type === Tok.OP && t.string === s;
const isName = (t: Token | undefined) => t !== undefined && t.type === Tok.NAME && !KEYWORDS.has(t.string);

/** Index after the bracket group opening at i (the end of the list when it never closes). */
export function groupEnd(tokens: readonly Token[], i: number): number {
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== Tok.OP) continue;
    if (t.string in OPENERS) depth++;
    else if (t.string === ")" || t.string === "]" || t.string === "}") if (--depth === 0) return i + 1;
  }
  return tokens.length;
}

/** Indices in [from, to) of top-level tokens (brackets skipped) that satisfy `test`. */
export function topLevel(tokens: readonly Token[], from: number, to: number, test: (t: Token) => boolean): number[] {
  const out: number[] = [];
  for (let i = from; i < to; ) {
    const t = tokens[i];
    if (t.type === Tok.OP && t.string in OPENERS) {
      i = groupEnd(tokens, i);
      continue;
    }
    if (test(t)) out.push(i);
    i++;
  }
  return out;
}

/** Splits [from, to) at top-level commas. */
export function commaSeparated(tokens: readonly Token[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let start = from;
  for (const c of topLevel(tokens, from, to, (t) => isOp(t, ","))) {
    out.push([start, c]);
    start = c + 1;
  }
  if (start < to) out.push([start, to]);
  return out;
}

/** The `:` that ends a compound statement's header (a lambda's colon does not). */
function headerColon(tokens: readonly Token[], from: number): number {
  let lambdas = 0;
  for (const i of topLevel(tokens, from, tokens.length, (t) => (t.type === Tok.NAME && t.string === "lambda") || isOp(t, ":"))) {
    if (tokens[i].string === "lambda") lambdas++;
    else if (lambdas > 0) lambdas--;
    else return i;
  }
  return -1;
}

/** The names an expression's text reads (a parameter default's, say); none when it does not tokenize. */
export function namesIn(text: string): string[] {
  try {
    const tokens = [...generateTokens([`(${text.replace(/\n/g, " ")})\n`])];
    const facts = empty();
    scanExpr(tokens, 0, tokens.length, TOP, facts);
    return facts.reads.map((r) => r.tok.string);
  } catch {
    return [];
  }
}

function empty(): StatementFacts {
  return { binds: [], reads: [], mutations: [], globals: [], nonlocals: [] };
}

/** The facts of one logical line (NL and COMMENT tokens already removed; a final NEWLINE is ignored). */
export function readStatement(all: readonly Token[]): StatementFacts {
  const tokens = all.filter((t) => t.type !== Tok.NEWLINE && t.type !== Tok.ENDMARKER && t.type !== Tok.INDENT && t.type !== Tok.DEDENT);
  const facts = empty();
  if (tokens.length === 0) return facts;
  const expr = (from: number, to: number) => scanExpr(tokens, from, to, TOP, facts);
  // `async def`, `async for`, `async with` read as their plain forms.
  const at = tokens[0].string === "async" && ["def", "for", "with"].includes(tokens[1]?.string) ? 1 : 0;
  const head = tokens[at].string;
  const rest = (colon: number) => {
    if (colon >= 0 && colon + 1 < tokens.length) facts.inline = readStatement(tokens.slice(colon + 1));
  };

  if (head === "@") expr(1, tokens.length);
  else if (head === "def" && isName(tokens[at + 1])) {
    facts.binds.push(tokens[at + 1]);
    const open = at + 2;
    const close = isOp(tokens[open], "(") ? groupEnd(tokens, open) - 1 : open;
    const params = parameterList(tokens, open + 1, close, facts);
    const colon = headerColon(tokens, close + 1);
    expr(close + 1, colon < 0 ? tokens.length : colon); // return annotation
    facts.opens = { kind: "function", name: tokens[at + 1].string, params };
    rest(colon);
  } else if (head === "class" && isName(tokens[1])) {
    facts.binds.push(tokens[1]);
    const colon = headerColon(tokens, 2);
    expr(2, colon < 0 ? tokens.length : colon);
    facts.opens = { kind: "class", name: tokens[1].string, params: [] };
    rest(colon);
  } else if (head === "global" || head === "nonlocal") {
    for (const t of tokens.slice(1)) if (isName(t)) (head === "global" ? facts.globals : facts.nonlocals).push(t);
  } else if (head === "import") {
    for (const [a, b] of commaSeparated(tokens, 1, tokens.length)) {
      const as = tokens.slice(a, b).findIndex((t) => t.string === "as");
      const bound = as >= 0 ? tokens[a + as + 1] : tokens[a];
      if (isName(bound)) facts.binds.push(bound);
    }
  } else if (head === "from") {
    const imp = tokens.findIndex((t) => t.type === Tok.NAME && t.string === "import");
    const names = tokens.slice(imp + 1).filter((t) => !isOp(t, "(") && !isOp(t, ")"));
    for (const [a, b] of commaSeparated(names, 0, names.length)) {
      const bound = b - a >= 3 && names[a + 1].string === "as" ? names[a + 2] : names[a];
      if (isName(bound)) facts.binds.push(bound);
    }
  } else if (COMPOUND.has(head) && ((head !== "match" && head !== "case") || isSoftKeywordHeader(tokens))) {
    const colon = headerColon(tokens, at + 1);
    const end = colon < 0 ? tokens.length : colon;
    if (head === "for") {
      const inAt = topLevel(tokens, at + 1, end, (t) => t.type === Tok.NAME && t.string === "in")[0] ?? end;
      targets(tokens, at + 1, inAt, facts);
      expr(inAt + 1, end);
    } else if (head === "with") {
      let from = at + 1;
      let to = end;
      // `with (a as b, c as d):`
      if (isOp(tokens[from], "(") && groupEnd(tokens, from) === end && topLevel(tokens, from + 1, end - 1, (t) => t.string === "as").length > 0) {
        from++;
        to--;
      }
      for (const [a, b] of commaSeparated(tokens, from, to)) asClause(tokens, a, b, facts);
    } else if (head === "except") asClause(tokens, tokens[1]?.string === "*" ? 2 : 1, end, facts);
    else if (head === "case") pattern(tokens, 1, end, facts);
    else expr(at + 1, end);
    rest(colon);
  } else if (head === "del") {
    for (const [a, b] of commaSeparated(tokens, 1, tokens.length)) targets(tokens, a, b, facts);
  } else simpleStatement(tokens, facts);
  return facts;
}

/** `match` and `case` are keywords only at the head of a line that ends in `:` (soft keywords). */
function isSoftKeywordHeader(tokens: readonly Token[]): boolean {
  const next = tokens[1];
  const startsExpression = next !== undefined && (next.type !== Tok.OP || "([{-*".includes(next.string));
  return startsExpression && headerColon(tokens, 1) > 0;
}

function asClause(tokens: readonly Token[], from: number, to: number, facts: StatementFacts): void {
  const as = topLevel(tokens, from, to, (t) => t.type === Tok.NAME && t.string === "as")[0];
  scanExpr(tokens, from, as ?? to, TOP, facts);
  if (as !== undefined) targets(tokens, as + 1, to, facts);
}

/** A `case` pattern: capture names bind; dotted names and class names are read; then the guard. */
function pattern(tokens: readonly Token[], from: number, to: number, facts: StatementFacts): void {
  const guard = topLevel(tokens, from, to, (t) => t.type === Tok.NAME && t.string === "if")[0] ?? to;
  for (let i = from; i < guard; i++) {
    const t = tokens[i];
    if (!isName(t) || t.string === "_" || isOp(tokens[i - 1], ".")) continue;
    const next = tokens[i + 1];
    if (isOp(next, "=")) continue; // keyword pattern `Point(x=…)`
    if (isOp(next, ".") || isOp(next, "(")) facts.reads.push({ tok: t, tokens, index: i });
    else facts.binds.push(t);
  }
  scanExpr(tokens, guard + 1, to, TOP, facts);
}

/** A def's parameters: their names, and the reads of their annotations and defaults (in the enclosing scope). */
function parameterList(tokens: readonly Token[], from: number, to: number, facts: StatementFacts, scope: ExprScope = TOP): Token[] {
  const params: Token[] = [];
  for (const [a, b] of commaSeparated(tokens, from, to)) {
    let i = a;
    while (i < b && (isOp(tokens[i], "*") || isOp(tokens[i], "**") || isOp(tokens[i], "/"))) i++;
    if (i >= b || !isName(tokens[i])) continue;
    params.push(tokens[i]);
    scanExpr(tokens, i + 1, b, scope, facts);
  }
  return params;
}

/** Assignment targets in [from, to): plain names are bound; `x[…]` and `x.attr` change x in place. */
export function targets(tokens: readonly Token[], from: number, to: number, facts: StatementFacts): void {
  for (let i = from; i < to; ) {
    const t = tokens[i];
    if (t.type === Tok.OP && t.string in OPENERS) {
      // A tuple or list of targets (a subscript follows a name and is handled below).
      const end = groupEnd(tokens, i);
      targets(tokens, i + 1, end - 1, facts);
      i = end;
      continue;
    }
    if (!isName(t)) {
      i++;
      continue;
    }
    let j = i + 1;
    if (!isOp(tokens[j], ".") && !isOp(tokens[j], "[") && !isOp(tokens[j], "(")) {
      facts.binds.push(t);
      i = j;
      continue;
    }
    const read = { tok: t, tokens, index: i };
    facts.reads.push(read);
    facts.mutations.push(read);
    // The trailers' subscripts and call arguments are reads.
    while (j < to && (isOp(tokens[j], ".") || isOp(tokens[j], "[") || isOp(tokens[j], "("))) {
      if (isOp(tokens[j], ".")) j += 2;
      else {
        const end = groupEnd(tokens, j);
        scanExpr(tokens, j + 1, end - 1, { ...TOP, bracket: tokens[j].string }, facts);
        j = end;
      }
    }
    i = j;
  }
}

const AUGMENTED = new Set(["+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<="]);

function simpleStatement(tokens: readonly Token[], facts: StatementFacts): void {
  const ops = topLevel(tokens, 0, tokens.length, (t) => t.type === Tok.OP && (t.string === "=" || AUGMENTED.has(t.string)));
  const annotation = topLevel(tokens, 0, ops[0] ?? tokens.length, (t) => isOp(t, ":"))[0];
  if (ops.length === 0 && annotation === undefined) {
    scanExpr(tokens, 0, tokens.length, TOP, facts);
    return;
  }
  let start = 0;
  for (const op of ops) {
    const end = annotation !== undefined && annotation >= start && annotation < op ? annotation : op;
    targets(tokens, start, end, facts);
    // `x += 1` reads x too.
    if (AUGMENTED.has(tokens[op].string) && end - start === 1 && isName(tokens[start])) facts.reads.push({ tok: tokens[start], tokens, index: start });
    start = op + 1;
  }
  if (annotation !== undefined) {
    if (ops.length === 0) targets(tokens, 0, annotation, facts);
    scanExpr(tokens, annotation + 1, ops[0] ?? tokens.length, TOP, facts);
  }
  scanExpr(tokens, start, tokens.length, TOP, facts);
}

/** The reads of an expression in [from, to). */
function scanExpr(tokens: readonly Token[], from: number, to: number, scope: ExprScope, facts: StatementFacts): void {
  for (let i = from; i < to; ) {
    const t = tokens[i];
    if (t.type === Tok.OP && t.string in OPENERS) {
      const end = Math.min(groupEnd(tokens, i), to);
      const inside = { ...scope, bracket: t.string };
      const comp = comprehension(tokens, i + 1, end - 1);
      if (!comp) scanExpr(tokens, i + 1, end - 1, inside, facts);
      else {
        // The first iterable is evaluated outside the comprehension; the rest inside, with its variables.
        const own: ExprScope = { hidden: new Set([...scope.hidden, ...comp.names]), bracket: t.string, nested: true };
        scanExpr(tokens, i + 1, comp.iterable[0], own, facts);
        scanExpr(tokens, comp.iterable[0], comp.iterable[1], inside, facts);
        scanExpr(tokens, comp.iterable[1], end - 1, own, facts);
      }
      i = end;
      continue;
    }
    if (t.type === Tok.STRING) {
      const inner = fStringTokens(t);
      if (inner.length) scanExpr(inner, 0, inner.length, { ...scope, bracket: null }, facts);
      i++;
      continue;
    }
    if (t.type === Tok.NAME && t.string === "lambda") {
      i = lambda(tokens, i, to, scope, facts);
      continue;
    }
    if (isName(t) && !isOp(tokens[i - 1], ".") && !scope.hidden.has(t.string)) {
      const next = tokens[i + 1];
      if (isOp(next, ":=")) facts.binds.push(t);
      else if (!(isOp(next, "=") && scope.bracket === "(")) facts.reads.push({ tok: t, tokens, index: i, ...(scope.nested ? { nested: true } : {}) });
    }
    i++;
  }
}

/**
 * A comprehension directly inside a bracket group: the targets of its `for … in` clauses, and the
 * token range of its first iterable.
 */
function comprehension(tokens: readonly Token[], from: number, to: number): { names: Set<string>; iterable: [number, number] } | undefined {
  const fors = topLevel(tokens, from, to, (t) => t.type === Tok.NAME && t.string === "for");
  if (fors.length === 0) return undefined;
  const names = new Set<string>();
  let iterable: [number, number] | undefined;
  for (const f of fors) {
    const inAt = topLevel(tokens, f + 1, to, (t) => t.type === Tok.NAME && t.string === "in")[0] ?? to;
    const facts = empty();
    targets(tokens, f + 1, inAt, facts);
    for (const b of facts.binds) names.add(b.string);
    if (!iterable) {
      const next = topLevel(tokens, inAt + 1, to, (t) => t.type === Tok.NAME && (t.string === "for" || t.string === "if" || t.string === "async"))[0] ?? to;
      iterable = [Math.min(inAt + 1, to), next];
    }
  }
  return { names, iterable: iterable! };
}

/** A lambda at i: its defaults are read outside, its body with its parameters hidden. Returns the index after it. */
function lambda(tokens: readonly Token[], i: number, to: number, scope: ExprScope, facts: StatementFacts): number {
  const colon = topLevel(tokens, i + 1, to, (t) => isOp(t, ":"))[0] ?? to;
  const params = parameterList(tokens, i + 1, colon, facts, { ...scope, bracket: null });
  // The body ends at this level's comma (a nested lambda is read by the recursion).
  const end = topLevel(tokens, colon + 1, to, (t) => isOp(t, ","))[0] ?? to;
  scanExpr(tokens, colon + 1, end, { hidden: new Set([...scope.hidden, ...params.map((p) => p.string)]), bracket: null, nested: true }, facts);
  return Math.max(end, colon + 1);
}

/**
 * The tokens of an f-string's replacement fields, placed where they stand in the file (Python 3.11
 * tokenizes an f-string as one STRING token, so the names inside would otherwise go unseen).
 */
function fStringTokens(t: Token): Token[] {
  const quote = t.string.search(/['"]/);
  if (quote < 0 || !/f/i.test(t.string.slice(0, quote))) return [];
  const s = t.string;
  const out: Token[] = [];
  const place = (offset: number): [number, number] => {
    const before = s.slice(0, offset);
    const nl = before.lastIndexOf("\n");
    return nl < 0 ? [t.start[0], t.start[1] + offset] : [t.start[0] + before.split("\n").length - 1, offset - nl - 1];
  };
  for (let i = quote; i < s.length; i++) {
    if (s[i] === "{" && s[i + 1] === "{") {
      i++;
      continue;
    }
    if (s[i] !== "{") continue;
    // The field's expression: up to a top-level `}`, `!` (conversion) or `:` (format spec).
    let depth = 0;
    let j = i + 1;
    for (; j < s.length; j++) {
      const c = s[j];
      if ("([{".includes(c)) depth++;
      else if (")]".includes(c) || (c === "}" && depth > 0)) depth--;
      else if (depth === 0 && (c === "}" || (c === "!" && s[j + 1] !== "=") || c === ":")) break;
    }
    const field = s.slice(i + 1, j).replace(/=\s*$/, "");
    try {
      for (const inner of generateTokens(["(" + field.replace(/\n/g, " ") + ")\n"])) {
        if (inner.type !== Tok.NAME && inner.type !== Tok.OP && inner.type !== Tok.STRING && inner.type !== Tok.NUMBER) continue;
        const col = inner.start[1] - 1;
        if (col < 0 || col >= field.length) continue;
        out.push({ ...inner, start: place(i + 1 + col), end: place(i + 1 + col + inner.string.length) });
      }
    } catch {
      // A half-typed field: nothing to read yet.
    }
    // Skip a nested format spec's closing brace.
    while (j < s.length && s[j] !== "}") j++;
    i = j;
  }
  return out;
}
