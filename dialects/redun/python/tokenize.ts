// A port of CPython 3.11's pure-Python tokenizer (Lib/tokenize.py, `generate_tokens`): the one
// `inspect.getblock` runs, so block ends computed here are the ones redun hashes. Same regular
// expressions (Python's `.` is "anything but \n", `\w` is Unicode letters, digits and "_"), same
// INDENT/DEDENT rules (tabs to multiples of 8, form feed resets the column), same errors.

export enum Tok {
  ENDMARKER = 0,
  NAME = 1,
  NUMBER = 2,
  STRING = 3,
  NEWLINE = 4,
  INDENT = 5,
  DEDENT = 6,
  OP = 54,
  COMMENT = 61,
  NL = 62,
  ERRORTOKEN = 60,
}

/** Rows are 1-based and relative to the first line tokenized; columns are 0-based. */
export interface Token {
  type: Tok;
  string: string;
  start: [number, number];
  end: [number, number];
  line: string;
}

/** "EOF in multi-line string" / "EOF in multi-line statement": the input ended inside a construct. */
export class TokenError extends Error {
  constructor(message: string, readonly row: number, readonly col: number) {
    super(message);
  }
}

/** A dedent to a column that no enclosing block has. */
export class IndentationError extends Error {
  constructor(message: string, readonly row: number) {
    super(message);
  }
}

const group = (...choices: string[]) => "(" + choices.join("|") + ")";
const maybe = (...choices: string[]) => group(...choices) + "?";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function allStringPrefixes(): string[] {
  const result = new Set<string>([""]);
  const permutations = (s: string): string[] => (s.length <= 1 ? [s] : [...s].flatMap((c, i) => permutations(s.slice(0, i) + s.slice(i + 1)).map((p) => c + p)));
  for (const prefix of ["b", "r", "u", "f", "br", "fr"]) {
    for (const t of permutations(prefix)) {
      // Every upper/lower-case combination.
      for (let mask = 0; mask < 1 << t.length; mask++) result.add([...t].map((c, i) => (mask & (1 << i) ? c.toUpperCase() : c)).join(""));
    }
  }
  return [...result];
}

const Whitespace = "[ \\f\\t]*";
const Comment = "#[^\\r\\n]*";
const Name = "[\\p{L}\\p{N}_]+";
const Hexnumber = "0[xX](?:_?[0-9a-fA-F])+";
const Binnumber = "0[bB](?:_?[01])+";
const Octnumber = "0[oO](?:_?[0-7])+";
const Decnumber = "(?:0(?:_?0)*|[1-9](?:_?[0-9])*)";
const Intnumber = group(Hexnumber, Binnumber, Octnumber, Decnumber);
const Exponent = "[eE][-+]?[0-9](?:_?[0-9])*";
const Pointfloat = group("[0-9](?:_?[0-9])*\\.(?:[0-9](?:_?[0-9])*)?", "\\.[0-9](?:_?[0-9])*") + maybe(Exponent);
const Expfloat = "[0-9](?:_?[0-9])*" + Exponent;
const Floatnumber = group(Pointfloat, Expfloat);
const Imagnumber = group("[0-9](?:_?[0-9])*[jJ]", Floatnumber + "[jJ]");
const NumberRe = group(Imagnumber, Floatnumber, Intnumber);

const prefixes = allStringPrefixes();
const StringPrefix = group(...prefixes.map(escape));
// Python's `.` matches anything but "\n".
const DOT = "[^\\n]";
const Single = `[^'\\\\]*(?:\\\\${DOT}[^'\\\\]*)*'`;
const Double = `[^"\\\\]*(?:\\\\${DOT}[^"\\\\]*)*"`;
const Single3 = `[^'\\\\]*(?:(?:\\\\${DOT}|'(?!''))[^'\\\\]*)*'''`;
const Double3 = `[^"\\\\]*(?:(?:\\\\${DOT}|"(?!""))[^"\\\\]*)*"""`;
const Triple = group(StringPrefix + "'''", StringPrefix + '"""');

