// The extension's settings as the runner, the Jobs view and the language server need them.
import * as path from "node:path";
import * as vscode from "vscode";
import type { StoreOverride } from "../protocol";

/** The `tasklens.db` setting for a file or folder, as an absolute path (relative to its workspace folder), or a PostgreSQL URL. */
export function storeOverride(resource: vscode.Uri): string | undefined {
  const db = vscode.workspace.getConfiguration("tasklens", resource).get<string>("db");
  if (!db) return undefined;
  // A PostgreSQL store is a URL, not a path.
  if (/^postgres(ql)?(\+\w+)?:\/\//i.test(db)) return db;
  const folder = vscode.workspace.getWorkspaceFolder(resource)?.uri.fsPath ?? path.dirname(resource.fsPath);
  return path.resolve(folder, db);
}

/** The setting of every workspace folder that sets it, for the language server. */
export function storeOverrides(): StoreOverride[] {
  return (vscode.workspace.workspaceFolders ?? []).flatMap((folder) => {
    const db = storeOverride(folder.uri);
    return db ? [{ folder: folder.uri.fsPath, db }] : [];
  });
}
