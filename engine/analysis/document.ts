// A document kept parsed across edits: each new text is applied to the previous syntax tree with
// ts.updateSourceFile (incremental reparse of the changed region), then analysed.
import ts from "typescript";
import { analyzeBounded, BoundedAnalysis, parseBounded } from "./depth";

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
  private sourceFile!: ts.SourceFile;
  private currentText!: string;
  /** Regions the parser could not take (nested too deep), blanked in `sourceFile`. */
  private skipped: Array<{ start: number; end: number }> = [];
  private current: BoundedAnalysis | undefined;

  constructor(readonly fileName: string, text: string) {
    this.parse(text);
  }

  get text(): string {
    return this.currentText;
  }

  private parse(text: string): void {
    ({ sourceFile: this.sourceFile, skipped: this.skipped } = parseBounded(this.fileName, text));
    this.currentText = text;
  }

  update(text: string): void {
    if (text === this.currentText) return;
    this.current = undefined;
    if (this.skipped.length) return this.parse(text); // the tree holds a blanked text: no incremental step from it
    try {
      this.sourceFile = ts.updateSourceFile(this.sourceFile, text, changeRange(this.sourceFile.text, text));
      this.currentText = text;
    } catch {
      // A failed incremental step leaves the old tree unusable for the next one: parse afresh.
      this.parse(text);
    }
  }

  get analysis(): BoundedAnalysis {
    return (this.current ??= analyzeBounded(this.sourceFile, this.currentText, this.skipped));
  }
}
