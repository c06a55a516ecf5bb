// The line a failed run raised at, marked with a `last-run-failed` diagnostic until the next
// successful run of the same file.
import * as vscode from "vscode";
import type { Failure } from "../core/runLog";

export class FailureMarks implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection("tasklens runs");
  /** For each workflow file run, the files its last failure marked. */
  private readonly marked = new Map<string, vscode.Uri[]>();

  mark(runFile: string, failure: Failure): void {
    this.clear(runFile);
    if (!failure.location) return;
    const uri = vscode.Uri.file(failure.location.file);
    const line = failure.location.line - 1;
    const text = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath)?.lineAt(line).text;
    const indent = text ? text.length - text.trimStart().length : 0;
    const diagnostic = new vscode.Diagnostic(new vscode.Range(line, indent, line, text?.length ?? 1000), `${failure.call} failed: ${failure.error}`, vscode.DiagnosticSeverity.Error);
    diagnostic.source = "tasklens";
    diagnostic.code = "last-run-failed";
    this.diagnostics.set(uri, [...(this.diagnostics.get(uri) ?? []), diagnostic]);
    this.marked.set(runFile, [uri]);
  }

  /** Clears what the last failed run of this file marked (it succeeded since). */
  clear(runFile: string): void {
    for (const uri of this.marked.get(runFile) ?? []) this.diagnostics.delete(uri);
    this.marked.delete(runFile);
  }

  dispose(): void {
    this.diagnostics.dispose();
  }
}
