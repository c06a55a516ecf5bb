// End-to-end tests in a real VS Code: code-server with the packaged extension (tasklens.vsix,
// unpacked into its extensions folder), driven by playwright-core in Debian's chromium.
// `npm run test:e2e` installs what is needed, packages the extension and runs this file.
// A screenshot per step is kept in test/e2e/artifacts/.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const ARTIFACTS = join(HERE, "artifacts");
const require = createRequire(join(HERE, "package.json"));
const { chromium } = require("playwright-core");
const yauzl = createRequire(join(ROOT, "package.json"))("yauzl");
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** Unpacks the .vsix's `extension/` folder where VS Code installs extensions. */
function installVsix(vsix, extensionsDir) {
  const target = join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  return new Promise((resolveInstall, reject) => {
    yauzl.open(vsix, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      zip.on("entry", (entry) => {
        if (!entry.fileName.startsWith("extension/") || entry.fileName.endsWith("/")) return zip.readEntry();
        const out = join(target, entry.fileName.slice("extension/".length));
        mkdirSync(dirname(out), { recursive: true });
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks = [];
          stream.on("data", (c) => chunks.push(c));
          stream.on("end", () => {
            writeFileSync(out, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolveInstall(target));
      zip.readEntry();
    });
  });
}

function freePort() {
  return new Promise((res) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

/** Polls until `predicate` returns something truthy; `describe` says what was there instead, on timeout. */
async function waitFor(what, predicate, timeout = 30_000, describe) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `; found: ${await describe().catch((e) => String(e))}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let page;
let workspaceDir;
let step = 0;
const instances = [];

async function shot(name) {
  step++;
  await page.screenshot({ path: join(ARTIFACTS, `${String(step).padStart(2, "0")}-${name}.png`) });
}

/** A workflow whose run takes a minute: long enough to be cancelled from its notification. */
const SLOW_WORKFLOW = `import { task } from "tasklens";
export const step = task(async function step(i: number) { await new Promise((r) => setTimeout(r, 200)); return i; });
export const main = task(async function main() { const out: number[] = []; for (let i = 0; i < 300; i++) out.push(await step(i)); return out; });
`;

/** A redun workflow whose run takes a few seconds: the Jobs view shows it while it runs. */
const SLOW_REDUN_WORKFLOW = `import time

from redun import task

redun_namespace = "e2e.slow"


@task()
def step(i: int) -> int:
    time.sleep(1.5)
    return i


@task()
def main(n: int = 4) -> int:
    total = 0
    for i in range(n):
        total = add(total, step(i))
    return total


@task()
def add(a: int, b: int) -> int:
    return a + b
`;

/** A task with required parameters: a run asks for them. */
const PARAMS_WORKFLOW = `import { task } from "tasklens";
export const main = task(function main(name: string, times: number) {
  return \`\${name} x\${times * 2}\`;
});
`;

/** A run that fails two calls down, at line 4. */
const FAILING_WORKFLOW = `import { task } from "tasklens";

export const boom = task(async function boom(n: number) {
  if (n > 0) throw new Error("boom " + n);
  return n;
});

export const main = task(async function main(n: number = 1) {
  return await boom(n);
});
`;

/**
 * Starts code-server on a fresh project holding examples/hello_world.ts and slow.ts, with the packaged
 * extension installed, and opens it in chromium. `trusted: false` leaves workspace trust on: Restricted Mode.
 * Every file exists before the window opens: Quick Open's file list is cached from its first search.
 */
async function startVSCode({ trusted, installed = true, settings = {}, secondFolder = false }) {
  const base = mkdtempSync(join(tmpdir(), "tasklens-e2e-"));
  const userData = join(base, "user");
  const extensions = join(base, "extensions");
  workspaceDir = join(base, "project");
  mkdirSync(join(userData, "User"), { recursive: true });
  mkdirSync(join(workspaceDir, "node_modules"), { recursive: true });
  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "editor.codeLens": true,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "typescript.disableAutomaticTypeAcquisition": true,
    "security.workspace.trust.startupPrompt": "never",
    "security.workspace.trust.banner": "never",
    // As VS Code ships (code-server saves after a delay by default): a run must save what the user sees.
    "files.autoSave": "off",
    ...settings,
  }));
  cpSync(join(ROOT, "examples", "hello_world.ts"), join(workspaceDir, "hello_world.ts"));
  // A redun project beside it: the tutorial's file after the Mars edit, and the store real redun left.
  const redunFixture = join(ROOT, "test", "fixtures", "redun", "stores", "tutorial", "04-mars");
  cpSync(join(redunFixture, "hello_world.py"), join(workspaceDir, "hello_world.py"));
  mkdirSync(join(workspaceDir, ".redun"));
  writeFileSync(join(workspaceDir, ".redun", "redun.db"), gunzipSync(readFileSync(join(redunFixture, "redun.db.gz"))));
  writeFileSync(join(workspaceDir, "slow.ts"), SLOW_WORKFLOW);
  writeFileSync(join(workspaceDir, "params.ts"), PARAMS_WORKFLOW);
  writeFileSync(join(workspaceDir, "slow_redun.py"), SLOW_REDUN_WORKFLOW);
  writeFileSync(join(workspaceDir, "fail.ts"), FAILING_WORKFLOW);
  writeFileSync(join(workspaceDir, "package.json"), JSON.stringify({ name: "e2e-project", private: true }));
  // The project "has tasklens installed" (unless `installed: false`: the extension's TypeScript plugin supplies the types).
  if (installed) symlinkSync(ROOT, join(workspaceDir, "node_modules", "tasklens"));
  // A second workspace folder (a multi-root workspace), holding second.ts.
  let opened = `folder=${encodeURIComponent(workspaceDir)}`;
  if (secondFolder) {
    const second = join(base, "second");
    mkdirSync(second);
    cpSync(join(ROOT, "examples", "hello_world.ts"), join(second, "second.ts"));
    writeFileSync(join(second, "package.json"), JSON.stringify({ name: "e2e-second", private: true }));
    const workspaceFile = join(base, "two.code-workspace");
    writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: workspaceDir }, { path: second }] }));
    opened = `workspace=${encodeURIComponent(workspaceFile)}`;
  }
  await installVsix(join(ROOT, "tasklens.vsix"), extensions);
  writeFileSync(join(base, "config.yaml"), "auth: none\n");

  const port = await freePort();
  const codeServer = spawn(process.execPath, [
    join(HERE, "node_modules", "code-server", "out", "node", "entry.js"),
    "--config", join(base, "config.yaml"), "--bind-addr", `127.0.0.1:${port}`, "--auth", "none",
    "--user-data-dir", userData, "--extensions-dir", extensions,
    "--disable-telemetry", "--disable-update-check", ...(trusted ? ["--disable-workspace-trust"] : []), workspaceDir,
  ], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TASKLENS_DB: "" } });
  let log = "";
  codeServer.stdout.on("data", (d) => (log += d));
  codeServer.stderr.on("data", (d) => (log += d));
  await waitFor("code-server /healthz", async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000).catch((e) => {
    throw new Error(`${e.message}\n${log}`);
  });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  instances.push({ browser, codeServer });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?${opened}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
}

