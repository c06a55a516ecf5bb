// What a module binds its top-level names to, as far as a task's cache key cares: a constant (any
// other assignment), a plain function, a task, a class, or an import (from project code or a package).
// The last binding in the file wins: it is the one a task sees when it runs.
import type { RedunTask } from "../hash/discover";
import { readLines } from "../python/linecache";
import { scanModule, type Statement } from "../python/module";
import { Tok, type Token } from "../python/tokenize";
import { readStatement } from "./syntax";

interface Bound {
  name: string;
  /** The token that binds it, and the 0-based index of its statement. */
  tok: Token;
  statement: number;
}

export type ModuleBinding = Bound &
  (
    | { kind: "constant" }
    | { kind: "function" }
    | { kind: "task"; task: RedunTask }
    | { kind: "class" }
    /** `qualified`: the dotted name it stands for (`import numpy as np` → numpy; `from os import path` → os.path). */
    | { kind: "import"; qualified: string; project: boolean; from: boolean }
  );

export interface ModuleIndex {
  statements: Statement[];
  bindings: Map<string, ModuleBinding>;
  /** Names a function rebinds with `global X`, with that function's name. */
  rebound: Map<string, string>;
  /** Each task's `def` statement and its `@task` decorator statement, by index. */
  taskStatements: Map<RedunTask, { def: number; decorator?: number }>;
}

/** The qualified names redun's task decorator goes by. */
const TASK_DECORATORS = new Set(["redun.task", "redun.task.task"]);

/**
 * @param isProjectModule whether a top-level module name is project code (a sibling module file).
 */
export function indexModule(text: string, tasks: readonly RedunTask[], isProjectModule: (name: string) => boolean): ModuleIndex {
  const { statements } = scanModule(readLines(text));
  const bindings = new Map<string, ModuleBinding>();
  const rebound = new Map<string, string>();
  const taskStatements = new Map<RedunTask, { def: number; decorator?: number }>();
  let decorators: number[] = [];
  const taskAt = new Map(tasks.map((t) => [t.defLine, t]));

  statements.forEach((st, index) => {
    const toks = st.tokens;
    if (toks[0].string === "global") {
      const fn = [...st.blocks].reverse().find((b) => b.kind === "function");
      for (const t of readStatement(toks).globals) rebound.set(t.string, fn?.name ?? "a function");
    }
    // Tasks may be methods: a class body's decorators and defs are followed, its names not bound.
    if (st.blocks.some((b) => b.kind === "function")) return;
    const inClass = st.blocks.some((b) => b.kind === "class");
    const facts = readStatement(toks);
    const head = toks[0].string === "async" ? toks[1]?.string : toks[0].string;
    const bind = (tok: Token, rest: DistributiveOmit<ModuleBinding, keyof Bound>) => {
      if (!inClass) bindings.set(tok.string, { name: tok.string, tok, statement: index, ...rest } as ModuleBinding);
    };

    if (head === "@") {
      decorators.push(index);
      return;
    }
    const decorated = decorators;
    decorators = [];
    if (head === "def" && facts.binds[0]) {
      const task = taskAt.get(toks[0].start[0]);
      if (task) {
        const decorator = decorated.find((d) => TASK_DECORATORS.has(qualifiedHead(statements[d].tokens.slice(1), bindings) ?? ""));
        taskStatements.set(task, { def: index, ...(decorator !== undefined ? { decorator } : {}) });
        bind(facts.binds[0], { kind: "task", task });
      } else bind(facts.binds[0], { kind: "function" });
    } else if (head === "class" && facts.binds[0]) bind(facts.binds[0], { kind: "class" });
    else if (head === "import") {
      for (const { tok, qualified } of importedNames(toks)) bind(tok, { kind: "import", qualified, project: isProjectModule(qualified.split(".")[0]), from: false });
    } else if (head === "from") {
      const importAt = toks.findIndex((t) => t.type === Tok.NAME && t.string === "import");
      const module = toks
        .slice(1, importAt)
        .map((t) => t.string)
        .join("");
      const relative = module.startsWith(".");
      for (const tok of facts.binds) {
        const original = originalName(toks, tok);
        const qualified = relative ? `${module}${module.endsWith(".") ? "" : "."}${original}` : `${module}.${original}`;
        bind(tok, { kind: "import", qualified, project: relative || isProjectModule(module.split(".")[0]), from: true });
      }
    } else {
      // `if DEBUG: LEVEL = 2` binds on the header's line.
      for (const tok of [...facts.binds, ...(facts.inline?.binds ?? [])]) bind(tok, { kind: "constant" });
    }
  });
  return { statements, bindings, rebound, taskStatements };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** `import a.b.c` binds a (standing for a); `import a.b as c` binds c (standing for a.b). */
function importedNames(toks: readonly Token[]): { tok: Token; qualified: string }[] {
  const out: { tok: Token; qualified: string }[] = [];
  let dotted: Token[] = [];
  let alias: Token | undefined;
  let afterAs = false;
  const flush = () => {
    if (dotted.length) out.push(alias ? { tok: alias, qualified: dotted.map((t) => t.string).join(".") } : { tok: dotted[0], qualified: dotted[0].string });
    dotted = [];
    alias = undefined;
    afterAs = false;
  };
  for (const t of toks.slice(1)) {
    if (t.string === "," || t.type === Tok.NEWLINE) flush();
    else if (t.string === "as") afterAs = true;
    else if (afterAs) alias = t;
    else if (t.type === Tok.NAME) dotted.push(t);
  }
  flush();
  return out;
}

/** In `from m import x as y`, the name y was imported as. */
function originalName(toks: readonly Token[], bound: Token): string {
  const i = toks.indexOf(bound);
  return toks[i - 1]?.string === "as" ? toks[i - 2].string : bound.string;
}

/** The qualified name of a dotted name at the head of `toks` (`redun.task`, an alias of it …). */
export function qualifiedHead(toks: readonly Token[], bindings: ReadonlyMap<string, ModuleBinding>): string | undefined {
  if (toks[0]?.type !== Tok.NAME) return undefined;
  const b = bindings.get(toks[0].string);
  const parts = [b?.kind === "import" ? b.qualified : toks[0].string];
  for (let i = 1; toks[i]?.string === "." && toks[i + 1]?.type === Tok.NAME; i += 2) parts.push(toks[i + 1].string);
  return parts.join(".");
}
