// Packages the VS Code extension: `vsce package` (the allow-list in .vscodeignore), then adds the
// TypeScript server plugin under extension/node_modules/tasklens-typescript-plugin/ with the engine's
// type declarations. tsserver finds a contributed plugin only in the extension's node_modules, and vsce
// leaves every node_modules out when it packages without dependencies (the bundles need none).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const require = createRequire(import.meta.url);
const yauzl = require("yauzl");
const yazl = require("yazl");
const VSIX = "tasklens.vsix";
const PLUGIN = "extension/node_modules/tasklens-typescript-plugin";

function files(dir) {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
}

execFileSync(process.execPath, [require.resolve("@vscode/vsce/vsce"), "package", "--no-dependencies", "--allow-missing-repository", "--out", VSIX], { stdio: "inherit" });

// The declarations `import "tasklens"` needs: the engine's and the core shapes they name.
const added = [
  ...["index.js", "package.json"].map((name) => [join("tsplugin", name), `${PLUGIN}/${name}`]),
  ...["engine", "core"].flatMap((dir) => files(join("dist", "types", dir)).map((file) => [file, `${PLUGIN}/types/${relative(join("dist", "types"), file)}`])),
];

const out = new yazl.ZipFile();
await new Promise((resolve, reject) => {
  yauzl.open(VSIX, { lazyEntries: true }, (error, zip) => {
    if (error) return reject(error);
    zip.on("entry", (entry) => {
      if (entry.fileName.endsWith("/")) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks = [];
        stream.on("data", (c) => chunks.push(c));
        stream.on("end", () => {
          out.addBuffer(Buffer.concat(chunks), entry.fileName);
          zip.readEntry();
        });
      });
    });
    zip.on("end", resolve);
    zip.readEntry();
  });
});
for (const [file, name] of added) out.addBuffer(readFileSync(file), name);
out.end();
const chunks = [];
for await (const chunk of out.outputStream) chunks.push(chunk);
writeFileSync(`${VSIX}.tmp`, Buffer.concat(chunks));
renameSync(`${VSIX}.tmp`, VSIX);
console.log(`Added the TypeScript plugin and ${added.length - 2} declaration files to ${VSIX}.`);
