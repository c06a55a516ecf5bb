// What a task depends on beyond its hash: the module-level names its body uses (and, transitively,
// the plain functions it calls use), classified by what the module binds them to, and the effects
// (nondeterministic calls, external inputs) among those uses. Findings word them; the store side
// asks which of them changed since a cached run.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Range } from "../../../core/findings";
import { positionMapper, type DiscoveredModule, type RedunTask } from "../hash/discover";
import { sha256 } from "../../../engine/hash";
import { readLines } from "../python/linecache";
import { Tok } from "../python/tokenize";
import { indexModule, type ModuleBinding, type ModuleIndex } from "./bindings";
import { decoratorCall, includedNames, type DecoratorCall, type Offset } from "./edits";
import { effectOf, type EffectKind } from "./effects";
import { BUILTINS, STDLIB } from "./pythonNames";
import { bodyOf, functionUses, type FunctionUses, type Use } from "./scope";
import { namesIn } from "./syntax";

export interface AnalysisOptions {
  /** Whether a top-level module name is project code. Default: a module file or package beside `path`. */
  isProjectModule?: (name: string) => boolean;
  /** The file's path, for the default of isProjectModule. */
  path?: string;
}

/** A module analysed once for all its tasks. */
export interface ModuleAnalysis {
  text: string;
  index: ModuleIndex;
  offset: Offset;
  usesOf: (def: number) => FunctionUses;
}

export function analyseModule(text: string, module: DiscoveredModule, options: AnalysisOptions = {}): ModuleAnalysis {
  const index = indexModule(text, module.tasks, options.isProjectModule ?? siblingModules(options.path));
  const at = positionMapper(text);
  const usesCache = new Map<number, FunctionUses>();
  const usesOf = (def: number) => {
    let u = usesCache.get(def);
    if (!u) usesCache.set(def, (u = functionUses(index.statements[def], bodyOf(index.statements, def))));
    return u;
  };
  return { text, index, offset: ([line, col]) => at(line, col).offset, usesOf };
}

function siblingModules(path: string | undefined): (name: string) => boolean {
  if (!path) return () => false;
  const dir = dirname(path);
  return (name) => existsSync(join(dir, `${name}.py`)) || existsSync(join(dir, name, "__init__.py"));
}

/**
 * A module-level name the task depends on. `state`: module-level mutable state, which no hash covers
 * (`how`: the task declares it global, changes it in place, or reads a name a function rebinds).
 */
export interface Dependency {
  name: string;
  kind: "constant" | "function" | "class" | "import" | "package" | "state";
  binding: ModuleBinding;
  /** Where the task uses it (for a use through a helper, where the task calls the helper). */
  site: Range;
  /** The helper the task calls to reach it. */
  via?: string;
  /** Covered by the hash: in hash_includes, named in a parameter default, or the source pinned by version=. */
  hashed: boolean;
  how?: "global" | "mutated" | "read";
}

export interface Effect {
  kind: EffectKind;
  /** The code as written: `random.random()`. */
  what: string;
  site: Range;
  via?: string;
}

export interface TaskDependencies {
  dependencies: Dependency[];
  effects: Effect[];
  /** The `@task` decorator and the def statement (by index), for fixes. */
  call?: DecoratorCall;
  def: number;
}

/** The packages whose version a task's hash need not hold: redun itself. */
const QUIET_PACKAGES = new Set(["redun"]);

/** A use reached from a task: in its body, or in a helper it calls. */
interface Reached {
  use: Use;
  site: Range;
  via?: string;
}

