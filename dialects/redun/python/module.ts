// A module's logical lines (statements) with the blocks that enclose them, from the tokenizer, cut
// into chunks: a chunk is one top-level statement (decorators glued to what they decorate) with the
// comment and blank lines after it. The tokenizer starts afresh at every chunk, so a chunk's
// statements depend on its own text only — what lets a document rescan just the edited chunks.
//
// Half-typed files: where the text stops being Python (an unclosed bracket or string, a bad dedent,
// two operands in a row, a missing block), the top-level statement around the error becomes one
// broken chunk up to where scanning resumes — the next line that starts a top-level statement
// (`def`, `class`, a decorator, an import, an assignment) — so one typo does not hide the rest of
// the file. Broken chunks keep no statements: what they would have bound is unknown.
import { generateTokens, IndentationError, Tok, TokenError, type Token } from "./tokenize";

export type BlockKind = "function" | "class" | "other";

export interface Block {
  kind: BlockKind;
  name?: string;
}

export interface Statement {
  /** Tokens without NL and COMMENT, ending with NEWLINE. */
  tokens: Token[];
  /** 0-based line of the first token. */
  line: number;
  /** Enclosing blocks, outermost first (empty at module level). */
  blocks: Block[];
}

/** A syntax error: 0-based line and column, CPython's wording (without line numbers: chunks move). */
export interface ScanError {
  line: number;
  col: number;
  message: string;
}

export interface Chunk {
  /** Lines [start, end) (0-based). */
  start: number;
  end: number;
  /** The last line read to make it (a statement that breaks runs on past `end`): a change after it leaves the chunk as it is. */
  reach: number;
  /** Empty in a broken chunk. */
  statements: Statement[];
  /** Set on a broken chunk: the error inside it. */
  error?: ScanError;
  /** A multi-line string here holds column-0 lines that read as definitions: a stray quote above may have made it. */
  swallows?: boolean;
  /** Its last statement holds a multi-line string: where a string opened by a stray quote would end. */
  endsInString?: boolean;
}

export interface ScannedModule {
  chunks: Chunk[];
  statements: Statement[];
  errors: ScanError[];
}

