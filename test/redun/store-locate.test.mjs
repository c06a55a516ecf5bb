// Finding the store as redun finds it: REDUN_CONFIG, the nearest .redun above, .redun beside the file;
// redun.ini's [backend] db_uri; --db as a file or a .redun folder.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers.mjs";
import { store } from "./store-helpers.mjs";

const { locateStore, readIni } = store;

function tree() {
  const root = tempDir("tasklens-redun-locate-");
  mkdirSync(join(root, "project", "flows", "deep"), { recursive: true });
  writeFileSync(join(root, "project", "flows", "deep", "wf.py"), "from redun import task\n");
  return { root, wf: join(root, "project", "flows", "deep", "wf.py") };
}

test("no .redun anywhere: .redun/redun.db beside the file", () => {
  const { root, wf } = tree();
  assert.deepEqual(locateStore(wf, { env: {} }), { kind: "sqlite", file: join(root, "project", "flows", "deep", ".redun", "redun.db"), configDir: join(root, "project", "flows", "deep", ".redun"), how: "beside" });
});

test("the nearest .redun above the file wins", () => {
  const { root, wf } = tree();
  mkdirSync(join(root, ".redun"));
  mkdirSync(join(root, "project", ".redun"));
  const loc = locateStore(wf, { env: {} });
  assert.equal(loc.file, join(root, "project", ".redun", "redun.db"));
  assert.equal(loc.how, "found");
});

test("REDUN_CONFIG overrides the search (relative to the working directory)", () => {
  const { root, wf } = tree();
  mkdirSync(join(root, "project", ".redun"));
  const loc = locateStore(wf, { env: { REDUN_CONFIG: "conf" }, cwd: root });
  assert.deepEqual([loc.file, loc.how], [join(root, "conf", "redun.db"), "REDUN_CONFIG"]);
});

test("redun.ini db_uri: relative sqlite paths from the config folder, four slashes absolute, postgresql reported", () => {
  const { root, wf } = tree();
  const conf = join(root, "project", ".redun");
  mkdirSync(conf);
  const ini = (uri) => writeFileSync(join(conf, "redun.ini"), `# redun configuration.\n\n[backend]\ndb_uri = ${uri}\n\n[executors.default]\ntype = local\n`);
  ini("sqlite:///../data/cache.db");
  assert.equal(locateStore(wf, { env: {} }).file, join(root, "project", "data", "cache.db"));
  ini("sqlite:////var/tmp/abs.db");
  assert.equal(locateStore(wf, { env: {} }).file, "/var/tmp/abs.db");
  ini("sqlite:///.redun/redun.db"); // redun's old default, still meaning redun.db in the config folder
  assert.equal(locateStore(wf, { env: {} }).file, join(conf, "redun.db"));
  ini("sqlite:///${NAME}.db");
  assert.equal(locateStore(wf, { env: { NAME: "fromenv" } }).file, join(conf, "fromenv.db"));
  ini("postgresql://tl@127.0.0.1:5432/redun");
  assert.deepEqual(locateStore(wf, { env: {} }), { kind: "postgresql", uri: "postgresql://tl@127.0.0.1:5432/redun", configDir: conf, how: "found" });
  ini("mysql://x/y");
  assert.throws(() => locateStore(wf, { env: {} }), /mysql:\/\/x\/y: unsupported redun db_uri/);
});

test("--db takes a redun.db file or a .redun folder (whose redun.ini counts)", () => {
  const { root, wf } = tree();
  const conf = join(root, "elsewhere", ".redun");
  mkdirSync(conf, { recursive: true });
  assert.deepEqual(locateStore(wf, { db: join(root, "x", "redun.db"), env: { REDUN_CONFIG: "/nope" } }), { kind: "sqlite", file: join(root, "x", "redun.db"), configDir: null, how: "--db" });
  assert.equal(locateStore(wf, { db: conf, env: {} }).file, join(conf, "redun.db"));
  writeFileSync(join(conf, "redun.ini"), "[backend]\ndb_uri: sqlite:///other.db\n");
  assert.equal(locateStore(wf, { db: conf, env: {} }).file, join(conf, "other.db"));
  assert.equal(locateStore(wf, { db: "postgresql://h/db", env: {} }).kind, "postgresql");
});

test("readIni follows ConfigParser: continuations, comments, case-sensitive keys, ${section:key}", () => {
  const ini = readIni("[DEFAULT]\nroot = /r\n[a]\nKey = one\n  two\n; comment\n[b]\nx = ${a:Key}!\ny = ${root}/y\nz = $$5\n", {});
  assert.equal(ini.get("a").get("Key"), "one\ntwo");
  assert.equal(ini.get("b").get("x"), "one\ntwo!");
  assert.equal(ini.get("b").get("y"), "/r/y");
  assert.equal(ini.get("b").get("z"), "$5");
});
