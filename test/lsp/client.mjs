// A minimal LSP client for protocol-level tests: starts the built server as a process
// (`tasklens lsp --stdio`) and speaks JSON-RPC to it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { CLI } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const rpc = require("vscode-jsonrpc/node");

export async function startServer({ cwd, env = {}, nodeArgs = [], capabilities = { workspace: { codeLens: { refreshSupport: true } } }, initializationOptions, workspaceFolders, initialize = true } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, CLI, "lsp", "--stdio"], { cwd, env: { ...process.env, TASKLENS_DB: "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const diagnostics = new Map();
  const listeners = new Set();
  const logs = [];
  let lensRefreshes = 0;
  const published = new Map();
  connection.onNotification("textDocument/publishDiagnostics", (p) => {
    diagnostics.set(p.uri, p);
    published.set(p.uri, (published.get(p.uri) ?? 0) + 1);
    for (const l of listeners) l(p);
  });
  connection.onNotification("window/logMessage", (p) => logs.push(p.message));
  const notifications = [];
  connection.onNotification("tasklens/storeChanged", (p) => notifications.push({ method: "tasklens/storeChanged", params: p }));
  connection.onNotification("window/showMessage", (p) => notifications.push({ method: "window/showMessage", params: p }));
  connection.onRequest("workspace/codeLens/refresh", () => {
    lensRefreshes++;
    return null;
  });
  connection.listen();
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const folders = workspaceFolders?.map((dir) => ({ uri: pathToFileURL(dir).toString(), name: dir }));
  const initializeParams = { processId: process.pid, rootUri: cwd ? pathToFileURL(cwd).toString() : null, workspaceFolders: folders ?? null, capabilities, initializationOptions };
  const sendInitialize = async () => {
    await connection.sendRequest("initialize", initializeParams);
    await connection.sendNotification("initialized", {});
  };
  if (initialize) await sendInitialize();
  const versions = new Map();

  return {
    child,
    connection,
    /** Sends `initialize` (for a server started with `initialize: false`). */
    initialize: sendInitialize,
    /** The server process's resident memory in bytes (0 once it is gone). */
    rss() {
      try {
        return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
      } catch {
        return 0;
      }
    },
    logs,
    /** Notifications the server sent (store changes, messages), in order. */
    notifications,
    exited,
    get stderr() {
      return stderr;
    },
    get lensRefreshes() {
      return lensRefreshes;
    },
    diagnostics: (uri) => diagnostics.get(uri),
    /** How many times diagnostics were published for `uri` so far. */
    publishCount: (uri) => published.get(uri) ?? 0,
    open(file, text, languageId = "typescript") {
      const uri = pathToFileURL(file).toString();
      versions.set(uri, 1);
      connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version: 1, text } });
      return uri;
    },
    change(uri, text) {
      const version = versions.get(uri) + 1;
      versions.set(uri, version);
      connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
      return version;
    },
    /** Resolves with the first publishDiagnostics for `uri` (at `version` or later, if given) that satisfies `predicate`. */
    waitForDiagnostics(uri, predicate = () => true, { timeout = 15_000, version } = {}) {
      const ok = (p) => p.uri === uri && (version === undefined || p.version === undefined || p.version >= version) && predicate(p.diagnostics);
      const known = diagnostics.get(uri);
      if (known && ok(known)) return Promise.resolve(known.diagnostics);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no matching diagnostics for ${uri}; last: ${JSON.stringify(diagnostics.get(uri))}`));
        }, timeout);
        const listener = (p) => {
          if (!ok(p)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(p.diagnostics);
        };
        listeners.add(listener);
      });
    },
    request: (method, params) => connection.sendRequest(method, params),
    codeLens: (uri) => connection.sendRequest("textDocument/codeLens", { textDocument: { uri } }),
    async stop() {
      try {
        await Promise.race([connection.sendRequest("shutdown"), new Promise((r) => setTimeout(r, 2000))]);
        connection.sendNotification("exit");
      } catch {
        // already gone
      }
      setTimeout(() => child.kill(), 500).unref();
      await exited;
      connection.dispose();
    },
  };
}

/** Runs `body` with a started server, and stops the server afterwards whatever happens. */
export async function withServer(options, body) {
  const server = await startServer(options);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}
