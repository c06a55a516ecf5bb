// Builds dist/, after checking that imports follow the layers (scripts/layers.mjs):
// - dist/{core,engine,dialects,cli,protocol,server}: compiled file by file (CommonJS), so the CLI,
//   the language server and a workflow's `import "tasklens"` share one engine instance — what
//   `npm install tasklens` ships;
// - dist/extension: the VS Code extension's self-contained bundles — client.js (the extension) and
//   cli.js (the CLI, which is also the language server: `tasklens lsp`) — and the sql.js WebAssembly
//   beside them: what the .vsix ships (no node_modules);
// - dist/types: type declarations, emitted by the one type-check of the build.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

execFileSync(process.execPath, ["scripts/layers.mjs"], { stdio: "inherit" });
rmSync("dist", { recursive: true, force: true });
const version = JSON.parse(readFileSync("package.json", "utf8")).version;
const common = { platform: "node", format: "cjs", target: "node20", sourcemap: true, logLevel: "warning", define: { __TASKLENS_VERSION__: JSON.stringify(version) } };
await build({ ...common, entryPoints: ["core", "engine", "dialects", "cli", "protocol", "server"].flatMap(sources), outdir: "dist", outbase: "." });
await build({
  ...common,
  bundle: true,
  // The language server is the CLI's `lsp` command and worker threads load the same bundle: it carries
  // the engine, TypeScript and sql.js once.
  entryPoints: { client: "client/extension.ts", cli: "cli/bin.ts" },
  outdir: "dist/extension",
  // pg's optional native binding (pg-native) is never used: the pure-JavaScript client is.
  external: ["vscode", "pg-native"],
  // sql.js probes for browser globals it never needs under Node.
  mainFields: ["main"],
  // The store finds sql-wasm.wasm beside the bundle first; the require.resolve fallback is for node_modules.
  logOverride: { "require-resolve-not-external": "silent" },
});
mkdirSync("dist/extension", { recursive: true });
copyFileSync("node_modules/sql.js/dist/sql-wasm.wasm", "dist/extension/sql-wasm.wasm");
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--declaration", "--outDir", "dist/types"], { stdio: "inherit" });
