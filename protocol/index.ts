// Names shared by the language server and the VS Code client. No imports: both sides can use it.

/** Commands the server's CodeLenses carry; the client registers them. Arguments are JSON only. */
export const Commands = {
  runTask: "tasklens.runTask",
  runTaskWithoutCache: "tasklens.runTaskWithoutCache",
  explainTask: "tasklens.explainTask",
} as const;

/** A task a lens points at: everything a client needs to run it, as plain JSON. */
export interface TaskRef {
  file: string;
  task: string;
}

/** Custom request: how many tasks of a file are stale or will rerun (the client's status bar). */
export const FileStatusRequest = "tasklens/fileStatus";
export interface FileStatusParams {
  uri: string;
}
export interface FileStatusResult {
  stale: number;
  willRerun: number;
  tasks: number;
}

/** Custom request: `tasklens explain` for one task of an open document, in words. */
export const ExplainRequest = "tasklens/explain";
export interface ExplainParams {
  uri: string;
  task: string;
}

/** What the client passes in `initialize`. */
export interface InitializationOptions {
  /** The `tasklens.db` setting of each workspace folder that sets it, as absolute paths. */
  storeOverrides?: StoreOverride[];
}
export interface StoreOverride {
  folder: string;
  db: string;
}

/** How long the server waits after an edit before analysing (the latest text always wins). */
export const DEBOUNCE_MS = 30;
