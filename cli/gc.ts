// `tasklens gc [--keep N] [--db PATH]`: bounds the history, and the cache to what it still needs.
import fs from "node:fs";
import path from "node:path";
import { defaultStorePath, isPostgresUrl, maskLocation, Store } from "../engine/store";
import { parseArgv, pathFlag, UsageError } from "./args";
import { Output } from "./output";

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export async function gcCommand(argv: string[], out: Output): Promise<number> {
  const { positionals, flags } = parseArgv(argv, new Set());
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\nusage: tasklens gc [--keep N] [--db PATH]`);
  const keepFlag = flags.get("keep") ?? "100";
  const keep = Number(keepFlag);
  if (!Number.isInteger(keep) || keep < 0) throw new UsageError(`--keep: expected a whole number, got ${JSON.stringify(keepFlag)}`);
  const file = defaultStorePath(path.join(process.cwd(), "workflow.ts"), pathFlag(flags, "db"));
  if (!isPostgresUrl(file) && !fs.existsSync(file)) throw new UsageError(`no store at ${file}`);
  const store = await Store.open(file);
  try {
    const freed = store.gc(keep);
    out.stdout(
      `gc ${maskLocation(file)}: kept ${Math.min(keep, store.executions(keep).length)} executions, forgot ${freed.executions} executions (${freed.jobs} jobs), ` +
        `${freed.calls} cached results, ${freed.values} values; ${megabytes(freed.bytesBefore)} → ${megabytes(freed.bytesAfter)}`,
    );
  } finally {
    store.close();
  }
  return 0;
}
