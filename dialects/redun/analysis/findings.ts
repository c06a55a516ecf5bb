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
import { addParameterDefault, addToHashIncludes, bumpedVersion, decoratorCall, includedNames, setOption, type DecoratorCall, type Offset } from "./edits";
import { effectOf, type EffectKind } from "./effects";
import { BUILTINS, STDLIB } from "./pythonNames";
import { bodyOf, functionUses, type FunctionUses, type Use } from "./scope";
import { namesIn } from "./syntax";

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

/** One task's findings in the making: what every rule needs to word a finding and build its fixes. */
interface TaskReport {
  task: RedunTask;
  short: string;
  out: RedunFinding[];
  add: (code: RedunDiagnosticCode, range: Range, message: string, fixes?: QuickFix[]) => void;
  /** The `@task` decorator (absent when the analysis cannot find it: no edit is offered then). */
  call?: DecoratorCall;
  /** `version=` as written. */
  version?: string;
  nameRange: Range;
  offset: Offset;
}

function taskFindings(task: RedunTask, ctx: Context): RedunFinding[] {
  const short = task.name ?? task.functionName;
  const out: RedunFinding[] = [];
  const report: TaskReport = {
    task,
    short,
    out,
    add: (code, range, message, fixes = []) => out.push({ code, severity: SEVERITY[code], task: task.fullname ?? task.functionName, start: range.start, end: range.end, message, fixes }),
    nameRange: { start: task.nameRange.start.offset, end: task.nameRange.end.offset },
    offset: ctx.offset,
  };
  for (const error of task.errors) report.add("redun-invalid", report.nameRange, `task ${short}: ${error}`);
  const where = ctx.index.taskStatements.get(task);
  const { cache, version } = task.options;
  if (!where || (cache?.value?.t === "bool" && !cache.value.v)) return out;
  if (where.decorator !== undefined) report.call = decoratorCall(ctx.index.statements[where.decorator].tokens);
  if (version && version.text !== "None") report.version = version.text;
  const hashingFixes = dependencyFindings(report, ctx, where.def);
  storeFindings(report, ctx.cached, hashingFixes);
  return out;
}

const fix = (title: string, edit: TextEdit | undefined, preferred = false): QuickFix[] => (edit ? [{ title, edits: [edit], ...(preferred ? { preferred } : {}) }] : []);

