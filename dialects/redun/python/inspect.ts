// `inspect.getsource` for a function as CPython 3.11 computes it: `findsource` walks up from the code
// object's first line (a decorated function's is its first decorator's) to a line that looks like a
// `def`, `async def`, `lambda` or decorator, and `getblock` keeps the lines up to the end of the block
// that the tokenizer's INDENT/DEDENT structure gives.
import { generateTokens, IndentationError, Tok } from "./tokenize";

class EndOfBlock {}

/**
 * The number of lines of the block at the top of lines[from:to] (`inspect.getblock`). Throws the
 * tokenizer's TokenError when the input ends inside a string or brackets, as CPython does.
 */
export function getblock(lines: readonly string[], from = 0, to = lines.length): number {
  let indent = 0;
  let islambda = false;
  let started = false;
  let passline = false;
  let indecorator = false;
  let last = 1;
  let bodyCol0: number | undefined;
  try {
    for (const { type, string, start, end } of generateTokens(lines, from, to)) {
      if (!started && !indecorator) {
        // Skip decorators, then look for the first "def", "class" or "lambda".
        if (string === "@") indecorator = true;
        else if (string === "def" || string === "class" || string === "lambda") {
          if (string === "lambda") islambda = true;
          started = true;
        }
        passline = true;
      } else if (type === Tok.NEWLINE) {
        passline = false;
        last = start[0];
        if (islambda) throw new EndOfBlock();
        if (indecorator) indecorator = false;
      } else if (passline) {
        // Rest of a line already decided.
      } else if (type === Tok.INDENT) {
        if (bodyCol0 === undefined && started) bodyCol0 = end[1];
        indent += 1;
        passline = true;
      } else if (type === Tok.DEDENT) {
        indent -= 1;
        if (indent <= 0) throw new EndOfBlock();
      } else if (type === Tok.COMMENT) {
        // A comment indented at least like the body's first line belongs to the block.
        if (bodyCol0 !== undefined && start[1] >= bodyCol0) last = start[0];
      } else if (indent === 0 && type !== Tok.NL) {
        throw new EndOfBlock();
      }
    }
  } catch (e) {
    if (!(e instanceof EndOfBlock || e instanceof IndentationError)) throw e;
  }
  return last;
}

// Anchored like Python's re.match; Python's `.` is [^\n].
const SOURCE_START = /^(?:(\s*def\s)|(\s*async\s+def\s)|([^\n]*(?<![\p{L}\p{N}_])lambda(:|\s))|(\s*@))/u;

/** `findsource`'s line for a function whose code object starts at 0-based line `firstLine`. */
export function findsource(lines: readonly string[], firstLine: number): number {
  let lnum = firstLine;
  while (lnum > 0) {
    if (lnum >= lines.length) throw new RangeError("lineno is out of bounds");
    if (SOURCE_START.test(lines[lnum])) break;
    lnum -= 1;
  }
  return lnum;
}

/**
 * `inspect.getsource` of the function whose code starts at 0-based line `firstLine`: its start line
 * and text. The block is read from lines before `to` only (the line at `to`, if any, starts a
 * top-level statement, so it would end the block anyway).
 */
export function getsource(lines: readonly string[], firstLine: number, to = lines.length): { line: number; text: string } {
  const line = findsource(lines, firstLine);
  const n = getblock(lines, line, to);
  return { line, text: lines.slice(line, line + n).join("") };
}
