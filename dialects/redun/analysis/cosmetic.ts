// Whether two sources of a function differ only where the code does not: comments, blank lines,
// spacing inside a line, and the docstring. redun hashes the raw text, so such an edit still reruns.
import { readLines } from "../python/linecache";
import { generateTokens, Tok, type Token } from "../python/tokenize";

function codeTokens(source: string): string[] | undefined {
  let tokens: Token[];
  try {
    tokens = [...generateTokens(readLines(source))].filter((t) => t.type !== Tok.COMMENT && t.type !== Tok.NL);
  } catch {
    return undefined;
  }
  // The docstring: a lone string first in the body (after `def …:`, NEWLINE, INDENT).
  const def = tokens.findIndex((t) => t.type === Tok.NAME && t.string === "def");
  let depth = 0;
  let colon = -1;
  for (let i = def + 1; def >= 0 && i < tokens.length; i++) {
    const s = tokens[i].string;
    if (tokens[i].type !== Tok.OP) continue;
    if ("([{".includes(s)) depth++;
    else if (")]}".includes(s)) depth--;
    else if (s === ":" && depth === 0) {
      colon = i;
      break;
    }
  }
  const first = tokens[colon + 1]?.type === Tok.NEWLINE && tokens[colon + 2]?.type === Tok.INDENT ? colon + 3 : colon + 1;
  if (colon >= 0 && tokens[first]?.type === Tok.STRING && tokens[first + 1]?.type === Tok.NEWLINE) {
    tokens.splice(first, 2);
  }
  // INDENT and NEWLINE carry whitespace; only their place matters.
  return tokens.map((t) => (t.type === Tok.INDENT || t.type === Tok.NEWLINE || t.type === Tok.DEDENT ? String(t.type) : `${t.type}:${t.string}`));
}

export function sameCode(a: string, b: string): boolean {
  const x = codeTokens(a);
  const y = codeTokens(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((s, i) => s === y[i]);
}