const EXACT_OPERATORS = ["~", "}", "|=", "|", "{", "^=", "^", "]", "[", "@=", "@", ">>=", ">>", ">=", ">", "==", "=", "<=", "<<=", "<<", "<", ";", ":=", ":", "/=", "//=", "//", "/", "...", ".", "->", "-=", "-", ",", "+=", "+", "*=", "**=", "**", "*", ")", "(", "&=", "&", "%=", "%", "!="];
const Special = group(...EXACT_OPERATORS.map(escape));
const Funny = group("\\r?\\n", Special);
const ContStr = group(
  StringPrefix + `'[^\\n'\\\\]*(?:\\\\${DOT}[^\\n'\\\\]*)*` + group("'", "\\\\\\r?\\n"),
  StringPrefix + `"[^\\n"\\\\]*(?:\\\\${DOT}[^\\n"\\\\]*)*` + group('"', "\\\\\\r?\\n"),
);
// `\Z` is the end of the line string: JavaScript's `$` without the m flag.
const PseudoExtras = group("\\\\\\r?\\n|$", Comment, Triple);
const PseudoToken = new RegExp(Whitespace + group(PseudoExtras, NumberRe, Funny, ContStr, Name), "uy");

const endpats = new Map<string, RegExp>();
const singleQuoted = new Set<string>();
const tripleQuoted = new Set<string>();
for (const p of prefixes) {
  endpats.set(p + "'", new RegExp(Single, "uy"));
  endpats.set(p + '"', new RegExp(Double, "uy"));
  endpats.set(p + "'''", new RegExp(Single3, "uy"));
  endpats.set(p + '"""', new RegExp(Double3, "uy"));
  singleQuoted.add(p + "'").add(p + '"');
  tripleQuoted.add(p + "'''").add(p + '"""');
}

const TABSIZE = 8;
const isIdentifierStart = (c: string) => /[\p{L}\p{Nl}_]/u.test(c);

function matchAt(re: RegExp, s: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(s);
}

/**
 * The tokens of lines[from:to] (each ending in "\n", as `readLines` gives them), as
 * `tokenize.generate_tokens` yields them, the line at `from` numbered `firstRow`. Throws
 * TokenError / IndentationError where CPython does.
 */
