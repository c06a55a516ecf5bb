// A scripted headless Neovim session (Debian's neovim, installed by scripts/install-nvim.sh): the
// README's Neovim configuration (test/lsp/nvim/tasklens.lua) against the language server, a workflow
// opened, its diagnostics and lenses, main run through its ▶ lens, the lens seen turning cached.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLI, ROOT, workspace } from "../helpers.mjs";

const nvim = () => spawnSync("nvim", ["--version"], { encoding: "utf8" }).status === 0;
if (!nvim()) spawnSync("sh", [join(ROOT, "scripts", "install-nvim.sh")], { stdio: "inherit", timeout: 300_000 });
const skip = nvim() ? false : "nvim is not installed and scripts/install-nvim.sh could not install it (apt-get install neovim failed)";

test("Neovim (headless): diagnostics, lenses, a task run through its lens, the lens turns cached", { skip, timeout: 180_000 }, () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const out = ws.path("nvim-session.jsonl");
  const r = spawnSync("nvim", ["--headless", "-u", join(ROOT, "test", "lsp", "nvim", "session.lua"), "hello_world.ts"], {
    cwd: ws.dir,
    encoding: "utf8",
    timeout: 150_000,
    env: { ...process.env, TASKLENS_DB: "", TASKLENS_NODE: process.execPath, TASKLENS_CLI: CLI, TASKLENS_CONFIG: join(ROOT, "test", "lsp", "nvim", "tasklens.lua"), TASKLENS_NVIM_OUT: out },
  });
  assert.ok(existsSync(out), `no session output; nvim exited ${r.status}: ${r.stderr}`);
  const events = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const of = (kind) => events.find((e) => e.kind === kind)?.value;
  assert.equal(of("error"), undefined, JSON.stringify(events));
  assert.equal(of("attached"), true);
  assert.deepEqual(of("diagnostics").map((d) => [d.code, d.line]), [["unhashed-constant", 7]]);
  const lenses = of("lenses");
  assert.deepEqual(lenses.filter((l) => l.task.endsWith(".main")).map((l) => l.title), ["▶ Run task", "never run"]);
  assert.ok(lenses.every((l) => l.command.startsWith("tasklens.server.")), "lenses carry the server's own commands");
  assert.deepEqual(of("choices"), ["▶ Run task", "never run"]);
  assert.ok(events.some((e) => e.kind === "message" && /main done: Hello, World!/.test(e.value)), JSON.stringify(events));
  assert.match(of("status-after-run"), /^✓ cached/);
  assert.equal(of("end"), true);
  assert.equal(JSON.parse(ws.run(["log", "--json"]).stdout).length, 1, "the run is in the store");
});

test("the README's Neovim configuration is the one the headless session runs", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /\*\*Neovim\*\*[\s\S]*?```lua\n([\s\S]*?)```/.exec(readme)[1];
  // The file's header comments (at column 0) and the test's own command aside.
  const tested = readFileSync(join(ROOT, "test", "lsp", "nvim", "tasklens.lua"), "utf8").replace(/^--.*\n/gm, "").replace("vim.g.tasklens_cmd or ", "");
  assert.equal(block.trim(), tested.trim());
});
