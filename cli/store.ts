// `tasklens store copy FROM TO`: copies history and cache from one store to another, SQLite or
// PostgreSQL in either direction (seed a team cache from a laptop, take one offline).
import { storeMayExist } from "../core/paths";
import { defaultStorePath, maskLocation, Store } from "../engine/store";
import { parseArgv, UsageError } from "./args";
import { Output } from "./output";

const USAGE = "usage: tasklens store copy FROM TO   (each a store file or a postgresql:// URL)";

export async function storeCommand(argv: string[], out: Output): Promise<number> {
  const { positionals } = parseArgv(argv, new Set());
  const [sub, from, to, ...extra] = positionals;
  if (sub !== "copy" || !from || !to || extra.length) throw new UsageError(USAGE);
  // A file is taken relative to the working folder; a URL as it is.
  const [source, target] = [from, to].map((location) => defaultStorePath("workflow.ts", location));
  if (!storeMayExist(source)) throw new UsageError(`no store at ${source}`);
  if (source === target) throw new UsageError("FROM and TO are the same store");
  const reader = await Store.open(source, { readonly: true });
  try {
    const writer = await Store.open(target);
    try {
      const copied = reader.copyTo(writer);
      out.stdout(
        `copied ${maskLocation(source)} → ${maskLocation(target)}: ${copied.executions} executions (${copied.jobs} jobs), ` +
          `${copied.calls} cached results, ${copied.values} values, ${copied.tasks} task versions`,
      );
    } finally {
      writer.close();
    }
  } finally {
    reader.close();
  }
  return 0;
}
