// The redun dialect's findings (the README's diagnostics, Python meaning) and their quick fixes as
// Python text edits, as a pure function of the text, its discovered tasks and (for the store-related
// codes) what the store holds. Same codes and message style as the tasklens dialect's diagnostics.
import { SEVERITY, type DiagnosticCode, type Finding, type QuickFix, type Range, type TextEdit } from "../../../core/findings";
import type { PredictedStatus } from "../../../core/manifest";
import type { DiscoveredModule, RedunTask } from "../hash/discover";
import type { ModuleBinding } from "./bindings";
import { sameCode } from "./cosmetic";
import { analyseModule, taskDependencies, type AnalysisOptions, type Dependency, type ModuleAnalysis } from "./dependencies";
import { addParameterDefault, addToHashIncludes, bumpedVersion, setOption, type DecoratorCall } from "./edits";

export type RedunDiagnosticCode = DiagnosticCode;

export type RedunFinding = Finding & { code: RedunDiagnosticCode };


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

export interface RedunFindingOptions extends AnalysisOptions {
  cached?: (task: RedunTask) => CachedTask | undefined;
  /** The module's analysis when the caller has made it already. */
  analysis?: ModuleAnalysis;
}

export function redunFindings(text: string, module: DiscoveredModule, options: RedunFindingOptions = {}): RedunFinding[] {
  const analysis = options.analysis ?? analyseModule(text, module, options);
  const out = module.tasks.flatMap((task) => taskFindings(task, analysis, options.cached?.(task)));
  return out.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}

/** One task's findings in the making: what every rule needs to word a finding and build its fixes. */
interface TaskReport {
  task: RedunTask;
  short: string;
  add: (code: RedunDiagnosticCode, range: Range, message: string, fixes?: QuickFix[]) => void;
  analysis: ModuleAnalysis;
  /** The `@task` decorator (absent when the analysis cannot find it: no edit is offered then). */
  call?: DecoratorCall;
  /** `version=` as written. */
  version?: string;
  nameRange: Range;
}

function taskFindings(task: RedunTask, analysis: ModuleAnalysis, cached: CachedTask | undefined): RedunFinding[] {
  const short = task.name ?? task.functionName;
  const out: RedunFinding[] = [];
  const add: TaskReport["add"] = (code, range, message, fixes = []) =>
    out.push({ code, severity: SEVERITY[code], task: task.fullname ?? task.functionName, start: range.start, end: range.end, message, fixes });
  const nameRange = { start: task.nameRange.start.offset, end: task.nameRange.end.offset };
  for (const error of task.errors) add("redun-invalid", nameRange, `task ${short}: ${error}`);
  const { cache, version } = task.options;
  const deps = taskDependencies(analysis, task);
  if (!deps || (cache?.value?.t === "bool" && !cache.value.v)) return out;
  const report: TaskReport = { task, short, add, analysis, nameRange, ...(deps.call ? { call: deps.call } : {}), ...(version && version.text !== "None" ? { version: version.text } : {}) };
  const hashingFixes = dependencyFindings(report, deps.dependencies, deps.def);
  for (const effect of deps.effects) {
    const what = `${effect.what}${through(effect)} in cached task ${short}`;
    const noCache = fix("Do not cache this task (cache=False)", report.call && setOption(report.call, analysis.offset, "cache", "False"));
    if (effect.kind === "nondeterministic") add("nondeterministic", effect.site, `${what}: the cache keeps the first result and serves it on every run`, noCache);
    else add("external-input", effect.site, `${what}: the input is not in the cache key, so a change to it will not rerun the task`, noCache);
  }
  storeFindings(report, cached, hashingFixes);
  return out;
}

const fix = (title: string, edit: TextEdit | undefined, preferred = false): QuickFix[] => (edit ? [{ title, edits: [edit], ...(preferred ? { preferred } : {}) }] : []);
const through = (d: { via?: string }) => (d.via ? ` (through \`${d.via}\`)` : "");