/** What the body reads, changes and calls beyond the hash. Returns each unhashed dependency's fixes. */
function dependencyFindings(report: TaskReport, ctx: Context, def: number): Map<string, QuickFix[]> {
  const { task, short, add, call } = report;
  const hashed = new Set([...(call ? includedNames(call) : []), ...task.parameters.flatMap((p) => (p.default ? namesIn(p.default.text) : []))]);
  // A fix may name a binding only where the decorator and the def run after it.
  const definedBefore = (b: ModuleBinding) => b.tok.start[0] < task.range.start.line;
  const includeFix = (b: ModuleBinding) => (call && definedBefore(b) ? fix(`Add \`${b.name}\` to hash_includes`, addToHashIncludes(call, ctx.offset, b.name)) : []);
  const noCache = () => fix("Do not cache this task (cache=False)", call && setOption(call, ctx.offset, "cache", "False"));

  const { reads, mutations, globals } = reach(ctx, def);
  const mutated = new Set(mutations.map((m) => m.use.name));
  const reported = new Set<string>();
  const once = (key: string) => !reported.has(key) && (reported.add(key), true);
  const through = (r: Reached) => (r.via ? ` (through \`${r.via}\`)` : "");
  const unpredictable = ": no cache key can cover it, so results may depend on when the task ran";
  const hashingFixes = new Map<string, QuickFix[]>();

  for (const r of globals) {
    if (once(`state:${r.use.name}`)) add("mutable-state", r.site, `task ${short} rebinds module-level \`${r.use.name}\` (global)${through(r)}${unpredictable}`);
  }
  for (const r of mutations) {
    if (ctx.index.bindings.get(r.use.name)?.kind === "constant" && once(`state:${r.use.name}`)) add("mutable-state", r.site, `task ${short} changes module-level \`${r.use.name}\` in place${through(r)}${unpredictable}`);
  }
  for (const r of reads) {
    const { use, site } = r;
    const b = ctx.index.bindings.get(use.name);
    const effect = effectOfUse(use, b, ctx.index);
    if (effect && (!r.via || once(`effect:${r.via}:${effect.what}`))) {
      const what = `${effect.what}${through(r)} in cached task ${short}`;
      if (effect.kind === "nondeterministic") add("nondeterministic", site, `${what}: the cache keeps the first result and serves it on every run`, noCache());
      else add("external-input", site, `${what}: the input is not in the cache key, so a change to it will not rerun the task`, noCache());
    }
    // A class named only in an annotation or isinstance() runs none of its code.
    if (b?.kind === "class" && !use.called && use.chain.length === 0) continue;
    if (!b || b.kind === "task" || !once(`dep:${use.name}`)) continue;
    if (b.kind === "import" && !b.project) {
      const top = b.qualified.split(".")[0];
      if (!STDLIB.has(top) && !QUIET_PACKAGES.has(top)) add("package-import", site, `task ${short} uses \`${use.name}\` from package "${top}"${through(r)}; the package's version is not in the hash`);
      continue;
    }
    if (b.kind === "constant" && (ctx.index.rebound.has(use.name) || mutated.has(use.name))) {
      const by = ctx.index.rebound.get(use.name);
      if (once(`state:${use.name}`)) add("mutable-state", site, `\`${use.name}\` is module-level mutable state read by task ${short}${through(r)}${by ? ` (\`${by}\` rebinds it)` : ""}${unpredictable}`);
      continue;
    }
    // version= replaces the source in the hash: what the source reads no longer matters to it.
    if (report.version !== undefined || hashed.has(use.name)) continue;
    const unseen = "editing it will not rerun the task";
    if (b.kind === "constant") {
      const param = !r.via && definedBefore(b) ? fix(`Pass \`${use.name}\` as a parameter default`, addParameterDefault(ctx.index.statements[def].tokens, ctx.offset, use.name), true) : [];
      const fixes = [...param, ...includeFix(b)];
      hashingFixes.set(use.name, fixes);
      add("unhashed-constant", site, `\`${use.name}\` is a module constant that task ${short}'s cache key does not cover${through(r)}: ${unseen}`, fixes);
    } else if (b.kind === "function" || b.kind === "class") {
      // A class in hash_includes is pickled by reference: its source would still go unseen.
      const fixes = b.kind === "function" ? includeFix(b) : [];
      hashingFixes.set(use.name, fixes);
      add("unhashed-function", site, `task ${short} calls ${b.kind} \`${use.name}\`${through(r)}, whose source its cache key does not cover: ${unseen}`, fixes);
    } else if (b.kind === "import") {
      // `hash_includes=[module]` cannot be pickled; a name imported from a module can be hashed.
      const fixes = b.from ? includeFix(b) : [];
      hashingFixes.set(use.name, fixes);
      const from = b.from ? b.qualified.slice(0, b.qualified.lastIndexOf(".")) || b.qualified : b.qualified;
      add("unhashed-import", site, `task ${short} uses \`${use.name}\` imported from "${from}"${through(r)}, which its cache key does not cover: ${unseen}`, fixes);
    }
  }
  return hashingFixes;
}

/** What the store's cached run says: an edit a pinned version hides, an edit that changes no code, a stale result. */
function storeFindings(report: TaskReport, cached: CachedTask | undefined, hashingFixes: Map<string, QuickFix[]>): void {
  const { task, short, add, call, version, nameRange } = report;
  const bumped = version !== undefined ? bumpedVersion(version) : undefined;
  const bumpFix = () => (call && bumped ? fix("Bump version", setOption(call, report.offset, "version", bumped)) : []);
  const before = cached?.source;
  const now = task.source;
  if (before != null && now !== null && before !== now) {
    if (version !== undefined) add("version-pinned-edit", nameRange, `task ${short}'s source differs from the cached run, but version ${version} pins it: the edit will not rerun the task`, bumpFix());
    else if (cached?.status !== "cached" && sameCode(before, now)) {
      const pin = call ? fix("Pin version", setOption(call, report.offset, "version", '"1"')) : [];
      add("cosmetic-edit-reruns", nameRange, `task ${short}'s edit changes only comments, blank lines, spacing or the docstring, yet redun hashes the raw source: the next run reruns the task`, pin);
    }
  }
  if (cached?.status === "stale" && cached.changed?.length) {
    const fixes = [...cached.changed.flatMap((n) => (hashingFixes.get(n) ?? []).slice(0, 1)), ...bumpFix()];
    add("stale-cache", nameRange, `the store holds a result of task ${short} computed before ${cached.changed.map((n) => `\`${n}\``).join(", ")} changed (not hashed): running reuses a stale result`, fixes);
  }
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
