// Task hashes as the engine computes them, from runtime option values and the loader's static
// analysis. The static tools (explain, the language server) compose the same parts from the source
// alone (analysis/manifest.ts); both end in composeTaskHash.
import { ClosureResolver, Dependency, dependencyFingerprints } from "./analysis/closure";
import { composeTaskHash, includesHash, TaskHashParts } from "./analysis/taskHash";
import { analysisOf } from "./loader";
import { isTask, TaskDefinition } from "./task";
import { hashValue } from "./values";

export interface TaskIdentity {
  hash: string;
  parts: TaskHashParts & { includesHash: string; normalizedHash: string; hashMode: "source" | "closure" };
  source: string;
  file: string | null;
  line: number | null;
  dependencies: Dependency[];
  /** name → fingerprint of every static dependency (hashed or not), recorded with each computed result. */
  fingerprints: Record<string, string>;
  /** One hash of `fingerprints`. */
  fingerprintsHash: string;
}

/** Normalized-source hash of a function known only at runtime (defined outside the loader). */
function runtimeSourceHash(fn: Function): string {
  const { normalizedHash } = require("./analysis/normalize") as typeof import("./analysis/normalize");
  const { parseSource } = require("./analysis/file") as typeof import("./analysis/file");
  const sf = parseSource("runtime.js", `(${fn.toString()})`);
  return normalizedHash(sf.statements[0] ?? sf, sf);
}

export class TaskHasher {
  private readonly memo = new Map<TaskDefinition, TaskIdentity>();
  private readonly resolver = new ClosureResolver(analysisOf);

  constructor(private readonly defaultHashMode: "source" | "closure" = "source") {}

  identity(def: TaskDefinition, visiting = new Set<TaskDefinition>()): TaskIdentity {
    const known = this.memo.get(def);
    if (known) return known;
    if (visiting.has(def)) throw new Error(`hashIncludes of ${def.fullName} includes itself`);
    visiting.add(def);
    const found = def.site;
    const hashMode = def.options.hash ?? this.defaultHashMode;
    const normalizedHash = found ? found.info.normalizedHash : runtimeSourceHash(def.fn);
    const includes = (def.options.hashIncludes ?? []).map((value, i) => {
      if (isTask(value)) return this.identity(value.definition, visiting).hash;
      if (typeof value === "function") {
        // A function by its normalized source, as the static side sees it: through the declaration it names.
        const element = found?.info.options.hashIncludes?.elements[i];
        const binding = element?.name ? found!.analysis.bindings[element.name] : undefined;
        if (binding && found) return this.resolver.fingerprint(def.meta!.file, found.analysis, binding.name);
        return runtimeSourceHash(value);
      }
      return hashValue(value, `hashIncludes[${i}] of task ${def.fullName}`);
    });
    const dependencies = found ? this.resolver.dependencies(def.meta!.file, found.analysis, found.info, hashMode) : [];
    const closure = hashMode === "closure" && found ? this.resolver.closureHash(def.meta!.file, found.analysis, found.info) : undefined;
    const parts = {
      fullName: def.fullName,
      sourceHash: def.options.version === undefined ? normalizedHash : undefined,
      version: def.options.version,
      cacheVersion: def.options.cacheVersion ?? 0,
      includes,
      closure,
      includesHash: includesHash(includes),
      normalizedHash,
      hashMode,
    };
    const identity: TaskIdentity = {
      hash: composeTaskHash(parts),
      parts,
      source: found ? found.info.source : def.fn.toString(),
      file: def.meta?.file ?? null,
      line: found ? found.info.line : null,
      dependencies,
      fingerprints: dependencyFingerprints(dependencies),
      fingerprintsHash: "",
    };
    identity.fingerprintsHash = hashValue(identity.fingerprints);
    visiting.delete(def);
    this.memo.set(def, identity);
    return identity;
  }
}

export { callHashOf } from "./analysis/taskHash";
