// The server under bad input: random truncations and edits, broken stores, workflows with side effects.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, symlinkSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { test } from "node:test";
import { editJournal, pointResultAt, ROOT, workspace } from "../helpers.mjs";
import { withServer } from "./client.mjs";

test("fuzz: hundreds of truncations and random edits; every request answered, the server never exits", async () => {
  const ws = workspace({}, { from: join(ROOT, "test", "fixtures", "diagnostics") });
  const sources = [readFileSync(join(ROOT, "examples", "hello_world.ts"), "utf8"), ws.read("workflow.ts"), readFileSync(join(ROOT, "test", "fixtures", "scope-corpus.ts"), "utf8")];
  let seed = 7;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const junk = ["(", ")", "{", "}", "task(", "function", "=>", "`${", "'", '"', "/*", "//", "\n", "const ", "import ", ",", ";", "<", ">", "await ", "\u{1F600}", "\\"];
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("workflow.ts"), sources[1]);
    await server.waitForDiagnostics(uri);
    let exited = false;
    server.exited.then(() => (exited = true));
    for (let i = 0; i < 300; i++) {
      const base = sources[rand(sources.length)];
      let text;
      switch (rand(3)) {
        case 0: text = base.slice(0, rand(base.length)); break;
        case 1: { const at = rand(base.length); text = base.slice(0, at) + junk[rand(junk.length)] + base.slice(at); break; }
        default: { const a = rand(base.length); const b = a + rand(200); text = base.slice(0, a) + base.slice(b); }
      }
      const version = server.change(uri, text);
      if (i % 10 === 0) {
        const position = { line: rand(40), character: rand(30) };
        const results = await Promise.all([
          server.codeLens(uri),
          server.request("textDocument/hover", { textDocument: { uri }, position }),
          server.request("textDocument/codeAction", { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }),
          server.request("tasklens/fileStatus", { uri }),
        ]);
        assert.ok(Array.isArray(results[0]) && Array.isArray(results[2]) && typeof results[3].tasks === "number");
        const diagnostics = await server.waitForDiagnostics(uri, () => true, { version });
        assert.ok(Array.isArray(diagnostics));
      }
    }
    assert.equal(exited, false, "the server is still running");
    assert.equal(server.logs.filter((l) => /failed|uncaught|unhandled/.test(l)).length, 0, server.logs.join("\n"));
  });
});

test("a corrupt store degrades the status lens to a clear message; a missing one means never run", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  mkdirSync(join(ws.dir, ".tasklens"));
  writeFileSync(join(ws.dir, ".tasklens", "cache.db"), "garbage, not a database".repeat(20));
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const lenses = await server.codeLens(uri);
    const status = lenses.filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
    assert.equal(status.length, 3);
    for (const title of status) assert.equal(title, "⚠ store unavailable");
    const explained = await server.request("tasklens/explain", { uri, task: "examples.hello_world.main" });
    assert.match(explained, /store unavailable: the store .*cache\.db cannot be used: it is not an SQLite database/);
    const ds = await server.waitForDiagnostics(uri, (x) => x.length > 0);
    assert.equal(ds[0].code, "unhashed-constant", "diagnostics still work");
    assert.equal(readFileSync(join(ws.dir, ".tasklens", "cache.db"), "utf8"), "garbage, not a database".repeat(20));
  });
});

test("a store locked by a running tasklens still feeds the lenses (the server only reads)", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  assert.equal(ws.run(["run", "hello_world.ts"]).code, 0);
  writeFileSync(join(ws.dir, ".tasklens", "cache.db.lock"), String(process.pid));
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    const titles = (await server.codeLens(uri)).filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
    assert.deepEqual(titles, ["✓ cached · just now", "✓ cached · just now", "✓ cached · just now"]);
  });
});

test("the server never executes workflow code", async () => {
  const marker = join(workspace().dir, "executed");
  const ws = workspace({
    "side.ts": `import { task } from "tasklens";
import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(marker)}, "top level ran");
export const main = task(function main() { writeFileSync(${JSON.stringify(marker)}, "task ran"); return 1; });
`,
    "imports-side.ts": `import { task } from "tasklens";\nimport { main } from "./side";\nexport const other = task(function other() { return main(); }, { hash: "closure" });\n`,
  });
  await withServer({ cwd: ws.dir }, async (server) => {
    for (const name of ["side.ts", "imports-side.ts"]) {
      const uri = server.open(ws.path(name), ws.read(name));
      await server.waitForDiagnostics(uri);
      await server.codeLens(uri);
      await server.request("textDocument/hover", { textDocument: { uri }, position: { line: 3, character: 15 } });
    }
    assert.equal(existsSync(marker), false, "no workflow code ran");
  });
  assert.equal(ws.run(["run", "side.ts"]).code, 0);
  assert.equal(readFileSync(marker, "utf8"), "task ran", "the same file does run under tasklens run (the marker works)");
});

