// What a task's body reaches outside itself, across the module and relative imports: the dependency
// manifest (kind, hashed or not), the dependency fingerprints recorded with each run, and the
// closure hash of `hash: "closure"`. Works on FileAnalysis data only, so the engine can use it from
// its on-disk cache without loading TypeScript.
import fs from "node:fs";
import path from "node:path";
import { hashParts, sha256 } from "../hash";
import type { BindingInfo, DependencyKind, FileAnalysis, ReferenceSite, TaskInfo } from "./file";

export type AnalysisProvider = (file: string) => FileAnalysis | undefined;

export interface Dependency {
  name: string;
  kind: DependencyKind;
  hashed: boolean;
  /** Content fingerprint of what the name refers to, transitively ("" for globals). */
  fingerprint: string;
  sites: ReferenceSite[];
  /** For an import: the module specifier. */
  module?: string;
}

const SOURCE_EXTENSIONS = [".ts", ".mts", ".tsx", ".js", ".mjs", ".cjs"];

/** The file a relative import names, trying TypeScript's extension rules (`./a.js` may be `a.ts`). */
export function resolveRelativeImport(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base];
  const ext = path.extname(base);
  const stem = ext ? base.slice(0, -ext.length) : base;
  for (const e of SOURCE_EXTENSIONS) candidates.push(stem + e, base + e);
  for (const e of SOURCE_EXTENSIONS) candidates.push(path.join(base, "index" + e));
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

function packageVersion(fromFile: string, module: string): string {
  const name = module.startsWith("@") ? module.split("/").slice(0, 2).join("/") : module.split("/")[0];
  if (name.startsWith("node:")) return "node";
  for (let dir = path.dirname(fromFile); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8")) as { version?: string };
      return pkg.version ?? "";
    } catch {
      // keep looking upwards
    }
    if (path.dirname(dir) === dir) return "";
  }
}

/** Computes fingerprints of module-level bindings, memoized for one analysis pass. */
export class ClosureResolver {
  private readonly memo = new Map<string, string>();
  constructor(private readonly provider: AnalysisProvider) {}

  /** The binding an import refers to in the imported file, if it can be found. */
  importTarget(file: string, binding: BindingInfo): { file: string; analysis: FileAnalysis; binding: BindingInfo } | undefined {
    const spec = binding.import;
    if (!spec?.relative || spec.imported === "*" || spec.imported === "default") return undefined;
    const target = resolveRelativeImport(file, spec.module);
    const analysis = target ? this.provider(target) : undefined;
    const found = analysis?.bindings[spec.imported];
    return target && analysis && found && found.exported ? { file: target, analysis, binding: found } : undefined;
  }

  kindOf(file: string, binding: BindingInfo): DependencyKind {
    if (binding.kind === "import") return this.importTarget(file, binding)?.binding.kind === "task" ? "task" : "import";
    return binding.kind;
  }

  /** Transitive fingerprint: the binding's own normalized source and everything it reads. Cycles terminate. */
  fingerprint(file: string, analysis: FileAnalysis, name: string, visiting = new Set<string>()): string {
    const key = `${file}#${name}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const binding = analysis.bindings[name];
    if (!binding) return "";
    if (visiting.has(key)) return `cycle:${key}`;
    visiting.add(key);
    let result: string;
    if (binding.kind === "package") {
      result = hashParts("package", binding.import!.module, packageVersion(file, binding.import!.module));
    } else if (binding.kind === "import") {
      const target = this.importTarget(file, binding);
      result = target
        ? hashParts("import", target.file, this.fingerprint(target.file, target.analysis, target.binding.name, visiting))
        : hashParts("import", binding.import!.module, binding.import!.imported, binding.hash, moduleFileHash(file, binding.import!.module));
    } else {
      const parts: string[] = [binding.hash];
      for (const read of [...binding.reads].sort()) {
        const b = analysis.bindings[read];
        if (!b || b.kind === "task" || read === name) continue;
        parts.push(`${read}=${this.fingerprint(file, analysis, read, visiting)}`);
      }
      result = sha256(parts.join("\n"));
    }
    visiting.delete(key);
    this.memo.set(key, result);
    return result;
  }

  /** The task's dependency manifest; `hashMode` is the task's effective mode (its option, else the project's). */
  dependencies(file: string, analysis: FileAnalysis, task: TaskInfo, hashMode: "source" | "closure"): Dependency[] {
    const closure = hashMode === "closure";
    const included = new Set((task.options.hashIncludes?.elements ?? []).map((e) => e.name).filter(Boolean));
    return task.reads.map((read): Dependency => {
      const binding = analysis.bindings[read.name];
      if (!binding) return { name: read.name, kind: "global", hashed: false, fingerprint: "", sites: read.sites };
      const kind = this.kindOf(file, binding);
      const onlyInDefaults = read.sites.every((s) => s.inDefault);
      let hashed: boolean;
      if (kind === "task") hashed = true;
      else if (kind === "package" || kind === "let") hashed = onlyInDefaults;
      else hashed = closure || included.has(read.name) || onlyInDefaults;
      return {
        name: read.name,
        kind,
        hashed,
        fingerprint: this.fingerprint(file, analysis, read.name),
        sites: read.sites,
        module: binding.import?.module,
      };
    });
  }

  /** Hash of everything the body reaches (closure mode): the fingerprints of its non-task dependencies. */
  closureHash(file: string, analysis: FileAnalysis, task: TaskInfo): string {
    const parts = this.dependencies(file, analysis, task, "closure")
      .filter((d) => d.kind !== "task" && d.kind !== "global" && d.kind !== "package")
      .map((d) => `${d.name}=${d.fingerprint}`)
      .sort();
    return sha256(parts.join("\n"));
  }
}

/** The fingerprints recorded with a computed result: every dependency but globals, by name. */
export function dependencyFingerprints(dependencies: Dependency[]): Record<string, string> {
  return Object.fromEntries(dependencies.filter((d) => d.kind !== "global").map((d) => [d.name, d.fingerprint]));
}

/** For an import that cannot be followed to a declaration (namespace, default): the whole file's content. */
function moduleFileHash(fromFile: string, specifier: string): string {
  const target = resolveRelativeImport(fromFile, specifier);
  if (!target) return "missing";
  try {
    return sha256(fs.readFileSync(target));
  } catch {
    return "unreadable";
  }
}