/** The task's dependencies, one per name (the first use), and its effects; undefined when its def is not found. */
export function taskDependencies(analysis: ModuleAnalysis, task: RedunTask): TaskDependencies | undefined {
  const { index } = analysis;
  const where = index.taskStatements.get(task);
  if (!where) return undefined;
  const call = where.decorator !== undefined ? decoratorCall(index.statements[where.decorator].tokens) : undefined;
  const pinned = task.options.version !== undefined && task.options.version.text !== "None";
  const hashed = new Set([...(call ? includedNames(call) : []), ...task.parameters.flatMap((p) => (p.default ? namesIn(p.default.text) : []))]);
  const { reads, mutations, globals } = reach(analysis, where.def);
  const dependencies: Dependency[] = [];
  const effects: Effect[] = [];
  const seen = new Set<string>();
  const add = (r: Reached, binding: ModuleBinding, kind: Dependency["kind"], how?: Dependency["how"]) => {
    if (seen.has(r.use.name)) return;
    seen.add(r.use.name);
    const isHashed = kind !== "state" && kind !== "package" && (pinned || hashed.has(r.use.name));
    dependencies.push({ name: r.use.name, kind, binding, site: r.site, ...(r.via ? { via: r.via } : {}), hashed: isHashed, ...(how ? { how } : {}) });
  };
  const constant = (name: string) => {
    const b = index.bindings.get(name);
    return b?.kind === "constant" ? b : undefined;
  };
  for (const r of globals) {
    const b = index.bindings.get(r.use.name);
    if (b) add(r, b, "state", "global");
  }
  for (const r of mutations) {
    const b = constant(r.use.name);
    if (b) add(r, b, "state", "mutated");
  }
  const effectSeen = new Set<string>();
  for (const r of reads) {
    const { use } = r;
    const b = index.bindings.get(use.name);
    const effect = effectOfUse(use, b, index);
    // Through a helper, one finding per helper and effect.
    if (effect && (!r.via || !effectSeen.has(`${r.via}:${effect.what}`))) {
      effectSeen.add(`${r.via}:${effect.what}`);
      effects.push({ ...effect, site: r.site, ...(r.via ? { via: r.via } : {}) });
    }
    if (!b || b.kind === "task") continue;
    // A class named only in an annotation or isinstance() runs none of its code.
    if (b.kind === "class" && !use.called && use.chain.length === 0) continue;
    if (b.kind === "import") {
      const top = b.qualified.split(".")[0];
      if (b.project) add(r, b, "import");
      else if (!STDLIB.has(top) && !QUIET_PACKAGES.has(top)) add(r, b, "package");
    } else if (b.kind === "constant") add(r, b, index.rebound.has(use.name) || mutations.some((m) => m.use.name === use.name) ? "state" : "constant", "read");
    else add(r, b, b.kind);
  }
  return { dependencies, effects, ...(call ? { call } : {}), def: where.def };
}

/**
 * The task body's uses, and transitively those of the plain functions it calls: breadth first, so a
 * name the body uses itself is met there before it is met through a helper.
 */
function reach(analysis: ModuleAnalysis, def: number): { reads: Reached[]; mutations: Reached[]; globals: Reached[] } {
  const out = { reads: [] as Reached[], mutations: [] as Reached[], globals: [] as Reached[] };
  const seen = new Set([def]);
  const span = (from: Use["tok"], to: Use["tok"]): Range => ({ start: analysis.offset(from.start), end: analysis.offset(to.end) });
  const queue: { at: number; via?: string; site?: Range }[] = [{ at: def }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { at, via, site } = next;
    const uses = analysis.usesOf(at);
    const reached = (use: Use): Reached => ({ use, site: site ?? span(use.tok, use.last), ...(via ? { via } : {}) });
    out.mutations.push(...uses.mutations.map(reached));
    out.globals.push(...uses.globals.map((tok) => reached({ name: tok.string, tok, last: tok, chain: [], called: false })));
    for (const use of uses.reads) {
      out.reads.push(reached(use));
      const b = analysis.index.bindings.get(use.name);
      if (b?.kind === "function" && !seen.has(b.statement)) {
        seen.add(b.statement);
        queue.push({ at: b.statement, via: via ?? use.name, site: site ?? span(use.tok, use.tok) });
      }
    }
  }
  return out;
}

/** The effect of a use of a module-level or builtin name, with the code as written (`random.random()`). */
function effectOfUse(use: Use, b: ModuleBinding | undefined, index: ModuleIndex): { kind: EffectKind; what: string } | undefined {
  const base = b?.kind === "import" ? b.qualified : !b && BUILTINS.has(use.name) ? `builtins.${use.name}` : undefined;
  if (base === undefined) return undefined;
  const arg = use.firstArg;
  const plainPath = arg !== undefined && (arg.type === Tok.STRING || (arg.type === Tok.NAME && index.bindings.get(arg.string)?.kind === "constant"));
  const kind = effectOf([base, ...use.chain].join("."), plainPath);
  return kind && { kind, what: `\`${[use.name, ...use.chain].join(".")}${use.called ? "()" : ""}\`` };
}

/**
 * A fingerprint of every module-level name's binding (the text of the statement that binds it; a def
 * or class with its whole body). Compared between the text a cached run imported and today's, they
 * tell which unhashed dependencies changed since (core/stale.ts).
 */
export function bindingFingerprints(index: ModuleIndex, text: string): Record<string, string> {
  const lines = readLines(text);
  return Object.fromEntries([...index.bindings].map(([name, b]) => [name, sha256(definitionText(index, lines, b))]));
}

/** The same, for a text not analysed otherwise (a cached run's). */
export function textFingerprints(text: string): Record<string, string> {
  return bindingFingerprints(indexModule(text, [], () => false), text);
}

/** The text of the statement that binds a name (a def or class with its whole body). */
function definitionText(index: ModuleIndex, lines: readonly string[], b: ModuleBinding): string {
  const st = index.statements[b.statement];
  const body = b.kind === "function" || b.kind === "class" ? bodyOf(index.statements, b.statement) : [];
  const last = (body[body.length - 1] ?? st).tokens;
  return lines.slice(st.line, last[last.length - 1].end[0] + 1).join("");
}
