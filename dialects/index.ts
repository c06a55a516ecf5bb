// The dialects tasklens serves, and which one a file belongs to.
import type { Dialect } from "../core/dialect";
import { redunDialect } from "./redun";
import { tasklensDialect } from "./tasklens";

export const DIALECTS: readonly Dialect[] = [tasklensDialect, redunDialect];

/** The dialect whose workflow files have this name and text, if any. */
export function dialectOf(file: string, text: string): Dialect | undefined {
  return DIALECTS.find((d) => d.isWorkflow(file, text));
}

/** The dialect that handles files of this name, workflow or not yet (a half-typed file still counts). */
export function dialectOfFile(file: string): Dialect | undefined {
  return DIALECTS.find((d) => d.handles(file));
}

/** The dialect whose language ids include this one (the editor's view of a document). */
export function dialectOfLanguage(languageId: string): Dialect | undefined {
  return DIALECTS.find((d) => d.languageIds.includes(languageId));
}

export function dialectById(id: string): Dialect | undefined {
  return DIALECTS.find((d) => d.id === id);
}
