// A TypeScript server plugin the VS Code extension contributes (typescriptServerPlugins): in a workflow
// folder that has not installed tasklens, `import { task } from "tasklens"` resolves to the type
// declarations shipped beside this file, so tasks are typed instead of `any` and the editor reports no
// missing module. Where the folder has tasklens installed, that copy wins: only failed resolutions of
// the module name "tasklens" are answered. Plain CommonJS: tsserver loads it with require().
"use strict";
const path = require("node:path");

const MODULE = "tasklens";
const DECLARATIONS = path.join(__dirname, "types", "engine", "index.d.ts");

/** @param {{ typescript: typeof import("typescript") }} modules */
function init({ typescript: ts }) {
  const resolved = { resolvedFileName: DECLARATIONS, extension: ts.Extension.Dts, isExternalLibraryImport: true, resolvedUsingTsExtension: false };
  return {
    create(info) {
      const host = info.languageServiceHost;
      const original = host.resolveModuleNameLiterals;
      if (typeof original === "function") {
        host.resolveModuleNameLiterals = (literals, ...rest) =>
          original.call(host, literals, ...rest).map((r, i) => (r.resolvedModule || literals[i].text !== MODULE ? r : { ...r, resolvedModule: resolved }));
      }
      info.project.projectService.logger.info(`tasklens: "${MODULE}" falls back to ${DECLARATIONS}`);
      return info.languageService;
    },
  };
}

module.exports = init;
