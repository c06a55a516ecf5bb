// Deeply nested input. TypeScript's parser and the analysis's walks recurse once per level of
// nesting, so an expression nested a few thousand levels deep (`((((…))))`, a 3,000-string
// concatenation) overflows the stack. Such a file is parsed and analysed again with every region
// nested deeper than MAX_DEPTH blanked (same length, line breaks kept, so every position stays
// right): the rest of the file keeps its findings, the skipped regions are reported, and whatever
// a blanked region belongs to is hashed by its raw text (any edit there counts as a change).
// Files that do not overflow are analysed exactly as before, at no cost.
import ts from "typescript";
import { sha256 } from "../hash";
import { analyzeSourceFile, FileAnalysis, parseSource } from "./file";

/** Nesting beyond which the inside of a region is not analysed. */
export const MAX_DEPTH = 300;

export interface SkippedRegion {
  start: number;
  end: number;
  line: number;
  col: number;
}

/** An analysis that may have skipped deep regions (none in an ordinary file). */
export type BoundedAnalysis = FileAnalysis & { skipped?: SkippedRegion[] };

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** `text` with each range replaced by a placeholder of the same length (`0` where an expression is expected). */
function blank(text: string, ranges: Array<{ start: number; end: number; expression: boolean }>): string {
  let out = "";
  let at = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < at) continue;
    const filler = text.slice(r.start, r.end).replace(/[^\n\r]/g, " ");
    out += text.slice(at, r.start) + (r.expression && filler.length ? "0" + filler.slice(1) : filler);
    at = r.end;
  }
  return out + text.slice(at);
}

const OPEN = new Set([ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.OpenBraceToken]);
const CLOSE = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken]);

/** The insides of brackets nested deeper than MAX_DEPTH, found with the scanner (which does not recurse). */
function deepBrackets(text: string): Array<{ start: number; end: number; expression: boolean }> {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const ranges: Array<{ start: number; end: number; expression: boolean }> = [];
  let depth = 0;
  let open: { start: number; paren: boolean } | undefined;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (OPEN.has(kind)) {
      depth++;
      if (depth === MAX_DEPTH + 1 && !open) open = { start: scanner.getTokenEnd(), paren: kind === ts.SyntaxKind.OpenParenToken };
    } else if (CLOSE.has(kind)) {
      if (depth === MAX_DEPTH + 1 && open) {
        ranges.push({ start: open.start, end: scanner.getTokenStart(), expression: open.paren });
        open = undefined;
      }
      depth = Math.max(0, depth - 1);
    }
  }
  if (open) ranges.push({ start: open.start, end: text.length, expression: false });
  return ranges;
}

/** Nodes at depth MAX_DEPTH that have children, found without recursion. */
function deepNodes(sf: ts.SourceFile): ts.Node[] {
  const found: ts.Node[] = [];
  const stack: Array<[ts.Node, number]> = [[sf, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    ts.forEachChild(node, (child) => {
      if (depth + 1 < MAX_DEPTH) stack.push([child, depth + 1]);
      else if (child.getChildCount(sf) > 0) found.push(child);
    });
  }
  return found;
}

/** Parses a file; when its nesting overflows the parser, parses it with the deepest brackets blanked. */
export function parseBounded(fileName: string, text: string): { sourceFile: ts.SourceFile; skipped: Array<{ start: number; end: number }> } {
  try {
    return { sourceFile: parseSource(fileName, text), skipped: [] };
  } catch (error) {
    if (!isStackOverflow(error)) throw error;
  }
  const skipped = deepBrackets(text);
  return { sourceFile: parseSource(fileName, blank(text, skipped)), skipped };
}

/**
 * The analysis of a parsed file (`text` is the file's real text when `sourceFile` was parsed from a
 * blanked one); when the analysis overflows, it is made again with nodes deeper than MAX_DEPTH blanked.
 */
export function analyzeBounded(sourceFile: ts.SourceFile, text = sourceFile.text, skipped: Array<{ start: number; end: number }> = []): BoundedAnalysis {
  let sf = sourceFile;
  let regions = skipped;
  for (let attempt = 0; ; attempt++) {
    try {
      const analysis = analyzeSourceFile(sf);
      return regions.length ? withSkipped(analysis, text, sf, regions) : analysis;
    } catch (error) {
      if (!isStackOverflow(error) || attempt > 0) throw error;
    }
    const deep = deepNodes(sf).map((n) => ({ start: n.getStart(sf), end: n.getEnd(), expression: ts.isExpression(n) }));
    regions = [...regions, ...deep];
    sf = parseSource(sf.fileName, blank(sf.text, deep));
  }
}

/** The analysis of a file's text, bounded as above. */
export function analyzeTextBounded(fileName: string, text: string): BoundedAnalysis {
  const { sourceFile, skipped } = parseBounded(fileName, text);
  return analyzeBounded(sourceFile, text, skipped);
}

/** Whatever overlaps a skipped region is hashed by its raw text, and keeps its real source. */
function withSkipped(analysis: FileAnalysis, text: string, sf: ts.SourceFile, regions: Array<{ start: number; end: number }>): BoundedAnalysis {
  const overlaps = (r: { start: number; end: number }) => regions.some((s) => s.start < r.end && s.end > r.start);
  const raw = (r: { start: number; end: number }) => sha256(`raw\u0001${text.slice(r.start, r.end)}`);
  const tasks = analysis.tasks.map((t) => (overlaps(t.fn) ? { ...t, normalizedHash: raw(t.fn), source: text.slice(t.fn.start, t.fn.end) } : t));
  const bindings: FileAnalysis["bindings"] = Object.create(null);
  for (const [name, b] of Object.entries(analysis.bindings)) bindings[name] = overlaps(b) ? { ...b, hash: raw(b) } : b;
  const skipped = regions.map((r) => {
    const lc = sf.getLineAndCharacterOfPosition(r.start);
    return { start: r.start, end: r.end, line: lc.line + 1, col: lc.character + 1 };
  });
  return { ...analysis, tasks, bindings, skipped };
}
