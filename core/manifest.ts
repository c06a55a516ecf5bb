// A task as any dialect's static analysis sees it (its hash manifest), and what the store predicts
// for its next run. Language-neutral: tasklens's TypeScript tasks and redun's Python tasks alike.

export type DependencyKind = "const" | "let" | "function" | "class" | "import" | "package" | "task" | "global";

export interface ManifestDependency {
  name: string;
  kind: DependencyKind;
  /** Whether the task hash covers it. */
  hashed: boolean;
  /** Fingerprint of its current definition (compared with the one recorded at run time). */
  fingerprint?: string;
  /** Read only by parameter defaults: it reaches the task as an argument, not through its hash. */
  asArgument: boolean;
}

/** The parts a task hash is composed of, where a dialect has them (to say which one changed). */
export interface HashParts {
  version?: string;
  cacheVersion?: number;
  includesHash?: string;
  closure?: string;
}

export interface TaskManifest {
  /** Which dialect defined it (`tasklens`, `redun`). */
  dialect: string;
  fullName: string;
  /** The task hash the next run will use, or null when it depends on run-time values. */
  taskHash: string | null;
  /** Why taskHash is null. */
  unknownHash?: string;
  /** Whether results are reused at all (`cache: false` reruns every call). */
  cached: boolean;
  /** The source text as the dialect shows it (for diffs against the stored source). */
  source: string;
  /** Equality key of the source as the hash sees it (normalized for tasklens, raw for redun). */
  sourceKey: string;
  version?: string;
  hashMode?: "source" | "closure";
  parts: HashParts;
  /** What the hash covers, in words, for a hover. */
  hashedWords: string[];
  dependencies: ManifestDependency[];
}

export type PredictedStatus = "never-run" | "cached" | "will-rerun" | "may-rerun" | "stale";

export type ReasonKind =
  | "source-changed"
  | "version-pinned"
  | "cache-version-changed"
  | "include-changed"
  | "closure-changed"
  | "unhashed-dependency-changed"
  | "input-changed"
  | "args-changed"
  | "no-cache"
  | "no-result"
  | "unknown-dependencies";

export interface Reason {
  kind: ReasonKind;
  detail: string;
}

export interface LastRun {
  at: number;
  durationMs: number | null;
  jobId: string;
  status: string;
  /** The error of a failed last run, in one line. */
  error?: string;
}

export interface Prediction {
  task: string;
  taskHash: string | null;
  status: PredictedStatus;
  reasons: Reason[];
  dependencies: Array<{ name: string; kind: DependencyKind; hashed: boolean }>;
  /** The `version` that pins the task (its body is then not hashed). */
  version?: string;
  /** When the result the next run would reuse (or the last run) was computed. */
  lastRun?: LastRun;
  /** Names of unhashed dependencies that changed since the cached run (for short messages). */
  changed: string[];
}
