// Loads a workflow file so it runs from any folder with nothing installed there: TypeScript is
// transpiled in-process (output cached on disk by content), `import ... from "tasklens"` resolves
// to this engine, and relative imports of .ts files work. TypeScript itself is loaded only on a
// cache miss, so a cached rerun starts fast.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Module from "node:module";
import { sha256 } from "./hash";
import type { FileAnalysis } from "./analysis/file";
import { DuplicateTaskError, registry, setSiteLookup, TaskDefinition } from "./task";
import { displayPath } from "../core/paths";
import { writeFileAtomic } from "./fsutil";
import { trimStack } from "./stack";

export class WorkflowError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = "WorkflowError";
  }
}

interface CompiledFile {
  js: string;
  analysis: FileAnalysis;
}

const CACHE_FORMAT = "tasklens-transpile-7";

function typescriptVersion(): string {
  return (require("typescript/package.json") as { version: string }).version;
}

function cacheDir(): string {
  if (process.env.TASKLENS_CACHE_DIR) return process.env.TASKLENS_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "tasklens");
}

/** Analysis and transpiled code of a file's current text, from the disk cache when it is there. */
export function compileFile(file: string, text: string): CompiledFile {
  const key = sha256(`${CACHE_FORMAT}\n${typescriptVersion()}\n${file}\n${text}`);
  const cached = path.join(cacheDir(), "transpile", key.slice(0, 2), `${key}.json`);
  try {
    return JSON.parse(fs.readFileSync(cached, "utf8")) as CompiledFile;
  } catch {
    // not cached yet (or unreadable): compile below
  }
  const { analyzeTextBounded: analyzeText } = require("./analysis/depth") as typeof import("./analysis/depth");
  const { transpileWorkflow } = require("./analysis/transpile") as typeof import("./analysis/transpile");
  const analysis = analyzeText(file, text);
  const result: CompiledFile = { js: analysis.syntaxErrors.length ? "" : transpileWorkflow(file, text, analysis).js, analysis };
  try {
    writeFileAtomic(cached, JSON.stringify(result));
  } catch {
    // a read-only cache folder costs speed, not correctness
  }
  return result;
}

/** Static analyses of the files loaded (or looked at) in this process, by absolute path. */
const analyses = new Map<string, FileAnalysis>();

export function analysisOf(file: string): FileAnalysis | undefined {
  const abs = path.resolve(file);
  const known = analyses.get(abs);
  if (known) return known;
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch {
    return undefined;
  }
  const { analysis } = compileFile(abs, text);
  analyses.set(abs, analysis);
  return analysis;
}

setSiteLookup((meta) => {
  const analysis = analyses.get(meta.file);
  const info = analysis?.tasks[meta.site];
  return analysis && info ? { analysis, info } : undefined;
});

/** What keeps a file from loading, as `file:line:col: …` lines; empty when it can load. */
function loadProblems(file: string, analysis: FileAnalysis): string {
  const shown = displayPath(file);
  const problems = analysis.syntaxErrors.map((e) => `${shown}:${e.line}:${e.col}: syntax error: ${e.message}`);
  for (const p of [analysis.topLevelAwait, analysis.namespaceProblem]) if (p) problems.push(`${shown}:${p.line}:${p.col}: ${p.message}`);
  return problems.join("\n");
}

const WORKFLOW_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx"];
let hooksInstalled = false;

function compileInto(mod: Module, file: string): void {
  const text = fs.readFileSync(file, "utf8");
  const compiled = compileFile(file, text);
  const problems = loadProblems(file, compiled.analysis);
  if (problems) throw new WorkflowError(problems);
  analyses.set(file, compiled.analysis);
  // "commonjs": the transpiled code is CommonJS whatever the extension (.mjs, or a .ts in a "type": "module" package).
  (mod as unknown as { _compile(code: string, filename: string, format: string): void })._compile(compiled.js, file, "commonjs");
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.setSourceMapsEnabled(true);
  const M = Module as unknown as {
    _extensions: Record<string, (mod: Module, file: string) => void>;
    _load(request: string, parent: Module | undefined, isMain: boolean): unknown;
    _resolveFilename(request: string, parent: Module | undefined, isMain: boolean, options?: unknown): string;
  };
  for (const ext of WORKFLOW_EXTENSIONS) M._extensions[ext] = compileInto;
  const originalLoad = M._load;
  M._load = function (request, parent, isMain) {
    // The workflow's "tasklens" is this very engine instance, wherever the file lives.
    if (request === "tasklens") return require("./");
    return originalLoad.call(this, request, parent, isMain);
  };
  const originalResolve = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    try {
      return originalResolve.call(this, request, parent, isMain, options);
    } catch (error) {
      // `import "./helpers.js"` written for a helpers.ts file, as TypeScript's ESM style has it.
      if (parent?.filename && (request.startsWith("./") || request.startsWith("../"))) {
        const { resolveRelativeImport } = require("./analysis/closure") as typeof import("./analysis/closure");
        const found = resolveRelativeImport(parent.filename, request);
        if (found) return found;
      }
      throw error;
    }
  };
}

export interface LoadedWorkflow {
  file: string;
  exports: Record<string, unknown>;
  analysis: FileAnalysis;
  /** Tasks defined by this file (not by the files it imports), in source order. */
  tasks: TaskDefinition[];
}

/** Runs a workflow module's top level (defining its tasks) and returns what it defined. */
export function loadWorkflow(fileArg: string): LoadedWorkflow {
  const file = path.resolve(fileArg);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new WorkflowError(`tasklens: no such workflow file: ${fileArg}`);
  installHooks();
  registry.clear();
  const mod = new Module(file, undefined);
  mod.filename = file;
  // Node keeps a module's source map only while the module object lives (a weak map): keep it alive.
  require.cache[file] = mod;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  try {
    compileInto(mod, file);
  } catch (error) {
    if (error instanceof WorkflowError) throw error;
    if (error instanceof DuplicateTaskError) {
      const where = error.sites.map((site) => (site ? `${displayPath(site.file)}:${analyses.get(site.file)?.tasks[site.site]?.line ?? "?"}` : "a task defined outside a workflow file"));
      throw new WorkflowError(`tasklens: two tasks are named ${error.fullName}: at ${where.join(" and at ")}. Give one a different name (or namespace).`);
    }
    const e = error as Error;
    throw new WorkflowError(`tasklens: loading ${fileArg} failed: ${e?.stack ? trimStack(e.stack) : String(error)}`);
  }
  const analysis = analyses.get(file)!;
  const tasks = [...registry.values()].filter((d) => d.meta?.file === file);
  return { file, exports: mod.exports as Record<string, unknown>, analysis, tasks };
}
