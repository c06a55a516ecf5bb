// A module's logical lines (statements) with the blocks that enclose them, from the tokenizer.
// Half-typed files: where the tokenizer stops (an unclosed bracket or string, a bad dedent), the
// statement in progress is dropped and tokenizing starts again at the next line that begins a
// top-level `def`, `class` or decorator, so one typo does not hide the rest of the file.
import { generateTokens, IndentationError, Tok, TokenError, type Token } from "./tokenize";

export type BlockKind = "function" | "class" | "other";

export interface Statement {
  /** Tokens without NL and COMMENT, ending with NEWLINE when the statement is complete. */
  tokens: Token[];
  /** 0-based line of the first token. */
  line: number;
  /** Enclosing blocks, outermost first (empty at module level). */
  blocks: { kind: BlockKind; name?: string }[];
}

export interface ScanError {
  line: number;
  message: string;
}

export interface ScannedModule {
  statements: Statement[];
  errors: ScanError[];
}

const RESTART = /^(@|def[ \t(\\]|class[ \t(:\\]|async[ \t]+def[ \t])/;

/** Tokens of lines[from:] with rows made absolute and 0-based. */
function* absolute(lines: readonly string[], from: number): Generator<Token> {
  for (const t of generateTokens(lines, from)) {
    yield { ...t, start: [t.start[0] - 1 + from, t.start[1]], end: [t.end[0] - 1 + from, t.end[1]] };
  }
}

export function scanModule(lines: readonly string[]): ScannedModule {
  const statements: Statement[] = [];
  const errors: ScanError[] = [];
  let from = 0;
  while (from < lines.length) {
    let current: Token[] = [];
    const blocks: { kind: BlockKind; name?: string }[] = [];
    let pending: { kind: BlockKind; name?: string } | undefined;
    let currentLine = from;
    try {
      for (const t of absolute(lines, from)) {
        if (t.type === Tok.NL || t.type === Tok.COMMENT) continue;
        if (t.type === Tok.INDENT) {
          blocks.push(pending ?? { kind: "other" });
          pending = undefined;
          continue;
        }
        if (t.type === Tok.DEDENT) {
          blocks.pop();
          continue;
        }
        if (t.type === Tok.ENDMARKER) break;
        if (current.length === 0) currentLine = t.start[0];
        current.push(t);
        if (t.type === Tok.NEWLINE) {
          statements.push({ tokens: current, line: currentLine, blocks: [...blocks] });
          pending = blockOpened(current);
          current = [];
        }
      }
      return { statements, errors };
    } catch (e) {
      if (!(e instanceof TokenError || e instanceof IndentationError)) throw e;
      const at = current.length > 0 ? currentLine : e instanceof TokenError ? e.row - 1 + from : e.row - 1 + from;
      errors.push({ line: e instanceof TokenError ? e.row - 1 + from : at, message: e.message });
      let next = at + 1;
      while (next < lines.length && !RESTART.test(lines[next])) next++;
      from = next;
    }
  }
  return { statements, errors };
}

/** The block a statement ending in ":" opens (its body follows on indented lines). */
function blockOpened(tokens: Token[]): { kind: BlockKind; name?: string } | undefined {
  if (tokens.length < 2 || tokens[tokens.length - 2].string !== ":") return undefined;
  let i = 0;
  if (tokens[0].string === "async") i = 1;
  if (tokens[i].string === "def") return { kind: "function", name: tokens[i + 1]?.string };
  if (tokens[i].string === "class") return { kind: "class", name: tokens[i + 1]?.string };
  return { kind: "other" };
}