test("no request is answered before initialize: error -32002 (ServerNotInitialized), then normal service", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  await withServer({ cwd: ws.dir, initialize: false }, async (server) => {
    const uri = pathToFileURL(ws.path("hello_world.ts")).toString();
    for (const [method, params] of [["textDocument/codeLens", { textDocument: { uri } }], ["tasklens/stores", {}], ["textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } }]]) {
      await assert.rejects(server.request(method, params), (error) => error.code === -32002, method);
    }
    await server.initialize();
    server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
    assert.equal((await server.codeLens(uri)).length, 3);
  });
});

test("an edit nesting 1,000 deep never poisons the document: findings outside it stay, the original text gets its findings back", async () => {
  const ws = workspace({}, { example: "hello_world.ts" });
  const original = ws.read("hello_world.ts");
  await withServer({ cwd: ws.dir }, async (server) => {
    const uri = server.open(ws.path("hello_world.ts"), original);
    const before = await server.waitForDiagnostics(uri, (d) => d.length > 0);
    const deep = original.replace("return planet;", `return ${"(".repeat(1000)}1${")".repeat(1000)} + planet;`);
    const version = server.change(uri, deep);
    const during = await server.waitForDiagnostics(uri, (d) => d.some((x) => x.code === "analysis-skipped"), { version });
    assert.ok(during.some((d) => d.code === "unhashed-constant"), JSON.stringify(during.map((d) => d.code)));
    const restored = server.change(uri, original);
    const after = await server.waitForDiagnostics(uri, (d) => !d.some((x) => x.code === "analysis-skipped"), { version: restored });
    assert.deepEqual(after.map((d) => [d.code, d.range.start.line]), before.map((d) => [d.code, d.range.start.line]));
    assert.equal((await server.codeLens(uri)).length, 3);
    assert.equal(server.logs.filter((l) => /failed|uncaught/.test(l)).length, 0, server.logs.join("\n"));
  });
});

test("in an untrusted workspace no store outside the folder is read (package.json's db, a symlinked store); trusted, it is", async () => {
  const outside = workspace({}, { example: "hello_world.ts" });
  assert.equal(outside.run(["run", "hello_world.ts"]).code, 0);
  const elsewhere = join(outside.dir, ".tasklens", "cache.db");
  const ws = workspace({ "package.json": JSON.stringify({ tasklens: { db: elsewhere } }) }, { example: "hello_world.ts" });
  const statusTitles = async (options) =>
    withServer({ cwd: ws.dir, workspaceFolders: [ws.dir], initializationOptions: options }, async (server) => {
      const uri = server.open(ws.path("hello_world.ts"), ws.read("hello_world.ts"));
      const titles = (await server.codeLens(uri)).filter((l) => /explainTask$/.test(l.command.command)).map((l) => l.command.title);
      const why = await server.request("tasklens/explain", { uri, task: "examples.hello_world.main" });
      return titles.map((t) => (t === "⚠ store unavailable" ? `${t}: ${why.split("store unavailable: ")[1]}` : t));
    });
  const untrusted = await statusTitles({ trusted: false });
  assert.equal(untrusted.length, 3);
  for (const title of untrusted) assert.match(title, /store unavailable: the store .* is outside the workspace folder/);
  assert.deepEqual(await statusTitles({ trusted: true }), ["✓ cached · just now", "✓ cached · just now", "✓ cached · just now"]);
  // A store symlinked out of the folder counts as outside too.
  writeFileSync(ws.path("package.json"), "{}");
  mkdirSync(join(ws.dir, ".tasklens"));
  symlinkSync(elsewhere, join(ws.dir, ".tasklens", "cache.db"));
  for (const title of await statusTitles({ trusted: false })) assert.match(title, /outside the workspace folder/);
});

/** A workspace whose store names values by a `../` hash and by a hash whose file is a symlink to /dev/zero, in its cache and its history. */
function craftedStoreWorkspace() {
  const ws = workspace({}, { example: "hello_world.ts" });
  const first = ws.run(["run", "hello_world.ts", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const mainCall = JSON.parse(first.stdout).jobs.find((j) => j.task.endsWith(".main")).callHash;
  const zero = createHash("sha256").update("zero").digest("hex");
  pointResultAt(ws, mainCall, zero, 9);
  editJournal(ws, (r) => r, [["value", "../../../../../../etc/passwd", null, 1, 9]]);
  mkdirSync(join(ws.dir, ".tasklens", "values", zero.slice(0, 2)), { recursive: true });
  symlinkSync("/dev/zero", join(ws.dir, ".tasklens", "values", zero.slice(0, 2), zero));
  const runs = join(ws.dir, ".tasklens", "cache.db.runs");
  for (const name of readdirSync(runs).filter((n) => n !== "index.jsonl")) {
    const lines = readFileSync(join(runs, name), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    writeFileSync(join(runs, name), lines.map((j, i) => JSON.stringify({ ...j, resultHash: i % 2 ? zero : "../../../../../../etc/passwd", argsHash: zero })).join("\n") + "\n");
  }
  return ws;
}

test("fuzz: hostile workspaces (nesting 500–5,000, crafted stores, /dev/zero stores, hostile package.json) never crash, hang or exhaust the server", async (t) => {
  const zeroDb = workspace({ "package.json": JSON.stringify({ tasklens: { db: "/dev/zero" } }) }, { example: "hello_world.ts" });
  const zeroLink = workspace({}, { example: "hello_world.ts" });
  mkdirSync(join(zeroLink.dir, ".tasklens"));
  symlinkSync("/dev/zero", join(zeroLink.dir, ".tasklens", "cache.db"));
  const crafted = craftedStoreWorkspace();
  const damaged = workspace({}, { example: "hello_world.ts" });
  assert.equal(damaged.run(["run", "hello_world.ts"]).code, 0);
  assert.equal(damaged.run(["gc"]).code, 0);
  const damagedDb = join(damaged.dir, ".tasklens", "cache.db");
  const bytes = readFileSync(damagedDb);
  for (let i = 0; i < 64; i++) bytes[bytes.readUInt16BE(16) + i] ^= 0xff;
  writeFileSync(damagedDb, bytes);
  const folders = [zeroDb, zeroLink, crafted, damaged];

  let seed = 11;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const figures = { edits: 0, requests: 0, crashes: 0, hangs: 0, peakMB: 0 };
  const HANG_MS = 15_000;
  const answered = async (promise) => {
    figures.requests++;
    let timer;
    const hang = new Promise((resolve) => (timer = setTimeout(() => resolve("hang"), HANG_MS)));
    const result = await Promise.race([promise.then(() => "ok", () => "error"), hang]);
    clearTimeout(timer);
    if (result === "hang") figures.hangs++;
    return result;
  };
  await withServer({ cwd: crafted.dir, workspaceFolders: folders.map((w) => w.dir), initializationOptions: { trusted: false } }, async (server) => {
    let stopping = false;
    server.exited.then(() => stopping || figures.crashes++);
    const sampler = setInterval(() => (figures.peakMB = Math.max(figures.peakMB, server.rss() / 2 ** 20)), 25);
    try {
      const original = readFileSync(join(ROOT, "examples", "hello_world.ts"), "utf8");
      const uris = folders.map((w) => server.open(w.path("hello_world.ts"), original));
      for (let i = 0; i < 48; i++) {
        const which = rand(uris.length);
        const uri = uris[which];
        const n = 500 + rand(4501);
        const [open, close] = [["(", ")"], ["[", "]"], ["{a:", "}"], ["f(", ")"]][rand(4)];
        const deep = rand(3) === 0 ? original : original.replace("return planet;", `return ${open.repeat(n)}planet${close.repeat(n)} + ${Array.from({ length: n }, (_, k) => `"s${k}"`).join(" + ")};`);
        const version = server.change(uri, deep);
        figures.edits++;
        if (i % 4 === 3) {
          await answered(server.waitForDiagnostics(uri, () => true, { version, timeout: HANG_MS }));
          await answered(server.codeLens(uri));
          await answered(server.request("textDocument/hover", { textDocument: { uri }, position: { line: 8, character: 20 } }));
          const stores = await server.request("tasklens/stores", {});
          for (const store of stores) {
            const executions = await server.request("tasklens/executions", { store: store.location });
            for (const e of executions.slice(0, 2)) {
              const jobs = await server.request("tasklens/jobs", { store: store.location, executionId: e.id });
              for (const j of jobs) await answered(server.request("tasklens/jobDetails", { store: store.location, jobId: j.id }));
            }
          }
        }
      }
      // Every document recovers its findings once its text is the original again.
      for (const uri of uris) {
        const version = server.change(uri, original);
        const ds = await server.waitForDiagnostics(uri, (d) => d.length === 1 && d[0].code === "unhashed-constant", { version });
        assert.equal(ds.length, 1);
      }
      const titles = (await server.codeLens(uris[0])).map((l) => l.command.title);
      assert.equal(titles[0], "⚠ store unavailable");
      assert.match(await server.request("tasklens/explain", { uri: uris[0], task: "examples.hello_world.main" }), /store unavailable: .*\/dev\/zero/);
    } finally {
      clearInterval(sampler);
    }
    assert.equal(server.logs.filter((l) => /uncaught|unhandled/.test(l)).length, 0, server.logs.join("\n"));
    stopping = true;
  });
  const line = `hostile fuzz: ${figures.edits} edits, ${figures.requests} requests, ${figures.crashes} crashes, ${figures.hangs} hangs, peak memory ${figures.peakMB.toFixed(0)} MB`;
  t.diagnostic(line);
  console.log(line);
  assert.equal(figures.crashes, 0);
  assert.equal(figures.hangs, 0);
  assert.ok(figures.peakMB < 600, `peak memory ${figures.peakMB.toFixed(0)} MB`);
});