before(() => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  for (const { browser, codeServer } of instances) {
    await browser.close().catch(() => undefined);
    codeServer.kill();
  }
});

/** Moves the cursor to the start of a line of the active editor (Go to Line). */
async function goToLine(line) {
  await page.keyboard.press("Control+G");
  await page.keyboard.type(String(line));
  await page.keyboard.press("Enter");
}

/** VS Code computes CodeLenses for the focused editor (a blur cancels a pending update): focus it, as a user looking at it would. */
const focusEditor = () => page.locator(".editor-instance .view-lines").first().click({ position: { x: 400, y: 5 } });

const lensTitles = () => page.locator(".monaco-editor .codelens-decoration a").allInnerTexts();

/**
 * The lens link with this text that sits above a line of the focused editor (lenses are view zones:
 * their order in the page is not the order of the lines).
 */
function lensAbove(line, text) {
  return waitFor(`the "${text}" lens above line ${line}`, async () => {
    const topOf = async (n) => (await page.locator(".editor-instance .line-numbers", { hasText: new RegExp(`^${n}$`) }).first().boundingBox())?.y;
    const lineTop = await topOf(line);
    const previousTop = line > 1 ? await topOf(line - 1) : -Infinity;
    if (lineTop === undefined || previousTop === undefined) return undefined;
    // Between the line before and this one: the lens of this line, not one above an earlier line.
    const links = page.locator(".editor-instance .codelens-decoration a", { hasText: text });
    for (let i = 0; i < (await links.count()); i++) {
      const box = await links.nth(i).boundingBox();
      if (box && box.y > previousTop && box.y < lineTop) return links.nth(i);
    }
    return undefined;
  }, 15_000, lensTitles);
}

