// A workflow dialect: one language's workflow files and its engine's store. Everything outside
// dialects/ (the CLI's check/explain/log, the language server) goes through this interface, so a
// new dialect is a folder of its own.
import type { Finding, Range, SyntaxProblem } from "./findings";
import type { Prediction, TaskManifest } from "./manifest";
import type { Plan, PlanRequest } from "./plan";
import type { StoreReader } from "./storeReader";

/** A parameter of a task as declared (for prompts and `--help`). */
export interface ParamView {
  name: string;
  type?: string;
  defaultText?: string;
  optional: boolean;
  /** The dialect parses the command-line text itself (by its engine's rules): the CLI passes it as typed. */
  rawText?: boolean;
}

export interface InspectedTask {
  manifest: TaskManifest;
  prediction: Prediction;
  /** Where the task's lenses go. */
  lensAt: number;
  /** Where a hover on the task's name applies: its binding, its function's name. */
  nameRanges: Range[];
  /** Calls of the task in the same file (a hover there explains it too). */
  callSites: Range[];
  line: number;
  params: ParamView[];
  /** Short names a user may type for it on the command line. */
  aliases: string[];
}

/** One workflow file looked at without running it, against a store. */
export interface Inspection {
  dialect: string;
  file: string;
  text: string;
  tasks: InspectedTask[];
  findings: Finding[];
  syntaxErrors: SyntaxProblem[];
}

/** How to run a task, as plain JSON: the client maps `dialect` to an executable and runs `args` (never a shell). */
export interface Runnable {
  dialect: string;
  cwd: string;
  args: string[];
  file: string;
  task: string;
}

/** Other open documents, for dialects whose analysis follows imports (unsaved buffers win over the disk). */
export type OpenDocuments = (file: string) => DialectDocument | undefined;

/** A document kept parsed across edits. */
export interface DialectDocument {
  readonly dialect: Dialect;
  readonly file: string;
  readonly text: string;
  update(text: string): void;
  inspect(store: StoreReader | undefined, open?: OpenDocuments): Inspection;
}

export interface Dialect {
  readonly id: string;
  /** VS Code language ids of its files. */
  readonly languageIds: readonly string[];
  /** Whether files of this name are its kind (by extension), workflow or not. */
  handles(file: string): boolean;
  /** Whether a file is one of its workflow files (by name and text). */
  isWorkflow(file: string, text: string): boolean;
  openDocument(file: string, text: string): DialectDocument;
  /** The store a workflow's runs use: an explicit override (flag, setting) wins. */
  storeLocation(file: string, override?: string): string;
  openStore(location: string): Promise<StoreReader>;
  runnable(file: string, task: string, options: { cwd?: string; noCache?: boolean; db?: string; params?: string[] }): Runnable;
  /**
   * The jobs the next run of a task (with these arguments) would create, predicted from the store and
   * the document's text without running anything. A dialect without it offers no `plan`.
   */
  plan?(document: DialectDocument, store: StoreReader | undefined, request: PlanRequest): Plan;
}
