// Rolling back a rollback journal, on the hot journal SQLite itself left (fixture hot-journal: a writer
// that died after spilling uncommitted pages into the database file) and on variants crafted from it.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { STORES, store, unpack } from "./store-helpers.mjs";

const { rollBack, readSnapshot, StoreError, openRedunStore } = store;
const db = gunzipSync(readFileSync(join(STORES, "hot-journal", "redun.db.gz")));
const journal = gunzipSync(readFileSync(join(STORES, "hot-journal", "redun.db-journal.gz")));
const PAGE = 4096;
const SECTOR = journal.readUInt32BE(20);
const recordAt = (i) => SECTOR + i * (PAGE + 8);

test("the journal's original pages are written back and the file cut to its original size", () => {
  const { bytes, rolledBack } = rollBack(db, journal);
  assert.ok(rolledBack >= journal.readUInt32BE(8));
  assert.equal(bytes.length, journal.readUInt32BE(16) * PAGE);
  // Every page named in the first segment now holds the journal's copy.
  for (let i = 0; i < journal.readUInt32BE(8); i++) {
    const page = journal.readUInt32BE(recordAt(i));
    assert.deepEqual(Buffer.from(bytes.subarray((page - 1) * PAGE, page * PAGE)), journal.subarray(recordAt(i) + 4, recordAt(i) + 4 + PAGE));
  }
  assert.ok(db.length > bytes.length, "the uncommitted transaction had grown the file");
});

test("a torn record (bad checksum) ends the rollback: it never reached the database", () => {
  const torn = Buffer.from(journal);
  // A byte the checksum samples (every 200th from the page's end).
  const at = recordAt(1) + 4 + PAGE - 200 * Math.floor((PAGE - 1) / 200);
  torn[at] ^= 0xff;
  const { rolledBack } = rollBack(db, torn);
  assert.equal(rolledBack, 1);
});

test("a journal that is not hot changes nothing: zeroed header, empty, or not synced yet", () => {
  const zeroed = Buffer.from(journal);
  zeroed.fill(0, 0, 28);
  assert.equal(rollBack(db, zeroed).bytes, db);
  assert.equal(rollBack(db, Buffer.alloc(0)).bytes, db);
  const unsynced = Buffer.from(journal.subarray(0, SECTOR));
  unsynced.writeUInt32BE(0, 8);
  const r = rollBack(db, unsynced);
  assert.equal(r.rolledBack, 0);
});

test("a journal whose page size disagrees with the database is not applied; the read is retried, then refused", () => {
  const odd = Buffer.from(journal);
  odd.writeUInt32BE(1024, 24);
  assert.equal(rollBack(db, odd), undefined);
  const { db: file } = unpack("hot-journal");
  writeFileSync(`${file}-journal`, odd);
  assert.throws(() => readSnapshot(file, { attempts: 3 }), (e) => e instanceof StoreError && /kept changing/.test(e.message) && e.location === file);
});

test("the reader reads through the journal on disk and leaves both files as they were", async () => {
  const { db: file } = unpack("hot-journal");
  const s = await openRedunStore(file);
  assert.ok(s.rolledBackPages > 0);
  s.close();
  assert.deepEqual(readFileSync(file), db);
  assert.deepEqual(readFileSync(`${file}-journal`), journal);
});
