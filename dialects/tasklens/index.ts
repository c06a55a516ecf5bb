// The tasklens dialect: TypeScript/JavaScript workflow files that import `task` from "tasklens",
// run by tasklens's own engine against its own store.
import path from "node:path";
import type { Dialect, DialectDocument, OpenDocuments, Runnable } from "../../core/dialect";
import type { StoreReader } from "../../core/storeReader";
import type { Plan, PlanRequest } from "../../core/plan";
import type { AnalysisProvider } from "../../engine/analysis/closure";
import { AnalyzedDocument } from "../../engine/analysis/document";
import { defaultStorePath } from "../../engine/store";
import { diskProvider, inspect, TasklensInspection } from "./inspect";
import { TasklensStoreReader } from "./storeReader";

const WORKFLOW_FILE = /\.(m?ts|m?js)$/;
const IMPORTS_TASKLENS = /\bfrom\s+["']tasklens["']|\brequire\(\s*["']tasklens["']\s*\)/;

class TasklensDocument implements DialectDocument {
  readonly dialect = tasklensDialect;
  private readonly analyzed: AnalyzedDocument;

  constructor(readonly file: string, text: string, private readonly disk: AnalysisProvider) {
    this.analyzed = new AnalyzedDocument(file, text);
  }

  get text(): string {
    return this.analyzed.text;
  }

  get analysis() {
    return this.analyzed.analysis;
  }

  update(text: string): void {
    this.analyzed.update(text);
  }

  inspect(store: StoreReader | undefined, open?: OpenDocuments): TasklensInspection {
    // Imported files as the editor holds them (unsaved edits count), else as on disk.
    const provider: AnalysisProvider = (file) => {
      const doc = open?.(file);
      return doc instanceof TasklensDocument ? doc.analysis : this.disk(file);
    };
    return inspect(this.file, this.text, { analysis: this.analysis, provider, store });
  }
}

export const tasklensDialect: Dialect = {
  id: "tasklens",
  languageIds: ["typescript", "javascript"],

  handles(file: string): boolean {
    return WORKFLOW_FILE.test(file) && !file.endsWith(".d.ts");
  },

  isWorkflow(file: string, text: string): boolean {
    return this.handles(file) && IMPORTS_TASKLENS.test(text);
  },

  openDocument(file: string, text: string): DialectDocument {
    return new TasklensDocument(path.resolve(file), text, sharedDisk);
  },

  storeLocation(file: string, override?: string): string {
    return defaultStorePath(file, override);
  },

  openStore(location: string): Promise<StoreReader> {
    return TasklensStoreReader.open(location);
  },

  runnable(file: string, task: string, options: { cwd?: string; noCache?: boolean; db?: string; params?: string[] }): Runnable {
    const args = ["run", file, task, ...(options.params ?? [])];
    if (options.noCache) args.push("--no-cache");
    if (options.db) args.push("--db", options.db);
    return { dialect: "tasklens", cwd: options.cwd ?? path.dirname(file), args, file, task };
  },

  plan(document: DialectDocument, store: StoreReader | undefined, request: PlanRequest): Plan {
    return (document as TasklensDocument).inspect(store).plan(request);
  },
};

/** One cache of on-disk analyses for every document (imports are read from disk once per change). */
const sharedDisk = diskProvider();
