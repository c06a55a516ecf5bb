// What tasklens records of the redun runs it starts: the workflow text redun imported, keyed by the
// execution id tasklens chose (`--execution-id`). redun itself does not record the constants a task
// read; with the text, a cached result's unhashed dependencies can be compared exactly.
import path from "node:path";
import { writeFileAtomic } from "../../engine/fsutil";
import { readSmallText } from "../../engine/storeSafety";

export interface RunRecord {
  executionId: string;
  file: string;
  /** The text redun imported. */
  text: string;
}

/** Fingerprints of the module-level bindings in a recorded text (the dialect's analysis). */
export type Fingerprinter = (text: string) => Record<string, string>;

export class RunRecords {
  private readonly memo = new Map<string, RunRecord | null>();
  private readonly fingerprintMemo = new Map<string, Record<string, string>>();

  constructor(
    /** A folder of tasklens's own beside redun's store (never redun's database). */
    readonly dir: string,
    private readonly fingerprint: Fingerprinter,
  ) {}

  static besideStore(storeFile: string, fingerprint: Fingerprinter): RunRecords {
    return new RunRecords(path.join(path.dirname(storeFile), "tasklens-runs"), fingerprint);
  }

  private fileOf(executionId: string): string {
    if (!/^[\w-]+$/.test(executionId)) throw new Error(`not an execution id: ${executionId}`);
    return path.join(this.dir, `${executionId}.json`);
  }

  write(record: RunRecord): void {
    writeFileAtomic(this.fileOf(record.executionId), JSON.stringify(record));
    this.memo.set(record.executionId, record);
  }

  read(executionId: string): RunRecord | undefined {
    if (!/^[\w-]+$/.test(executionId)) return undefined;
    if (!this.memo.has(executionId)) {
      let record: RunRecord | null = null;
      try {
        const parsed = JSON.parse(readSmallText(this.fileOf(executionId)) ?? "null") as RunRecord;
        if (typeof parsed.text === "string" && typeof parsed.file === "string") record = parsed;
      } catch {
        // none recorded (a run started outside tasklens), or unreadable: unknown
      }
      this.memo.set(executionId, record);
    }
    return this.memo.get(executionId) ?? undefined;
  }

  /** The fingerprints of what a run read, or null when the run was not recorded (started elsewhere). */
  fingerprintsOf(executionId: string): Record<string, string> | null {
    const record = this.read(executionId);
    if (!record) return null;
    let known = this.fingerprintMemo.get(executionId);
    if (!known) this.fingerprintMemo.set(executionId, (known = this.fingerprint(record.text)));
    return known;
  }
}
