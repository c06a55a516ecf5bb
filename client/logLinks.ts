// Links in run logs (the output channel, job details): `wf.ts:8`, `/w/wf.ts:4:20` (V8 frames) and
// `File "/w/x.py", line 8` (Python frames) open the file at the line. Relative paths are tried
// against each workspace folder (runs start there).
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { locationsIn } from "../core/runLog";

function resolve(file: string): string | undefined {
  if (path.isAbsolute(file)) return fs.existsSync(file) ? file : undefined;
  return (vscode.workspace.workspaceFolders ?? []).map((f) => path.join(f.uri.fsPath, file)).find((p) => fs.existsSync(p));
}

export const logLinkProvider: vscode.DocumentLinkProvider = {
  provideDocumentLinks(document) {
    const links: vscode.DocumentLink[] = [];
    for (let i = 0; i < document.lineCount; i++) {
      for (const found of locationsIn(document.lineAt(i).text)) {
        const file = resolve(found.file);
        if (!file) continue;
        const link = new vscode.DocumentLink(new vscode.Range(i, found.start, i, found.end), vscode.Uri.file(file).with({ fragment: `L${found.line}` }));
        link.tooltip = `Open ${path.basename(file)} at line ${found.line}`;
        links.push(link);
      }
    }
    return links;
  },
};
