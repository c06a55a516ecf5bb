// `tasklens check [FILE …] [--json]` and `tasklens explain FILE [TASK] [--json]`.
import { displayPath } from "../engine/fsutil";
import fs from "node:fs";
import path from "node:path";
import { inspect, Inspection, lineCol } from "../dialects/tasklens/inspect";
import { explainText } from "../core/present";
import { defaultStorePath, Store, StoreError } from "../engine/store";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";

/** The store of a workflow, read-only, if there is one; an unusable one is reported, not fatal. */
async function openStore(storePath: string, out: Output): Promise<Store | undefined> {
  if (!fs.existsSync(storePath)) return undefined;
  try {
    return await Store.open(storePath, { readonly: true });
  } catch (error) {
    if (error instanceof StoreError) {
      out.error(`${error.message}\n(continuing without the store)`);
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

function workflowFilesIn(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...workflowFilesIn(full));
    else if (/\.(m?ts|m?js)$/.test(entry.name) && !entry.name.endsWith(".d.ts") && /from\s+["']tasklens["']/.test(fs.readFileSync(full, "utf8"))) found.push(full);
  }
  return found;
}

export async function checkCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const json = flags.get("json") === true;
  const dbFlag = pathFlag(flags, "db");
  const files = positionals.length ? positionals.flatMap((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? workflowFilesIn(p) : [p])) : workflowFilesIn(process.cwd());
  const rows: Array<Record<string, unknown>> = [];
  let warnings = 0;
  let syntaxErrors = 0;
  // Files of one project share a store: open each store once.
  const stores = new Map<string, Promise<Store | undefined>>();
  for (const file of files) {
    const text = readWorkflow(file);
    const storePath = defaultStorePath(file, dbFlag);
    if (!stores.has(storePath)) stores.set(storePath, openStore(storePath, out));
    const store = await stores.get(storePath);
    const result = inspect(file, text, { store });
    const shown = displayPath(result.file);
    for (const e of result.analysis.syntaxErrors) {
      syntaxErrors++;
      rows.push({ file: shown, line: e.line, col: e.col, endLine: e.line, endCol: e.col, severity: "error", code: "syntax-error", task: null, message: e.message });
    }
    for (const d of result.diagnostics) {
      const start = lineCol(text, d.start);
      const end = lineCol(text, d.end);
      if (d.severity !== "information") warnings++;
      rows.push({ file: shown, line: start.line, col: start.col, endLine: end.line, endCol: end.col, severity: d.severity, code: d.code, task: d.task, message: d.message });
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

function selectTasks(result: Inspection, taskArg: string | undefined) {
  const ids = result.identities.filter((id) => !taskArg || id.fullName === taskArg || id.task.name === taskArg || id.task.bindingName === taskArg);
  if (taskArg && ids.length === 0) {
    throw new UsageError(`no task ${JSON.stringify(taskArg)} in ${result.file}. Tasks in the file:\n${result.identities.map((i) => `  ${i.fullName}`).join("\n")}`);
  }
  return ids;
}

export async function explainCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const [file, taskArg] = positionals;
  if (!file) throw new UsageError("usage: tasklens explain FILE [TASK] [--json] [--db PATH]");
  const json = flags.get("json") === true;
  const text = readWorkflow(file);
  const store = await openStore(defaultStorePath(file, pathFlag(flags, "db")), out);
  const result = inspect(file, text, { store });
  const ids = selectTasks(result, taskArg);
  const predictions = ids.map((id) => result.predictions.get(id)!);
  if (json) {
    out.stdout(JSON.stringify(predictions.map((p) => ({ task: p.task, status: p.status, reasons: p.reasons, dependencies: p.dependencies })), null, 2));
    return 0;
  }
  out.stdout(explainText(predictions));
  return 0;
}
