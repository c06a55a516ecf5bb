// The source text redun hashes for a function: `inspect.getsource` with the lines before the first
// one that starts with spaces and `def ` dropped (decorators, mostly — but not for `async def` or a
// tab-indented def, and a `def ` line inside a decorator's string starts the text there).
import { getsource } from "../python/inspect";

export function trimToDef(source: string): string {
  const lines = source.split("\n");
  const i = lines.findIndex((l) => /^ *def /.test(l));
  return i < 0 ? source : lines.slice(i).join("\n");
}

/**
 * The text redun hashes for the function whose code starts at 0-based line `firstLine` (its first
 * decorator's), with the lines getsource spans: [start, end). Throws the tokenizer's TokenError when
 * the block never ends (an unclosed bracket or string).
 */
export interface FuncSource {
  text: string;
  start: number;
  end: number;
}

export function funcSource(lines: readonly string[], firstLine: number, to = lines.length): FuncSource {
  const { line, text } = getsource(lines, firstLine, to);
  return { text: trimToDef(text), start: line, end: line + text.split("\n").length - 1 };
}
