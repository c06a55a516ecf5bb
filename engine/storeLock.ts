// The store's lock file (appends and compactions hold it for milliseconds) and the leftovers of
// processes killed while writing (temporary copies of the snapshot).
//
// The lock is created whole: its content (pid and the process's start time, as pids are reused) is
// written to a temporary file that is then hard-linked to the lock's name, so a lock file is never
// empty or half-written; one that is, or that names a process that is gone, is stale.
import fs from "node:fs";
import path from "node:path";
import { sleepSync } from "./fsutil";
import { readSmallText } from "./storeSafety";

/** A lock whose holder shows no sign of life for this long is taken over (a stopped or hung holder). */
const LOCK_STALE_MS = 10_000;
/** How long an asynchronous wait for the lock lasts before the store is reported locked. */
export const LOCK_TIMEOUT_MS = 30_000;
/** The longest a synchronous write waits for the lock: the event loop (Ctrl-C) is never blocked longer. */
const LOCK_SYNC_WAIT_MS = 250;

/** The process's start time in clock ticks since boot ("" when unknown). */
function processStart(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** Whether a process with this pid (and, when known, this start time) still runs. */
function alive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const now = start ? processStart(pid) : "";
  return !start || now === "" || now === start;
}

export class StoreLock {
  constructor(readonly file: string) {}

  /** Takes the lock if it is free (or stale); returns its release, or undefined when another process holds it. */
  tryAcquire(): (() => void) | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      const tmp = `${this.file}.${process.pid}-${Math.random().toString(36).slice(2)}`;
      try {
        fs.writeFileSync(tmp, `${process.pid} ${processStart(process.pid)}`);
        fs.linkSync(tmp, this.file);
        return () => fs.rmSync(this.file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      if (!this.isStale()) return undefined;
      fs.rmSync(this.file, { force: true });
    }
    return undefined;
  }

  /** Takes the lock, waiting at most LOCK_SYNC_WAIT_MS; undefined when it stays held. */
  acquireSync(waitMs = LOCK_SYNC_WAIT_MS): (() => void) | undefined {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const release = this.tryAcquire();
      if (release || Date.now() > deadline) return release;
      sleepSync(5);
    }
  }

  /** Settles once the lock is free or stale (true), or after `timeoutMs` (false); the event loop runs meanwhile. */
  async whenFree(timeoutMs = LOCK_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (fs.existsSync(this.file) && !this.isStale()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /**
   * Stale: empty or unreadable (never written whole by a tasklens: a crash of an older one), its
   * holder gone (or the pid reused), or untouched for LOCK_STALE_MS.
   */
  isStale(): boolean {
    let age: number;
    try {
      age = Date.now() - fs.statSync(this.file).mtimeMs;
    } catch {
      return false; // vanished meanwhile: the next attempt takes it
    }
    if (age > LOCK_STALE_MS) return true;
    const [pidText, start] = (readSmallText(this.file) ?? "").trim().split(" ");
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return true;
    return !alive(pid, start);
  }
}

/**
 * Removes the temporary copies (`<file>.tmp-<pid>-…`, `<file>.journal.tmp-<pid>-…`) that a process
 * killed while writing left beside the store: only those of processes that are gone.
 */
export function removeDeadTemporaries(file: string): void {
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const pid = /^(?:\.journal)?\.tmp-(\d+)-[a-z0-9]+$/.exec(name.slice(base.length))?.[1];
    if (pid && Number(pid) !== process.pid && !alive(Number(pid))) fs.rmSync(path.join(path.dirname(file), name), { force: true });
  }
}
