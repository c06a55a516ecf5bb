// Paths as tasklens compares and prints them.
import fs from "node:fs";
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

/** Whether a store location is a PostgreSQL URL rather than a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?(\+\w+)?:\/\//i.test(location);
}

/** The URL as the pg client takes it (SQLAlchemy's `postgresql+psycopg2://` names a driver). */
export function clientUrl(url: string): string {
  return url.replace(/^postgres(ql)?\+\w+:/i, "postgresql:");
}

/** A store location as it may be shown: a URL's password masked. */
export function maskLocation(location: string): string {
  return location.replace(/^(postgres(?:ql)?(?:\+\w+)?:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}

/** Whether a store may be there: a file that exists, or a server's URL (asked when opened). */
export function storeMayExist(location: string): boolean {
  return isPostgresUrl(location) || fs.existsSync(location);
}
