// Every command, view and setting the extension's code registers is declared in package.json, and back.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const code = ["client", "server", "protocol"].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(join(ROOT, dir, f), "utf8"))).join("\n");
const protocol = readFileSync(join(ROOT, "protocol", "index.ts"), "utf8");
const commandConstants = Object.fromEntries([...protocol.matchAll(/(\w+): "(tasklens\.\w+)"/g)].map((m) => [m[1], m[2]]));

function registeredCommands() {
  const names = new Set();
  for (const m of code.matchAll(/registerCommand\(\s*(?:"(tasklens\.\w+)"|Commands\.(\w+))/g)) names.add(m[1] ?? commandConstants[m[2]]);
  return names;
}

test("commands: registered in code ⇔ declared in package.json (category tasklens)", () => {
  const declared = new Set(manifest.contributes.commands.map((c) => c.command));
  assert.deepEqual([...registeredCommands()].sort(), [...declared].sort());
  for (const c of manifest.contributes.commands) assert.equal(c.category, "tasklens");
  for (const title of ["Run Task", "Run Task Without Cache", "Explain Task", "Show Job", "Refresh Jobs", "Show Logs"]) {
    assert.ok(manifest.contributes.commands.some((c) => c.title === title), title);
  }
  // Lens commands the server emits are client commands too.
  for (const name of Object.values(commandConstants)) assert.ok(declared.has(name), name);
  for (const menu of Object.values(manifest.contributes.menus).flat()) assert.ok(declared.has(menu.command), `menu ${menu.command}`);
});

test("views: created in code ⇔ declared, in an activity-bar container titled tasklens", () => {
  const created = new Set([...code.matchAll(/createTreeView\("([\w.]+)"/g)].map((m) => m[1]));
  const declared = new Set(Object.values(manifest.contributes.views).flat().map((v) => v.id));
  assert.deepEqual([...created].sort(), [...declared].sort());
  const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === "tasklens");
  assert.equal(container.title, "tasklens");
  assert.ok(manifest.contributes.views.tasklens.some((v) => v.name === "Jobs"));
});

test("settings: read in code ⇔ declared, each with a scope and a markdownDescription", () => {
  const read = new Set([...code.matchAll(/getConfiguration\("tasklens"(?:,[^)]*)?\).get(?:<[^>]+>)?\("([\w.]+)"/g)].map((m) => `tasklens.${m[1]}`));
  // The language client reads `<client id>.trace.server` itself.
  const clientId = /new LanguageClient\("(\w+)"/.exec(code)[1];
  read.add(`${clientId}.trace.server`);
  const declared = manifest.contributes.configuration.properties;
  assert.deepEqual([...read].sort(), Object.keys(declared).sort());
  for (const [name, setting] of Object.entries(declared)) {
    assert.ok(setting.scope, `${name} has a scope`);
    assert.ok(setting.markdownDescription, `${name} has a markdownDescription`);
  }
  for (const restricted of manifest.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(restricted in declared, restricted);
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
});

test("the grammar and languages the code uses are contributed", () => {
  assert.match(code, /createOutputChannel\("tasklens", "tasklens-log"\)/);
  assert.ok(manifest.contributes.languages.some((l) => l.id === "tasklens-log"));
  const grammar = manifest.contributes.grammars.find((g) => g.language === "tasklens-log");
  const json = JSON.parse(readFileSync(join(ROOT, grammar.path), "utf8"));
  assert.equal(json.scopeName, grammar.scopeName);
  assert.equal(manifest.main, "./dist/extension/client.js");
  assert.equal(manifest.bin.tasklens, "./bin/tasklens.js");
  assert.equal(manifest.exports["."].default, "./dist/engine/index.js");
});

test("the run-log grammar colours Run / Cached / Failed lines, job ids and the JOB STATUS table", () => {
  const grammar = JSON.parse(readFileSync(join(ROOT, "syntaxes", "tasklens-log.tmLanguage.json"), "utf8"));
  const rule = (name) => new RegExp(grammar.repository[name].match.replace(/\(\?<!\[\\w\.\]\)/, ""));
  assert.ok(rule("run").test("[tasklens] Run    Job 9f3a1c2e:  main()"));
  assert.ok(rule("cached").test("[tasklens] Cached Job 9f3a1c2e:  main()"));
  assert.ok(rule("failed").test("[tasklens] *** Failed Job 9f3a1c2e:  main()"));
  assert.ok(rule("ids").test("Job 9f3a1c2e:"));
  assert.ok(grammar.repository["status-table"].patterns.some((p) => new RegExp(p.match).test("[tasklens] | JOB STATUS 2026-11-22 14:00:00")));
});

test("the run-log grammar colours redun's lines too, Cached as good news, and .py locations as links", () => {
  const grammar = JSON.parse(readFileSync(join(ROOT, "syntaxes", "tasklens-log.tmLanguage.json"), "utf8"));
  const rule = (name) => new RegExp(grammar.repository[name].match);
  assert.ok(rule("prefix").test("[redun] Run    Job 9502cf7b:  fx.boom(n=1) on default"));
  assert.ok(rule("failed").test("[redun] *** Reject Job 9502cf7b:  fx.boom(n=1):"));
  assert.ok(rule("traceback").test("[redun] ValueError: boom"));
  assert.ok(!/^(string|invalid)/.test(grammar.repository.cached.name), `Cached is coloured as ${grammar.repository.cached.name}`);
  const links = grammar.repository.locations.patterns.map((p) => new RegExp(p.match));
  for (const line of ['  File "/w/fail.py", line 8, in boom', "  Job c6e7daef: main(n=1)  (wf.ts:8)", "    at boom (/w/wf.ts:4:20)"]) {
    assert.ok(links.some((r) => r.test(line)), line);
  }
});

test("the Getting Started walkthrough: its pages ship, its buttons name commands the extension has", () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  const shipped = readFileSync(join(ROOT, ".vscodeignore"), "utf8");
  const declared = new Set([...manifest.contributes.commands.map((c) => c.command), "tasklens.jobs.focus"]);
  assert.ok(walkthrough.steps.length >= 4);
  for (const step of walkthrough.steps) {
    assert.ok(readFileSync(join(ROOT, step.media.markdown), "utf8").startsWith("# "), step.media.markdown);
    assert.ok(shipped.includes("!media/walkthrough/*.md"));
    for (const [, command] of step.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(declared.has(command), command);
  }
  assert.ok(shipped.includes("!examples/hello_world.ts"), "the example the first step writes ships");
});