export function* generateTokens(lines: readonly string[], from = 0, to = lines.length, firstRow = 1): Generator<Token> {
  let lnum = firstRow - 1;
  let parenlev = 0;
  let continued = false;
  let contstr = "";
  let needcont = false;
  let contline = "";
  let strstart: [number, number] = [0, 0];
  let endprog: RegExp = endpats.get('"')!;
  const indents = [0];
  let lastLine = "";
  let line = "";
  let index = from;
  for (;;) {
    lastLine = line;
    line = index < to ? lines[index++] : "";
    lnum += 1;
    let pos = 0;
    const max = line.length;

    if (contstr) {
      if (!line) throw new TokenError("EOF in multi-line string", strstart[0], strstart[1]);
      const endmatch = matchAt(endprog, line, 0);
      if (endmatch) {
        pos = endmatch.index + endmatch[0].length;
        yield { type: Tok.STRING, string: contstr + line.slice(0, pos), start: strstart, end: [lnum, pos], line: contline + line };
        contstr = "";
        needcont = false;
        contline = "";
      } else if (needcont && !line.endsWith("\\\n") && !line.endsWith("\\\r\n")) {
        yield { type: Tok.ERRORTOKEN, string: contstr + line, start: strstart, end: [lnum, line.length], line: contline };
        contstr = "";
        contline = "";
        continue;
      } else {
        contstr += line;
        contline += line;
        continue;
      }
    } else if (parenlev === 0 && !continued) {
      if (!line) break;
      let column = 0;
      while (pos < max) {
        const c = line[pos];
        if (c === " ") column += 1;
        else if (c === "\t") column = (Math.floor(column / TABSIZE) + 1) * TABSIZE;
        else if (c === "\f") column = 0;
        else break;
        pos += 1;
      }
      if (pos === max) break;
      const c = line[pos];
      if (c === "#" || c === "\r" || c === "\n") {
        if (c === "#") {
          const comment = line.slice(pos).replace(/[\r\n]+$/, "");
          yield { type: Tok.COMMENT, string: comment, start: [lnum, pos], end: [lnum, pos + comment.length], line };
          pos += comment.length;
        }
        yield { type: Tok.NL, string: line.slice(pos), start: [lnum, pos], end: [lnum, line.length], line };
        continue;
      }
      if (column > indents[indents.length - 1]) {
        indents.push(column);
        yield { type: Tok.INDENT, string: line.slice(0, pos), start: [lnum, 0], end: [lnum, pos], line };
      }
      while (column < indents[indents.length - 1]) {
        if (!indents.includes(column)) throw new IndentationError("unindent does not match any outer indentation level", lnum);
        indents.pop();
        yield { type: Tok.DEDENT, string: "", start: [lnum, pos], end: [lnum, pos], line };
      }
    } else {
      if (!line) throw new TokenError("EOF in multi-line statement", lnum, 0);
      continued = false;
    }

    while (pos < max) {
      const pseudomatch = matchAt(PseudoToken, line, pos);
      if (pseudomatch) {
        const end = pseudomatch.index + pseudomatch[0].length;
        const start = end - pseudomatch[1].length;
        const spos: [number, number] = [lnum, start];
        const epos: [number, number] = [lnum, end];
        pos = end;
        if (start === end) continue;
        let token = line.slice(start, end);
        const initial = line[start];
        if ((initial >= "0" && initial <= "9") || (initial === "." && token !== "." && token !== "...")) {
          yield { type: Tok.NUMBER, string: token, start: spos, end: epos, line };
        } else if (initial === "\r" || initial === "\n") {
          yield { type: parenlev > 0 ? Tok.NL : Tok.NEWLINE, string: token, start: spos, end: epos, line };
        } else if (initial === "#") {
          yield { type: Tok.COMMENT, string: token, start: spos, end: epos, line };
        } else if (tripleQuoted.has(token)) {
          endprog = endpats.get(token)!;
          const endmatch = matchAt(endprog, line, pos);
          if (endmatch) {
            pos = endmatch.index + endmatch[0].length;
            token = line.slice(start, pos);
            yield { type: Tok.STRING, string: token, start: spos, end: [lnum, pos], line };
          } else {
            strstart = [lnum, start];
            contstr = line.slice(start);
            contline = line;
            break;
          }
        } else if (singleQuoted.has(initial) || singleQuoted.has(token.slice(0, 2)) || singleQuoted.has(token.slice(0, 3))) {
          if (token.endsWith("\n")) {
            strstart = [lnum, start];
            endprog = endpats.get(initial) ?? endpats.get(token[1]) ?? endpats.get(token[2])!;
            contstr = line.slice(start);
            needcont = true;
            contline = line;
            break;
          } else {
            yield { type: Tok.STRING, string: token, start: spos, end: epos, line };
          }
        } else if (isIdentifierStart(initial)) {
          yield { type: Tok.NAME, string: token, start: spos, end: epos, line };
        } else if (initial === "\\") {
          continued = true;
        } else {
          if ("([{".includes(initial)) parenlev += 1;
          else if (")]}".includes(initial)) parenlev -= 1;
          yield { type: Tok.OP, string: token, start: spos, end: epos, line };
        }
      } else {
        yield { type: Tok.ERRORTOKEN, string: line[pos], start: [lnum, pos], end: [lnum, pos + 1], line };
        pos += 1;
      }
    }
  }
  // An implicit NEWLINE when the input does not end in one.
  if (lastLine && !"\r\n".includes(lastLine[lastLine.length - 1]) && !lastLine.trim().startsWith("#")) {
    yield { type: Tok.NEWLINE, string: "", start: [lnum - 1, lastLine.length], end: [lnum - 1, lastLine.length + 1], line: "" };
  }
  for (let i = 1; i < indents.length; i++) yield { type: Tok.DEDENT, string: "", start: [lnum, 0], end: [lnum, 0], line: "" };
  yield { type: Tok.ENDMARKER, string: "", start: [lnum, 0], end: [lnum, 0], line: "" };
}
