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
