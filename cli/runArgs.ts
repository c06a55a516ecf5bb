// The command line of `tasklens run FILE [TASK] [--PARAM VALUE …] [--no-cache] [--full-check] [--db PATH] [--json] [--jobs N]`.
// After the task name, a parameter's value is the task's whatever it looks like: `--greet --db`
// passes the string "--db" and never chooses the store. Flags of `run` are recognized before FILE
// and, after TASK, wherever a task parameter's value is not expected.
import type { ParamInfo } from "../engine/analysis/file";
import { paramType, UsageError } from "./args";

const RUN_BOOLEAN_FLAGS = new Set(["no-cache", "full-check", "json", "help"]);
const RUN_VALUE_FLAGS = new Set(["db", "jobs"]);

export type FlagValues = Map<string, string | true>;

export interface RunTarget {
  file: string | undefined;
  task: string | undefined;
  /** Flags of `run` given before FILE. */
  flags: FlagValues;
  /** What follows FILE and TASK: parameters and flags, read once the task's parameters are known. */
  rest: string[];
}

/** One `--name[=value]` argument; `next` supplies the following argument when the value is separate. */
function readFlag(arg: string, takesValue: (name: string) => boolean | "optional", next: () => string | undefined, peek: () => string | undefined): [string, string | true] {
  const eq = arg.indexOf("=");
  const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
  if (eq >= 0) return [name, arg.slice(eq + 1)];
  const takes = takesValue(name);
  if (takes === "optional") return /^(true|false|1|0)$/.test(peek() ?? "") ? [name, next()!] : [name, true];
  if (!takes) return [name, true];
  return [name, next() ?? true];
}

function cursor(argv: string[], from: number) {
  let i = from;
  return { done: () => i >= argv.length, take: () => argv[i++], peek: () => argv[i], position: () => i };
}

/** FILE and TASK, and the run flags before FILE. */
export function runTarget(argv: string[]): RunTarget {
  const flags: FlagValues = new Map();
  const c = cursor(argv, 0);
  while (!c.done() && c.peek()!.startsWith("--") && c.peek() !== "--") {
    const [name, value] = readFlag(c.take()!, (n) => RUN_VALUE_FLAGS.has(n), c.take, c.peek);
    if (!RUN_BOOLEAN_FLAGS.has(name) && !RUN_VALUE_FLAGS.has(name)) throw new UsageError(`unknown option --${name} before the workflow file (task parameters follow the task name)`);
    flags.set(name, value);
  }
  if (c.peek() === "--") c.take();
  const file = c.take();
  const task = !c.done() && !c.peek()!.startsWith("-") ? c.take() : undefined;
  return { file, task, flags, rest: argv.slice(c.position()) };
}

/**
 * The task's parameter values and the run flags after TASK. A parameter always takes the next
 * argument as its value (a boolean parameter only `true`/`false`/`1`/`0`); unknown names and stray
 * arguments are usage errors (`unknown` says so with the task's help).
 */
export function splitRunArguments(rest: string[], params: ParamInfo[], unknown: (name: string) => never): { params: FlagValues; flags: FlagValues } {
  const byName = new Map(params.map((p) => [p.name, p]));
  const values: FlagValues = new Map();
  const flags: FlagValues = new Map();
  const c = cursor(rest, 0);
  while (!c.done()) {
    const arg = c.take()!;
    if (!arg.startsWith("--") || arg === "--") throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (task parameters are given as --name value)`);
    const takesValue = (name: string): boolean | "optional" => {
      const param = byName.get(name);
      if (param) return paramType(param) === "boolean" ? "optional" : true;
      return RUN_VALUE_FLAGS.has(name);
    };
    const [name, value] = readFlag(arg, takesValue, c.take, c.peek);
    if (byName.has(name)) values.set(name, value);
    else if (RUN_BOOLEAN_FLAGS.has(name) || RUN_VALUE_FLAGS.has(name)) flags.set(name, value);
    else unknown(name);
  }
  return { params: values, flags };
}
