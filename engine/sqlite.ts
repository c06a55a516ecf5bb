// sql.js (SQLite compiled to WebAssembly), loaded once per process for every store that reads SQLite.
import fs from "node:fs";
import path from "node:path";
import type { SqlJsStatic } from "sql.js";

let sqlPromise: Promise<SqlJsStatic> | undefined;

/** sql.js, its .wasm beside this file in the extension's bundle, in node_modules otherwise. */
export function loadSql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const initSqlJs = require("sql.js") as (config?: { locateFile?(file: string): string }) => Promise<SqlJsStatic>;
    const wasmDir = process.env.TASKLENS_SQL_WASM_DIR ?? (fs.existsSync(path.join(__dirname, "sql-wasm.wasm")) ? __dirname : path.join(path.dirname(require.resolve("sql.js")), "..", "dist"));
    sqlPromise = initSqlJs({ locateFile: (file) => path.join(wasmDir, file) });
  }
  return sqlPromise;
}
