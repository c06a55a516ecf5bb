// Paths as tasklens compares and prints them.
import path from "node:path";

/** Whether a path lies inside a folder (or is the folder). */
export function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** A path as a user reads it: relative to the working folder when inside it, absolute otherwise. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && isInside(process.cwd(), file) ? relative : file;
}
