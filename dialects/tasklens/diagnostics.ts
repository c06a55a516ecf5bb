// The diagnostics (README, Diagnostics) and their quick fixes, as a pure function of the analysis (and, for
// `version-pinned-edit` and `stale-cache`, of what the store says). Offsets are into the file text;
// the CLI and the language server turn them into lines and columns.
import type { Dependency } from "../../engine/analysis/closure";
import type { FileAnalysis, TaskInfo } from "../../engine/analysis/file";
import type { Finding, QuickFix, Range, Severity, TextEdit } from "../../core/findings";
import type { PredictedStatus } from "../../core/manifest";
import type { StaticTaskIdentity } from "./manifest";

export type DiagnosticCode =
  | "unhashed-constant"
  | "unhashed-function"
  | "unhashed-import"
  | "package-import"
  | "mutable-state"
  | "nondeterministic"
  | "external-input"
  | "version-pinned-edit"
  | "stale-cache"
  | "analysis-skipped";

export type TaskDiagnostic = Finding & { code: DiagnosticCode };

/** What the store says about a task, as far as diagnostics care (from predict()). */
export interface StoreFacts {
  status: PredictedStatus;
  /** Unhashed dependencies changed since the cached run. */
  changed: string[];
  versionPinnedEdit: boolean;
}

const SEVERITY: Record<DiagnosticCode, Severity> = {
  "unhashed-constant": "warning",
  "unhashed-function": "warning",
  "unhashed-import": "warning",
  "package-import": "information",
  "mutable-state": "warning",
  nondeterministic: "warning",
  "external-input": "warning",
  "version-pinned-edit": "information",
  "stale-cache": "warning",
  "analysis-skipped": "information",
};

// ---- quick fixes as text edits ----------------------------------------------------------------

/** An edit that sets `key: value` in the task's options object, adding the object if there is none. */
function setOption(text: string, task: TaskInfo, key: string, value: string): TextEdit {
  const existing = task.options.properties[key];
  if (existing) return { ...existing, newText: `${key}: ${value}` };
  const object = task.options.objectRange;
  if (object) {
    const inner = text.slice(object.start + 1, object.end - 1);
    if (inner.trim() === "") return { start: object.start, end: object.end, newText: `{ ${key}: ${value} }` };
    const closing = object.end - 1;
    const before = text.slice(object.start, closing).replace(/\s+$/, "");
    const insertAt = object.start + before.length;
    const separator = before.endsWith(",") ? " " : ", ";
    return { start: insertAt, end: insertAt, newText: `${separator}${key}: ${value}` };
  }
  return { start: task.fn.end, end: task.fn.end, newText: `, { ${key}: ${value} }` };
}

function addToHashIncludes(text: string, task: TaskInfo, name: string): TextEdit {
  const includes = task.options.hashIncludes;
  if (!includes) return setOption(text, task, "hashIncludes", `[${name}]`);
  const last = includes.elements[includes.elements.length - 1];
  if (!last) return { start: includes.range.start, end: includes.range.end, newText: `[${name}]` };
  return { start: last.range.end, end: last.range.end, newText: `, ${name}` };
}

function freeParameterName(task: TaskInfo, analysis: FileAnalysis, base: string): string {
  const taken = (name: string) => name in analysis.bindings || task.params.some((p) => p.name === name) || new RegExp(`\\b${name}\\b`).test(task.source);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? `${base}Value` : `${base}Value${i}`;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * redun's idiom: the constant becomes a parameter default, so it is part of the arguments. The
 * parameter needs its own name (`planet = planet` would read itself); the body's uses are renamed.
 */
function passAsDefault(text: string, analysis: FileAnalysis, task: TaskInfo, dep: Dependency): TextEdit[] | undefined {
  const list = task.paramList;
  if (!list || task.params.some((p) => p.rest)) return undefined;
  const param = freeParameterName(task, analysis, dep.name);
  const added = `${param} = ${dep.name}`;
  const edits: TextEdit[] = list.parenthesized
    ? [{ start: list.end, end: list.end, newText: task.params.length ? `, ${added}` : added }]
    : [{ start: list.start, end: list.start, newText: "(" }, { start: list.end, end: list.end, newText: `, ${added})` }];
  for (const site of dep.sites) {
    if (site.inDefault) continue;
    const shorthand = isShorthandProperty(text, site);
    edits.push({ start: site.start, end: site.end, newText: shorthand ? `${dep.name}: ${param}` : param });
  }
  return edits;
}

/** `{ planet }`: renaming the variable must keep the property name. */
function isShorthandProperty(text: string, site: Range): boolean {
  const before = text.slice(Math.max(0, site.start - 200), site.start).replace(/\s+$/, "");
  const after = text.slice(site.end, site.end + 200).replace(/^\s+/, "");
  return /[{,]$/.test(before) && /^[,}]/.test(after);
}

function bumpVersion(version: string): string {
  const m = /^(.*?)(\d+)$/.exec(version);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${version}.1`;
}

function hashingFixes(text: string, analysis: FileAnalysis, task: TaskInfo, dep: Dependency): QuickFix[] {
  const fixes: QuickFix[] = [];
  if (dep.kind === "const") {
    const edits = passAsDefault(text, analysis, task, dep);
    if (edits) fixes.push({ title: `Pass \`${dep.name}\` as a parameter default`, edits, preferred: true });
  }
  fixes.push({ title: `Add \`${dep.name}\` to hashIncludes`, edits: [addToHashIncludes(text, task, dep.name)], preferred: fixes.length === 0 });
  fixes.push({ title: "Hash the closure", edits: [setOption(text, task, "hash", '"closure"')] });
  if (task.options.version !== undefined) fixes.push(bumpVersionFix(text, task));
  return fixes;
}