// Where scanning resumes after an error: a line that starts a top-level statement.
const RESUME = /^(@|def[ \t(\\]|class[ \t(:\\]|async[ \t]+def[ \t]|import[ \t]|from[ \t]|(?!(?:if|elif|while|for|with|assert|return)\b)[A-Za-z_]\w*[ \t]*=(?!=))/;
// A column-0 line inside a string that reads as a definition.
const SWALLOWED = /^(@|def[ \t]|class[ \t]|async[ \t]+def[ \t])/;
// A column-0 line that cannot continue a bracketed expression: the bracket was never closed.
const NEVER_IN_BRACKETS = /^(def[ \t(\\]|class[ \t(:\\]|async[ \t]+def[ \t]|import[ \t]|from[ \t]+[\w.]+[ \t]+import\b|@[ \t]*[A-Za-z_])/;

export const PYTHON_KEYWORDS = new Set("False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "));
const CONSTANTS = new Set(["False", "None", "True"]);
// Keywords that only start a statement (after `;`, a compound statement's `:`, or `async`).
const STATEMENT_ONLY = new Set("assert break class continue def del elif except finally global import nonlocal pass raise return try while with".split(" "));
const COMPOUND = new Set("if elif else while for try except finally with def class async match case".split(" "));
const SOFT_KEYWORDS = new Set(["match", "case", "type"]);
const PAIRS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
const NEEDS_MORE = new Set("= += -= *= /= //= %= **= @= &= |= ^= <<= >>= := + - * / // % ** @ & | ^ ~ << >> < > <= >= == != . ->".split(" "));
const KEYWORDS_NEEDING_MORE = new Set("and as assert async await class def del elif for from global if import in is lambda nonlocal not or while with".split(" "));

/**
 * The chunks of lines[from:]; `from` must start a top-level statement (or be 0). A broken chunk
 * takes in the chunks before it that the error may belong to: those a stray quote may have made
 * (a multi-line string swallowing definitions, or ending right before the error), and one with an
 * indented body when the lines after it run on indented (a column-0 line typed inside a function
 * leaves its end unknown) — above that one, only swallowing chunks.
 */
export function* scanChunks(lines: readonly string[], from = 0): Generator<Chunk> {
  const indented = (start: number, end: number) => lines.slice(start, end).some((l) => /^[ \t\f]+[^\s]/.test(l));
  // Clean chunks not yet given out: those an error next may take in.
  let held: Chunk[] = [];
  for (const chunk of rawChunks(lines, from)) {
    if (!chunk.error) {
      held.push(chunk);
      yield* held.splice(0, mergeStart(held, held.length));
      continue;
    }
    let keep = held.length;
    let next: Chunk = chunk;
    let onlySwallowing = false;
    while (keep > 0) {
      const c = held[keep - 1];
      const stringMade = c.swallows || (!onlySwallowing && c.endsInString);
      if (!stringMade && (onlySwallowing || !(indented(c.start, c.end) && indented(next.start + 1, next.end)))) break;
      if (!stringMade) onlySwallowing = true;
      keep--;
      next = c;
    }
    yield* held.slice(0, keep);
    yield { ...chunk, start: next.start };
    held = [];
  }
  yield* held;
}

/** The first chunk a scan must restart at so that an error in chunks[at] can take in what it may. */
export function mergeStart(chunks: readonly Chunk[], at: number): number {
  while (at > 0 && (chunks[at - 1].swallows || chunks[at - 1].endsInString)) at--;
  if (at > 0) at--;
  while (at > 0 && chunks[at - 1].swallows) at--;
  return at;
}

function* rawChunks(lines: readonly string[], from: number): Generator<Chunk> {
  while (from < lines.length) {
    let chunk: Chunk = { start: from, end: lines.length, reach: lines.length, statements: [] };
    let lastRow = from;
    // A failure: where, and the line scanning resumes at (else after `statement`'s first line).
    let failure: (ScanError & { statement: number; resume?: number }) | undefined;
    let current: Token[] = [];
    let currentLine = from;
    const blocks: Block[] = [];
    const brackets: Token[] = [];
    let opener: Statement | undefined;
    let glued = false;
    const fail = (t: { start: [number, number] }, message: string, statement: number, resume?: number) => {
      failure = { line: t.start[0], col: t.start[1], message, statement, resume };
    };
    try {
      // Rows 0-based, as lines are numbered here.
      for (const t of generateTokens(lines, from, lines.length, from)) {
        lastRow = t.end[0];
        if (t.type === Tok.NL || t.type === Tok.COMMENT) continue;
        if (opener && t.type !== Tok.INDENT) {
          const what = blockOpened(opener.tokens)?.kind === "function" ? "function definition" : blockOpened(opener.tokens)?.kind === "class" ? "class definition" : `'${opener.tokens[0].string}' statement`;
          fail(t, `expected an indented block after ${what}`, opener.line, t.type !== Tok.ENDMARKER && RESUME.test(lines[t.start[0]]) ? t.start[0] : undefined);
          break;
        }
        if (t.type === Tok.INDENT) {
          if (!opener) {
            fail(t, "unexpected indent", t.start[0]);
            break;
          }
          blocks.push(blockOpened(opener.tokens)!);
          opener = undefined;
          continue;
        }
        if (t.type === Tok.DEDENT) {
          blocks.pop();
          continue;
        }
        if (t.type === Tok.ENDMARKER) break;
        if (current.length === 0) {
          currentLine = t.start[0];
          if (blocks.length === 0 && !glued && currentLine > chunk.start) {
            yield { ...chunk, end: currentLine, reach: currentLine };
            chunk = { start: currentLine, end: lines.length, reach: lines.length, statements: [] };
          }
        } else if (brackets.length > 0 && t.start[1] === 0 && t.start[0] > current[current.length - 1].end[0] && NEVER_IN_BRACKETS.test(lines[t.start[0]])) {
          const open = brackets[brackets.length - 1];
          fail(open, `'${open.string}' was never closed`, currentLine, t.start[0]);
          break;
        }
        if (t.type === Tok.OP && "([{".includes(t.string)) brackets.push(t);
        else if (t.type === Tok.OP && t.string in PAIRS) {
          const open = brackets.pop();
          if (open?.string !== PAIRS[t.string]) {
            fail(t, open ? `closing parenthesis '${t.string}' does not match opening parenthesis '${open.string}'` : `unmatched '${t.string}'`, currentLine);
            break;
          }
        }
        current.push(t);
        if (t.type === Tok.STRING && t.end[0] > t.start[0] && lines.slice(t.start[0] + 1, t.end[0] + 1).some((l) => SWALLOWED.test(l))) chunk.swallows = true;
        if (t.type !== Tok.NEWLINE) continue;
        chunk.endsInString = current.some((c) => c.type === Tok.STRING && c.end[0] > c.start[0]);
        const problem = statementProblem(current);
        if (problem) {
          fail(problem.token, problem.message, currentLine);
          break;
        }
        const st: Statement = { tokens: current, line: currentLine, blocks: [...blocks] };
        chunk.statements.push(st);
        if (blocks.length === 0) glued = current[0].string === "@";
        if (blockOpened(current)) opener = st;
        current = [];
      }
    } catch (e) {
      if (e instanceof TokenError) {
        lastRow = lines.length;
        const open = brackets[brackets.length - 1];
        // A string closed by the wrong quotes runs on: the first multi-line string of the statement is the suspect.
        const suspect = current.find((t) => t.type === Tok.STRING && t.end[0] > t.start[0]) ?? { start: [e.row, e.col] as [number, number] };
        if (e.message.includes("string")) fail(suspect, "unterminated triple-quoted string literal", current.length > 0 ? currentLine : e.row);
        else if (open) fail(open, `'${open.string}' was never closed`, currentLine);
        else fail({ start: [lines.length - 1, 0] }, "unexpected EOF while parsing", currentLine);
      } else if (e instanceof IndentationError) fail({ start: [e.row, 0] }, e.message, e.row);
      else throw e;
    }
    if (!failure) {
      yield chunk;
      return;
    }
    const resume = failure.resume ?? resumeLine(lines, failure.statement + 1);
    yield { start: chunk.start, end: resume, reach: Math.max(lastRow, failure.line, resume), statements: [], error: { line: failure.line, col: failure.col, message: failure.message } };
    from = resume;
  }
}

/** The first line at or after `from` where scanning can resume after an error. */
function resumeLine(lines: readonly string[], from: number): number {
  while (from < lines.length && !RESUME.test(lines[from])) from++;
  return from;
}

export function scanModule(lines: readonly string[]): ScannedModule {
  const chunks = [...scanChunks(lines)];
  return {
    chunks,
    statements: chunks.flatMap((c) => c.statements),
    errors: chunks.flatMap((c) => (c.error ? [c.error] : [])),
  };
}

const endsOperand = (t: Token) =>
  t.type === Tok.NUMBER || t.type === Tok.STRING || (t.type === Tok.NAME && (!PYTHON_KEYWORDS.has(t.string) || CONSTANTS.has(t.string))) || (t.type === Tok.OP && t.string in PAIRS);
const startsOperand = (t: Token) => t.type === Tok.NUMBER || t.type === Tok.STRING || (t.type === Tok.NAME && (!PYTHON_KEYWORDS.has(t.string) || CONSTANTS.has(t.string)));

/**
 * What makes a complete logical line invalid, where the tokenizer alone accepts it: a stray
 * character, two operands in a row (what a string closed by the wrong quotes leaves), a
 * statement keyword inside an expression. Not a parser: only errors that are certain.
 */
function statementProblem(tokens: Token[]): { token: Token; message: string } | undefined {
  const compound = tokens[0].type === Tok.NAME && COMPOUND.has(tokens[0].string);
  let depth = 0;
  let statementStart = true;
  let colon = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    if (t.type === Tok.ERRORTOKEN) {
      if (t.string.trim() === "") continue;
      return { token: t, message: `'"`.includes(t.string[0]) ? "unterminated string literal" : `invalid character '${t.string}'` };
    }
    if (t.type === Tok.NAME && STATEMENT_ONLY.has(t.string) && !statementStart) {
      const allowed = (t.string === "import" && tokens[0].string === "from") || ((t.string === "def" || t.string === "with") && prev?.string === "async");
      if (!allowed) return { token: t, message: "invalid syntax" };
    }
    if (prev) {
      const softKeyword = i === 1 && SOFT_KEYWORDS.has(prev.string);
      if (endsOperand(prev) && startsOperand(t) && !(prev.type === Tok.STRING && t.type === Tok.STRING) && !softKeyword) return { token: t, message: "invalid syntax" };
      if (prev.type === Tok.OP && prev.string === "." && t.type !== Tok.NAME && tokens[0].string !== "from") return { token: t, message: "invalid syntax" };
    }
    if (t.type === Tok.OP && "([{".includes(t.string)) depth++;
    else if (t.type === Tok.OP && t.string in PAIRS) depth--;
    statementStart = depth === 0 && t.type === Tok.OP && (t.string === ";" || (t.string === ":" && compound));
    colon ||= depth === 0 && t.type === Tok.OP && t.string === ":";
  }
  // A statement cut short after an operator or a keyword that needs more.
  const last = tokens[tokens.length - 2];
  if (last && ((last.type === Tok.OP && NEEDS_MORE.has(last.string) && !(last.string === "*" && tokens[0].string === "from")) || (last.type === Tok.NAME && KEYWORDS_NEEDING_MORE.has(last.string)))) {
    return { token: tokens[tokens.length - 1], message: "invalid syntax" };
  }
  const soft = SOFT_KEYWORDS.has(tokens[0].string);
  if (compound && !soft && !colon) return { token: tokens[tokens.length - 1], message: "expected ':'" };
  return undefined;
}

/** The block a statement ending in ":" opens (its body follows on indented lines). */
export function blockOpened(tokens: Token[]): Block | undefined {
  if (tokens.length < 2 || tokens[tokens.length - 2].string !== ":") return undefined;
  let i = 0;
  if (tokens[0].string === "async") i = 1;
  if (tokens[i].string === "def") return { kind: "function", name: tokens[i + 1]?.string };
  if (tokens[i].string === "class") return { kind: "class", name: tokens[i + 1]?.string };
  return { kind: "other" };
}
