// `tasklens plan FILE [TASK] [--PARAM VALUE …] [--json] [--db PATH]`: the jobs the next run would
// create, predicted without running anything, for every dialect that can plan.
import { INCOMPLETE_NOTE, planColumn, planJson, planLine } from "../core/plan";
import { describeParam, parseArgv, pathFlag, taskArguments, UsageError } from "./args";
import { Inspector, selectTasks, workflowOf } from "./inspect";
import { Output } from "./output";

const USAGE = "usage: tasklens plan FILE [TASK] [--PARAM VALUE …] [--json] [--db PATH]";

export async function planCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set(["json", "help"]));
  const [file, taskArg = "main", ...extra] = positionals;
  if (!file) throw new UsageError(USAGE);
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])} (task parameters are given as --name value)`);
  const { dialect } = workflowOf(file);
  if (!dialect.plan) throw new UsageError(`${dialect.id} workflows cannot be planned yet`);
  const inspector = new Inspector(out, pathFlag(flags, "db"));
  const { inspection, document, store } = await inspector.open(file);
  if (inspection.syntaxErrors.length) {
    throw new UsageError(inspection.syntaxErrors.map((e) => `${file}:${e.line}:${e.col}: ${e.message}`).join("\n"));
  }
  const [task] = selectTasks(inspection, taskArg);
  const help = [`Usage: tasklens plan ${file} ${taskArg} ${task.params.map((p) => (p.optional ? `[--${p.name} VALUE]` : `--${p.name} VALUE`)).join(" ")}`.trimEnd(), ...task.params.map(describeParam)].join("\n");
  if (flags.has("help")) {
    out.stdout(help);
    return 0;
  }
  const args = taskArguments(task.manifest.fullName, task.params, flags, new Set(["json", "db", "help"]), help);
  const plan = dialect.plan(document, store, { task: task.manifest.fullName, args });
  if (flags.get("json") === true) {
    out.stdout(JSON.stringify(planJson(plan), null, 2));
    return inspector.storeProblems.length ? 2 : 0;
  }
  for (const job of plan.jobs) out.log(planLine(job));
  if (!plan.complete) out.log(INCOMPLETE_NOTE);
  out.statusTable(plan.jobs.map((j) => ({ task: j.task, column: planColumn(j.status) })));
  // A plan made without a store that could not be read is not a prediction: bad input.
  return inspector.storeProblems.length ? 2 : 0;
}
