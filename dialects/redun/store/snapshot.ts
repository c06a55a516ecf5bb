// A consistent, read-only snapshot of an SQLite file that another process (redun) may be writing.
//
// redun's SQLite uses a rollback journal: before a writer changes a page of the database file it saves
// the page's original content in `<db>-journal`, and the commit is the journal's deletion. So the last
// committed state is always "the database file, with every page the journal holds put back, cut to the
// journal's original size". We read both files without taking SQLite's locks (they cannot be taken
// from Node), apply a journal if there is one (a live writer's or a crashed one's: the committed state
// is the same), and retry when either file changed while we read. Nothing is ever opened for writing.
import * as fs from "node:fs";
import { StoreError } from "../../../core/storeReader";
import { readStoreFile } from "../../../engine/storeSafety";

export { StoreError };

export interface Snapshot {
  /** The database bytes as of the last commit. */
  bytes: Uint8Array;
  /** Pages put back from a journal (0 when there was none or it held nothing). */
  rolledBack: number;
  /** Reads that were thrown away because a file changed during them. */
  retries: number;
  stamp: string;
}

const HEADER = "SQLite format 3\0";
const JOURNAL_MAGIC = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

/** Reads a consistent snapshot of `file`; throws StoreError naming the file when it is not SQLite or never settles. */
export function readSnapshot(file: string, { attempts = 50 } = {}): Snapshot {
  for (let retries = 0; retries < attempts; retries++) {
    const before = stamp(file);
    const journal = readIfExists(`${file}-journal`);
    const bytes = readIfExists(file);
    const journalAfter = readIfExists(`${file}-journal`);
    const after = stamp(file);
    if (!bytes) throw new StoreError(`${file}: no such file`, file);
    if (before !== after || !sameBytes(journal, journalAfter)) continue;
    checkHeader(bytes, file);
    const pages = journal ? rollBack(bytes, journal) : { bytes, rolledBack: 0 };
    if (pages === undefined) continue;
    return { bytes: pages.bytes, rolledBack: pages.rolledBack, retries, stamp: after };
  }
  throw new StoreError(`${file}: the database kept changing while being read (${attempts} attempts)`, file);
}

/**
 * A cheap token that changes whenever the database or its journal does (size, mtime, inode, and
 * SQLite's file change counter), for watchers deciding when to read again.
 */
export function stamp(file: string): string {
  const parts: string[] = [];
  for (const f of [file, `${file}-journal`]) {
    try {
      const s = fs.statSync(f, { bigint: true });
      parts.push(`${s.ino}:${s.size}:${s.mtimeNs}`);
    } catch {
      parts.push("-");
    }
  }
  parts.push(String(changeCounter(file)));
  return parts.join("/");
}

function changeCounter(file: string): number {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, "r");
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 24) === 4 ? b.readUInt32BE(0) : -1;
  } catch {
    return -1;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function readIfExists(file: string): Uint8Array | undefined {
  try {
    return readStoreFile(file);
  } catch (e) {
    throw new StoreError(`${file}: cannot be read (${(e as Error).message})`, file);
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.compare(a, b) === 0;
}

export function checkHeader(bytes: Uint8Array, file: string): void {
  if (bytes.length === 0) throw new StoreError(`${file}: empty file, not a redun store`, file);
  if (bytes.length < 100 || Buffer.from(bytes.subarray(0, 16)).toString("latin1") !== HEADER) throw new StoreError(`${file}: not an SQLite database, so not a redun store`, file);
}

/**
 * The database as it was before the journal's transaction: the journal's original pages written back,
 * the file cut to its original size. Returns `bytes` untouched for a journal that is empty, zeroed or
 * not yet synced (the writer has not touched the database file then), undefined for one that makes no
 * sense (read again).
 */
export function rollBack(bytes: Uint8Array, journal: Uint8Array): { bytes: Uint8Array; rolledBack: number } | undefined {
  const pageSize = dbPageSize(bytes);
  if (journal.length < 28 || !JOURNAL_MAGIC.every((b, i) => journal[i] === b)) return { bytes, rolledBack: 0 };
  const view = new DataView(journal.buffer, journal.byteOffset, journal.byteLength);
  // Every header (a transaction whose pages spilled more than once writes several) sits at a sector boundary.
  let out: Uint8Array | undefined;
  let rolledBack = 0;
  let originalPages = -1;
  let offset = 0;
  while (offset + 28 <= journal.length && JOURNAL_MAGIC.every((b, i) => journal[offset + i] === b)) {
    let records = view.getUint32(offset + 8);
    const nonce = view.getUint32(offset + 12);
    const initialPages = view.getUint32(offset + 16);
    const sectorSize = view.getUint32(offset + 20);
    const journalPageSize = view.getUint32(offset + 24);
    if (journalPageSize !== pageSize || sectorSize < 512 || sectorSize > 65536 || sectorSize & (sectorSize - 1)) return undefined;
    if (originalPages < 0) originalPages = initialPages;
    const recordSize = pageSize + 8;
    let at = offset + sectorSize;
    // 0xffffffff: written without syncs, the records run to the end of the file.
    if (records === 0xffffffff) records = Math.floor((journal.length - at) / recordSize);
    let n = 0;
    for (; n < records && at + recordSize <= journal.length; n++, at += recordSize) {
      const page = view.getUint32(at);
      const data = journal.subarray(at + 4, at + 4 + pageSize);
      if (view.getUint32(at + 4 + pageSize) !== checksum(nonce, data)) break; // a torn record: never reached the database
      if (page === 0) return undefined;
      out ??= copy(bytes, Math.max(bytes.length, originalPages * pageSize));
      const start = (page - 1) * pageSize;
      if (start + pageSize > out.length) out = copy(out, start + pageSize);
      out.set(data, start);
      rolledBack++;
    }
    if (n < records) break;
    offset = Math.ceil(at / sectorSize) * sectorSize;
  }
  if (originalPages <= 0) return { bytes, rolledBack: 0 };
  const result = out ?? bytes;
  return { bytes: result.subarray(0, Math.min(result.length, originalPages * pageSize)), rolledBack };
}

/** SQLite's journal checksum: the nonce plus every 200th byte of the page, from its end. */
function checksum(nonce: number, data: Uint8Array): number {
  let sum = nonce;
  for (let i = data.length - 200; i > 0; i -= 200) sum = (sum + data[i]) >>> 0;
  return sum >>> 0;
}

function dbPageSize(bytes: Uint8Array): number {
  const raw = (bytes[16] << 8) | bytes[17];
  return raw === 1 ? 65536 : raw;
}

function copy(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, Math.min(bytes.length, length)));
  return out;
}
