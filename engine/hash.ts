import { createHash } from "node:crypto";

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Hash of several parts, each length-prefixed so that no two different lists can collide by concatenation. */
export function hashParts(...parts: Array<string | number | undefined | null>): string {
  const h = createHash("sha256");
  for (const part of parts) {
    const text = part === undefined || part === null ? "\u0000" : String(part);
    h.update(`${text.length}:${text};`);
  }
  return h.digest("hex");
}
