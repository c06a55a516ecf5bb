// One redun workflow file looked at without running it: each task's manifest (redun's own hash,
// predicted from the text), what the store says of it, and the findings. `check`, `explain` and the
// language server reach it through the redun dialect.
import path from "node:path";
import type { InspectedTask, Inspection, ParamView } from "../../core/dialect";
import type { SyntaxProblem } from "../../core/findings";
import type { DependencyKind, TaskManifest } from "../../core/manifest";
import { predict } from "../../core/predict";
import { predictionInPlan, type Plan, type PlanRequest } from "../../core/plan";
import type { StoreReader, TaskLookup } from "../../core/storeReader";
import { planRedun } from "./plan";
import { RedunStoreReader } from "./storeReader";
import { analyseModule, bindingFingerprints, redunFindings, taskDependencies, type CachedTask, type Dependency } from "./analysis";
import type { DiscoveredModule, RedunTask } from "./hash/discover";

/** The module name redun gives a file it runs (`redun run path/x.py` imports it as `x`). */
export function moduleNameOf(file: string): string {
  return path.basename(file).replace(/\.py$/, "");
}

function literal(task: RedunTask, option: string): unknown {
  const v = task.options[option]?.value;
  if (!v) return undefined;
  return "v" in v ? v.v : undefined;
}

/** Parameters as the CLI shows them: the annotation as the type; redun parses the text itself. */
function paramViews(task: RedunTask): ParamView[] {
  return task.parameters
    .filter((p) => p.kind !== "var-positional" && p.kind !== "var-keyword")
    .map((p) => ({ name: p.name, type: p.annotation, defaultText: p.default?.text, optional: p.default !== undefined, rawText: true }));
}

const KIND: Record<Dependency["kind"], DependencyKind> = { constant: "const", function: "function", class: "class", import: "import", package: "package", state: "let" };

/** A task's manifest: redun's hash as predicted from the text, and what the task reads beyond it. */
export function manifestOf(task: RedunTask, dependencies: Dependency[] = [], fingerprints: Record<string, string> = {}): TaskManifest {
  const version = literal(task, "version");
  const versionText = typeof version === "string" ? version : undefined;
  const hashed = versionText !== undefined ? [`version ${JSON.stringify(versionText)}`] : ["source (raw text: comments and blank lines count)"];
  if (task.options.hash_includes) hashed.push("hash_includes");
  return {
    dialect: "redun",
    fullName: task.fullname ?? task.functionName,
    taskHash: task.hash,
    unknownHash: task.hash === null ? task.reason ?? "the hash depends on values known only at run time" : undefined,
    cached: literal(task, "cache") !== false,
    source: task.source ?? "",
    sourceKey: task.source ?? "",
    version: versionText,
    parts: { version: versionText },
    hashedWords: hashed,
    dependencies: dependencies.map((d) => ({ name: d.name, kind: KIND[d.kind], hashed: d.hashed, fingerprint: fingerprints[d.name], asArgument: false })),
  };
}

/** Syntax errors where Python would report them (the analysis counts lines and columns from 0). */
function syntaxProblems(text: string, module: DiscoveredModule): SyntaxProblem[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  return module.syntaxErrors.map((e) => {
    const line = Math.max(0, Math.min(e.line, lineStarts.length - 1));
    return { line: line + 1, col: e.col + 1, start: lineStarts[line] + e.col, message: e.message };
  });
}

/** The redun view of a file: the neutral inspection, and plans of its tasks' calls. */
export interface RedunInspection extends Inspection {
  plan(request: PlanRequest): Plan;
}

/** The task `redun run FILE` runs (main), when it runs without arguments. */
function entryTask(module: DiscoveredModule): RedunTask | undefined {
  const main = module.tasks.find((t) => t.name === "main");
  return main && main.parameters.every((p) => p.default || p.kind === "var-positional" || p.kind === "var-keyword") ? main : undefined;
}

export function inspectRedun(fileArg: string, text: string, module: DiscoveredModule, store: StoreReader | undefined): RedunInspection {
  const file = path.resolve(fileArg);
  const analysis = analyseModule(text, module, { path: file });
  const fingerprints = bindingFingerprints(analysis.index, text);
  const manifests = module.tasks.map((t) => manifestOf(t, taskDependencies(analysis, t)?.dependencies, fingerprints));
  const byName = new Map(manifests.map((m) => [m.fullName, m]));
  const lookup: TaskLookup = { manifestOf: (name) => byName.get(name), exists: (name) => byName.has(name) };
  const taskLevel = new Map(manifests.map((m) => [m.fullName, predict(m, store, lookup)]));
  const tasksByName = new Map(module.tasks.map((t, i) => [manifests[i].fullName, t]));
  const redun = store instanceof RedunStoreReader ? store.redun : undefined;
  const plan = (request: PlanRequest) => planRedun({ tasks: tasksByName, store: redun, prediction: (name) => taskLevel.get(name) }, request);
  // The statuses say what the next `redun run FILE` does with each task: they follow the entry task's plan.
  const entry = redun && entryTask(module);
  const entryPlan = entry ? plan({ task: manifests[module.tasks.indexOf(entry)].fullName, args: {} }) : undefined;
  const tasks: InspectedTask[] = module.tasks.map((t, i) => ({
    manifest: manifests[i],
    prediction: entryPlan ? predictionInPlan(taskLevel.get(manifests[i].fullName)!, entryPlan) : taskLevel.get(manifests[i].fullName)!,
    lensAt: t.range.start.offset,
    nameRanges: [t.nameRange].map((r) => ({ start: r.start.offset, end: r.end.offset })),
    callSites: [],
    line: t.defLine + 1,
    params: paramViews(t),
    aliases: [t.name, t.functionName].filter((n): n is string => !!n),
  }));
  // What the store holds for a task, for the store-related findings (stale, pinned and cosmetic edits).
  const cached = (task: RedunTask): CachedTask | undefined => {
    const t = tasks[module.tasks.indexOf(task)];
    if (!store || !t) return undefined;
    const m = t.manifest;
    const stored = m.version !== undefined && m.taskHash ? store.storedTask(m.taskHash) : store.storedTask(store.latestJobOfTask(m.fullName)?.taskHash ?? "");
    return { source: stored?.source ?? null, status: t.prediction.status, changed: t.prediction.changed };
  };
  const findings = redunFindings(text, module, { path: file, analysis, cached });
  return { dialect: "redun", file, text, tasks, findings, syntaxErrors: syntaxProblems(text, module), plan };
}
