// `tasklens run FILE.py [TASK] [--PARAM VALUE …] [--no-cache] [--db PATH] [--redun CMD | --python PY]`: runs redun
// itself, its output streamed as it prints it, its exit code returned; and records the text redun
// imported (keyed by the execution id tasklens chose), so predictions know what the run read.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { RunRecords } from "../dialects/redun/runRecords";
import { findRedun, redunRunArgs } from "../dialects/redun/run";
import { locateStore } from "../dialects/redun/store/locate";
import { parseArgv, pathFlag, UsageError } from "./args";
import type { Output } from "./output";

const FLAGS = new Set(["no-cache"]);

export async function runRedunCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, FLAGS);
  const [fileArg, task = "main", ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])} (task parameters are given as --name value)`);
  const file = path.resolve(fileArg);
  if (!fs.existsSync(file)) throw new UsageError(`no such workflow file: ${fileArg}`);
  const redunFlag = pathFlag(flags, "redun");
  const pythonFlag = pathFlag(flags, "python");
  const redun = findRedun({ redun: redunFlag, python: pythonFlag });
  if (!redun) {
    const where = pythonFlag ? `interpreter ${pythonFlag}` : redunFlag ? redunFlag : process.env.TASKLENS_REDUN ? `TASKLENS_REDUN=${process.env.TASKLENS_REDUN}` : "redun on PATH";
    throw new UsageError(`redun not found (looked for ${where}): install it (pip install redun), or name it with --redun PATH, --python PATH or TASKLENS_REDUN`);
  }
  const db = pathFlag(flags, "db");
  const params = [...flags].filter(([name]) => !["no-cache", "db", "redun", "python"].includes(name));
  const executionId = randomUUID();
  let args: string[];
  try {
    args = redunRunArgs({ file: fileArg, task, params, noCache: flags.get("no-cache") === true, db, executionId });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  // The text redun will import, and proof it did not change while redun ran (else nothing is recorded).
  const before = fs.statSync(file);
  const text = fs.readFileSync(file, "utf8");
  const code = await new Promise<number>((resolve) => {
    // redun runs in a process group of its own, so that one Ctrl-C (at a terminal, or the editor's
    // cancel sent to tasklens) reaches it once, through tasklens, and tasklens stays to record the run.
    const child = spawn(redun.file, [...redun.prefix, ...args], { cwd: process.cwd(), stdio: "inherit", detached: true });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const stop = () => child.kill("SIGKILL");
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    process.on("exit", stop);
    child.on("error", (error) => {
      out.error(`tasklens: could not start ${redun.file}: ${error.message}`);
      resolve(127);
    });
    child.on("exit", (status, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      process.off("exit", stop);
      resolve(status ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
  const after = fs.statSync(file, { throwIfNoEntry: false });
  const location = locateStore(file, { db });
  // 0 done, 1 a task failed, 130 interrupted: redun ran the file (other codes: it never got that far).
  const ran = [0, 1, 130].includes(code);
  if (ran && after && after.mtimeMs === before.mtimeMs && after.size === before.size && location.kind === "sqlite" && fs.existsSync(location.file)) {
    try {
      RunRecords.besideStore(location.file, () => ({})).write({ executionId, file, text });
    } catch (error) {
      out.error(`tasklens: could not record what the run imported (${(error as Error).message}); predictions will say "can't tell" for it`);
    }
  }
  return code;
}
