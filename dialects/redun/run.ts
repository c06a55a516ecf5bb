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

/** A program and the arguments before redun's own. */
export interface RedunProgram {
  file: string;
  prefix: string[];
}

/** Exit code when the interpreter cannot import redun (as a shell's "command not found"). */
export const NO_REDUN_EXIT = 127;

/** redun's CLI entry point, for an interpreter that has redun installed (redun has no `python -m redun`). */
const REDUN_CLI = [
  "import sys",
  "try:",
  "    from redun.cli import main",
  "except ImportError as error:",
  `    sys.stderr.write("tasklens: %s cannot import redun (%s); install it with: %s -m pip install redun\\n" % (sys.executable, error, sys.executable))`,
  `    sys.exit(${NO_REDUN_EXIT})`,
  'sys.argv[0] = "redun"',
  "main()",
].join("\n");

/**
 * How to start redun: `--python PY` runs redun's CLI module with that interpreter (the editor passes the
 * Python extension's); else the executable `--redun`, else TASKLENS_REDUN, else `redun` on PATH.
 */
export function findRedun(flags: { redun?: string; python?: string }, env: NodeJS.ProcessEnv = process.env): RedunProgram | undefined {
  if (flags.python) {
    const python = executable(flags.python, env);
    return python ? { file: python, prefix: ["-c", REDUN_CLI] } : undefined;
  }
  const redun = executable(flags.redun ?? env.TASKLENS_REDUN ?? "redun", env);
  return redun ? { file: redun, prefix: [] } : undefined;
}

/** A path (with a separator) if executable, else a name looked up on PATH. */
function executable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name.includes(path.sep)) return isExecutable(path.resolve(name)) ? path.resolve(name) : undefined;
  return onPath(name, env);
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