/** The unhashed dependencies and the module-level state. Returns each unhashed dependency's fixes. */
function dependencyFindings(report: TaskReport, dependencies: Dependency[], def: number): Map<string, QuickFix[]> {
  const { task, short, add, call, analysis } = report;
  // A fix may name a binding only where the decorator and the def run after it.
  const definedBefore = (b: ModuleBinding) => b.tok.start[0] < task.range.start.line;
  const includeFix = (b: ModuleBinding) => (call && definedBefore(b) ? fix(`Add \`${b.name}\` to hash_includes`, addToHashIncludes(call, analysis.offset, b.name)) : []);
  const unpredictable = ": no cache key can cover it, so results may depend on when the task ran";
  const unseen = "editing it will not rerun the task";
  const hashingFixes = new Map<string, QuickFix[]>();
  for (const d of dependencies) {
    const { name, site, binding: b } = d;
    if (d.kind === "state") {
      const by = analysis.index.rebound.get(name);
      if (d.how === "global") add("mutable-state", site, `task ${short} rebinds module-level \`${name}\` (global)${through(d)}${unpredictable}`);
      else if (d.how === "mutated") add("mutable-state", site, `task ${short} changes module-level \`${name}\` in place${through(d)}${unpredictable}`);
      else add("mutable-state", site, `\`${name}\` is module-level mutable state read by task ${short}${through(d)}${by ? ` (\`${by}\` rebinds it)` : ""}${unpredictable}`);
    } else if (d.kind === "package") {
      const top = b.kind === "import" ? b.qualified.split(".")[0] : name;
      add("package-import", site, `task ${short} uses \`${name}\` from package "${top}"${through(d)}; the package's version is not in the hash`);
    } else if (d.hashed) {
      continue;
    } else if (d.kind === "constant") {
      const param = !d.via && definedBefore(b) ? fix(`Pass \`${name}\` as a parameter default`, addParameterDefault(analysis.index.statements[def].tokens, analysis.offset, name), true) : [];
      const fixes = [...param, ...includeFix(b)];
      hashingFixes.set(name, fixes);
      add("unhashed-constant", site, `\`${name}\` is a module constant that task ${short}'s cache key does not cover${through(d)}: ${unseen}`, fixes);
    } else if (d.kind === "function" || d.kind === "class") {
      // A class in hash_includes is pickled by reference: its source would still go unseen.
      const fixes = d.kind === "function" ? includeFix(b) : [];
      hashingFixes.set(name, fixes);
      add("unhashed-function", site, `task ${short} calls ${d.kind} \`${name}\`${through(d)}, whose source its cache key does not cover: ${unseen}`, fixes);
    } else if (d.kind === "import" && b.kind === "import") {
      // `hash_includes=[module]` cannot be pickled; a name imported from a module can be hashed.
      const fixes = b.from ? includeFix(b) : [];
      hashingFixes.set(name, fixes);
      const from = b.from ? b.qualified.slice(0, b.qualified.lastIndexOf(".")) || b.qualified : b.qualified;
      add("unhashed-import", site, `task ${short} uses \`${name}\` imported from "${from}"${through(d)}, which its cache key does not cover: ${unseen}`, fixes);
    }
  }
  return hashingFixes;
}

/** What the store's cached run says: an edit a pinned version hides, an edit that changes no code, a stale result. */
function storeFindings(report: TaskReport, cached: CachedTask | undefined, hashingFixes: Map<string, QuickFix[]>): void {
  const { task, short, add, call, version, nameRange } = report;
  const bumped = version !== undefined ? bumpedVersion(version) : undefined;
  const bumpFix = () => (call && bumped ? fix("Bump version", setOption(call, report.analysis.offset, "version", bumped)) : []);
  const before = cached?.source;
  const now = task.source;
  if (before != null && now !== null && before !== now) {
    if (version !== undefined) add("version-pinned-edit", nameRange, `task ${short}'s source differs from the cached run, but version ${version} pins it: the edit will not rerun the task`, bumpFix());
    else if (cached?.status !== "cached" && sameCode(before, now)) {
      const pin = call ? fix("Pin version", setOption(call, report.analysis.offset, "version", '"1"')) : [];
      add("cosmetic-edit-reruns", nameRange, `task ${short}'s edit changes only comments, blank lines, spacing or the docstring, yet redun hashes the raw source: the next run reruns the task`, pin);
    }
  }
  if (cached?.status === "stale" && cached.changed?.length) {
    const fixes = [...cached.changed.flatMap((n) => (hashingFixes.get(n) ?? []).slice(0, 1)), ...bumpFix()];
    add("stale-cache", nameRange, `the store holds a result of task ${short} computed before ${cached.changed.map((n) => `\`${n}\``).join(", ")} changed (not hashed): running reuses a stale result`, fixes);
  }
}

