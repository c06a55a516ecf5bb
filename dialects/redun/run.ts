// How `tasklens run FILE.py …` starts redun: the argument list redun's CLI expects, and the config
// folder that selects the store. Argument arrays only: nothing here passes through a shell.
import fs from "node:fs";
import path from "node:path";
import { CONFIG_DIR, INI_FILE } from "./store/locate";

export interface RedunRunRequest {
  file: string;
  task: string;
  /** `--name value` pairs as the user typed them (snake_case or kebab-case). */
  params: Array<[string, string | true]>;
  noCache: boolean;
  /** `--db`: a `.redun` folder, or a `redun.db` file inside one. */
  db?: string;
  executionId: string;
}

/** The config folder `--db` names: redun selects its store by config folder, not by database file. */
export function configDirOfDb(db: string): string {
  const abs = path.resolve(db);
  const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
  if (isDir) return abs;
  const dir = path.dirname(abs);
  if (path.basename(abs) === "redun.db" || fs.existsSync(path.join(dir, INI_FILE)) || path.basename(dir) === CONFIG_DIR) return dir;
  throw new Error(`--db ${db}: redun takes a config folder (a .redun folder, or the redun.db inside one)`);
}

/** redun's arguments: global options, then `run`, then the file, the task and its parameters (kebab-case). */
export function redunRunArgs(request: RedunRunRequest): string[] {
  const args: string[] = [];
  if (request.db) args.push("--config", configDirOfDb(request.db));
  args.push("run", "--execution-id", request.executionId);
  if (request.noCache) args.push("--no-cache");
  args.push(request.file, request.task);
  for (const [name, value] of request.params) {
    args.push(`--${name.replace(/_/g, "-")}`);
    if (value !== true) args.push(value);
  }
  return args;
}

/** The redun executable: `--redun`, else TASKLENS_REDUN, else `redun` on PATH; undefined when none is found. */
export function findRedun(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = flag ?? env.TASKLENS_REDUN;
  if (named) return named.includes(path.sep) ? (isExecutable(path.resolve(named)) ? path.resolve(named) : undefined) : onPath(named, env);
  return onPath("redun", env);
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
