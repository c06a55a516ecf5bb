// `tasklens check [FILE …] [--json]` and `tasklens explain FILE [TASK] [--json]`, for every dialect.
import fs from "node:fs";
import path from "node:path";
import type { Dialect, DialectDocument, InspectedTask, Inspection } from "../core/dialect";
import { lineCol } from "../core/findings";
import { displayPath, storeMayExist } from "../core/paths";
import { explainText } from "../core/present";
import type { StoreReader } from "../core/storeReader";
import { dialectOf, dialectOfFile } from "../dialects";
import { StoreError } from "../core/storeReader";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";

/** The store of a workflow, read-only, if there is one; an unusable one is reported, not fatal. */
async function openStore(dialect: Dialect, location: string, out: Output, problems: string[]): Promise<StoreReader | undefined> {
  if (!storeMayExist(location)) return undefined;
  try {
    return await dialect.openStore(location);
  } catch (error) {
    if (error instanceof StoreError) {
      out.error(`${error.message}\n(continuing without the store)`);
      problems.push(location);
      return undefined;
    }
    throw error;
  }
}

function readWorkflow(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`no such workflow file: ${file}`);
  }
}

/** A workflow file named on the command line, with its dialect (by text, else by name: a half-typed file still counts). */
export function workflowOf(file: string): { dialect: Dialect; text: string } {
  const text = readWorkflow(file);
  const dialect = dialectOf(file, text) ?? dialectOfFile(file);
  if (!dialect) throw new UsageError(`${file} is not a workflow file tasklens knows`);
  return { dialect, text };
}

function workflowFilesIn(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...workflowFilesIn(full));
    else if (dialectOf(full, fs.readFileSync(full, "utf8"))) found.push(full);
  }
  return found;
}

/** Inspects files against their stores, opening each store once (files of one project share it). */
export class Inspector {
  private readonly stores = new Map<string, Promise<StoreReader | undefined>>();
  /** Stores that could not be used (the predictions then assume an empty store). */
  readonly storeProblems: string[] = [];
  constructor(private readonly out: Output, private readonly dbFlag: string | undefined) {}

  async inspect(file: string): Promise<Inspection> {
    return (await this.open(file)).inspection;
  }

  /** The file's document, its store and its inspection against that store. */
  async open(file: string): Promise<{ document: DialectDocument; store: StoreReader | undefined; inspection: Inspection }> {
    const { dialect, text } = workflowOf(file);
    const location = dialect.storeLocation(file, this.dbFlag);
    if (!this.stores.has(location)) this.stores.set(location, openStore(dialect, location, this.out, this.storeProblems));
    const store = await this.stores.get(location);
    const document = dialect.openDocument(file, text);
    return { document, store, inspection: document.inspect(store) };
  }
}

export async function checkCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const json = flags.get("json") === true;
  const files = positionals.length ? positionals.flatMap((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? workflowFilesIn(p) : [p])) : workflowFilesIn(process.cwd());
  const inspector = new Inspector(out, pathFlag(flags, "db"));
  const rows: Array<Record<string, unknown>> = [];
  let warnings = 0;
  let syntaxErrors = 0;
  for (const file of files) {
    const result = await inspector.inspect(file);
    const shown = displayPath(result.file);
    for (const e of result.syntaxErrors) {
      syntaxErrors++;
      rows.push({ file: shown, line: e.line, col: e.col, endLine: e.line, endCol: e.col, severity: "error", code: "syntax-error", task: null, message: e.message });
    }
    for (const d of result.findings) {
      const start = lineCol(result.text, d.start);
      const end = lineCol(result.text, d.end);
      if (d.severity !== "information") warnings++;
      // Quick fixes as edits a tool can apply: 1-based positions, as the row's.
      const fixes = d.fixes.map((f) => ({ title: f.title, edits: f.edits.map((e) => ({ start: lineCol(result.text, e.start), end: lineCol(result.text, e.end), newText: e.newText })) }));
      rows.push({ file: shown, line: start.line, col: start.col, endLine: end.line, endCol: end.col, severity: d.severity, code: d.code, task: d.task, message: d.message, fixes });
    }
  }
  if (json) out.stdout(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows) out.stdout(`${r.file}:${r.line}:${r.col}  ${r.severity}  ${r.code}  ${r.message}`);
    out.error(`${files.length} file${files.length === 1 ? "" : "s"} checked: ${warnings} warning${warnings === 1 ? "" : "s"}, ${rows.length - warnings - syntaxErrors} information, ${syntaxErrors} syntax error${syntaxErrors === 1 ? "" : "s"}`);
  }
  if (syntaxErrors) return 2;
  return warnings ? 1 : 0;
}

/** The tasks a TASK argument names (full name, short name or binding); all of them without one. */
export function selectTasks(result: Inspection, taskArg: string | undefined): InspectedTask[] {
  const tasks = result.tasks.filter((t) => !taskArg || t.manifest.fullName === taskArg || t.aliases.includes(taskArg));
  if (taskArg && tasks.length === 0) {
    throw new UsageError(`no task ${JSON.stringify(taskArg)} in ${result.file}. Tasks in the file:\n${result.tasks.map((t) => `  ${t.manifest.fullName}`).join("\n")}`);
  }
  return tasks;
}

export async function explainCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const [file, taskArg] = positionals;
  if (!file) throw new UsageError("usage: tasklens explain FILE [TASK] [--json] [--db PATH]");
  const json = flags.get("json") === true;
  const inspector = new Inspector(out, pathFlag(flags, "db"));
  const result = await inspector.inspect(file);
  const predictions = selectTasks(result, taskArg).map((t) => t.prediction);
  if (json) out.stdout(JSON.stringify(predictions.map((p) => ({ task: p.task, taskHash: p.taskHash, status: p.status, reasons: p.reasons, dependencies: p.dependencies })), null, 2));
  else if (predictions.length === 0) out.stdout(`${file} defines no task${result.syntaxErrors.length ? " that can be read (see tasklens check for its syntax errors)" : ""}`);
  else out.stdout(explainText(predictions));
  // Predictions against a store that could not be read are not predictions: bad input.
  return inspector.storeProblems.length ? 2 : 0;
}
