// One tasklens workflow file, looked at without running it: the analysis, each task's static
// identity and manifest, what the store predicts for it, and the diagnostics. `check`, `explain`
// and the language server all go through here (via the dialect).
import fs from "node:fs";
import path from "node:path";
import type { InspectedTask, Inspection } from "../../core/dialect";
import type { Prediction } from "../../core/manifest";
import { predict } from "../../core/predict";
import type { StoreReader, TaskLookup } from "../../core/storeReader";
import { AnalysisProvider, resolveRelativeImport } from "../../engine/analysis/closure";
import { analyzeTextBounded as analyzeText } from "../../engine/analysis/depth";
import type { FileAnalysis } from "../../engine/analysis/file";
import { projectHashMode } from "../../engine/store";
import { diagnose, StoreFacts, TaskDiagnostic } from "./diagnostics";
import { manifestOf, staticIdentities, StaticTaskIdentity } from "./manifest";
import { PlannableTask, planRun, TasklensPlan } from "./plan";
import { TasklensStoreReader } from "./storeReader";
import { predictionInPlan, type PlanRequest } from "../../core/plan";
import { skippedFindings } from "./skipped";

/** The tasklens view of a file: the neutral inspection plus what only this dialect knows. */
export interface TasklensInspection extends Inspection {
  analysis: FileAnalysis;
  identities: StaticTaskIdentity[];
  findings: TaskDiagnostic[];
  /** The plan of the file's entry task (main), which the statuses follow. */
  entryPlan?: TasklensPlan;
  /** The plan of any call of a task of this file (or its imports). */
  plan(request: PlanRequest): TasklensPlan;
}

/** Analyses of files on disk, re-read when their modification time changes. */
export function diskProvider(): AnalysisProvider {
  const cache = new Map<string, { mtimeMs: number; analysis: FileAnalysis }>();
  return (file) => {
    try {
      const mtimeMs = fs.statSync(file).mtimeMs;
      const known = cache.get(file);
      if (known && known.mtimeMs === mtimeMs) return known.analysis;
      const analysis = analyzeText(file, fs.readFileSync(file, "utf8"));
      cache.set(file, { mtimeMs, analysis });
      return analysis;
    } catch {
      return undefined;
    }
  };
}

/** The tasks defined by the files this one imports relatively (one level), as the text shows them. */
function importedIdentities(file: string, analysis: FileAnalysis, provider: AnalysisProvider): StaticTaskIdentity[] {
  const found: StaticTaskIdentity[] = [];
  const modules = new Set(Object.values(analysis.bindings).flatMap((b) => (b.import?.relative ? [b.import.module] : [])));
  for (const module of modules) {
    const target = resolveRelativeImport(file, module);
    const imported = target && provider(target);
    if (target && imported) found.push(...staticIdentities(target, imported, provider, projectHashMode(target)));
  }
  return found;
}

export interface InspectOptions {
  /** The store to predict against (read-only); none: every task is "never-run". */
  store?: StoreReader;
  /** How imported files are read (the language server passes its open buffers first). */
  provider?: AnalysisProvider;
  /** An analysis of `text` already made (the server keeps one per document). */
  analysis?: FileAnalysis;
}

