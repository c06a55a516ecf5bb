// Preloaded (NODE_OPTIONS=--require) by the full-disk tests where no small file system can be
// mounted: writes to files under TASKLENS_TEST_FULL_DIR fail with ENOSPC once this process has
// written TASKLENS_TEST_FULL_AFTER bytes there, after a short write that fills the last bytes,
// as a real full disk does.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const dir = path.resolve(process.env.TASKLENS_TEST_FULL_DIR) + path.sep;
let room = Number(process.env.TASKLENS_TEST_FULL_AFTER);
const inside = new Set();
const under = (file) => typeof file === "string" && path.resolve(file).startsWith(dir);
const noSpace = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });

const { openSync, closeSync, writeSync, writeFileSync } = fs;
fs.openSync = function (file, ...rest) {
  const fd = openSync.call(this, file, ...rest);
  if (under(file)) inside.add(fd);
  return fd;
};
fs.closeSync = function (fd) {
  inside.delete(fd);
  return closeSync.call(this, fd);
};
fs.writeSync = function (fd, data, ...rest) {
  if (!inside.has(fd)) return writeSync.call(this, fd, data, ...rest);
  const bytes = typeof data === "string" ? Buffer.from(data, typeof rest[1] === "string" ? rest[1] : "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const offset = typeof data === "string" ? 0 : rest[0] ?? 0;
  const length = typeof data === "string" ? bytes.length : rest[1] ?? bytes.length - offset;
  if (room <= 0) throw noSpace();
  const n = Math.min(length, room);
  room -= n;
  return writeSync.call(this, fd, bytes, offset, n);
};
fs.writeFileSync = function (file, data, ...rest) {
  if (!under(file)) return writeFileSync.call(this, file, data, ...rest);
  const bytes = Buffer.from(data);
  const n = Math.min(bytes.length, Math.max(room, 0));
  room -= n;
  writeFileSync.call(this, file, bytes.subarray(0, n), ...rest);
  if (n < bytes.length) throw noSpace();
};
