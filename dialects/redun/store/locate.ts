// Where redun keeps the store of a workflow file, found the way redun finds it: the config folder is
// REDUN_CONFIG, else the nearest `.redun` folder above (redun searches from its working directory; a
// workflow is normally run from its own folder), else `.redun` beside it; the database is that
// folder's `redun.ini` `[backend] db_uri`, by default `sqlite:///redun.db` relative to the folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { readSmallText } from "../../../engine/storeSafety";

export type StoreLocation =
  | { kind: "sqlite"; file: string; configDir: string | null; how: LocatedBy }
  | { kind: "postgresql"; uri: string; configDir: string | null; how: LocatedBy };

/** How the location was decided, for messages ("found .redun above the file", …). */
export type LocatedBy = "REDUN_CONFIG" | "found" | "beside" | "--db";

export interface LocateOptions {
  /** A `--db` value: a `redun.db` file, a `.redun` folder, or a database URI. */
  db?: string;
  env?: NodeJS.ProcessEnv;
  /** For a relative REDUN_CONFIG, as redun resolves it (default: process.cwd()). */
  cwd?: string;
}

export const CONFIG_DIR = ".redun";
export const INI_FILE = "redun.ini";
const DEFAULT_DB_URI = "sqlite:///redun.db";

export function locateStore(workflowFile: string, options: LocateOptions = {}): StoreLocation {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.db) {
    if (/^[\w+.-]+:\/\//.test(options.db)) return fromUri(options.db, cwd, null, "--db");
    const db = path.resolve(cwd, options.db);
    if (isDirectory(db)) return fromConfigDir(db, env, "--db");
    return { kind: "sqlite", file: db, configDir: null, how: "--db" };
  }
  if (env.REDUN_CONFIG) return fromConfigDir(path.resolve(cwd, env.REDUN_CONFIG), env, "REDUN_CONFIG");
  const start = path.dirname(path.resolve(cwd, workflowFile));
  for (let dir = start; ; dir = path.dirname(dir)) {
    // redun accepts any existing `.redun` entry here (os.path.exists).
    if (fs.existsSync(path.join(dir, CONFIG_DIR))) return fromConfigDir(path.join(dir, CONFIG_DIR), env, "found");
    if (path.dirname(dir) === dir) break;
  }
  return fromConfigDir(path.join(start, CONFIG_DIR), env, "beside");
}

function fromConfigDir(configDir: string, env: NodeJS.ProcessEnv, how: LocatedBy): StoreLocation {
  const ini = path.join(configDir, INI_FILE);
  let uri = DEFAULT_DB_URI;
  if (fs.existsSync(ini)) {
    const backend = readIni(readSmallText(ini) ?? "", env).get("backend");
    const configured = backend?.get("db_uri");
    // redun still accepts its old default, which meant the same file.
    if (configured && configured !== "sqlite:///.redun/redun.db") uri = configured;
  }
  return fromUri(uri, configDir, configDir, how);
}

/** sqlite URIs: three slashes = relative to the config folder, four = absolute (SQLAlchemy's rule). */
function fromUri(uri: string, base: string, configDir: string | null, how: LocatedBy): StoreLocation {
  const sqlite = /^sqlite:\/\/(\/.*)?$/.exec(uri);
  if (sqlite) {
    const rest = (sqlite[1] ?? "/").slice(1).split("?")[0];
    if (rest === "" || rest === ":memory:") throw new Error(`${uri}: an in-memory redun database cannot be read`);
    return { kind: "sqlite", file: path.isAbsolute(rest) ? rest : path.resolve(base, rest), configDir, how };
  }
  if (/^postgres(ql)?(\+\w+)?:\/\//.test(uri)) return { kind: "postgresql", uri, configDir, how };
  throw new Error(`${uri}: unsupported redun db_uri (sqlite:/// and postgresql:// are)`);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Python's ConfigParser as redun configures it: `key = value` or `key: value`, case-sensitive keys,
 * indented continuation lines, `#`/`;` comment lines, and `${name}` / `${section:name}` interpolation
 * falling back to environment variables.
 */
export function readIni(text: string, env: NodeJS.ProcessEnv = {}): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>([["DEFAULT", new Map()]]);
  let section: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === "") {
      lastKey = undefined;
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = sections.get(header[1]) ?? new Map();
      sections.set(header[1], section);
      lastKey = undefined;
    } else if (/^\s/.test(raw) && section && lastKey !== undefined) {
      section.set(lastKey, `${section.get(lastKey)}\n${raw.trim()}`);
    } else {
      const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
      if (!kv || !section) continue;
      lastKey = kv[1].trim();
      section.set(lastKey, kv[2].trim());
    }
  }
  const defaults = sections.get("DEFAULT")!;
  const resolve = (value: string, own: Map<string, string>, depth: number): string =>
    value.replace(/\$\$|\$\{([^}]+)\}/g, (match, ref: string | undefined) => {
      if (!ref) return "$";
      if (depth > 10) return match;
      const [sec, key] = ref.includes(":") ? ref.split(":", 2) : [undefined, ref];
      const from = sec ? sections.get(sec) : own;
      const found = from?.get(key) ?? (sec ? undefined : defaults.get(key) ?? env[key]);
      return found === undefined ? match : resolve(found, from ?? own, depth + 1);
    });
  const out = new Map<string, Map<string, string>>();
  for (const [name, values] of sections) out.set(name, new Map([...values].map(([k, v]) => [k, resolve(v, values, 0)])));
  return out;
}
