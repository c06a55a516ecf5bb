// The lines of a module as CPython's `linecache` (and so `inspect.getsource`) reads them: the file is
// opened in text mode with universal newlines, a UTF-8 BOM is dropped, and a final "\n" is added to a
// last line that lacks one. Only "\n" separates lines afterwards (form feeds, U+2028 … stay inside).

/** The module's lines, each ending in "\n" (an empty text has no lines). */
export function readLines(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, "\n");
  if (text === "") return [];
  const lines = text.split("\n");
  // split() leaves "" after a final "\n"; otherwise the last line gets its "\n" added.
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => l + "\n");
}

export interface DecodedSource {
  text: string;
  /** Why Python would not read the file (it would not import): 0-based line and column of the first bad byte. */
  problem?: { line: number; col: number; message: string };
}

// PEP 263: a coding declaration in a comment on the first or second line.
const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;
const LATIN_1 = new Set(["latin-1", "latin1", "l1", "iso-8859-1", "iso8859-1", "iso-latin-1"]);

/**
 * A source file's bytes as Python decodes them: UTF-8 (a BOM allowed) unless a coding declaration
 * says otherwise. Bytes the declared encoding rejects give a problem and a lossy text, never a throw.
 */
export function decodeSource(bytes: Uint8Array): DecodedSource {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const head = Buffer.from(bytes.subarray(0, 400)).toString("latin1").split(/\r\n|\r|\n/);
  const declared = (CODING.exec(head[0]) ?? (/^[ \t\f]*(#.*)?$/.test(head[0]) ? CODING.exec(head[1] ?? "") : null))?.[1].toLowerCase().replace(/_/g, "-");
  const encoding = declared === undefined || /^utf-?8(-sig)?$/.test(declared) ? "utf-8" : declared;
  if (LATIN_1.has(encoding)) return { text: Buffer.from(bytes).toString("latin1") };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false });
  } catch {
    return { text: new TextDecoder("utf-8").decode(bytes), problem: { line: 0, col: 0, message: `unknown encoding: ${declared}` } };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    const at = firstInvalid(bytes, bom ? 3 : 0);
    const before = bytes.subarray(0, at);
    const line = before.filter((b) => b === 0x0a).length;
    const col = at - (before.lastIndexOf(0x0a) + 1);
    const byte = `\\x${bytes[at].toString(16).padStart(2, "0")}`;
    const message = encoding === "utf-8" ? `Non-UTF-8 code starting with '${byte}', but no encoding declared` : `the file is not valid ${declared}`;
    return { text: new TextDecoder(encoding).decode(bytes), problem: { line, col, message } };
  }
}

/** The offset of the first byte that does not start a valid UTF-8 sequence (for the message). */
function firstInvalid(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; ) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    for (let k = 1; k < n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += n;
  }
  return 0;
}
