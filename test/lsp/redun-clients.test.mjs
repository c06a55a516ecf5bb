// A redun workflow through `tasklens lsp --stdio` as an editor without tasklens's extension drives it
// (Neovim's built-in client asks for nothing special): the squiggle on `planet`, its Python quick
// fixes offered anywhere on the line and applied as edits, status lenses from redun's store whose
// command the server executes itself.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { STORES, unpack } from "../redun/store-helpers.mjs";
import { withServer } from "./client.mjs";

/** Applies LSP text edits (one document) to a text. */
function applyEdits(text, edits) {
  const lines = text.split("\n");
  const offset = ({ line, character }) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character;
  return [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start)).reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

test("a .py workflow in a plain LSP client: warning, quick fixes anywhere on the line, applied; lenses the server runs", async () => {
  const { dir } = unpack("planet");
  const file = join(dir, "planet.py");
  copyFileSync(join(STORES, "planet", "planet.py"), file);
  const text = readFileSync(file, "utf8");
  await withServer({ cwd: dir, workspaceFolders: [dir], capabilities: {} }, async (server) => {
    const uri = server.open(file, text, "python");
    const diagnostics = await server.waitForDiagnostics(uri, (d) => d.some((x) => x.code === "unhashed-constant"));
    const warning = diagnostics.find((x) => x.code === "unhashed-constant");
    assert.equal(warning.range.start.line, 9, "on `return planet`");
    assert.match(warning.message, /planet/);

    // The cursor at the start of the line, not on the word.
    const line = warning.range.start.line;
    const actions = await server.request("textDocument/codeAction", { textDocument: { uri }, range: { start: { line, character: 0 }, end: { line, character: 0 } }, context: { diagnostics: [] } });
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes("Pass `planet` as a parameter default"), titles.join(" | "));
    assert.ok(titles.some((t) => /hash_includes/.test(t)), titles.join(" | "));

    const fix = actions.find((a) => a.title === "Pass `planet` as a parameter default");
    const fixed = applyEdits(text, fix.edit.changes[uri]);
    assert.match(fixed, /def get_planet\(planet=planet\) -> str:/);
    server.change(uri, fixed);
    await server.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === "unhashed-constant"));

    const lenses = await server.codeLens(uri);
    assert.equal(lenses.filter((l) => l.command.title === "▶ Run task").length, 0, "no Run lens unless the client or user enables running");
    assert.ok(lenses.length >= 3 && lenses.every((l) => l.command.command === "tasklens.server.explainTask"), JSON.stringify(lenses.map((l) => l.command)));
    const explained = await server.request("workspace/executeCommand", { command: "tasklens.server.explainTask", arguments: lenses[0].command.arguments });
    assert.match(explained, /tl\.planet\./, "explain also answers with its text");
    assert.ok(server.notifications.some((n) => n.method === "window/showMessage" && /tl\.planet\./.test(n.params.message)), "explain answers with a message");
  });
});
