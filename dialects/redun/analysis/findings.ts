// The redun dialect's findings (the README's diagnostics, Python meaning) and their quick fixes as
// Python text edits, as a pure function of the text, its discovered tasks and (for the store-related
// codes) what the store holds. Same codes and message style as the tasklens dialect's diagnostics.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Finding, QuickFix, Range, Severity, TextEdit } from "../../../core/findings";
import type { PredictedStatus } from "../../../core/manifest";
import { SEVERITY as TASKLENS_SEVERITY, type DiagnosticCode } from "../../tasklens/diagnostics";
import { positionMapper, type DiscoveredModule, type RedunTask } from "../hash/discover";
import { Tok } from "../python/tokenize";
import { indexModule, type ModuleBinding, type ModuleIndex } from "./bindings";
import { sameCode } from "./cosmetic";
import { addParameterDefault, addToHashIncludes, bumpedVersion, decoratorCall, includedNames, setOption, type Offset } from "./edits";
import { effectOf, type EffectKind } from "./effects";
import { BUILTINS, STDLIB } from "./pythonNames";
import { bodyOf, functionUses, type FunctionUses, type Use } from "./scope";

/** The tasklens dialect's codes (same severities), and two of redun's own. */
export type RedunDiagnosticCode = DiagnosticCode | "cosmetic-edit-reruns" | "redun-invalid";

export type RedunFinding = Finding & { code: RedunDiagnosticCode };

const SEVERITY: Record<RedunDiagnosticCode, Severity> = { ...TASKLENS_SEVERITY, "cosmetic-edit-reruns": "information", "redun-invalid": "error" };

/** What the store holds for a task, as far as findings care. */
export interface CachedTask {
  /**
   * The source redun stored with the task's cached result: for the current hash when there is one (a
   * pinned `version=`), else the latest by the task's full name. null when unknown.
   */
  source: string | null;
  status?: PredictedStatus;
  /** With status "stale": the unhashed dependencies that changed since the cached run. */
  changed?: string[];
}

export interface RedunFindingOptions {
  cached?: (task: RedunTask) => CachedTask | undefined;
  /** Whether a top-level module name is project code. Default: a module file or package beside `path`. */
  isProjectModule?: (name: string) => boolean;
  /** The file's path, for the default of isProjectModule. */
  path?: string;
}

/** The packages whose version a task's hash need not hold: redun itself. */
const QUIET_PACKAGES = new Set(["redun"]);

export function redunFindings(text: string, module: DiscoveredModule, options: RedunFindingOptions = {}): RedunFinding[] {
  const isProject = options.isProjectModule ?? siblingModules(options.path);
  const index = indexModule(text, module.tasks, isProject);
  const at = positionMapper(text);
  const offset: Offset = ([line, col]) => at(line, col).offset;
  const usesCache = new Map<number, FunctionUses>();
  const usesOf = (def: number) => {
    let u = usesCache.get(def);
    if (!u) usesCache.set(def, (u = functionUses(index.statements[def], bodyOf(index.statements, def))));
    return u;
  };
  const out: RedunFinding[] = [];
  for (const task of module.tasks) out.push(...taskFindings(task, { text, index, offset, usesOf, cached: options.cached?.(task) }));
  return out.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}

function siblingModules(path: string | undefined): (name: string) => boolean {
  if (!path) return () => false;
  const dir = dirname(path);
  return (name) => existsSync(join(dir, `${name}.py`)) || existsSync(join(dir, name, "__init__.py"));
}

interface Context {
  text: string;
  index: ModuleIndex;
  offset: Offset;
  usesOf: (def: number) => FunctionUses;
  cached?: CachedTask;
}

/** A use reached from a task: in its body, or in a helper it calls (`via`, the helper called from the body; `site`, that call). */
interface Reached {
  use: Use;
  site: Range;
  via?: string;
}

/**
 * The task body's uses, and transitively those of the plain functions it calls: breadth first, so a
 * name the body uses itself is met there before it is met through a helper.
 */