/** Opens a workspace file with Quick Open; asks again once if the first search came back without it. */
async function openFile(name) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Control+P");
    await page.waitForSelector(".quick-input-widget input", { state: "visible" });
    await page.keyboard.type(name);
    try {
      await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 15_000 });
      break;
    } catch (error) {
      if (attempt === 2) throw error;
      await page.keyboard.press("Escape");
    }
  }
  await page.keyboard.press("Enter");
  await page.waitForSelector(".monaco-editor .view-lines", { timeout: 15_000 });
}

/** Shows the tasklens container (clicking its activity-bar icon again would hide it). */
async function showJobsView() {
  if (!(await page.locator('[id="workbench.view.extension.tasklens"]').isVisible())) await page.click('.activitybar [aria-label^="tasklens"]');
}

/** The Jobs view's rows by their accessible names: `call, status · duration`. */
async function jobsTreeItems() {
  return page.getByRole("treeitem").evaluateAll((rows) => rows.filter((r) => r.closest('[id="workbench.view.extension.tasklens"]')).map((r) => r.getAttribute("aria-label") ?? ""));
}

/**
 * The output panel renders only the lines in sight: a function that collects them as they stream by
 * and returns every line seen so far.
 */
function outputCollector() {
  const seen = new Set();
  return async () => {
    for (const text of await page.locator(".part.panel .monaco-editor .view-lines").allInnerTexts()) for (const line of text.split("\n")) seen.add(line.replace(/\u00a0/g, " "));
    return [...seen].join("\n");
  };
}

/** Runs a test body; on failure, a screenshot of the moment is kept beside the step screenshots. */
const withFailureShot = (body) => async () => {
  try {
    await body();
  } catch (error) {
    await shot("FAILED").catch(() => undefined);
    throw error;
  }
};

