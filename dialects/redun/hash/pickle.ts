// `pickle.dumps(value, protocol=3)` as CPython's C pickler writes it for literal values: no framing
// (protocol 4+), strings as BINUNICODE, every str/bytes/tuple/list/dict/set memoized on first write
// and referenced by BINGET afterwards, lists and dicts appended in batches of 1000, sets reduced to
// `builtins.set(list)` (EMPTY_SET is protocol 4+).
import type { PyValue } from "../python/values";

const BATCHSIZE = 1000;

export class UnpicklableValue extends Error {}

export function pickleDumps(value: PyValue): Buffer {
  const out: Buffer[] = [Buffer.from([0x80, 3])];
  const memo = new Map<object, number>();
  const byte = (...b: number[]): void => void out.push(Buffer.from(b));
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const put = (obj: object) => {
    const idx = memo.size;
    memo.set(obj, idx);
    if (idx < 256) byte(0x71, idx); // BINPUT
    else out.push(Buffer.from([0x72]), u32(idx)); // LONG_BINPUT
  };
  const get = (obj: object): boolean => {
    const idx = memo.get(obj);
    if (idx === undefined) return false;
    if (idx < 256) byte(0x68, idx); // BINGET
    else out.push(Buffer.from([0x6a]), u32(idx)); // LONG_BINGET
    return true;
  };
  const batched = (n: number, one: () => void, all: (from: number, to: number) => void, many: number) => {
    if (n === 0) return;
    if (n === 1) return one();
    for (let from = 0; from < n; from += BATCHSIZE) {
      byte(0x28); // MARK
      all(from, Math.min(n, from + BATCHSIZE));
      byte(many);
    }
  };
  const save = (v: PyValue): void => {
    switch (v.t) {
      case "None":
        return byte(0x4e);
      case "bool":
        return byte(v.v ? 0x88 : 0x89);
      case "int":
        return saveInt(v.v);
      case "float": {
        const b = Buffer.alloc(9);
        b[0] = 0x47; // BINFLOAT, big-endian double
        b.writeDoubleBE(v.v, 1);
        return void out.push(b);
      }
      case "str": {
        if (get(v)) return;
        const data = Buffer.from(v.v, "utf8");
        out.push(Buffer.from([0x58]), u32(data.length), data); // BINUNICODE
        return put(v);
      }
      case "bytes": {
        if (get(v)) return;
        if (v.v.length < 256) byte(0x43, v.v.length); // SHORT_BINBYTES
        else out.push(Buffer.from([0x42]), u32(v.v.length)); // BINBYTES
        out.push(Buffer.from(v.v));
        return put(v);
      }
      case "tuple": {
        if (v.items.length === 0) return byte(0x29); // EMPTY_TUPLE
        if (get(v)) return;
        const n = v.items.length;
        if (n <= 3) {
          v.items.forEach(save);
          byte(0x84 + n); // TUPLE1..3
        } else {
          byte(0x28);
          v.items.forEach(save);
          byte(0x74); // TUPLE
        }
        return put(v);
      }
      case "list": {
        if (get(v)) return;
        byte(0x5d); // EMPTY_LIST
        put(v);
        return batched(
          v.items.length,
          () => (save(v.items[0]), byte(0x61)), // APPEND
          (from, to) => v.items.slice(from, to).forEach(save),
          0x65, // APPENDS
        );
      }
      case "dict": {
        if (get(v)) return;
        byte(0x7d); // EMPTY_DICT
        put(v);
        return batched(
          v.entries.length,
          () => (save(v.entries[0][0]), save(v.entries[0][1]), byte(0x73)), // SETITEM
          (from, to) => v.entries.slice(from, to).forEach(([k, x]) => (save(k), save(x))),
          0x75, // SETITEMS
        );
      }
      case "set":
        // Elements come out in hash-table order, which for strings changes with every process.
        throw new UnpicklableValue("a set inside a value is pickled in hash-table order, which varies from process to process");
    }
  };
  const saveInt = (n: bigint) => {
    if (n >= -0x80000000n && n <= 0x7fffffffn) {
      const x = Number(n);
      if (x >= 0 && x <= 0xff) return byte(0x4b, x); // BININT1
      if (x >= 0 && x <= 0xffff) return byte(0x4d, x & 0xff, x >> 8); // BININT2
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // BININT
      b.writeInt32LE(x, 1);
      return void out.push(b);
    }
    // LONG1/LONG4: little-endian two's complement, (bits of |n|) / 8 + 1 bytes, one 0xff dropped
    // where a negative number's sign survives without it.
    const abs = n < 0n ? -n : n;
    let nbytes = (abs.toString(2).length >> 3) + 1;
    const mod = 1n << BigInt(8 * nbytes);
    let u = n < 0n ? mod + n : n;
    const bytes: number[] = [];
    for (let i = 0; i < nbytes; i++, u >>= 8n) bytes.push(Number(u & 0xffn));
    if (n < 0n && nbytes > 1 && bytes[nbytes - 1] === 0xff && (bytes[nbytes - 2] & 0x80) !== 0) {
      bytes.pop();
      nbytes--;
    }
    if (nbytes < 256) byte(0x8a, nbytes, ...bytes);
    else out.push(Buffer.from([0x8b]), u32(nbytes), Buffer.from(bytes));
  };
  save(value);
  byte(0x2e); // STOP
  return Buffer.concat(out);
}
