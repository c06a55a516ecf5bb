// Reading a run's log as `tasklens run` prints it (its own lines, and redun's under `[redun]`): the
// failure it reports and the source locations it names. The editor uses it to say which job failed
// and why, to mark the failing line and to make locations links.
import * as path from "node:path";

export interface Failure {
  /** `boom(n=1)`: the innermost failed job's call. */
  call: string;
  /** `Error: boom`. */
  error: string;
  location?: SourceLocation;
}

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
}

const PREFIX = /^\[(?:tasklens|redun)\] ?/;
const FAILED_JOB = /\*\*\* (?:Failed|Reject) Job [0-9a-f]+: +(.+?):?$/;
const TRACEBACK = /Traceback \(most recent (?:job|task) last\)/;
/** `File "/w/x.py", line 8, in boom` (Python). */
const PYTHON_FRAME = /^\s+File "([^"]+)", line (\d+)/;
/** `at fn (/w/x.ts:4:20)` or `at /w/x.ts:4:20` (V8). */
const V8_FRAME = /^\s+at (?:.*\()?((?:\/|[A-Za-z]:[\\/]|file:\/\/)[^()]+?):(\d+):\d+\)?$/;
/** Frames of the engine or a package, not of the workflow. */
const NOT_WORKFLOW = /[\\/](node_modules|dist[\\/]extension|site-packages)[\\/]|^node:/;

/** The last failure a run's log reports (undefined: it reports none). `cwd` resolves relative paths. */
export function lastFailure(log: string, cwd: string): Failure | undefined {
  const lines = log.split("\n").filter((l) => PREFIX.test(l)).map((l) => l.replace(PREFIX, ""));
  const call = lines.map((l) => FAILED_JOB.exec(l)?.[1]).find((c) => c !== undefined);
  const start = lines.length - 1 - [...lines].reverse().findIndex((l) => TRACEBACK.test(l));
  if (call === undefined || start >= lines.length) return undefined;
  const errorAt = lines.findIndex((l, i) => i > start && l.trim() !== "" && !/^\s/.test(l));
  const error = errorAt >= 0 ? lines[errorAt].trim() : "failed";
  // Python prints the innermost frame last, before the error; V8 prints it first, after the error.
  const frames = (from: string[], pattern: RegExp) => from.map((l) => pattern.exec(l)).filter((m) => m !== null);
  const pythonFrames = frames(lines.slice(start + 1, errorAt >= 0 ? errorAt : undefined), PYTHON_FRAME);
  const v8Frames = errorAt >= 0 ? frames(lines.slice(errorAt + 1), V8_FRAME) : [];
  const frame = [...pythonFrames.reverse(), ...v8Frames].find((m) => !NOT_WORKFLOW.test(m[1]));
  const location = frame ? { file: path.resolve(cwd, frame[1].replace(/^file:\/\//, "")), line: Number(frame[2]) } : undefined;
  return { call, error, location };
}

/** A location named in a line of a log, and where it sits in the line. */
export interface FoundLocation extends SourceLocation {
  start: number;
  end: number;
}

const PYTHON_LOCATION = /File "([^"]+)", line (\d+)/g;
const SOURCE_LOCATION = /((?:[A-Za-z]:)?[\w.@~\\/-]*[\w-]\.(?:[cm]?[tj]sx?|py)):(\d+)(?::\d+)?/g;

/** `wf.ts:8`, `/w/wf.ts:4:20`, `File "/w/x.py", line 8`: as written (relative paths stay relative). */
export function locationsIn(line: string): FoundLocation[] {
  const found: FoundLocation[] = [];
  for (const m of line.matchAll(PYTHON_LOCATION)) found.push({ start: m.index!, end: m.index! + m[0].length, file: m[1], line: Number(m[2]) });
  for (const m of line.matchAll(SOURCE_LOCATION)) {
    if (found.some((f) => m.index! >= f.start && m.index! < f.end)) continue;
    found.push({ start: m.index!, end: m.index! + m[0].length, file: m[1], line: Number(m[2]) });
  }
  return found;
}