test("a workflow in a real VS Code: warning, run from the lens, Jobs view, cache, stale lens, quick fix", { timeout: 240_000 }, withFailureShot(async () => {
  await startVSCode({ trusted: true });
  await openFile("hello_world.ts");
  await waitFor("the warning squiggle on planet", () => page.locator(".monaco-editor .squiggly-warning").count(), 60_000);
  await shot("warning-squiggle");

  const titles = await waitFor("the CodeLenses", async () => {
    const t = await lensTitles();
    return t.filter((x) => x.includes("Run task")).length === 3 ? t : undefined;
  }, 60_000, async () => JSON.stringify(await lensTitles()));
  assert.ok(titles.includes("never run"), titles.join(" | "));

  await page.click('[id="status.problems"]');
  const problem = await waitFor("the Problems entry", async () => {
    const rows = await page.locator(".markers-panel .monaco-list-row").allInnerTexts();
    return rows.find((r) => r.includes("planet") && r.includes("getPlanet"));
  });
  assert.match(problem, /unhashed-constant/);
  await shot("problems-panel");
  const outputText = outputCollector();
  const runMain = await lensAbove(15, "▶ Run task");
  await runMain.click();
  const collecting = setInterval(() => void outputText().catch(() => undefined), 100);
  await shot("run-clicked");

  await waitFor("the run log in the output channel", async () => /Hello, World!/.test(await outputText()), 60_000);
  clearInterval(collecting);
  const output = await outputText();
  assert.match(output, /Run\s+Job [0-9a-f]{8}:\s+examples\.hello_world\.main\(greet='Hello'\)/);
  assert.match(output, /JOB STATUS/);
  await shot("output-channel");

  await showJobsView();
  // The workspace holds two stores (tasklens's and redun's): each is a node of its own; open tasklens's.
  const tasklensExecutions = page.getByRole("treeitem", { name: /^examples\.hello_world\.main, execution/ });
  const tasklensStore = page.getByRole("treeitem", { name: /\.tasklens\/cache\.db/ });
  await waitFor("the execution in the Jobs view", async () => {
    if ((await tasklensExecutions.count()) > 0) return true;
    if ((await tasklensStore.count()) && (await tasklensStore.first().getAttribute("aria-expanded")) === "false") await tasklensStore.first().click();
    return false;
  }, 30_000, async () => JSON.stringify(await jobsTreeItems()));
  await tasklensExecutions.first().click();
  const doneJobs = await waitFor("3 done jobs", async () => {
    const items = await jobsTreeItems();
    return items.filter((t) => /\), done · /.test(t)).length === 3 ? items : undefined;
  }, 30_000, async () => JSON.stringify(await jobsTreeItems()));
  assert.ok(doneJobs.some((t) => t.includes("greeter(greet='Hello', thing='World')")), doneJobs.join("\n"));
  await shot("jobs-view-done");

  await focusEditor();
  await waitFor("the cached status lens", async () => (await lensTitles()).some((t) => t.startsWith("✓ cached")), 30_000, async () => JSON.stringify(await lensTitles()));
  await (await lensAbove(15, "▶ Run task")).click();
  // A fully unchanged call tree is reused whole: the second execution records main's job, cached.
  await waitFor("a second execution whose main job is cached", async () => {
    if ((await tasklensExecutions.count()) < 2) return undefined;
    await tasklensExecutions.first().click();
    return (await jobsTreeItems()).some((t) => /main\(greet='Hello'\), cached · /.test(t));
  }, 60_000);
  await shot("jobs-view-cached");

  // Select a job: its details open, coloured, in an editor.
  await page.locator('[id="workbench.view.extension.tasklens"] .monaco-list-row', { hasText: "main(greet='Hello')" }).first().click();
  const details = await waitFor("the job details", async () => {
    const text = await page.locator(".editor-instance .view-lines").first().innerText();
    return text.includes("Source:") ? text : undefined;
  }, 15_000);
  assert.match(details.replace(/\u00a0/g, " "), /Job [0-9a-f]{8} \[CACHED\] [\s\S]*examples\.hello_world\.main\(greet='Hello'\)[\s\S]*Result: /);
  await shot("job-details");

  // Edit the constant (unsaved): the status lens turns stale.
  await page.locator(".tabs-container .tab", { hasText: "hello_world.ts" }).click();
  await focusEditor();
  await goToLine(5);
  await page.keyboard.press("Home");
  await page.keyboard.press("Shift+End");
  await page.keyboard.type('const planet = "Mars";');
  await waitFor("the stale status lens", async () => (await lensTitles()).includes("⚠ stale: planet changed (not hashed)"), 30_000);
  await shot("stale-lens");

  // Apply the quick fix on planet inside getPlanet: the warning disappears.
  await goToLine(8);
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Control+.");
  const fix = page.locator(".action-widget .monaco-list-row", { hasText: "Pass `planet` as a parameter default" });
  await fix.waitFor({ timeout: 15_000 });
  await shot("quick-fix-menu");
  // Choose it with the keyboard, as the menu expects (it moves under the pointer).
  for (let i = 0; i < 10; i++) {
    const focused = await page.locator(".action-widget .monaco-list-row.focused").getAttribute("aria-label");
    if (focused === "Pass `planet` as a parameter default") break;
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Enter");
  await waitFor("no warning squiggle", async () => (await page.locator(".monaco-editor .squiggly-warning").count()) === 0, 30_000);
  // The lens follows the fix: planet is now an argument, so getPlanet's call changes and it will rerun.
  await waitFor("the lens after the fix", async () => (await lensTitles()).some((t) => t.startsWith("⟳ will rerun")), 30_000, async () => JSON.stringify(await lensTitles()));
  const text = await page.locator(".editor-instance .view-lines").first().innerText();
  assert.match(text.replace(/\u00a0/g, " "), /function getPlanet\(planetValue = planet\)/);
  await shot("quick-fix-applied");

  // A long run, cancelled from its progress notification: the run ends cleanly, the store stays intact.
  await openFile("slow.ts");
  await focusEditor();
  await waitFor("the Run lenses of slow.ts", async () => (await lensTitles()).filter((t) => t.includes("Run task")).length === 2, 60_000);
  await (await lensAbove(3, "▶ Run task")).click();
  const cancel = page.locator(".notifications-toasts .monaco-button", { hasText: "Cancel" });
  await cancel.waitFor({ timeout: 30_000 });
  await waitFor("a few steps to finish", async () => (await outputText()).match(/Run\s+Job [0-9a-f]{8}:\s+step\(/g)?.length >= 5, 30_000);
  // While this window runs slow.ts, what the run computes shows as running.
  await waitFor("the running lens", async () => (await lensTitles()).includes("● running"), 15_000, async () => JSON.stringify(await lensTitles()));
  await shot("long-run-progress");
  await cancel.click();
  await waitFor("the cancelled run in the output", async () => /run cancelled/.test(await outputText()), 30_000, outputText);
  const log = spawnSync(process.execPath, [join(ROOT, "bin", "tasklens.js"), "log", "-", "--json"], { cwd: workspaceDir, encoding: "utf8" });
  assert.equal(log.status, 0, log.stderr);
  const execution = JSON.parse(log.stdout);
  assert.equal(execution.status, "interrupted");
  assert.ok(execution.jobs.filter((j) => j.task === "step" && j.status === "done").length >= 4, "the finished steps were kept");
  await showJobsView();
  await waitFor("the interrupted execution in the Jobs view", async () => (await jobsTreeItems()).some((t) => /^main, execution interrupted/.test(t)), 30_000, async () => JSON.stringify(await jobsTreeItems()));
  await shot("run-cancelled");
}));

test("a redun workflow in a real VS Code: lenses from redun's store, the edit that reruns, redun's jobs", { timeout: 240_000 }, withFailureShot(async () => {
  await startVSCode({ trusted: true });
  await openFile("hello_world.py");
  await focusEditor();
  const titles = await waitFor("the CodeLenses of hello_world.py", async () => {
    const t = await lensTitles();
    return t.filter((x) => x.includes("Run task")).length === 3 && t.filter((x) => x.startsWith("✓ cached")).length === 3 ? t : undefined;
  }, 60_000, async () => JSON.stringify(await lensTitles()));
  assert.equal(titles.filter((t) => t.startsWith("✓ cached")).length, 3, titles.join(" | "));
  await shot("redun-cached-lenses");

  // A comment in get_planet: redun hashes the raw text, so it reruns, and greeter's input comes from it.
  await goToLine(8);
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("# where the greeting goes");
  await waitFor("the will-rerun and may-rerun lenses", async () => {
    const t = await lensTitles();
    return t.includes("⟳ will rerun: source changed") && t.some((x) => x.startsWith("⟳ may rerun")) ? t : undefined;
  }, 30_000, async () => JSON.stringify(await lensTitles()));
  await shot("redun-comment-edit");

  // The comment edit reruns get_planet (redun hashes the raw text): its quick fix pins the version.
  await waitFor("the cosmetic-edit squiggle", async () => (await page.locator(".monaco-editor .squiggly-info").count()) > 0, 30_000);
  await goToLine(7);
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("Control+.");
  await page.locator(".action-widget .monaco-list-row", { hasText: "Pin version" }).waitFor({ timeout: 15_000 });
  for (let i = 0; i < 10; i++) {
    const focused = await page.locator(".action-widget .monaco-list-row.focused").getAttribute("aria-label");
    if (focused === "Pin version") break;
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Enter");
  await waitFor("the version pinned in the text", async () => /@task\(version="1"\)/.test((await page.locator(".editor-instance .view-lines").first().innerText()).replace(/\u00a0/g, " ")), 15_000);
  await waitFor("no cosmetic-edit squiggle", async () => (await page.locator(".monaco-editor .squiggly-info").count()) === 0, 30_000);
  await shot("redun-quick-fix-applied");

  // The Jobs view lists redun's executions; a job's details read as `redun log <job>` prints them.
  await showJobsView();
  await waitFor("redun's executions in the Jobs view", async () => (await jobsTreeItems()).some((t) => t.includes("redun.examples.hello_world.main")), 30_000, async () => JSON.stringify(await jobsTreeItems()));
  await page.getByRole("treeitem", { name: /^redun\.examples\.hello_world\.main, execution/ }).first().click();
  await waitFor("the jobs of the newest execution", async () => (await jobsTreeItems()).some((t) => t.includes("greeter('Hello', 'Mars')")), 30_000, async () => JSON.stringify(await jobsTreeItems()));
  await page.locator('[id="workbench.view.extension.tasklens"] .monaco-list-row', { hasText: "greeter('Hello', 'Mars')" }).first().click();
  const details = await waitFor("the job details", async () => {
    const text = await page.locator(".editor-instance .view-lines").first().innerText();
    return text.includes("CallNode") ? text : undefined;
  }, 15_000);
  assert.match(details.replace(/\u00a0/g, " "), /Result: 'Hello, Mars!'/);
  await shot("redun-job-details");
}));

test("an untrusted workspace: analysis works, nothing runs, and the Run lens says why", { timeout: 180_000 }, withFailureShot(async () => {
  await startVSCode({ trusted: false });
  await openFile("hello_world.ts");
  await waitFor("the warning squiggle on planet", () => page.locator(".monaco-editor .squiggly-warning").count(), 60_000);
  const titles = await waitFor("the CodeLenses", async () => {
    const t = await lensTitles();
    return t.filter((x) => x.includes("Run task")).length === 3 ? t : undefined;
  }, 60_000, async () => JSON.stringify(await lensTitles()));
  assert.equal(titles.filter((t) => t === "▶ Run task (disabled: workspace not trusted)").length, 3, titles.join(" | "));
  assert.equal(titles.filter((t) => t === "never run").length, 3);
  await shot("untrusted-lenses");
  // The Run command itself refuses too.
  await page.keyboard.press("F1");
  await page.keyboard.type("tasklens: ");
  // Explain Task is offered (the file is a workflow), Run Task is not (the workspace is not trusted).
  const paletteRows = await waitFor("tasklens commands in the palette", async () => {
    const rows = await page.locator(".quick-input-list .monaco-list-row").allInnerTexts();
    return rows.some((r) => r.includes("Explain Task")) ? rows : undefined;
  }, 30_000, async () => JSON.stringify(await page.locator(".quick-input-list .monaco-list-row").allInnerTexts()));
  assert.ok(!paletteRows.some((r) => /Run Task/.test(r)), `Run Task is not offered: ${paletteRows.join(" | ")}`);
  await shot("untrusted-palette");
  await page.keyboard.press("Escape");
  assert.equal(existsSync(join(workspaceDir, ".tasklens")), false, "nothing ran");
}));

/** Runs a command from the palette by its title (`tasklens: Run Task`). */
async function runCommand(title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input", { state: "visible" });
  await page.keyboard.type(title);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title.replace(/^tasklens: /, "") }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

/** The text of the notification toasts in sight. */
const toasts = () => page.locator(".notifications-toasts .notification-toast").allInnerTexts();

test("runs as users live in them: unsaved edits saved first, parameters asked for, failures marked, Explain and the status bar current", { timeout: 300_000 }, withFailureShot(async () => {
  await startVSCode({ trusted: true, installed: false });
  const outputText = outputCollector();
  const collecting = setInterval(() => void outputText().catch(() => undefined), 100);
  try {
    // A first run from the palette, with the cursor in main.
    await openFile("hello_world.ts");
    await focusEditor();
    await waitFor("the CodeLenses", async () => (await lensTitles()).filter((x) => x.includes("Run task")).length === 3, 60_000);
    // tasklens is not installed in this folder: TypeScript still knows the module and types the tasks.
    // Hover again until TypeScript has loaded the project (its first answer may be "(loading...)").
    const hover = await waitFor("TypeScript's hover on main", async () => {
      await page.keyboard.press("Escape");
      await focusEditor();
      await goToLine(15);
      await page.keyboard.press("Home");
      for (let i = 0; i < 15; i++) await page.keyboard.press("ArrowRight"); // on `main`
      await page.keyboard.press("Control+K");
      await page.keyboard.press("Control+I");
      await new Promise((r) => setTimeout(r, 1000));
      const text = await page.locator(".monaco-hover").allInnerTexts();
      return text.some((t) => /Task</.test(t)) ? text.join("\n") : undefined;
    }, 90_000, async () => JSON.stringify(await page.locator(".monaco-hover").allInnerTexts()));
    assert.doesNotMatch(hover, /\bany\b/);
    assert.equal(await page.locator(".monaco-editor .squiggly-error").count(), 0, "no 'Cannot find module' error");
    await shot("types-without-install");
    await page.keyboard.press("Escape");
    await goToLine(16);
    await runCommand("tasklens: Run Task");
    await waitFor("the first run's result", async () => /Hello, World!/.test(await outputText()), 60_000, outputText);
    await focusEditor();
    await waitFor("the cached lenses", async () => (await lensTitles()).filter((t) => t.startsWith("✓ cached")).length === 3, 30_000, async () => JSON.stringify(await lensTitles()));

    // Explain Task, then an unsaved edit: Explain answers anew, the status bar counts the stale task.
    await goToLine(8);
    await runCommand("tasklens: Explain Task");
    await waitFor("Explain's first answer", async () => /cached/.test(await page.locator(".editor-instance .view-lines").last().innerText()), 15_000);
    await page.locator(".tabs-container .tab.active", { hasText: "getPlanet.txt" }).waitFor({ timeout: 15_000 });
    await page.keyboard.press("Control+W"); // Explain's tab has the focus
    await page.locator(".tabs-container .tab", { hasText: "hello_world.ts" }).first().click();
    await focusEditor();
    await goToLine(5);
    await page.keyboard.press("Home");
    await page.keyboard.press("Shift+End");
    await page.keyboard.type('const planet = "Mars";');
    await waitFor("the stale lens", async () => (await lensTitles()).includes("⚠ stale: planet changed (not hashed)"), 30_000, async () => JSON.stringify(await lensTitles()));
    const statusItem = page.locator(".statusbar-item", { hasText: /stale · / }).first();
    await waitFor("the status bar's count", async () => /1 stale/.test(await statusItem.innerText()), 15_000, () => statusItem.innerText());
    await statusItem.click();
    const picks = await waitFor("the status bar's list", async () => {
      const rows = await page.locator(".quick-input-list .monaco-list-row").allInnerTexts();
      return rows.length === 3 ? rows : undefined;
    }, 15_000);
    assert.match(picks[0], /getPlanet[\s\S]*⚠ stale: planet changed/, picks.join(" | "));
    await shot("status-bar-list");
    await page.keyboard.press("Escape");
    await goToLine(8);
    await runCommand("tasklens: Explain Task");
    await waitFor("Explain's new answer", async () => /stale/.test(await page.locator(".editor-instance .view-lines").last().innerText()), 15_000, () => page.locator(".editor-instance .view-lines").last().innerText());
    await shot("explain-current");
    await page.locator(".tabs-container .tab.active", { hasText: "getPlanet.txt" }).waitFor({ timeout: 15_000 });
    await page.keyboard.press("Control+W");

    // Run with the edit unsaved: the file is saved first, and the run sees the edit (planet is not hashed:
    // the run reuses the stale result, and says so).
    await page.locator(".tabs-container .tab", { hasText: "hello_world.ts" }).first().click();
    await focusEditor();
    await goToLine(16);
    await runCommand("tasklens: Run Task");
    await waitFor("the run of the edited text", async () => /Stale +Job [0-9a-f]{8}:\s+examples\.hello_world\.getPlanet\(\) \(planet changed, not hashed\)/.test(await outputText()), 60_000, outputText);
    assert.match(readFileSync(join(workspaceDir, "hello_world.ts"), "utf8"), /const planet = "Mars";/, "the edit was saved before the run");
    await shot("saved-and-run");

    // Required parameters are asked for, typed; the values are remembered.
    await openFile("params.ts");
    await focusEditor();
    await waitFor("the Run lens of params.ts", async () => (await lensTitles()).some((t) => t.includes("Run task")), 60_000);
    await (await lensAbove(2, "▶ Run task")).click();
    const input = page.locator(".quick-input-widget input");
    await waitFor("the prompt for name", async () => /name: string/.test(await page.locator(".quick-input-widget").innerText()), 15_000);
    await page.keyboard.type("Ada");
    await page.keyboard.press("Enter");
    await waitFor("the prompt for times", async () => /times: number/.test(await page.locator(".quick-input-widget").innerText()), 15_000);
    await page.keyboard.type("many");
    await waitFor("the type check", async () => /type a number/.test(await page.locator(".quick-input-widget").innerText()), 15_000);
    await shot("parameter-prompt");
    await input.fill("21");
    await page.keyboard.press("Enter");
    await waitFor("the run with those arguments", async () => /Ada x42/.test(await outputText()), 60_000, outputText);

    // A failure: which job and why in the notification, the line marked, the traceback's locations links.
    await openFile("fail.ts");
    await focusEditor();
    await waitFor("the Run lens of fail.ts", async () => (await lensTitles()).filter((t) => t.includes("Run task")).length === 2, 60_000);
    await goToLine(9);
    await runCommand("tasklens: Run Task");
    const toast = await waitFor("the failure notification", async () => (await toasts()).find((t) => /failed/.test(t)), 60_000, toasts);
    assert.match(toast, /boom\(n=1\) failed \(fail\.ts:4\): Error: boom 1/);
    await focusEditor();
    await waitFor("the failing line marked", async () => (await page.locator(".monaco-editor .squiggly-error").count()) > 0, 15_000);
    await waitFor("the failed lens", async () => (await lensTitles()).some((t) => /^✗ failed just now: Error: boom 1/.test(t)), 30_000, async () => JSON.stringify(await lensTitles()));
    await shot("failure-marked");
    await page.click('[id="status.problems"]');
    await waitFor("last-run-failed in Problems", async () => (await page.locator(".markers-panel .monaco-list-row").allInnerTexts()).some((r) => /last-run-failed/.test(r) && /boom\(n=1\) failed/.test(r)), 15_000);
    await runCommand("tasklens: Show Logs");
    await waitFor("links in the output", async () => (await page.locator(".part.panel .monaco-editor .detected-link").count()) > 0, 15_000);
    await shot("output-links");

    // The Jobs view: short rows, and a job's actions (Rerun it, with its arguments).
    await showJobsView();
    const paramsExecution = page.getByRole("treeitem", { name: /^main, execution done/ });
    await waitFor("the executions listed", async () => (await jobsTreeItems()).some((t) => /^main, execution failed/.test(t)), 30_000, async () => JSON.stringify(await jobsTreeItems()));
    const rows = await page.locator('[id="workbench.view.extension.tasklens"] .monaco-list-row .label-name').allInnerTexts();
    assert.ok(rows.every((r) => r.length < 40), `rows read at the default width: ${JSON.stringify(rows)}`);
    await shot("jobs-view-rows");
    await paramsExecution.first().click();
    const adaJob = page.locator('[id="workbench.view.extension.tasklens"] .monaco-list-row', { hasText: "main(name='Ada', times=21)" }).first();
    await adaJob.waitFor({ timeout: 15_000 });
    // Its context menu offers the job's actions; Rerun is also an inline button on the row.
    await adaJob.click({ button: "right" });
    const menu = await waitFor("the job's context menu", async () => {
      const items = await page.locator(".context-view .action-label").allInnerTexts();
      return items.length ? items : undefined;
    }, 15_000);
    for (const action of ["Go to Definition", "Show Result", "Rerun", "Copy Arguments"]) assert.ok(menu.includes(action), `${action} in ${JSON.stringify(menu)}`);
    await shot("job-context-menu");
    await page.keyboard.press("Escape");
    await adaJob.hover();
    await adaJob.locator('.action-label[aria-label="Rerun"]').click();
    await waitFor("the rerun, with the job's arguments", async () => /Cached Job [0-9a-f]{8}:\s+main\(name='Ada', times=21\)/.test(await outputText()), 60_000, outputText);
    await shot("job-rerun");
  } finally {
    clearInterval(collecting);
  }
}));

/** The redun the machine has, if any (`TASKLENS_REDUN`: a redun executable), for runs through a real redun. */
const REDUN = process.env.TASKLENS_REDUN;

test("a redun run from the Run lens: redun's log in the output channel, the execution live in the Jobs view", { timeout: 240_000, skip: REDUN ? false : "no redun on this machine: set TASKLENS_REDUN to a redun executable to run it" }, withFailureShot(async () => {
  await startVSCode({ trusted: true, settings: { "tasklens.redun.command": REDUN } });
  const outputText = outputCollector();
  const collecting = setInterval(() => void outputText().catch(() => undefined), 100);
  try {
    await openFile("slow_redun.py");
    await focusEditor();
    await waitFor("the lenses of slow_redun.py", async () => (await lensTitles()).filter((t) => t.includes("Run task")).length === 3, 60_000, async () => JSON.stringify(await lensTitles()));
    await goToLine(19);
    await runCommand("tasklens: Run Task");
    await showJobsView();
    await waitFor("the execution running in the Jobs view", async () => (await jobsTreeItems()).some((t) => /^e2e\.slow\.main, execution running/.test(t)), 30_000, async () => JSON.stringify(await jobsTreeItems()));
    await shot("redun-running-live");
    await waitFor("redun's log and the end of the run", async () => /\[redun\] Run +Job [0-9a-f]{8}: +e2e\.slow\.step\(/.test(await outputText()) && /exit code 0/.test(await outputText()), 90_000, outputText);
    await waitFor("the execution done in the Jobs view", async () => (await jobsTreeItems()).some((t) => /^e2e\.slow\.main, execution done/.test(t)), 30_000, async () => JSON.stringify(await jobsTreeItems()));
    await page.locator(".tabs-container .tab", { hasText: "slow_redun.py" }).first().click();
    await focusEditor();
    await waitFor("the cached lenses", async () => (await lensTitles()).filter((t) => t.startsWith("✓ cached")).length === 3, 30_000, async () => JSON.stringify(await lensTitles()));
    await shot("redun-run-done");
  } finally {
    clearInterval(collecting);
  }
}));

test("two workspace folders: a run in the second appears in the Jobs view", { timeout: 180_000 }, withFailureShot(async () => {
  await startVSCode({ trusted: true, secondFolder: true });
  await openFile("second.ts");
  await focusEditor();
  await waitFor("the lenses of second.ts", async () => (await lensTitles()).filter((t) => t.includes("Run task")).length === 3, 60_000, async () => JSON.stringify(await lensTitles()));
  await goToLine(16);
  await runCommand("tasklens: Run Task");
  await showJobsView();
  const store = page.getByRole("treeitem", { name: /second.*\.tasklens\/cache\.db/ });
  await waitFor("the second folder's store and its execution", async () => {
    if ((await store.count()) && (await store.first().getAttribute("aria-expanded")) === "false") await store.first().click();
    return (await jobsTreeItems()).some((t) => /^examples\.hello_world\.main, execution done/.test(t));
  }, 60_000, async () => JSON.stringify(await jobsTreeItems()));
  await shot("second-folder-jobs");
}));
