// redun's `hash_struct`: the first 40 hex digits of the SHA-512 of a bencoded structure.
import { createHash } from "node:crypto";
import { comparePoints } from "../python/values";

export type BValue = string | Uint8Array | bigint | number | BValue[] | { [key: string]: BValue };

function encode(x: BValue, out: Buffer[]): void {
  if (typeof x === "string" || x instanceof Uint8Array) {
    const b = typeof x === "string" ? Buffer.from(x, "utf8") : Buffer.from(x);
    out.push(Buffer.from(`${b.length}:`), b);
  } else if (typeof x === "bigint" || typeof x === "number") {
    if (typeof x === "number" && !Number.isInteger(x)) throw new TypeError("bencode: not an integer");
    out.push(Buffer.from(`i${x.toString()}e`));
  } else if (Array.isArray(x)) {
    out.push(Buffer.from("l"));
    for (const item of x) encode(item, out);
    out.push(Buffer.from("e"));
  } else {
    out.push(Buffer.from("d"));
    // Keys sorted as Python sorts str keys: by code point.
    for (const key of Object.keys(x).sort(comparePoints)) {
      encode(key, out);
      encode(x[key], out);
    }
    out.push(Buffer.from("e"));
  }
}

export function bencode(x: BValue): Buffer {
  const out: Buffer[] = [];
  encode(x, out);
  return Buffer.concat(out);
}

/** sha512 of the concatenated parts, first 40 hex digits (redun's `Hash`). */
export function hashBytes(...parts: Uint8Array[]): string {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest("hex").slice(0, 40);
}

export function hashStruct(x: BValue): string {
  return hashBytes(bencode(x));
}

/** `hash_tag_bytes`: the bencoded one-item list [tag] followed by the bytes. */
export function hashTagBytes(tag: string, data: Uint8Array): string {
  return hashBytes(bencode([tag]), data);
}
