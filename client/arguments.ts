// Asks for a task's required parameters before a run, typed from the declaration, prefilled with the
// values used last time for that task (kept in the workspace state).
import * as vscode from "vscode";
import type { ParamView, TaskRef } from "../protocol";

const NUMBER_TYPES = new Set(["number", "int", "float", "bigint"]);
const BOOLEAN_TYPES = new Set(["boolean", "bool"]);

const stateKey = (ref: TaskRef) => `tasklens.args:${ref.file}:${ref.task}`;

/** Why a typed value does not fit the declared type (undefined: it fits). */
export function invalidValue(param: ParamView, value: string): string | undefined {
  const type = (param.type ?? "").replace(/\s+/g, "");
  if (value === "") return `${param.name} is required`;
  if (NUMBER_TYPES.has(type) && !/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value)) return `${param.name} is a ${type}: type a number`;
  if (BOOLEAN_TYPES.has(type) && !/^(true|false|True|False)$/.test(value)) return `${param.name} is a ${type}: type true or false`;
  return undefined;
}

/**
 * The command-line arguments for a run: `--name value` for each required parameter, asked for in turn
 * (optional ones keep their defaults). Undefined: the user dismissed a prompt.
 */
export async function askArguments(ref: TaskRef, state: vscode.Memento): Promise<string[] | undefined> {
  const last = state.get<Record<string, string>>(stateKey(ref), {});
  const required = (ref.params ?? []).filter((p) => !p.optional);
  if (required.length === 0) return [];
  const values: Record<string, string> = {};
  for (const [i, param] of required.entries()) {
    const value = await vscode.window.showInputBox({
      title: `Run ${ref.task} (${i + 1}/${required.length})`,
      prompt: `${param.name}${param.type ? `: ${param.type}` : ""}`,
      placeHolder: param.type ? `a ${param.type}` : undefined,
      value: last[param.name] ?? "",
      ignoreFocusOut: true,
      validateInput: (v) => invalidValue(param, v),
    });
    if (value === undefined) return undefined;
    values[param.name] = value;
  }
  await state.update(stateKey(ref), values);
  return Object.entries(values).flatMap(([name, value]) => [`--${name}`, value]);
}
