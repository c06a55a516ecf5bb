// `tasklens log [ID | - | ~N] [--json]`: recent executions, an execution's job tree, one job's details.
import fs from "node:fs";
import path from "node:path";
import { executionJson, executionLine, jobDetailsLines, jobJson, jobTree } from "../core/log";
import type { ExecutionView, StoreReader } from "../core/storeReader";
import type { Dialect } from "../core/dialect";
import { DIALECTS, dialectOfFile } from "../dialects";
import { tasklensDialect } from "../dialects/tasklens";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";
import { storeMayExist } from "../core/paths";

export async function logCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const json = flags.get("json") === true;
  const { dialect, location } = storeOf(pathFlag(flags, "file"), pathFlag(flags, "db"));
  const [id] = positionals;
  const emit = (doc: unknown, text: string[]) => out.stdout(json ? JSON.stringify(doc, null, 2) : text.join("\n"));
  if (!storeMayExist(location)) {
    if (id !== undefined) throw new UsageError(`no execution or job ${id}: there is no store at ${location} yet`);
    emit([], [`No executions in ${location}`]);
    return 0;
  }
  const store = await dialect.openStore(location);
  // A store written by another engine is shown as that engine's own log shows it (redun's `redun log`).
  const native = (what: Parameters<NonNullable<StoreReader["nativeLog"]>>[0]) => (json ? undefined : store.nativeLog?.(what));

  if (id === undefined) {
    const executions = store.executions(50);
    const text = native({ executions: 50 });
    if (text !== undefined) return printed(out, text);
    emit(executions.map((e) => executionJson(store, e, false)), executions.length ? executions.map(executionLine) : [`No executions in ${store.location}`]);
    return 0;
  }
  let execution: ExecutionView | undefined;
  if (id === "-" || /^~\d+$/.test(id)) {
    const index = id === "-" ? 0 : Number(id.slice(1));
    execution = store.executions(index + 1)[index];
    if (!execution) throw new UsageError(`no execution ${id} in ${store.location}`);
  } else {
    const executions = store.findExecutions(id);
    const jobs = store.findJobs(id);
    if (executions.length + jobs.length > 1) throw new UsageError(`${id} is ambiguous: ${[...executions.map((e) => `execution ${e.id}`), ...jobs.map((j) => `job ${j.id}`)].join(", ")}`);
    if (jobs.length === 1) {
      emit(jobJson(store, jobs[0], true), jobDetailsLines(store, jobs[0]));
      return 0;
    }
    execution = executions[0];
    if (!execution) throw new UsageError(`no execution or job with id ${id} in ${store.location}`);
  }
  const text = native({ execution: execution.id });
  if (text !== undefined) return printed(out, text);
  emit(executionJson(store, execution, true), jobTree(store, execution));
  return 0;
}

function printed(out: Output, text: string): number {
  out.stdout(text.replace(/\n$/, ""));
  return 0;
}

/**
 * The store `log` reads: `--file` names a workflow whose store it is; else `--db`, read by the dialect
 * whose store it looks like; else the working folder's tasklens store, or redun's when only that exists.
 */
function storeOf(fileFlag: string | undefined, dbFlag: string | undefined): { dialect: Dialect; location: string } {
  const candidates: Dialect[] = fileFlag ? [dialectOfFile(fileFlag) ?? tasklensDialect] : DIALECTS.slice();
  // Without --file, the store a workflow file of each dialect would use in the working folder.
  const anchor = (dialect: Dialect) => fileFlag ?? [".ts", ".py"].map((ext) => path.join(process.cwd(), `workflow${ext}`)).find((f) => dialect.handles(f))!;
  const located = candidates.map((dialect) => ({ dialect, location: dialect.storeLocation(anchor(dialect), dbFlag) }));
  if (dbFlag && !fileFlag) {
    const looksRedun = /(^|[\\/])(\.redun|redun\.db)[\\/]?$/.test(dbFlag) || fs.existsSync(path.join(dbFlag, "redun.ini"));
    return located.find((l) => l.dialect.id === (looksRedun ? "redun" : "tasklens")) ?? located[0];
  }
  return located.find((l) => storeMayExist(l.location)) ?? located[0];
}
