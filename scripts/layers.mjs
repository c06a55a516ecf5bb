// Fails the build when an import crosses the layers the wrong way. Data flows one way:
//   core  ←  engine  ←  dialects  ←  cli, server      protocol (shapes only)  ←  server, client
// core is language-neutral; engine is tasklens's own engine (runtime, loader, store, its TypeScript
// front end); dialects adapt each workflow language to core's Dialect and StoreReader; the client
// (VS Code) talks to the server and never reads a store or parses a workflow itself.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, sep } from "node:path";

const ALLOWED = {
  core: ["core"],
  engine: ["core", "engine"],
  dialects: ["core", "engine", "dialects"],
  protocol: ["core", "protocol"],
  server: ["core", "engine", "dialects", "protocol", "server"],
  cli: ["core", "engine", "dialects", "cli", "server"],
  client: ["core", "protocol", "client"],
};
/** Packages a layer must not pull in (the client bundle stays small: no parser, no SQLite). */
const FORBIDDEN_PACKAGES = { client: ["typescript", "sql.js", "diff", "pg"], core: ["typescript", "sql.js", "vscode", "pg"], protocol: ["typescript", "sql.js", "vscode", "pg"] };

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".ts") ? [full] : [];
  });
}

const problems = [];
for (const [layer, allowed] of Object.entries(ALLOWED)) {
  for (const file of files(layer)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g)) {
      const spec = m[1];
      if (spec.startsWith(".")) {
        const target = normalize(join(dirname(file), spec)).split(sep)[0];
        if (!allowed.includes(target)) problems.push(`${file}: imports ${spec} (${layer} may import ${allowed.join(", ")})`);
      } else if ((FORBIDDEN_PACKAGES[layer] ?? []).includes(spec)) {
        problems.push(`${file}: imports the package ${spec}, which the ${layer} layer must not carry`);
      }
    }
  }
}
if (problems.length) {
  console.error(`Layering violations (see scripts/layers.mjs):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}

