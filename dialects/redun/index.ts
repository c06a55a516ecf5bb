// The redun dialect: Python workflow files that import redun's task decorator, run by redun itself
// against redun's own store. tasklens predicts redun's hash from the text and reads the store
// read-only; it never changes how redun runs.
import { isPostgresUrl } from "../../core/paths";
import path from "node:path";
import type { Dialect, DialectDocument, Runnable } from "../../core/dialect";
import type { Plan, PlanRequest } from "../../core/plan";
import type { StoreReader } from "../../core/storeReader";
import { textFingerprints } from "./analysis";
import { PythonDocument } from "./python/document";
import { inspectRedun, moduleNameOf, RedunInspection } from "./inspect";
import { RunRecords } from "./runRecords";
import { locateStore } from "./store/locate";
import { RedunStoreReader } from "./storeReader";

/** `from redun import …`, `import redun`, `import redun as rd` at the start of a line. */
const IMPORTS_REDUN = /^[ \t]*(from[ \t]+redun[ \t]+import\b|import[ \t]+redun\b)/m;

class RedunDocument implements DialectDocument {
  readonly dialect = redunDialect;
  /** Kept analysed across edits: an edit rescans only what it reaches. */
  private readonly python: PythonDocument;

  constructor(readonly file: string, text: string) {
    this.python = new PythonDocument(text, moduleNameOf(file));
  }

  get text(): string {
    return this.python.text;
  }

  update(text: string): void {
    this.python.update(text);
  }

  inspect(store: StoreReader | undefined): RedunInspection {
    return inspectRedun(this.file, this.text, this.python.module, store);
  }
}

export const redunDialect: Dialect = {
  id: "redun",
  languageIds: ["python"],

  handles(file: string): boolean {
    return file.endsWith(".py");
  },

  isWorkflow(file: string, text: string): boolean {
    return this.handles(file) && IMPORTS_REDUN.test(text);
  },

  openDocument(file: string, text: string): DialectDocument {
    return new RedunDocument(path.resolve(file), text);
  },

  storeLocation(file: string, override?: string): string {
    const located = locateStore(file, { db: override });
    return located.kind === "sqlite" ? located.file : located.uri;
  },

  openStore(location: string): Promise<StoreReader> {
    // A server's store has no folder beside it for tasklens's run records.
    return RedunStoreReader.open(location, isPostgresUrl(location) ? undefined : RunRecords.besideStore(location, textFingerprints));
  },

  plan(document: DialectDocument, store: StoreReader | undefined, request: PlanRequest): Plan {
    return (document as RedunDocument).inspect(store).plan(request);
  },

  runnable(file: string, task: string, options: { cwd?: string; noCache?: boolean; db?: string; params?: string[] }): Runnable {
    // tasklens's own `run` starts redun (recording what it imports), so the client runs the tasklens CLI.
    const args = ["run", file, task, ...(options.params ?? [])];
    if (options.noCache) args.push("--no-cache");
    if (options.db) args.push("--db", options.db);
    return { dialect: "redun", cwd: options.cwd ?? path.dirname(file), args, file, task };
  },
};