function bumpVersionFix(text: string, task: TaskInfo): QuickFix {
  return { title: "Bump version", edits: [setOption(text, task, "version", JSON.stringify(bumpVersion(task.options.version ?? "0")))] };
}

function bumpCacheVersionFix(text: string, task: TaskInfo): QuickFix {
  return { title: "Bump cacheVersion", edits: [setOption(text, task, "cacheVersion", String((task.options.cacheVersion ?? 0) + 1))] };
}

// ---- the diagnostics ----------------------------------------------------------------------------

function firstSite(dep: Dependency): Range {
  return dep.sites.find((s) => !s.inDefault) ?? dep.sites[0];
}

export function diagnose(text: string, analysis: FileAnalysis, identities: StaticTaskIdentity[], facts?: Map<StaticTaskIdentity, StoreFacts>): TaskDiagnostic[] {
  const out: TaskDiagnostic[] = [];
  for (const id of identities) {
    const task = id.task;
    const name = id.fullName;
    const short = task.name ?? name;
    const add = (code: DiagnosticCode, range: Range, message: string, fixes: QuickFix[] = []) =>
      out.push({ code, severity: SEVERITY[code], task: name, start: range.start, end: range.end, message, fixes });

    for (const dep of id.dependencies) {
      const site = firstSite(dep);
      if (!site) continue;
      if (dep.kind === "let") {
        if (!dep.hashed) add("mutable-state", site, `\`${dep.name}\` is module-level mutable state read by task ${short}: no cache key can cover it, so results may depend on when the task ran`);
        continue;
      }
      if (dep.kind === "package") {
        if (dep.module !== "tasklens") add("package-import", site, `task ${short} uses \`${dep.name}\` from package "${dep.module}"; the package's version is not in the hash`);
        continue;
      }
      if (dep.hashed || dep.kind === "task" || dep.kind === "global") continue;
      const fixes = hashingFixes(text, analysis, task, dep);
      if (dep.kind === "const") {
        add("unhashed-constant", site, `\`${dep.name}\` is a module constant that task ${short}'s cache key does not cover: editing it will not rerun the task`, fixes);
      } else if (dep.kind === "function" || dep.kind === "class") {
        add("unhashed-function", site, `task ${short} calls ${dep.kind === "class" ? "class" : "function"} \`${dep.name}\`, whose source its cache key does not cover: editing it will not rerun the task`, fixes);
      } else if (dep.kind === "import") {
        add("unhashed-import", site, `task ${short} uses \`${dep.name}\` imported from "${dep.module}", which its cache key does not cover: editing it will not rerun the task`, fixes);
      }
    }

    if (id.cached) {
      for (const effect of task.effects) {
        const fix: QuickFix[] = [{ title: "Do not cache this task (cache: false)", edits: [setOption(text, task, "cache", "false")] }];
        if (effect.kind === "nondeterministic") {
          add("nondeterministic", effect, `${effect.what} in cached task ${short}: the cache keeps the first result and serves it on every run`, fix);
        } else {
          add("external-input", effect, `${effect.what} in cached task ${short}: the input is not in the cache key, so a change to it will not rerun the task`, fix);
        }
      }
    }

    const fact = facts?.get(id);
    if (fact?.versionPinnedEdit) {
      add("version-pinned-edit", task.nameRange, `task ${short}'s source differs from the cached run, but version "${task.options.version}" pins it: the edit will not rerun the task`, [bumpVersionFix(text, task)]);
    }
    if (fact?.status === "stale" && fact.changed.length) {
      const fixes = [bumpCacheVersionFix(text, task)];
      for (const changedName of fact.changed) {
        const dep = id.dependencies.find((d) => d.name === changedName);
        if (dep && (dep.kind === "const" || dep.kind === "function" || dep.kind === "class" || dep.kind === "import")) fixes.push(...hashingFixes(text, analysis, task, dep).slice(0, 1));
      }
      add("stale-cache", task.nameRange, `the store holds a result of task ${short} computed before ${fact.changed.map((n) => `\`${n}\``).join(", ")} changed (not hashed): running reuses a stale result`, fixes);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
}
