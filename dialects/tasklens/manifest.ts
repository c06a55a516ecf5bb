// Each task's identity as the source alone shows it: its task hash (composed exactly as the engine
// composes it), its hash manifest and its dependency fingerprints. Used by `check`, `explain` and the
// language server; never runs workflow code.
import type { TaskManifest } from "../../core/manifest";
import { hashValue } from "../../engine/values";
import { AnalysisProvider, ClosureResolver, Dependency, dependencyFingerprints } from "../../engine/analysis/closure";
import type { FileAnalysis, TaskInfo } from "../../engine/analysis/file";
import { composeTaskHash, includesHash } from "../../engine/analysis/taskHash";

export interface StaticTaskIdentity {
  task: TaskInfo;
  fullName: string;
  /** The task hash the engine will compute, or undefined when an option is only known at run time. */
  hash?: string;
  normalizedHash: string;
  version?: string;
  cacheVersion: number;
  /** Hash of the hashIncludes values, or undefined when one of them is only known at run time. */
  includesHash?: string;
  closure?: string;
  hashMode: "source" | "closure";
  cached: boolean;
  dependencies: Dependency[];
  fingerprints: Record<string, string>;
}

export function staticIdentities(file: string, analysis: FileAnalysis, provider: AnalysisProvider, projectHashMode: "source" | "closure" = "source"): StaticTaskIdentity[] {
  const resolver = new ClosureResolver(provider);
  const byBinding = new Map(analysis.tasks.filter((t) => t.bindingName).map((t) => [t.bindingName!, t]));
  const memo = new Map<TaskInfo, StaticTaskIdentity>();

  const identity = (task: TaskInfo, visiting: Set<TaskInfo>): StaticTaskIdentity => {
    const known = memo.get(task);
    if (known) return known;
    visiting.add(task);
    const options = task.options;
    const hashMode = options.hash ?? projectHashMode;
    const includes = (options.hashIncludes?.elements ?? []).map((element): string | undefined => {
      if (element.value) return hashValue(element.value.value);
      const binding = element.name ? analysis.bindings[element.name] : undefined;
      if (!binding) return undefined;
      if (binding.kind === "task") {
        const target = byBinding.get(binding.name);
        return target && !visiting.has(target) ? identity(target, visiting).hash : undefined;
      }
      // As the engine hashes the value: a function or class by its source fingerprint, any other value
      // by its canonical value hash (known statically for literal constants, here or across an import).
      const declared = binding.kind === "import" ? resolver.importTarget(file, binding)?.binding : binding;
      if (declared?.kind === "function" || declared?.kind === "class") return resolver.fingerprint(file, analysis, binding.name);
      if (declared?.literal) return hashValue(declared.literal.value);
      return undefined;
    });
    const includesKnown = !options.dynamic.includes("hashIncludes") && includes.every((h): h is string => h !== undefined);
    const closure = hashMode === "closure" ? resolver.closureHash(file, analysis, task) : undefined;
    const dependencies = resolver.dependencies(file, analysis, task, hashMode);
    const dynamic = options.dynamic.length > 0 || task.fullName === undefined;
    const parts = {
      fullName: task.fullName ?? "",
      sourceHash: options.version === undefined ? task.normalizedHash : undefined,
      version: options.version,
      cacheVersion: options.cacheVersion ?? 0,
      includes: includesKnown ? (includes as string[]) : [],
      closure,
    };
    const result: StaticTaskIdentity = {
      task,
      fullName: task.fullName ?? task.name ?? `task #${task.site + 1}`,
      hash: dynamic || !includesKnown ? undefined : composeTaskHash(parts),
      normalizedHash: task.normalizedHash,
      version: options.version,
      cacheVersion: parts.cacheVersion,
      includesHash: includesKnown ? includesHash(parts.includes) : undefined,
      closure,
      hashMode,
      cached: options.cache !== false,
      dependencies,
      fingerprints: dependencyFingerprints(dependencies),
    };
    visiting.delete(task);
    memo.set(task, result);
    return result;
  };

  return analysis.tasks.map((t) => identity(t, new Set()));
}

/** The dialect-neutral manifest of a task: what predictions, hovers and `explain` need. */
export function manifestOf(id: StaticTaskIdentity): TaskManifest {
  const hashedWords = [id.version !== undefined ? `version \`${id.version}\` (the body is not hashed)` : "its source (normalized: comments and formatting do not count)"];
  if (id.cacheVersion) hashedWords.push(`cacheVersion ${id.cacheVersion}`);
  const asArgument = (d: Dependency) => d.sites.every((s) => s.inDefault);
  for (const d of id.dependencies) if (d.hashed) hashedWords.push(`\`${d.name}\` (${d.kind}${d.kind === "task" ? ", hashed on its own" : asArgument(d) ? ", as an argument" : ""})`);
  return {
    dialect: "tasklens",
    fullName: id.fullName,
    taskHash: id.hash ?? null,
    unknownHash: id.hash === undefined ? "an option is computed at run time; the hash cannot be predicted" : undefined,
    cached: id.cached,
    source: id.task.source,
    sourceKey: id.normalizedHash,
    version: id.version,
    hashMode: id.hashMode,
    parts: { version: id.version, cacheVersion: id.cacheVersion, includesHash: id.includesHash, closure: id.closure },
    hashedWords,
    dependencies: id.dependencies.map((d) => ({ name: d.name, kind: d.kind, hashed: d.hashed, fingerprint: d.fingerprint, asArgument: asArgument(d) })),
  };
}
