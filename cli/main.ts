// The `tasklens` command: run | log | gc | check | explain | plan | lsp.
import { WorkflowError } from "../engine/loader";
import { StoreError } from "../core/storeReader";
import { UnhashableValueError } from "../engine/values";
import { VERSION } from "../engine/version";
import { UsageError } from "./args";
import { Output } from "./output";

const USAGE = `Usage: tasklens <command> [options]

Commands:
  run FILE [TASK] [--PARAM VALUE …] [--no-cache] [--full-check] [--db PATH] [--json] [--jobs N]
                       run a task (default: main) with caching
  log [ID | - | ~N] [--json] [--db PATH] [--file FILE]
                       executions, an execution's job tree, or one job's details
  gc [--keep N] [--db PATH]
                       forget all but the N newest executions (default 100) and what only they needed
  store copy FROM TO   copy history and cache between stores (a file or a postgresql:// URL, either way)
  check [FILE …] [--json]
                       report dependencies the cache key does not cover
  explain FILE [TASK] [--json] [--db PATH]
                       say what the next run would do, per task, without running it
  plan FILE [TASK] [--PARAM VALUE …] [--json] [--db PATH]
                       the jobs the next run would create, predicted without running anything
  lsp --stdio          run the language server over stdio

Run 'tasklens run FILE TASK --help' for a task's parameters.`;

export async function main(argv: string[]): Promise<number> {
  const out = new Output();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await (require("./run") as typeof import("./run")).runCommand(rest, out);
      case "log":
        return await (require("./log") as typeof import("./log")).logCommand(rest, out);
      case "gc":
        return await (require("./gc") as typeof import("./gc")).gcCommand(rest, out);
      case "store":
        return await (require("./store") as typeof import("./store")).storeCommand(rest, out);
      case "check":
        return await (require("./inspect") as typeof import("./inspect")).checkCommand(rest, out);
      case "explain":
        return await (require("./inspect") as typeof import("./inspect")).explainCommand(rest, out);
      case "plan":
        return await (require("./plan") as typeof import("./plan")).planCommand(rest, out);
      case "lsp":
        // --stdio for any LSP client; --node-ipc when VS Code's client starts it. It runs until the client shuts it down.
        if (!rest.includes("--stdio") && !rest.includes("--node-ipc")) throw new UsageError("usage: tasklens lsp --stdio");
        (require("../server/server") as { main(): void }).main();
        return await new Promise<number>(() => undefined);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        out.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case "--version":
        out.stdout(VERSION);
        return 0;
      default:
        out.error(`tasklens: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`tasklens: ${error.message}`);
      return 2;
    }
    if (error instanceof WorkflowError || error instanceof StoreError) {
      out.error(error.message);
      return error instanceof WorkflowError ? error.exitCode : 2;
    }
    if (error instanceof UnhashableValueError) {
      out.error(`tasklens: ${error.message}`);
      return 2;
    }
    out.error(`tasklens: internal error: ${(error as Error)?.stack ?? String(error)}`);
    return 70;
  } finally {
    out.flushNow();
  }
}
