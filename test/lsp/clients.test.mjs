// What LSP clients other than VS Code need (issue #13): documents keyed by file path whatever the
// URI's spelling, quick fixes anywhere on a diagnostic's lines, only importers re-analysed on an
// edit, syntax errors published, hover in the client's markup kind, a short lens for a bad store,
// and the server's own commands (run with progress, explain) over workspace/executeCommand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tempDir, waitFor, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";
import { generateWorkflow } from "../../bench/generate.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const statusLens = async (server, uri, task) =>
  (await server.codeLens(uri)).find((l) => /explainTask$/.test(l.command.command) && (!task || l.command.arguments[0].task.endsWith(task)))?.command.title;

test("an edit re-analyses the documents that import the edited one (transitively), not an unrelated big one", async () => {
  const ws = workspace({
    "c.ts": `export function base(n: number): number { return n + 1; }\n`,
    "b.ts": `import { base } from "./c";\nexport function scale(n: number): number { return base(n) * 10; }\n`,
    "w.ts": `import { task } from "tasklens";\nimport { scale } from "./b";\nexport const main = task(function main() { return scale(1); }, { hash: "closure" });\n`,
    "big.ts": generateWorkflow(100),
  });
  assert.equal(ws.run(["run", "w.ts"]).code, 0);
  await withServer({ cwd: ws.dir }, async (server) => {
    const bigUri = server.open(ws.path("big.ts"), ws.read("big.ts"));
    const uri = server.open(ws.path("w.ts"), ws.read("w.ts"));
    const cUri = server.open(ws.path("c.ts"), ws.read("c.ts"));
    await server.waitForDiagnostics(bigUri, (ds) => ds.length > 0, { timeout: 60_000 });
    await server.waitForDiagnostics(uri);
    assert.match(await statusLens(server, uri), /^✓ cached/);
    const bigBefore = server.publishCount(bigUri);
    const wBefore = server.publishCount(uri);
    let text = ws.read("c.ts");
    for (let i = 0; i < 8; i++) {
      text = text.replace(/n \+ \d+/, `n + ${i + 2}`);
      const version = server.change(cUri, text);
      await server.waitForDiagnostics(cUri, () => true, { version });
      await sleep(350);
    }
    assert.equal(server.publishCount(bigUri) - bigBefore, 0, "the unrelated workflow is not re-analysed");
    assert.ok(server.publishCount(uri) - wBefore >= 1, "the transitive importer is re-analysed");
    await waitFor(async () => /^⟳ will rerun: \w+ changed/.test(await statusLens(server, uri)), { what: "the transitive closure-changed lens", timeout: 5000 }).catch(async (e) => assert.fail(`${e.message}: ${await statusLens(server, uri)}`));
  });
});
