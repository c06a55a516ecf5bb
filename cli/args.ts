// Command-line parsing: global flags, and task parameters typed from the task's declared
// TypeScript parameter types and defaults.
import type { ParamInfo } from "../engine/analysis/file";

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

/** `--name value`, `--name=value`, bare `--flag`; a value may itself start with `-` if it is a number. */
export function parseArgv(argv: string[], booleanFlags: Set<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq >= 0) flags.set(name, arg.slice(eq + 1));
    else if (booleanFlags.has(name)) flags.set(name, true);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && !/^--?\d/.test(next))) flags.set(name, true);
      else {
        flags.set(name, next);
        i++;
      }
    }
  }
  return { positionals, flags };
}

function baseType(type: string | undefined): string {
  return (type ?? "").replace(/\s+/g, "");
}

/** A flag that names a path (`--db PATH`): its value, undefined when absent, a usage error when bare. */
export function pathFlag(flags: Map<string, string | true>, name: string): string | undefined {
  const value = flags.get(name);
  if (value === true) throw new UsageError(`--${name}: expected a path`);
  return value;
}

/** A parameter as the command line sees it (a dialect's ParamView, the engine's ParamInfo). */
export type CliParam = Pick<ParamInfo, "name" | "type" | "defaultText" | "optional"> & { rawText?: boolean };

/**
 * A task's `--PARAM VALUE` flags as named values (a parameter left out: its default); an unknown
 * flag or a missing required parameter is a usage error followed by `help`. `run` and `plan` share it.
 */
export function taskArguments(taskName: string, params: CliParam[], flags: Map<string, string | true>, commandFlags: Set<string>, help: string): Record<string, unknown> {
  for (const name of flags.keys()) {
    if (!commandFlags.has(name) && !params.some((p) => p.name === name)) throw new UsageError(`task ${taskName} has no parameter --${name}\n${help}`);
  }
  const args: Record<string, unknown> = {};
  for (const p of params) {
    const raw = flags.get(p.name);
    if (raw !== undefined) args[p.name] = parseParamValue(p, raw);
    else if (!p.optional) throw new UsageError(`missing --${p.name} for task ${taskName}\n${help}`);
  }
  return args;
}

/** Converts a command-line string to the value a parameter of this declared type expects. */
/** A parameter's type as declared, else as its default's literal implies ("" when neither tells). */
export function paramType(param: CliParam): string {
  return baseType(param.type) || inferType(param.defaultText);
}

export function parseParamValue(param: CliParam, raw: string | true): unknown {
  if (param.rawText) return raw;
  const type = paramType(param);
  const fail = (what: string): never => {
    throw new UsageError(`--${param.name}: expected ${what}, got ${JSON.stringify(raw)}`);
  };
  if (type === "boolean") {
    if (raw === true || raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    return fail("true or false");
  }
  if (raw === true) return fail(`a value (--${param.name} VALUE)`);
  if (type === "string") return raw;
  if (type === "number") {
    const n = Number(raw);
    return raw.trim() === "" || Number.isNaN(n) ? fail("a number") : n;
  }
  if (type === "bigint") {
    try {
      return BigInt(raw);
    } catch {
      return fail("an integer");
    }
  }
  const arrayOf = /^(?:(string|number|boolean)\[\]|Array<(string|number|boolean)>)$/.exec(type);
  if (arrayOf) {
    const element = arrayOf[1] ?? arrayOf[2];
    if (raw.trim().startsWith("[")) return parseJson(param, raw);
    return raw === "" ? [] : raw.split(",").map((part) => parseParamValue({ ...param, type: element }, part));
  }
  if (/^(".*"|'.*')(\|(".*"|'.*'))*$/.test(type)) return raw; // a union of string literals
  if (!type) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return parseJson(param, raw);
}

function parseJson(param: CliParam, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${param.name}: expected JSON for type ${param.type ?? "unknown"}, got ${JSON.stringify(raw)}`);
  }
}

/** The type a default's literal implies, for parameters declared without a type. */
function inferType(defaultText: string | undefined): string {
  if (!defaultText) return "";
  if (/^["'`]/.test(defaultText)) return "string";
  if (/^-?\d/.test(defaultText)) return "number";
  if (defaultText === "true" || defaultText === "false") return "boolean";
  return "";
}

export function describeParam(p: CliParam): string {
  const type = p.type ?? (inferType(p.defaultText) || "JSON");
  const tail = p.defaultText !== undefined ? ` (default: ${p.defaultText})` : p.optional ? " (optional)" : " (required)";
  return `  --${p.name} ${type.toUpperCase() === type ? type : `<${type}>`}${tail}`;
}
