// Builds dist/: engine, server and client compiled file by file (CommonJS, one module instance each),
// so the CLI, the language server and a workflow's `import "tasklens"` share one engine.
import { build } from "esbuild";
import { readdirSync, statSync, rmSync } from "node:fs";
import { join } from "node:path";

function sources(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: [...sources("engine"), ...sources("server")],
  outdir: "dist",
  outbase: ".",
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
