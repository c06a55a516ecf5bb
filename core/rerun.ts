// A stored call as a command line again: the arguments of a job as `tasklens run` takes them
// (`--name value`), for the Jobs view's Rerun and Copy Arguments. Both dialects' CLIs parse a value
// by the parameter's declared type, so a string goes as typed and anything else as JSON.
import type { JobDetails } from "./storeReader";

/** Values JSON cannot carry are tagged (`{$bytes: …}`, `{$type: …}`): none can be typed on a command line. */
const isTagged = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith("$"));

function valueText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (JSON.stringify(v, (_, x) => (isTagged(x) ? undefined : x)) !== JSON.stringify(v)) return undefined;
  return JSON.stringify(v);
}

/**
 * `--name value …` for a stored call, or why it cannot be retyped. `paramNames`: the task's
 * parameters as now declared, to name arguments the store holds by position only.
 */
export function commandLineArguments(details: JobDetails, paramNames: string[] = []): { args: string[] } | { problem: string } {
  const json = details.argsJson;
  const keywords = json !== null && typeof json === "object" && !Array.isArray(json) && "kwargs" in json ? (json as { args: unknown[]; kwargs: Record<string, unknown> }) : undefined;
  const positional: unknown[] = Array.isArray(json) ? json : (keywords?.args ?? []);
  const named: Array<[string | undefined, unknown]> = [
    ...positional.map((v, i): [string | undefined, unknown] => [details.args[i]?.name ?? paramNames[i], v]),
    ...Object.entries(keywords?.kwargs ?? {}),
  ];
  const args: string[] = [];
  for (const [name, value] of named) {
    if (!name) return { problem: "an argument passed by position has no parameter name (open the workflow file)" };
    const text = valueText(value);
    if (text === undefined) return { problem: `${name} holds a value a command line cannot carry` };
    args.push(`--${name}`, text);
  }
  return { args };
}