export function inspect(fileArg: string, text: string, options: InspectOptions = {}): TasklensInspection {
  const file = path.resolve(fileArg);
  const analysis = options.analysis ?? analyzeText(file, text);
  const baseProvider = options.provider ?? diskProvider();
  // The file itself is seen as given (it may be an unsaved buffer), never as on disk.
  const provider: AnalysisProvider = (f) => (path.resolve(f) === file ? analysis : baseProvider(f));
  const identities = staticIdentities(file, analysis, provider, projectHashMode(file));
  const store = options.store;
  // Tasks by full name: this file's, then (looked at only when asked for) those of its imports.
  const own = new Map<string, PlannableTask>();
  let imported: Map<string, PlannableTask> | undefined;
  const plannable = (id: StaticTaskIdentity): PlannableTask => {
    const manifest = manifestOf(id);
    let prediction: Prediction | undefined;
    return { identity: id, manifest, prediction: () => (prediction ??= predict(manifest, store, lookup)) };
  };
  const taskNamed = (name: string): PlannableTask | undefined =>
    own.get(name) ?? (imported ??= new Map(importedIdentities(file, analysis, provider).map((id) => [id.fullName, plannable(id)]))).get(name);
  const lookup: TaskLookup = {
    manifestOf: (name) => taskNamed(name)?.manifest,
    exists: (name) => taskNamed(name) !== undefined,
  };
  const tasksOf = new Map<StaticTaskIdentity, PlannableTask>();
  for (const id of identities) {
    const t = plannable(id);
    tasksOf.set(id, t);
    if (!own.has(id.fullName)) own.set(id.fullName, t);
  }
  const reader = store instanceof TasklensStoreReader ? store : undefined;
  const plan = (request: PlanRequest) => planRun({ task: taskNamed, store: reader, lookup }, request);
  const entry = entryTask(identities, store);
  const entryPlan = entry ? plan({ task: entry.fullName, args: {} }) : undefined;
  const predictions = new Map<StaticTaskIdentity, Prediction>(identities.map((id) => [id, inPlan(tasksOf.get(id)!.prediction(), entryPlan)]));
  const facts = new Map<StaticTaskIdentity, StoreFacts>();
  for (const [id, p] of predictions) {
    facts.set(id, { status: p.status, changed: p.status === "stale" ? p.changed : [], versionPinnedEdit: p.reasons.some((r) => r.kind === "version-pinned") });
  }
  const sitesByName = callSitesByName(identities);
  const tasks: InspectedTask[] = identities.map((id) => ({
    manifest: tasksOf.get(id)!.manifest,
    prediction: predictions.get(id)!,
    lensAt: id.task.call.start,
    nameRanges: [id.task.nameRange, ...functionName(text, id.task.fn, id.task.nameRange)],
    callSites: (id.task.bindingName !== undefined && sitesByName.get(id.task.bindingName)) || [],
    line: id.task.line,
    params: id.task.params.map((p) => ({ name: p.name, type: p.type, defaultText: p.defaultText, optional: p.optional || p.defaultText !== undefined })),
    aliases: [id.task.name, id.task.bindingName].filter((n): n is string => n !== undefined),
  }));
  return {
    dialect: "tasklens",
    file,
    text,
    analysis,
    identities,
    tasks,
    entryPlan,
    plan,
    findings: [...diagnose(text, analysis, identities, facts), ...skippedFindings(analysis)],
    // A namespace the analysis cannot evaluate keeps the file from loading, as a syntax error does.
    syntaxErrors: analysis.namespaceProblem ? [...analysis.syntaxErrors, analysis.namespaceProblem] : analysis.syntaxErrors,
  };
}

/** The function's own name in `task(function name() …)`, when the binding is named elsewhere. */
function functionName(text: string, fn: { start: number }, nameRange: { start: number }): Array<{ start: number; end: number }> {
  const m = /^(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/.exec(text.slice(fn.start, fn.start + 300));
  if (!m) return [];
  const start = fn.start + m[0].length - m[1].length;
  return start === nameRange.start ? [] : [{ start, end: start + m[1].length }];
}

/** Where the file's tasks read each name (calls of another task's binding, mostly), by name. */
function callSitesByName(identities: StaticTaskIdentity[]): Map<string, Array<{ start: number; end: number }>> {
  const byName = new Map<string, Array<{ start: number; end: number }>>();
  for (const other of identities) {
    for (const r of other.task.reads) {
      let sites = byName.get(r.name);
      if (!sites) byName.set(r.name, (sites = []));
      for (const s of r.sites) sites.push({ start: s.start, end: s.end });
    }
  }
  return byName;
}

/** The task `tasklens run FILE` runs (main), when it can be planned without arguments and has run before. */
function entryTask(identities: StaticTaskIdentity[], store: StoreReader | undefined): StaticTaskIdentity | undefined {
  const main = identities.find((id) => id.fullName === "main" || id.task.name === "main" || id.task.bindingName === "main");
  if (!main || !store || main.task.params.some((p) => !p.optional && p.defaultText === undefined)) return undefined;
  return main;
}

/** A task's prediction as the entry plan has it; a task inside a whole reused subtree is cached. */
function inPlan(p: Prediction, plan: TasklensPlan | undefined): Prediction {
  if (!plan) return p;
  if (!plan.jobs.some((j) => j.task === p.task) && plan.reusedWhole.has(p.task)) return { ...p, status: "cached", reasons: [], changed: [] };
  return predictionInPlan(p, plan);
}
