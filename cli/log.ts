// `tasklens log [ID | - | ~N] [--json]`: recent executions, an execution's job tree, one job's details.
import fs from "node:fs";
import path from "node:path";
import { executionJson, executionLine, jobDetailsText, jobJson, jobTree } from "../core/log";
import type { ExecutionView } from "../core/storeReader";
import { dialectOfFile } from "../dialects";
import { tasklensDialect } from "../dialects/tasklens";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";

export async function logCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json"]));
  const json = flags.get("json") === true;
  // The store is the one a workflow file here would use: `--file` names it, else the working folder's.
  const fileFlag = pathFlag(flags, "file");
  const dialect = (fileFlag && dialectOfFile(fileFlag)) || tasklensDialect;
  const anchor = fileFlag ?? path.join(process.cwd(), "workflow.ts");
  const location = dialect.storeLocation(anchor, pathFlag(flags, "db"));
  const [id] = positionals;
  const emit = (doc: unknown, text: string[]) => out.stdout(json ? JSON.stringify(doc, null, 2) : text.join("\n"));
  if (!fs.existsSync(location)) {
    if (id !== undefined) throw new UsageError(`no execution or job ${id}: there is no store at ${location} yet`);
    emit([], [`No executions in ${location}`]);
    return 0;
  }
  const store = await dialect.openStore(location);

  if (id === undefined) {
    const executions = store.executions(50);
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
      emit(jobJson(store, jobs[0], true), jobDetailsText(store, jobs[0]));
      return 0;
    }
    execution = executions[0];
    if (!execution) throw new UsageError(`no execution or job with id ${id} in ${store.location}`);
  }
  emit(executionJson(store, execution, true), jobTree(store, execution));
  return 0;
}
