import fs from "node:fs";
import path from "node:path";

/**
 * Writes all of `data` at the file's current position, or throws. A short write (the disk filled
 * up mid-file) is retried for the rest, which then fails with the real error (ENOSPC).
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < bytes.length) {
    const written = fs.writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error(`write returned ${written} after ${offset} of ${bytes.length} bytes`), { code: "EIO" });
    offset += written;
  }
}

/** Writes a file so that readers see the old content or the new, never a half-written one. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = fs.openSync(tmp, "w", mode);
    try {
      writeAll(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Appends to a file durably (write all, then fsync). On any failure the file is cut back to its
 * previous length, so a torn record never stays in front of later ones.
 */
export function appendDurably(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, "a");
  let before = -1;
  try {
    before = fs.fstatSync(fd).size;
    writeAll(fd, data);
    fs.fsyncSync(fd);
  } catch (error) {
    if (before >= 0) {
      try {
        fs.ftruncateSync(fd, before);
      } catch {
        // the reader skips a torn last line anyway
      }
    }
    throw error;
  } finally {
    fs.closeSync(fd);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
