// A document kept parsed across edits: each new text is applied to the previous syntax tree with
// ts.updateSourceFile (incremental reparse of the changed region), then analysed.
import ts from "typescript";
import { analyzeSourceFile, FileAnalysis, parseSource } from "./file";

/** The changed span between two texts: common prefix and suffix trimmed. */
export function changeRange(before: string, after: string): ts.TextChangeRange {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return ts.createTextChangeRange(ts.createTextSpan(start, endBefore - start), endAfter - start);
}

export class AnalyzedDocument {
  private sourceFile: ts.SourceFile;
  private current: FileAnalysis | undefined;

  constructor(readonly fileName: string, text: string) {
    this.sourceFile = parseSource(fileName, text);
  }

  get text(): string {
    return this.sourceFile.text;
  }

  update(text: string): void {
    if (text === this.sourceFile.text) return;
    this.sourceFile = ts.updateSourceFile(this.sourceFile, text, changeRange(this.sourceFile.text, text));
    this.current = undefined;
  }

  get analysis(): FileAnalysis {
    return (this.current ??= analyzeSourceFile(this.sourceFile));
  }
}
