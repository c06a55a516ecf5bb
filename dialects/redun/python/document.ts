// A Python module kept analysed across edits (what a language-server document holds). An edit
// rescans only the chunks around it: scanning restarts at a chunk start before the edit and stops
// at the first chunk that starts where an old chunk started in the unchanged text after it — from
// there the old chunks are the same (a chunk's scan depends on its own text). Functions' sources
// are memoised per chunk. The module's statements then run top to bottom again, cheaply, so the
// result always equals `discoverTasks` on the same text.
import { analyseModule, type DiscoveredModule } from "../hash/discover";
import { funcSource, type FuncSource } from "../hash/source";
import { readLines } from "./linecache";
import { mergeStart, scanChunks, type Chunk } from "./module";
import type { Token } from "./tokenize";

export class PythonDocument {
  private textNow: string;
  private lines: string[];
  private chunks: Chunk[];
  private analysed: DiscoveredModule | undefined;
  /** Per chunk: sources by first line relative to the chunk's start (a reused chunk keeps its map). */
  private sources = new WeakMap<Chunk, Map<number, FuncSource>>();

  constructor(
    text: string,
    readonly moduleName: string,
  ) {
    this.textNow = text;
    this.lines = readLines(text);
    this.chunks = [...scanChunks(this.lines)];
  }

  get text(): string {
    return this.textNow;
  }

  /** Replaces the whole text; unchanged chunks are reused. */
  update(text: string): void {
    if (text === this.textNow) return;
    const lines = readLines(text);
    this.chunks = rescan(this.lines, this.chunks, lines, this.sources);
    this.lines = lines;
    this.textNow = text;
    this.analysed = undefined;
  }

  /** The module's tasks and syntax errors, as `discoverTasks(text, { moduleName })` gives them. */
  get module(): DiscoveredModule {
    this.analysed ??= analyseModule({ text: this.textNow, lines: this.lines, chunks: this.chunks, sourceOf: (chunk, firstLine) => this.sourceOf(chunk, firstLine) }, { moduleName: this.moduleName });
    return this.analysed;
  }

  private sourceOf(chunk: Chunk, firstLine: number): FuncSource {
    let memo = this.sources.get(chunk);
    if (!memo) this.sources.set(chunk, (memo = new Map()));
    const known = memo.get(firstLine - chunk.start);
    if (known) return shiftSource(known, chunk.start);
    const got = funcSource(this.lines, firstLine, chunk.end);
    memo.set(firstLine - chunk.start, shiftSource(got, -chunk.start));
    return got;
  }
}

/** The chunks of `lines`, reusing those of `oldLines` that lie in the unchanged text after the edit. */
function rescan(oldLines: readonly string[], old: readonly Chunk[], lines: readonly string[], sources: WeakMap<Chunk, Map<number, FuncSource>>): Chunk[] {
  const max = Math.min(oldLines.length, lines.length);
  let prefix = 0;
  while (prefix < max && oldLines[prefix] === lines[prefix]) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && oldLines[oldLines.length - 1 - suffix] === lines[lines.length - 1 - suffix]) suffix++;
  const delta = lines.length - oldLines.length;
  // Restart at the first chunk that read the edited lines, or before it where an error there may take chunks in.
  const first = old.findIndex((c) => c.reach >= prefix);
  const i = mergeStart(old, first < 0 ? old.length : first);
  const out = old.slice(0, i);
  const oldStarts = new Map(old.map((c, at) => [c.start, at]));
  const stable = lines.length - suffix;
  for (const chunk of scanChunks(lines, old[i]?.start ?? old[old.length - 1]?.start ?? 0)) {
    const at = chunk.start >= stable ? oldStarts.get(chunk.start - delta) : undefined;
    if (at !== undefined) {
      for (const c of old.slice(at)) out.push(shiftChunk(c, delta, sources));
      return out;
    }
    out.push(chunk);
  }
  return out;
}

function shiftChunk(chunk: Chunk, delta: number, sources: WeakMap<Chunk, Map<number, FuncSource>>): Chunk {
  if (delta === 0) return chunk;
  const shift = (t: Token): Token => ({ ...t, start: [t.start[0] + delta, t.start[1]], end: [t.end[0] + delta, t.end[1]] });
  const moved: Chunk = {
    ...chunk,
    start: chunk.start + delta,
    end: chunk.end + delta,
    reach: chunk.reach + delta,
    statements: chunk.statements.map((st) => ({ ...st, line: st.line + delta, tokens: st.tokens.map(shift) })),
    ...(chunk.error ? { error: { ...chunk.error, line: chunk.error.line + delta } } : {}),
  };
  const memo = sources.get(chunk);
  if (memo) sources.set(moved, memo);
  return moved;
}

function shiftSource(s: FuncSource, delta: number): FuncSource {
  return { ...s, start: s.start + delta, end: s.end + delta };
}