function reach(ctx: Context, def: number): { reads: Reached[]; mutations: Reached[]; globals: Reached[] } {
  const out = { reads: [] as Reached[], mutations: [] as Reached[], globals: [] as Reached[] };
  const seen = new Set([def]);
  const queue: { at: number; via?: string; site?: Range }[] = [{ at: def }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { at, via, site } = next;
    const uses = ctx.usesOf(at);
    const spanOf = (use: Use): Range => ({ start: ctx.offset(use.tok.start), end: ctx.offset(use.last.end) });
    const reached = (use: Use): Reached => ({ use, site: site ?? spanOf(use), ...(via ? { via } : {}) });
    out.mutations.push(...uses.mutations.map(reached));
    out.globals.push(...uses.globals.map((tok) => reached({ name: tok.string, tok, last: tok, chain: [], called: false })));
    for (const use of uses.reads) {
      out.reads.push(reached(use));
      const b = ctx.index.bindings.get(use.name);
      if (b?.kind === "function" && !seen.has(b.statement)) {
        seen.add(b.statement);
        queue.push({ at: b.statement, via: via ?? use.name, site: site ?? { start: ctx.offset(use.tok.start), end: ctx.offset(use.tok.end) } });
      }
    }
  }
  return out;
}

function taskFindings(task: RedunTask, ctx: Context): RedunFinding[] {
  const out: RedunFinding[] = [];
  const short = task.name ?? task.functionName;
  const name = task.fullname ?? task.functionName;
  const nameRange: Range = { start: task.nameRange.start.offset, end: task.nameRange.end.offset };
  const add = (code: RedunDiagnosticCode, range: Range, message: string, fixes: QuickFix[] = []) =>
    out.push({ code, severity: SEVERITY[code], task: name, start: range.start, end: range.end, message, fixes });

  for (const error of task.errors) add("redun-invalid", nameRange, `task ${short}: ${error}`);
  const where = ctx.index.taskStatements.get(task);
  const option = task.options;
  if (!where || option.cache?.value?.t === "bool" && !option.cache.value.v) return out;
  const def = ctx.index.statements[where.def];
  const call = where.decorator !== undefined ? decoratorCall(ctx.index.statements[where.decorator].tokens) : undefined;
  const version = option.version && option.version.text !== "None" ? option.version.text : undefined;
  const hashed = new Set([...(call ? includedNames(call) : []), ...task.parameters.flatMap((p) => p.default?.text.match(/[\p{L}_][\p{L}\p{N}_]*/gu) ?? [])]);
  // A fix may name a binding only where the decorator and the def run after it.
  const definedBefore = (b: ModuleBinding) => b.tok.start[0] < task.range.start.line;
  const fix = (title: string, edit: TextEdit | undefined, preferred = false): QuickFix[] => (edit ? [{ title, edits: [edit], ...(preferred ? { preferred } : {}) }] : []);
  const includeFix = (b: ModuleBinding): QuickFix[] => (call && definedBefore(b) ? fix(`Add \`${b.name}\` to hash_includes`, addToHashIncludes(call, ctx.offset, b.name)) : []);
  const bumpFix = (): QuickFix[] => {
    const bumped = version !== undefined ? bumpedVersion(version) : undefined;
    return call && bumped ? fix("Bump version", setOption(call, ctx.offset, "version", bumped)) : [];
  };
  const pinFix = (): QuickFix[] => (call ? fix("Pin version", setOption(call, ctx.offset, "version", '"1"')) : []);

  const { reads, mutations, globals } = reach(ctx, where.def);
  const mutated = new Set(mutations.map((m) => m.use.name));
  const reported = new Set<string>();
  const once = (key: string) => !reported.has(key) && (reported.add(key), true);
  const through = (r: Reached) => (r.via ? ` (through \`${r.via}\`)` : "");
  const hashingFixes = new Map<string, QuickFix[]>();

  for (const r of globals) {
    if (once(`global:${r.use.name}`)) add("mutable-state", r.site, `task ${short} rebinds module-level \`${r.use.name}\` (global)${through(r)}: no cache key can cover it, so results may depend on when the task ran`);
  }
  for (const r of mutations) {
    if (ctx.index.bindings.get(r.use.name)?.kind === "constant" && once(`global:${r.use.name}`))
      add("mutable-state", r.site, `task ${short} changes module-level \`${r.use.name}\` in place${through(r)}: no cache key can cover it, so results may depend on when the task ran`);
  }

  for (const r of reads) {
    const { use } = r;
    const b = ctx.index.bindings.get(use.name);
    const effect = effectOfUse(use, b, ctx.index);
    if (effect && (!r.via || once(`effect:${r.via}:${effect.what}`))) {
      const what = `${effect.what}${through(r)}`;
      const noCache = fix("Do not cache this task (cache=False)", call && setOption(call, ctx.offset, "cache", "False"));
      if (effect.kind === "nondeterministic") add("nondeterministic", r.site, `${what} in cached task ${short}: the cache keeps the first result and serves it on every run`, noCache);
      else add("external-input", r.site, `${what} in cached task ${short}: the input is not in the cache key, so a change to it will not rerun the task`, noCache);
    }
    if (!b || b.kind === "task" || !once(`dep:${use.name}`)) continue;
    const site = r.site;
    if (b.kind === "import" && !b.project) {
      const top = b.qualified.split(".")[0];
      if (!STDLIB.has(top) && !QUIET_PACKAGES.has(top)) add("package-import", site, `task ${short} uses \`${use.name}\` from package "${top}"${through(r)}; the package's version is not in the hash`);
      continue;
    }
    if (b.kind === "constant" && (ctx.index.rebound.has(use.name) || mutated.has(use.name))) {
      // Reported once per name: a change made by the task itself was reported where it happens.
      const by = ctx.index.rebound.get(use.name);
      if (once(`global:${use.name}`))
        add("mutable-state", site, `\`${use.name}\` is module-level mutable state read by task ${short}${through(r)}${by ? ` (\`${by}\` rebinds it)` : ""}: no cache key can cover it, so results may depend on when the task ran`);
      continue;
    }
    if (version !== undefined || hashed.has(use.name)) continue;
    if (b.kind === "constant") {
      const param = !r.via && definedBefore(b) ? fix(`Pass \`${use.name}\` as a parameter default`, addParameterDefault(def.tokens, ctx.offset, use.name), true) : [];
      const fixes = [...param, ...includeFix(b)];
      hashingFixes.set(use.name, fixes);
      add("unhashed-constant", site, `\`${use.name}\` is a module constant that task ${short}'s cache key does not cover${through(r)}: editing it will not rerun the task`, fixes);
    } else if (b.kind === "function" || b.kind === "class") {
      const fixes = b.kind === "function" ? includeFix(b) : [];
      hashingFixes.set(use.name, fixes);
      add("unhashed-function", site, `task ${short} calls ${b.kind} \`${use.name}\`${through(r)}, whose source its cache key does not cover: editing it will not rerun the task`, fixes);
    } else if (b.kind === "import") {
      // `hash_includes=[module]` cannot be hashed; a name imported from a module can.
      const fixes = b.from ? includeFix(b) : [];
      hashingFixes.set(use.name, fixes);
      const from = b.from ? b.qualified.slice(0, b.qualified.lastIndexOf(".")) || b.qualified : b.qualified;
      add("unhashed-import", site, `task ${short} uses \`${use.name}\` imported from "${from}"${through(r)}, which its cache key does not cover: editing it will not rerun the task`, fixes);
    }
  }

  const cached = ctx.cached;
  const edited = cached?.source != null && task.source !== null && cached.source !== task.source;
  if (edited && version !== undefined) {
    add("version-pinned-edit", nameRange, `task ${short}'s source differs from the cached run, but version ${version} pins it: the edit will not rerun the task`, bumpFix());
  } else if (edited && cached?.status !== "cached" && sameCode(cached!.source!, task.source!)) {
    add("cosmetic-edit-reruns", nameRange, `task ${short}'s edit changes only comments, blank lines, spacing or the docstring, yet redun hashes the raw source: the next run reruns the task`, pinFix());
  }
  if (cached?.status === "stale" && cached.changed?.length) {
    const fixes = [...cached.changed.flatMap((n) => (hashingFixes.get(n) ?? []).slice(0, 1)), ...bumpFix()];
    add("stale-cache", nameRange, `the store holds a result of task ${short} computed before ${cached.changed.map((n) => `\`${n}\``).join(", ")} changed (not hashed): running reuses a stale result`, fixes);
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
