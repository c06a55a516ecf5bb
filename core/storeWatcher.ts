// A store read by an observer (the language server): opened read-only through its dialect's
// reader, re-read when another process writes the file, and reduced to a one-line problem when
// unusable.
import fs from "node:fs";
import type { StoreReader } from "./storeReader";
import { isPostgresUrl, storeMayExist } from "./paths";

export class StoreWatcher {
  store: StoreReader | undefined;
  /** Why the store cannot be read (corrupt, foreign), in one line; undefined when it can. */
  problem: string | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly open: (path: string) => Promise<StoreReader>,
    private readonly onChange: () => void | Promise<void>,
    intervalMs = 250,
  ) {
    if (isPostgresUrl(path)) {
      // A server's store has no file to watch: it is asked whether anything changed (one small query).
      let skipped = 0;
      this.poll = setInterval(() => {
        if (this.polling) return;
        // A server that could not be used is asked again every few seconds, not at every tick.
        if (this.problem !== undefined && ++skipped < 20) return;
        skipped = 0;
        if (this.store && !this.store.changedOnDisk()) return;
        this.polling = true;
        this.changed().finally(() => (this.polling = false));
      }, intervalMs);
      this.poll.unref?.();
      return;
    }
    fs.watchFile(path, { interval: intervalMs }, (now, before) => {
      // Node calls once at the start for a missing file: nothing changed then.
      if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
      void this.changed();
    });
  }

  private poll: ReturnType<typeof setInterval> | undefined;
  private polling = false;

  private changed(): Promise<void> {
    // `loading` settles with the load alone: onChange may wait for `ready()` itself.
    const loading = this.load();
    this.loading = loading;
    return loading.then(this.onChange);
  }

  /** Settles once the store as it is now on disk has been read. */
  ready(): Promise<void> {
    return (this.loading ??= this.load());
  }

  /** Reads the store again now (after a run this process awaited), without waiting for the next poll. */
  reloadNow(): Promise<void> {
    return (this.loading = this.load());
  }

  private async load(): Promise<void> {
    try {
      if (!storeMayExist(this.path)) {
        this.store?.close();
        this.store = undefined;
        this.problem = undefined;
        return;
      }
      if (this.store) this.store.reload();
      else this.store = await this.open(this.path);
      this.problem = undefined;
    } catch (error) {
      this.store = undefined;
      this.problem = (error as Error).message.split("\n")[0].replace(/^tasklens: /, "");
    }
  }

  dispose(): void {
    if (this.poll) clearInterval(this.poll);
    else fs.unwatchFile(this.path);
    this.store?.close();
  }
}
