// Python's scoping over a function's statements: a name bound anywhere in a function is local to all of
// it (unless declared global or nonlocal); nested functions see their enclosing functions' locals but
// not a class body's. What is left are the module-level (or builtin) names the body uses.
import type { Statement } from "../python/module";
import { Tok, type Token } from "../python/tokenize";
import { readStatement, type Read, type StatementFacts } from "./syntax";

/** A use of a module-level name in a function body. */
export interface Use {
  name: string;
  tok: Token;
  /** The chain's last token (`environ` in `os.environ`): a finding spans tok … last. */
  last: Token;
  /** Attribute names that follow it (`os.environ.get` → ["environ", "get"]). */
  chain: string[];
  /** Whether the chain is called, and the call's first argument when it is one token. */
  called: boolean;
  firstArg?: Token;
}

export interface FunctionUses {
  reads: Use[];
  /** Module-level names changed in place (`CACHE[k] = v`, `CACHE.append(v)`). */
  mutations: Use[];
  /** `global X` declarations. */
  globals: Token[];
}

interface Scope {
  kind: "function" | "class";
  parent?: Scope;
  bound: Set<string>;
  globals: Set<string>;
  nonlocals: Set<string>;
}

/** Methods that change a list, dict or set in place. */
const MUTATORS = new Set(["append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard", "popitem", "sort", "reverse", "__setitem__", "__delitem__"]);

export function useOf(read: Read): Use {
  const { tokens, index } = read;
  const chain: string[] = [];
  let last = read.tok;
  let k = index + 1;
  while (tokens[k]?.string === "." && tokens[k + 1]?.type === Tok.NAME) {
    last = tokens[k + 1];
    chain.push(last.string);
    k += 2;
  }
  const called = tokens[k]?.type === Tok.OP && tokens[k].string === "(";
  const arg = called ? tokens[k + 1] : undefined;
  const single = arg && [",", ")"].includes(tokens[k + 2]?.string ?? "");
  return { name: read.tok.string, tok: read.tok, last, chain, called, ...(single ? { firstArg: arg } : {}) };
}

/**
 * The module-level names used by the function whose `def` is `def` and whose body is `body` (the
 * statements after it, deeper than it). The def's own decorators, defaults and annotations are not
 * part of the body: they run where the function is defined.
 */
export function functionUses(def: Statement, body: readonly Statement[]): FunctionUses {
  const header = readStatement(def.tokens);
  const root: Scope = newScope("function", undefined, header.opens?.params ?? []);
  const depth = def.blocks.length;
  const scopes = new Map<object, Scope>();
  const collected: { facts: StatementFacts; scope: Scope }[] = [];
  const collect = (facts: StatementFacts, scope: Scope): Scope | undefined => {
    for (const b of facts.binds) scope.bound.add(b.string);
    for (const g of facts.globals) scope.globals.add(g.string);
    for (const n of facts.nonlocals) scope.nonlocals.add(n.string);
    collected.push({ facts, scope });
    const opened = facts.opens ? newScope(facts.opens.kind, scope, facts.opens.params) : undefined;
    if (facts.inline) collect(facts.inline, opened ?? scope);
    return opened;
  };
  if (header.inline) collect(header.inline, root);
  let pending: { depth: number; scope: Scope } | undefined;
  for (const st of body) {
    if (body[0] && st === body[0]) scopes.set(st.blocks[depth], root);
    if (pending && st.blocks.length > pending.depth && !scopes.has(st.blocks[pending.depth])) scopes.set(st.blocks[pending.depth], pending.scope);
    pending = undefined;
    let scope = root;
    for (let i = st.blocks.length - 1; i >= depth; i--) {
      const s = scopes.get(st.blocks[i]);
      if (s) {
        scope = s;
        break;
      }
    }
    const opened = collect(readStatement(st.tokens), scope);
    if (opened) pending = { depth: st.blocks.length, scope: opened };
  }

  const uses: FunctionUses = { reads: [], mutations: [], globals: [] };
  for (const { facts, scope } of collected) {
    uses.globals.push(...facts.globals);
    const mutated = new Set(facts.mutations.map((m) => m.tok));
    for (const read of facts.reads) {
      if (!isModuleLevel(read.tok.string, scope, read.nested === true)) continue;
      const use = useOf(read);
      uses.reads.push(use);
      if (mutated.has(read.tok) || (use.called && use.chain.length === 1 && MUTATORS.has(use.chain[0]))) uses.mutations.push(use);
    }
  }
  return uses;
}

function newScope(kind: Scope["kind"], parent: Scope | undefined, params: Token[]): Scope {
  return { kind, parent, bound: new Set(params.map((p) => p.string)), globals: new Set(), nonlocals: new Set() };
}

/** Whether `name` read in `scope` (`nested`: in a comprehension or lambda there) resolves to the module (or builtins). */
function isModuleLevel(name: string, scope: Scope, nested: boolean): boolean {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (s.globals.has(name)) return true;
    // A class body's names are visible in the class body only, not in its methods, comprehensions or lambdas.
    if ((s.kind === "function" || (s === scope && !nested)) && s.bound.has(name) && !s.nonlocals.has(name)) return false;
  }
  return true;
}

/** The statements of the body of the def statement at `index` (deeper than it, contiguous). */
export function bodyOf(statements: readonly Statement[], index: number): Statement[] {
  const def = statements[index];
  const out: Statement[] = [];
  for (let i = index + 1; i < statements.length && statements[i].blocks.length > def.blocks.length && statements[i].line > def.line; i++) out.push(statements[i]);
  return out;
}
