// A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder, a free
// port on 127.0.0.1, trust authentication for the user `tl` (and a password user for the error tests).
// The server refuses to run as root: as root it runs as `postgres` through runuser.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

function installedVersions() {
  const root = "/usr/lib/postgresql";
  return fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a)) : [];
}

/** The server's binaries; on a fresh machine, Debian's postgresql is installed first (scripts/install-postgres.sh). */
export function serverBin() {
  const root = "/usr/lib/postgresql";
  let versions = installedVersions();
  if (!versions.length) {
    spawnSync("bash", [path.join(import.meta.dirname, "..", "..", "scripts", "install-postgres.sh")], { stdio: "inherit" });
    versions = installedVersions();
  }
  if (!versions.length) throw new Error("PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/install-postgres.sh (Debian's postgresql package)");
  return path.join(root, versions[0], "bin");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;
function run(bin, args) {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Starts a cluster; `url(db)` is a URL for the trust user `tl`; `createDb(name)` makes a database;
 * `psql(db, sql)` runs SQL; `stop()` stops it and removes its folder.
 */
export async function startCluster() {
  const bin = serverBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tasklens-pg-"));
  const data = path.join(dir, "data");
  fs.mkdirSync(data);
  if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  fs.chmodSync(dir, 0o755);
  run(path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "tl", "--no-sync"]);
  // Password authentication for the user `secret` (the wrong-password test); trust for everyone else.
  fs.appendFileSync(path.join(data, "pg_hba.conf"), "");
  const hba = fs.readFileSync(path.join(data, "pg_hba.conf"), "utf8");
  fs.writeFileSync(path.join(data, "pg_hba.conf"), `host all secret 127.0.0.1/32 scram-sha-256\n${hba}`);
  let port;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run(path.join(bin, "pg_ctl"), ["-D", data, "-w", "-o", `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c TimeZone=UTC -c fsync=off -c max_connections=100`, "-l", path.join(dir, "log"), "start"]);
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  const psql = (db, sql) => run(path.join(bin, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "tl", "-d", db, "-At", "-c", sql]);
  psql("postgres", "CREATE ROLE secret LOGIN PASSWORD 'hunter2'");
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  process.on("exit", stop);
  // A test process stopped by a signal (the runner's timeout, Ctrl-C) stops its server too.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      stop();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
  let n = 0;
  return {
    port,
    dir,
    url: (db = "postgres") => `postgresql://tl@127.0.0.1:${port}/${db}`,
    createDb(name = `t${process.pid}_${n++}`) {
      psql("postgres", `CREATE DATABASE ${name}`);
      return name;
    },
    psql,
    /** Runs an SQL file (a pg_dump) into a database. */
    load(db, file) {
      const copy = path.join(dir, path.basename(file));
      fs.copyFileSync(file, copy);
      fs.chmodSync(copy, 0o644);
      return run(path.join(bin, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "tl", "-d", db, "-f", copy]);
    },
    stop,
  };
}
