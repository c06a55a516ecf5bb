// One workflow file, looked at without running it: the analysis, each task's static identity, what
// the store predicts for it, and the diagnostics. Shared by `check`, `explain` and the language server.
import fs from "node:fs";
import path from "node:path";
import type { AnalysisProvider } from "../../engine/analysis/closure";
import { diagnose, StoreFacts, TaskDiagnostic } from "./diagnostics";
import { analyzeText, FileAnalysis } from "../../engine/analysis/file";
import { staticIdentities, StaticTaskIdentity } from "./manifest";
import { resolveRelativeImport } from "../../engine/analysis/closure";
import { predict, Prediction, TaskLookup } from "../../core/predict";
import { projectHashMode, Store } from "../../engine/store";

export interface Inspection {
  file: string;
  text: string;
  analysis: FileAnalysis;
  identities: StaticTaskIdentity[];
  predictions: Map<StaticTaskIdentity, Prediction>;
  diagnostics: TaskDiagnostic[];
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
  store?: Store;
  /** How imported files are read (the language server passes its open buffers first). */
  provider?: AnalysisProvider;
  /** An analysis of `text` already made (the server keeps one per document). */
  analysis?: FileAnalysis;
}

export function inspect(fileArg: string, text: string, options: InspectOptions = {}): Inspection {
  const file = path.resolve(fileArg);
  const analysis = options.analysis ?? analyzeText(file, text);
  const baseProvider = options.provider ?? diskProvider();
  // The file itself is seen as given (it may be an unsaved buffer), never as on disk.
  const provider: AnalysisProvider = (f) => (path.resolve(f) === file ? analysis : baseProvider(f));
  const identities = staticIdentities(file, analysis, provider, projectHashMode(file));
  const byName = new Map(identities.map((id) => [id.fullName, id]));
  let imported: Set<string> | undefined;
  const tasks: TaskLookup = {
    identityOf: (name) => byName.get(name),
    exists: (name) => byName.has(name) || (imported ??= importedTaskNames(file, analysis, provider)).has(name),
  };
  const predictions = new Map(identities.map((id) => [id, predict(id, options.store, tasks)] as const));
  const facts = new Map<StaticTaskIdentity, StoreFacts>();
  for (const [id, p] of predictions) {
    facts.set(id, { status: p.status, changed: p.status === "stale" ? p.changed : [], versionPinnedEdit: p.reasons.some((r) => r.kind === "version-pinned") });
  }
  return { file, text, analysis, identities, predictions, diagnostics: diagnose(text, analysis, identities, facts) };
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
