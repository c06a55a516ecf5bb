// One tasklens workflow file, looked at without running it: the analysis, each task's static
// identity and manifest, what the store predicts for it, and the diagnostics. `check`, `explain`
// and the language server all go through here (via the dialect).
import fs from "node:fs";
import path from "node:path";
import type { InspectedTask, Inspection } from "../../core/dialect";
import type { Prediction, TaskManifest } from "../../core/manifest";
import { predict } from "../../core/predict";
import type { StoreReader, TaskLookup } from "../../core/storeReader";
import { AnalysisProvider, resolveRelativeImport } from "../../engine/analysis/closure";
import { analyzeTextBounded as analyzeText } from "../../engine/analysis/depth";
import type { FileAnalysis } from "../../engine/analysis/file";
import { projectHashMode } from "../../engine/store";
import { diagnose, StoreFacts, TaskDiagnostic } from "./diagnostics";
import { manifestOf, staticIdentities, StaticTaskIdentity } from "./manifest";
import { skippedFindings } from "./skipped";

/** The tasklens view of a file: the neutral inspection plus what only this dialect knows. */
export interface TasklensInspection extends Inspection {
  analysis: FileAnalysis;
  identities: StaticTaskIdentity[];
  findings: TaskDiagnostic[];
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

/** Full names of the tasks defined by the files this one imports relatively (one level). */
function importedTaskNames(file: string, analysis: FileAnalysis, provider: AnalysisProvider): Set<string> {
  const names = new Set<string>();
  const modules = new Set(Object.values(analysis.bindings).flatMap((b) => (b.import?.relative ? [b.import.module] : [])));
  for (const module of modules) {
    const target = resolveRelativeImport(file, module);
    for (const t of (target && provider(target)?.tasks) || []) if (t.fullName) names.add(t.fullName);
  }
  return names;
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
  const manifests = new Map<StaticTaskIdentity, TaskManifest>(identities.map((id) => [id, manifestOf(id)]));
  const byName = new Map([...manifests.values()].map((m) => [m.fullName, m]));
  let imported: Set<string> | undefined;
  const lookup: TaskLookup = {
    manifestOf: (name) => byName.get(name),
    exists: (name) => byName.has(name) || (imported ??= importedTaskNames(file, analysis, provider)).has(name),
  };
  const predictions = new Map<StaticTaskIdentity, Prediction>(identities.map((id) => [id, predict(manifests.get(id)!, options.store, lookup)]));
  const facts = new Map<StaticTaskIdentity, StoreFacts>();
  for (const [id, p] of predictions) {
    facts.set(id, { status: p.status, changed: p.status === "stale" ? p.changed : [], versionPinnedEdit: p.reasons.some((r) => r.kind === "version-pinned") });
  }
  const tasks: InspectedTask[] = identities.map((id) => ({
    manifest: manifests.get(id)!,
    prediction: predictions.get(id)!,
    lensAt: id.task.call.start,
    nameRanges: [id.task.nameRange],
    callSites: [],
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
    findings: [...diagnose(text, analysis, identities, facts), ...skippedFindings(analysis)],
    syntaxErrors: analysis.syntaxErrors,
  };
}
