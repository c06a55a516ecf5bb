// What the analysis of any workflow dialect reports about a file: findings (diagnostics) with their
// quick fixes as text edits. Offsets are into the file's text; the CLI and the language server turn
// them into lines and columns.

export interface Range {
  start: number;
  end: number;
}

export interface TextEdit extends Range {
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The fix the editor should offer first. */
  preferred?: boolean;
}

export type Severity = "error" | "warning" | "information";

export interface Finding extends Range {
  /** A code from the README's diagnostics table (`unhashed-constant`, `stale-cache`, …). */
  code: string;
  severity: Severity;
  /** Full name of the task concerned. */
  task: string;
  message: string;
  fixes: QuickFix[];
}

/** The diagnostics' codes (README, Diagnostics): the same for every dialect, with a dialect's own meaning. */
export type DiagnosticCode =
  | "unhashed-constant"
  | "unhashed-function"
  | "unhashed-import"
  | "package-import"
  | "mutable-state"
  | "nondeterministic"
  | "external-input"
  | "version-pinned-edit"
  | "stale-cache"
  /** redun's own: an edit that changes only comments or blank lines, which redun's raw-text hash reruns for. */
  | "cosmetic-edit-reruns"
  /** redun's own: what redun rejects when it imports the file. */
  | "redun-invalid"
  /** Code nested too deep to analyse: what was skipped is said, the rest of the file keeps its findings. */
  | "analysis-skipped";

export const SEVERITY: Record<DiagnosticCode, Severity> = {
  "unhashed-constant": "warning",
  "unhashed-function": "warning",
  "unhashed-import": "warning",
  "package-import": "information",
  "mutable-state": "warning",
  nondeterministic: "warning",
  "external-input": "warning",
  "version-pinned-edit": "information",
  "stale-cache": "warning",
  "cosmetic-edit-reruns": "information",
  "redun-invalid": "error",
  "analysis-skipped": "information",
};

export interface SyntaxProblem {
  start: number;
  line: number;
  col: number;
  message: string;
}

/** Applies non-overlapping edits to a text (last first, so earlier offsets stay valid). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
