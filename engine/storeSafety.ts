// Reading what a store (or a workspace) says, when it may come from anyone: a store is data that
// users trust like code, so reading one must never touch a path outside its folder, never read
// without bound, and never evaluate anything. Every file of a store that is read whole goes
// through `readStoreFile`; every string read from a store that becomes a path is checked here first.
import fs from "node:fs";

/** The exact form of a value hash (sha256, hex): nothing else read from a store becomes a file name. */
const VALUE_HASH = /^[0-9a-f]{64}$/;

export function isValueHash(hash: unknown): hash is string {
  return typeof hash === "string" && VALUE_HASH.test(hash);
}

/** The most a store file read whole may hold (sql.js keeps a snapshot in memory). */
export const STORE_FILE_LIMIT = 1 << 30;
/** Small files read whole beside a store or a workflow (package.json, a lock, a run record). */
export const SMALL_FILE_LIMIT = 16 << 20;

export class UnsafeFileError extends Error {
  constructor(readonly file: string, readonly why: string) {
    super(`${file} ${why}`);
    this.name = "UnsafeFileError";
  }
}

/**
 * A file's bytes, read only when it is a regular file of at most `limit` bytes (a symlink to
 * /dev/zero, a FIFO or a huge file is refused, never read); undefined when it does not exist.
 * `noFollow`: a symlink is refused too (files named by a hash must stay inside the store's folder).
 */
export function readStoreFile(file: string, options: { limit?: number; noFollow?: boolean } = {}): Buffer | undefined {
  const limit = options.limit ?? STORE_FILE_LIMIT;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.noFollow ? fs.constants.O_NOFOLLOW : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new UnsafeFileError(file, "is a symbolic link, which a store never holds there");
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UnsafeFileError(file, "is not a regular file");
    if (stat.size > limit) throw new UnsafeFileError(file, `is larger than ${limit.toLocaleString("en-US")} bytes (${stat.size.toLocaleString("en-US")})`);
    // Read what the size said, never more (the file may grow meanwhile).
    const bytes = Buffer.alloc(stat.size);
    let offset = 0;
    while (offset < bytes.length) {
      const n = fs.readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (n <= 0) break;
      offset += n;
    }
    return offset === bytes.length ? bytes : bytes.subarray(0, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** A small text file beside a store or a workflow, read with the same care; undefined when absent or unreadable. */
export function readSmallText(file: string): string | undefined {
  try {
    return readStoreFile(file, { limit: SMALL_FILE_LIMIT })?.toString("utf8");
  } catch {
    return undefined;
  }
}

/** The subset of sql.js's Database these checks need (engine/ owns sql.js; the checks stay generic). */
interface Queryable {
  exec(sql: string): Array<{ values: unknown[][] }>;
}

/** Why SQLite's quick_check finds the database damaged (pages, records, their order), or undefined when it is sound. */
export function integrityProblem(db: Queryable): string | undefined {
  const rows = db.exec("PRAGMA quick_check(5)")[0]?.values ?? [];
  const messages = rows.map((r) => String(r[0]));
  return messages.length === 1 && messages[0] === "ok" ? undefined : messages.join("; ") || "no answer from the integrity check";
}

/** The columns of each table, as a list of names. */
export function columnsOf(db: Queryable, tables: string[]): Map<string, string[]> {
  return new Map(tables.map((t) => [t, (db.exec(`PRAGMA table_info(${t})`)[0]?.values ?? []).map((r) => String(r[1]))]));
}

/** How a database's tables differ from the expected ones (`optional` columns may be missing), or undefined. */
export function schemaProblem(actual: Map<string, string[]>, expected: Map<string, string[]>, optional: Set<string> = new Set()): string | undefined {
  for (const [table, columns] of expected) {
    const have = actual.get(table) ?? [];
    if (have.length === 0) return `it has no table ${table}`;
    const missing = columns.filter((c) => !have.includes(c) && !optional.has(c));
    const extra = have.filter((c) => !columns.includes(c));
    if (missing.length || extra.length) return `its table ${table} has another schema (${[...missing.map((c) => `no column ${c}`), ...extra.map((c) => `an unknown column ${c}`)].join(", ")})`;
  }
  return undefined;
}
