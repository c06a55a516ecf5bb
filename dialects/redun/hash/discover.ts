// The redun tasks of a Python module and their `Task.hash`, computed from the text the way importing
// the module with redun 0.46 computes them: statements run top to bottom, so `redun_namespace`,
// helper functions and constants are what they are when each decorator runs. Anything only known at
// run time gives `hash: null` with the reason — never a guess.
import { evaluate, ExprReader, type Arg, type Binding, type Expr } from "../python/expr";
import { readLines } from "../python/linecache";
import { PYTHON_KEYWORDS, scanModule, type Chunk, type ScanError, type Statement } from "../python/module";
import { IndentationError, Tok, TokenError, type Token } from "../python/tokenize";
import { ConstantPool, type PyValue } from "../python/values";
import { functionHash, taskHash, valueHash } from "./hash";
import { UnpicklableValue } from "./pickle";
import { funcSource, type FuncSource } from "./source";

export interface Position {
  /** 0-based line and UTF-16 column in the original text. */
  line: number;
  character: number;
  /** UTF-16 offset in the original text. */
  offset: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** An argument or default as written, with its value when it is a literal. */
export interface SourceValue {
  text: string;
  value?: PyValue;
}

export interface Parameter {
  name: string;
  /** The annotation as written (`str`, `List[int]`), if any. */
  annotation?: string;
  kind: "positional-only" | "positional" | "var-positional" | "keyword-only" | "var-keyword";
  default?: SourceValue;
}

export interface RedunTask {
  name: string | null;
  namespace: string | null;
  fullname: string | null;
  /** The Python name the function is bound to. */
  functionName: string;
  async: boolean;
  /** Range of the whole definition, first decorator to the block's last line (as inspect sees it). */
  range: Range;
  /** Range of the `def` keyword's line start … and the function name. */
  defLine: number;
  nameRange: Range;
  /** Enclosing class names (a method's class is not part of its redun name). */
  classes: string[];
  parameters: Parameter[];
  /** The `@task(...)` keyword arguments. */
  options: Record<string, SourceValue>;
  /** The text redun hashes (when no `version=`), or null when it cannot be taken. */
  source: string | null;
  hash: string | null;
  /** Why hash is null. */
  reason?: string;
  /** What redun rejects when it imports this definition. */
  errors: string[];
}

export interface DiscoverOptions {
  /** The module's `__name__`: the file's base name without `.py` when run as `redun run path/x.py`. */
  moduleName: string;
}

export interface DiscoveredModule {
  /** Whether the module imports redun's task decorator. */
  importsRedun: boolean;
  tasks: RedunTask[];
  /**
   * What keeps the file from importing (0-based line and column, CPython's wording), with the lines
   * the error leaves unread: the top-level statement around it up to where reading resumed. Tasks
   * there have no hash; names they may bind are unknown below them.
   */
  syntaxErrors: { line: number; col: number; message: string; region: { start: number; end: number } }[];
}

type Known<T> = { ok: true; value: T } | { ok: false; why: string };
type ModuleBinding =
  | { kind: "value"; value: PyValue; name: string }
  | { kind: "function"; hash: Known<string> }
  | { kind: "task"; task: RedunTask }
  | { kind: "unknown"; why: string };

const NAME_RE = /^[A-Za-z_][A-Za-z_0-9]*$/;
const NAMESPACE_RE = /^[A-Za-z_][A-Za-z_0-9.]*$/;

export function discoverTasks(text: string, options: DiscoverOptions): DiscoveredModule {
  const lines = readLines(text);
  return analyseModule({ text, lines, chunks: scanModule(lines).chunks }, options);
}

/**
 * The source of the function whose code starts at `firstLine` in `chunk`, as redun takes it: read
 * within the chunk, so it depends on the chunk's text only (what lets a document memoise it).
 */
export type SourceOf = (chunk: Chunk, firstLine: number) => FuncSource;

export interface ScannedText {
  text: string;
  /** `readLines(text)`. */
  lines: readonly string[];
  /** `scanModule(lines).chunks`, or the same chunks kept across edits. */
  chunks: readonly Chunk[];
  sourceOf?: SourceOf;
}

/** The tasks of a scanned module: its statements run top to bottom, as importing it would. */
export function analyseModule(scanned: ScannedText, options: DiscoverOptions): DiscoveredModule {
  const { text, lines, chunks } = scanned;
  const sourceOf: SourceOf = scanned.sourceOf ?? ((chunk, firstLine) => funcSource(lines, firstLine, chunk.end));
  let visiting: Chunk | undefined;
  const sourceAt = (firstLine: number): FuncSource => sourceOf(visiting!, firstLine);
  const statements = chunks.flatMap((c) => c.statements);
  const broken = chunks.filter((c) => c.error).map((c) => ({ chunk: c, text: lines.slice(c.start, c.end).join("") }));
  const positions = positionMapper(text);
  const pool = new ConstantPool();
  const tasks: RedunTask[] = [];
  const moduleEnv = new Map<string, ModuleBinding>();
  const classEnvs = new Map<object, Map<string, ModuleBinding>>();
  const taskNames = new Set<string>();
  const redunModules = new Set<string>();
  const namespaceFns = new Set<string>();
  // Names bound to `task(...)`: a decorator whose options are set elsewhere.
  const configuredTaskNames = new Map<string, string>();
  let processNamespace: Known<string> = { ok: true, value: "" };
  let decorators: Statement[] = [];
  // A broken chunk with decorators: the next def may be decorated (by a task decorator at taskLine).
  let afterBroken: { error: ScanError; taskLine?: number } | undefined;
  const rebindable = globalNames(statements, broken.map((b) => b.text));
  const readOnlyInDecorators = new Map<string, boolean>();

  const bindingOf = (name: string, classEnv: Map<string, ModuleBinding> | undefined): ModuleBinding | undefined => {
    const b = classEnv?.get(name) ?? moduleEnv.get(name);
    if (b && rebindable.has(name)) return { kind: "unknown", why: `'${name}' is reassigned by a function (global ${name})` };
    return b;
  };
  const valueLookup =
    (classEnv: Map<string, ModuleBinding> | undefined) =>
    (name: string): Binding | undefined => {
      const b = bindingOf(name, classEnv);
      if (!b) return undefined;
      if (b.kind === "value") {
        if (isMutable(b.value) && !cached(readOnlyInDecorators, name, () => onlyReadInDecorators(name, statements, broken.map((x) => x.text)))) return { kind: "unknown", why: `'${name}' is a mutable value the module may change before it is hashed` };
        return { kind: "value", value: b.value };
      }
      if (b.kind === "unknown") return b;
      return { kind: "unknown", why: `'${name}' is a ${b.kind === "task" ? "task" : "function"} inside a value` };
    };
  /** Whether `e` (without a call) is redun's `task`: a name it was imported as, or `redun.task`. */
  const isTaskFunction = (f: Expr): boolean => {
    if (f.kind === "name") return taskNames.has(f.id);
    return f.kind === "attr" && f.attr === "task" && f.object.kind === "name" && redunModules.has(f.object.id);
  };
  const isTaskDecorator = (e: Expr): boolean => isTaskFunction(e.kind === "call" ? e.func : e) || (e.kind === "name" && configuredTaskNames.has(e.id));
  /** What a broken chunk leaves unknown for the statements after it. */
  const passBroken = (chunk: Chunk, text: string): void => {
    const why = (name: string) => `'${name}' may be bound by the unfinished code at line ${chunk.error!.line + 1}`;
    for (const name of namesBoundIn(text)) {
      moduleEnv.set(name, { kind: "unknown", why: why(name) });
      for (const names of [taskNames, redunModules, namespaceFns, configuredTaskNames]) names.delete(name);
    }
    if (/\bnamespace\s*\(/.test(text)) processNamespace = { ok: false, why: `the unfinished code at line ${chunk.error!.line + 1} may call redun.namespace()` };
    decorators = [];
    // Decorated definitions at column 0: a task decorator's function is shown, unhashed. The def right
    // after the chunk may be decorated once the text is finished: a task when a task decorator is
    // left without its def, else of unknown kind.
    let decorator: { task: boolean; line: number } | undefined;
    let decorated = false;
    text.split("\n").forEach((line, i) => {
      const deco = /^@[ \t]*([A-Za-z_][\w.]*)/.exec(line);
      const def = DEF_LINE.exec(line);
      if (deco) {
        decorator ??= { task: isTaskFunction(dottedName(deco[1])), line: chunk.start + i };
        decorated = true;
      }
      else if (def && decorator) {
        if (decorator.task) tasks.push(unfinishedTask(chunk.error!, { start: decorator.line, end: Math.max(chunk.start, chunk.end - 1) }, def[2], !!def[1], chunk.start + i, line.indexOf(def[2], def[0].length - def[2].length), lines, positions));
        decorator = undefined;
      } else if (/^[A-Za-z_]/.test(line)) decorator = undefined;
    });
    if (decorated) afterBroken = { error: chunk.error!, taskLine: decorator?.task ? decorator.line : undefined };
  };
  const callsNamespace = (tokens: Token[]): boolean =>
    tokens.some(
      (t, i) =>
        t.type === Tok.NAME &&
        tokens[i + 1]?.string === "(" &&
        ((namespaceFns.has(t.string) && tokens[i - 1]?.string !== ".") ||
          (t.string === "namespace" && tokens[i - 1]?.string === "." && redunModules.has(tokens[i - 2]?.string ?? ""))),
    );

  const visit = (st: Statement): void => {
    if (st.blocks.some((b) => b.kind === "function")) return;
    const classBlock = [...st.blocks].reverse().find((b) => b.kind === "class");
    let env = moduleEnv;
    if (st.blocks.length > 0 && st.blocks[st.blocks.length - 1].kind === "class") {
      env = classEnvs.get(st.blocks[st.blocks.length - 1]) ?? new Map();
      classEnvs.set(st.blocks[st.blocks.length - 1], env);
    }
    // A statement inside if/try/for … at module level may or may not run.
    const conditional = st.blocks.length > 0 && st.blocks[st.blocks.length - 1].kind === "other";
    const bind = (name: string, b: ModuleBinding) => env.set(name, conditional ? { kind: "unknown", why: `'${name}' is bound conditionally` } : b);
    const toks = st.tokens;
    const first = toks[0].string;
    if (callsNamespace(toks)) processNamespace = { ok: false, why: "redun.namespace() sets the namespace at run time" };

    if (first === "@") {
      decorators.push(st);
      return;
    }
    const isAsync = first === "async" && toks[1]?.string === "def";
    // The decorators of a broken chunk apply to the next definition.
    const unfinished = afterBroken;
    if (st.blocks.length === 0 && (first === "def" || isAsync)) afterBroken = undefined;
    if (first === "def" || isAsync) {
      const nameTok = toks[isAsync ? 2 : 1];
      const decoStatements = decorators;
      decorators = [];
      if (!nameTok || nameTok.type !== Tok.NAME) return;
      if (unfinished && st.blocks.length === 0 && decoStatements.length === 0) {
        const end = tryKnown(() => sourceAt(st.line));
        if (unfinished.taskLine !== undefined) tasks.push(unfinishedTask(unfinished.error, { start: unfinished.taskLine, end: end.ok ? Math.max(end.value.start, end.value.end - 1) : st.line }, nameTok.string, isAsync, st.line, nameTok.start[1], lines, positions));
        bind(nameTok.string, { kind: "unknown", why: `'${nameTok.string}' may be decorated by the unfinished code at line ${unfinished.error.line + 1}` });
        return;
      }
      const startLine = decoStatements.length > 0 ? decoStatements[0].line : st.line;
      const decoExprs = decoStatements.map((d) => new ExprReader(d.tokens).expr(1));
      const taskAt = decoExprs.findIndex(isTaskDecorator);
      if (taskAt < 0) {
        bind(nameTok.string, decoStatements.length > 0 ? { kind: "unknown", why: `'${nameTok.string}' is wrapped by a decorator` } : { kind: "function", hash: plainFunctionHash(sourceAt, startLine, nameTok.string, options.moduleName) });
        return;
      }
      const task = buildTask({
        lines,
        positions,
        startLine,
        def: st,
        nameTok,
        isAsync,
        deco: decoExprs[taskAt],
        decoTokens: decoStatements[taskAt].tokens,
        below: decoExprs.length - 1 - taskAt,
        configured: decoExprs[taskAt].kind === "name" ? configuredTaskNames.get((decoExprs[taskAt] as { id: string }).id) : undefined,
        sourceAt,
        classes: st.blocks.filter((b) => b.kind === "class").map((b) => b.name ?? ""),
        conditional,
        resolveNamespace: (): Known<string> => {
          const b = bindingOf("redun_namespace", undefined);
          if (!b) return processNamespace;
          if (b.kind === "unknown") return { ok: false, why: b.why };
          if (b.kind !== "value") return { ok: false, why: "redun_namespace is not a string" };
          if (b.value.t === "None") return processNamespace;
          if (b.value.t === "str") return { ok: true, value: b.value.v };
          return { ok: false, why: "redun_namespace is not a string" };
        },
        lookup: valueLookup(classBlock ? classEnvs.get(classBlock) : undefined),
        includeItem: (e: Expr): Known<string> => includeHash(e, (n) => bindingOf(n, classBlock ? classEnvs.get(classBlock) : undefined), valueLookup(classBlock ? classEnvs.get(classBlock) : undefined), pool),
        pool,
      });
      tasks.push(task);
      bind(nameTok.string, taskAt === 0 ? { kind: "task", task } : { kind: "unknown", why: `'${nameTok.string}' is wrapped by another decorator` });
      return;
    }
    decorators = [];
    if (first === "class") {
      if (toks[1]?.type === Tok.NAME) bind(toks[1].string, { kind: "unknown", why: `'${toks[1].string}' is a class` });
      return;
    }
    if (first === "import") {
      for (const { module, alias } of importNames(toks.slice(1))) {
        const bound = alias ?? module.split(".")[0];
        if (!alias && module.split(".")[0] === "redun") redunModules.add("redun");
        else if (module === "redun") redunModules.add(bound);
        else redunModules.delete(bound);
        taskNames.delete(bound);
        bind(bound, { kind: "unknown", why: `'${bound}' is imported` });
      }
      return;
    }
    if (first === "from") {
      const importAt = toks.findIndex((t) => t.string === "import");
      const module = toks
        .slice(1, importAt)
        .map((t) => t.string)
        .join("");
      for (const { module: name, alias } of importNames(toks.slice(importAt + 1))) {
        const bound = alias ?? name;
        taskNames.delete(bound);
        namespaceFns.delete(bound);
        redunModules.delete(bound);
        if ((module === "redun" || module === "redun.task") && name === "task") taskNames.add(bound);
        else if ((module === "redun" || module === "redun.namespace") && name === "namespace") namespaceFns.add(bound);
        else if (name === "*" && module === "redun") {
          taskNames.add("task");
          namespaceFns.add("namespace");
        }
        bind(bound, { kind: "unknown", why: `'${bound}' is imported` });
      }
      return;
    }
    for (const [name, b] of assignments(toks, valueLookup(env === moduleEnv ? undefined : env), pool)) {
      bind(name, b);
      for (const names of [taskNames, redunModules, namespaceFns, configuredTaskNames]) names.delete(name);
    }
    // `t = task` (an alias) or `t = task(...)` (a decorator with options set here).
    if (env === moduleEnv && !conditional && toks[0].type === Tok.NAME && toks[1]?.string === "=") {
      const value = new ExprReader(toks).expr(2);
      if (toks[value.to]?.type !== Tok.NEWLINE) return;
      if (isTaskFunction(value)) taskNames.add(first);
      else if (value.kind === "call" && isTaskFunction(value.func)) configuredTaskNames.set(first, `the decorator '${first}' gets its options from task(...) at line ${st.line + 1}`);
    }
  };

  for (const chunk of chunks) {
    visiting = chunk;
    if (chunk.error) passBroken(chunk, lines.slice(chunk.start, chunk.end).join(""));
    else for (const st of chunk.statements) visit(st);
  }

  const importsRedun = taskNames.size > 0 || redunModules.size > 0 || tasks.length > 0;
  markDuplicates(tasks);
  const syntaxErrors = broken.map(({ chunk }) => ({ ...chunk.error!, region: { start: chunk.start, end: chunk.end } }));
  return { importsRedun, tasks, syntaxErrors };
}

/** Two tasks with one fullname: redun keeps the last silently; say so on the earlier ones. */
function markDuplicates(tasks: RedunTask[]): void {
  const last = new Map<string, RedunTask>();
  for (const t of tasks) if (t.fullname !== null) last.set(t.fullname, t);
  for (const t of tasks) {
    if (t.fullname !== null && last.get(t.fullname) !== t) t.errors.push(`a later task has the same full name '${t.fullname}' and replaces this one`);
  }
}

function plainFunctionHash(sourceAt: (firstLine: number) => FuncSource, startLine: number, name: string, moduleName: string): Known<string> {
  const got = tryKnown(() => sourceAt(startLine));
  return got.ok ? { ok: true, value: functionHash(moduleName, name, got.value.text) } : { ok: false, why: `the source of '${name}' does not end (${got.why})` };
}

/** map's value for key, computed once. */
function cached<K, V>(map: Map<K, V>, key: K, compute: () => V): V {
  if (!map.has(key)) map.set(key, compute());
  return map.get(key)!;
}

/** f's value, or the message of the tokenizer error it throws (a block that never ends). */
function tryKnown<T>(f: () => T): Known<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof TokenError || e instanceof IndentationError) return { ok: false, why: e.message };
    throw e;
  }
}

const DEF_LINE = /^(async[ \t]+)?def[ \t]+([A-Za-z_]\w*)/;

/** `a.b` as the expression it reads as. */
function dottedName(text: string): Expr {
  const parts = text.split(".");
  let e: Expr = { kind: "name", id: parts[0], from: 0, to: 1 };
  for (const attr of parts.slice(1)) e = { kind: "attr", object: e, attr, from: 0, to: 1 };
  return e;
}

/** A task whose definition a syntax error leaves unreadable: shown, never hashed. */
function unfinishedTask(
  error: ScanError,
  span: { start: number; end: number },
  functionName: string,
  isAsync: boolean,
  defLine: number,
  nameCol: number,
  lines: readonly string[],
  positions: (line: number, character: number) => Position,
): RedunTask {
  return {
    name: null,
    namespace: null,
    fullname: null,
    functionName,
    async: isAsync,
    range: { start: positions(span.start, 0), end: positions(span.end, Math.max(0, (lines[span.end] ?? "").length - 1)) },
    defLine,
    nameRange: { start: positions(defLine, nameCol), end: positions(defLine, nameCol + functionName.length) },
    classes: [],
    parameters: [],
    options: {},
    source: null,
    hash: null,
    reason: `the definition is unfinished: ${error.message} (line ${error.line + 1})`,
    errors: [],
  };
}

function includeHash(e: Expr, binding: (name: string) => ModuleBinding | undefined, lookup: (name: string) => Binding | undefined, pool: ConstantPool): Known<string> {
  if (e.kind === "name") {
    const b = binding(e.id);
    if (b?.kind === "function") return b.hash;
    if (b?.kind === "task") return b.task.hash !== null ? { ok: true, value: b.task.hash } : { ok: false, why: `task '${e.id}' has no known hash: ${b.task.reason}` };
  }
  const r = evaluate(e, lookup, pool);
  if (!r.ok) return { ok: false, why: r.why };
  try {
    return { ok: true, value: valueHash(r.value) };
  } catch (err) {
    if (err instanceof UnpicklableValue || err instanceof TypeError) return { ok: false, why: err.message };
    throw err;
  }
}

interface TaskInput {
  lines: readonly string[];
  positions: (line: number, character: number) => Position;
  startLine: number;
  def: Statement;
  nameTok: Token;
  isAsync: boolean;
  deco: Expr;
  decoTokens: Token[];
  below: number;
  classes: string[];
  conditional: boolean;
  /** Why the decorator's options are unknown (an alias of `task(...)`). */
  configured?: string;
  sourceAt: (firstLine: number) => FuncSource;
  resolveNamespace: () => Known<string>;
  lookup: (name: string) => Binding | undefined;
  includeItem: (e: Expr) => Known<string>;
  pool: ConstantPool;
}

function buildTask(input: TaskInput): RedunTask {
  const { lines, positions, def, nameTok, deco, decoTokens, lookup, pool } = input;
  const reasons: string[] = [];
  const errors: string[] = [];
  const text = (from: number, to: number, tokens: Token[]) => sourceText(lines, tokens, from, to);
  const options: Record<string, SourceValue> = {};
  const optionExprs = new Map<string, Expr>();
  if (deco.kind === "call") {
    for (const a of deco.args) {
      if (a.name === undefined) {
        reasons.push(a.star ? "options passed with * or ** are known at run time" : "a positional argument to task()");
        continue;
      }
      const r = evaluate(a.value, lookup, pool);
      options[a.name] = { text: text(a.value.from, a.value.to, decoTokens), ...(r.ok ? { value: r.value } : {}) };
      optionExprs.set(a.name, a.value);
    }
  }
  const literal = (key: string): Known<PyValue | undefined> => {
    const e = optionExprs.get(key);
    if (!e) return { ok: true, value: undefined };
    const r = evaluate(e, lookup, pool);
    return r.ok ? { ok: true, value: r.value.t === "None" ? undefined : r.value } : { ok: false, why: `${key}= is ${r.why}` };
  };

  // Name and namespace.
  const functionName = nameTok.string;
  let name: string | null = functionName;
  const nameOpt = literal("name");
  if (!nameOpt.ok) (reasons.push(nameOpt.why), (name = null));
  else if (nameOpt.value !== undefined) {
    // `name or func.__name__`: an empty or non-str name falls back or breaks.
    if (nameOpt.value.t === "str") name = nameOpt.value.v || functionName;
    else (reasons.push("name= is not a string"), (name = null));
  }
  let namespace: string | null;
  const nsOpt = literal("namespace");
  if (!nsOpt.ok) (reasons.push(nsOpt.why), (namespace = null));
  else if (nsOpt.value !== undefined) {
    namespace = nsOpt.value.t === "str" ? nsOpt.value.v : null;
    if (namespace === null) reasons.push("namespace= is not a string");
  } else {
    const ns = input.resolveNamespace();
    namespace = ns.ok ? ns.value : null;
    if (!ns.ok) reasons.push(ns.why);
  }
  const fullname = name !== null && namespace !== null ? (namespace ? `${namespace}.${name}` : name) : null;
  if (name !== null && !NAME_RE.test(name)) errors.push(`task name '${name}' must use only letters, digits and '_' and not start with a digit`);
  if (namespace && !NAMESPACE_RE.test(namespace)) errors.push(`task namespace '${namespace}' must use only letters, digits, '_' and '.' and start with a letter or '_'`);
  if (input.isAsync) {
    const cache = literal("cache");
    const checkValid = literal("check_valid");
    if (cache.ok && checkValid.ok && !optionExprs.has("cache_scope")) {
      if (cache.value === undefined && !optionExprs.has("cache")) errors.push(`async task '${fullname ?? functionName}' must set cache=False (or cache=True, check_valid="shallow")`);
      else if (cache.value && truthy(cache.value) && !(checkValid.value?.t === "str" && checkValid.value.v === "shallow"))
        errors.push(`async task '${fullname ?? functionName}' with cache=True needs check_valid="shallow"`);
    }
  }

  // Source, as inspect.getsource and redun's trim give it.
  let source: string | null = null;
  let blockEnd = def.line;
  const got = tryKnown(() => input.sourceAt(input.startLine));
  if (got.ok) {
    source = got.value.text;
    blockEnd = Math.max(got.value.start, got.value.end - 1);
  } else reasons.push(`the definition does not end: ${got.why}`);
  const sourceOpt = literal("source");
  let hashedSource = source;
  if (!sourceOpt.ok) reasons.push(sourceOpt.why);
  else if (sourceOpt.value?.t === "str" && sourceOpt.value.v) hashedSource = sourceOpt.value.v;
  else if (sourceOpt.value !== undefined && sourceOpt.value.t !== "str") reasons.push("source= is not a string");

  // version=, compat=, hash_includes=.
  let version: string | bigint | undefined;
  const versionOpt = literal("version");
  if (!versionOpt.ok) reasons.push(versionOpt.why);
  else if (versionOpt.value?.t === "str" || versionOpt.value?.t === "int") version = versionOpt.value.v;
  else if (versionOpt.value !== undefined) reasons.push(`version= of type ${versionOpt.value.t} cannot be hashed`);
  let compat: string | undefined;
  const compatOpt = literal("compat");
  if (!compatOpt.ok) reasons.push(compatOpt.why);
  else if (compatOpt.value !== undefined) {
    const v = compatOpt.value;
    const items: PyValue[] | undefined = v.t === "list" || v.t === "tuple" ? v.items : v.t === "str" ? [...v.v].map((c) => ({ t: "str", v: c })) : undefined;
    if (!items) reasons.push("compat= is not a list");
    else if (items.length > 0) {
      if (items[0].t === "str") compat = items[0].v;
      else reasons.push("compat=[…] starts with a non-string");
    }
  }
  const includes: string[] = [];
  const incExpr = optionExprs.get("hash_includes");
  if (incExpr && !(incExpr.kind === "literal" && incExpr.value.t === "None")) {
    if (incExpr.kind === "list" || incExpr.kind === "tuple") {
      for (const item of incExpr.items) {
        const h = input.includeItem(item);
        if (h.ok) includes.push(h.value);
        else reasons.push(`hash_includes: ${h.why}`);
      }
    } else {
      const r = evaluate(incExpr, lookup, pool);
      if (r.ok && (r.value.t === "list" || r.value.t === "tuple")) {
        for (const v of r.value.items) {
          try {
            includes.push(valueHash(v));
          } catch (err) {
            reasons.push(`hash_includes: ${(err as Error).message}`);
          }
        }
      } else reasons.push(`hash_includes is ${r.ok ? "not a list" : r.why}`);
    }
  }
  // A decorator below @task hands redun a different function (or a wrapper) to read the source of.
  if (input.below > 0) reasons.push("another decorator below @task changes the function redun reads");
  if (input.configured) reasons.push(input.configured);
  if (errors.length > 0) reasons.push("redun rejects this task at import");

  let hash: string | null = null;
  if (compat !== undefined && reasons.length === 0) hash = compat;
  else if (reasons.length === 0 && fullname !== null && (version !== undefined || hashedSource !== null)) {
    hash = taskHash({ fullname, source: hashedSource ?? "", version, includes });
  }

  const defTok = def.tokens[input.isAsync ? 1 : 0];
  const lastLine = lines[blockEnd] ?? "";
  return {
    name,
    namespace,
    fullname,
    functionName,
    async: input.isAsync,
    range: { start: positions(input.startLine, 0), end: positions(blockEnd, lastLine.length - 1 < 0 ? 0 : lastLine.length - 1) },
    defLine: defTok.start[0],
    nameRange: { start: positions(nameTok.start[0], nameTok.start[1]), end: positions(nameTok.end[0], nameTok.end[1]) },
    classes: input.classes,
    parameters: parameters(def.tokens, lines, lookup, pool),
    options,
    source,
    hash,
    ...(hash === null ? { reason: reasons.join("; ") || "unknown" } : {}),
    errors,
  };
}

function truthy(v: PyValue): boolean {
  switch (v.t) {
    case "None":
      return false;
    case "bool":
      return v.v;
    case "int":
      return v.v !== 0n;
    case "float":
      return v.v !== 0;
    case "str":
      return v.v !== "";
    case "bytes":
      return v.v.length > 0;
    case "dict":
      return v.entries.length > 0;
    default:
      return v.items.length > 0;
  }
}

/** The def's parameter list: names, kinds and defaults. */
function parameters(tokens: Token[], lines: readonly string[], lookup: (name: string) => Binding | undefined, pool: ConstantPool): Parameter[] {
  const open = tokens.findIndex((t) => t.string === "(");
  if (open < 0) return [];
  const reader = new ExprReader(tokens);
  const out: Parameter[] = [];
  let kind: Parameter["kind"] = "positional";
  let i = open + 1;
  while (i < tokens.length && tokens[i].string !== ")" && tokens[i].type !== Tok.NEWLINE) {
    const s = tokens[i].string;
    if (s === "/") {
      for (const p of out) if (p.kind === "positional") p.kind = "positional-only";
      i++;
    } else if (s === "*" || s === "**") {
      if (tokens[i + 1]?.type === Tok.NAME) {
        out.push({ name: tokens[i + 1].string, kind: s === "*" ? "var-positional" : "var-keyword" });
        i += 2;
      } else i++;
      kind = "keyword-only";
    } else if (tokens[i].type === Tok.NAME) {
      const p: Parameter = { name: s, kind };
      i++;
      if (tokens[i]?.string === ":") {
        const e = reader.expr(i + 1);
        p.annotation = sourceText(lines, tokens, e.from, e.to);
        i = e.to;
      }
      if (tokens[i]?.string === "=") {
        const e = reader.expr(i + 1);
        const r = evaluate(e, lookup, pool);
        p.default = { text: sourceText(lines, tokens, e.from, e.to), ...(r.ok ? { value: r.value } : {}) };
        i = e.to;
      }
      out.push(p);
    } else i++;
    // Skip to the next top-level comma.
    while (i < tokens.length && tokens[i].string !== "," && tokens[i].string !== ")" && tokens[i].type !== Tok.NEWLINE) i = tokens[i].string in { "(": 1, "[": 1, "{": 1 } ? reader.skipGroup(i) : i + 1;
    if (tokens[i]?.string === ",") i++;
  }
  return out;
}

/** The source text spanned by tokens[from, to). */
function sourceText(lines: readonly string[], tokens: Token[], from: number, to: number): string {
  if (to <= from || !tokens[from]) return "";
  const a = tokens[from].start;
  const b = tokens[to - 1].end;
  if (a[0] === b[0]) return lines[a[0]].slice(a[1], b[1]);
  return [lines[a[0]].slice(a[1]), ...lines.slice(a[0] + 1, b[0]), lines[b[0]].slice(0, b[1])].join("");
}

/** Names listed in a `global` statement anywhere (broken text included): a function may rebind them whenever it is called. */
function globalNames(statements: Statement[], brokenTexts: string[]): Set<string> {
  const out = new Set<string>();
  for (const st of statements) {
    if (st.tokens[0].string !== "global") continue;
    for (const t of st.tokens.slice(1)) if (t.type === Tok.NAME) out.add(t.string);
  }
  for (const text of brokenTexts) for (const m of text.matchAll(/\bglobal\b([\w \t,]*)/g)) for (const name of identifiers(m[1])) out.add(name);
  return out;
}

const identifiers = (text: string): string[] => [...text.matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]).filter((n) => !PYTHON_KEYWORDS.has(n));

/**
 * The names text that is not Python yet may bind once finished: assignment targets, `def`, `class`,
 * `as`, loop and `:=` targets, `del`; every name after a top-level import's `import`. More rather than fewer.
 */
function namesBoundIn(text: string): Set<string> {
  return cached(boundNamesMemo, text, () => findNamesBoundIn(text));
}

// Broken text is the same from one edit to the next, mostly.
const boundNamesMemo = new Map<string, Set<string>>();

function findNamesBoundIn(text: string): Set<string> {
  if (boundNamesMemo.size > 1000) boundNamesMemo.clear();
  const out = new Set<string>();
  const add = (s: string) => identifiers(s).forEach((n) => out.add(n));
  const importAt = text.search(/^(?:import|from)[ \t]/m);
  if (importAt >= 0) add(text.slice(text.indexOf("import", importAt) + "import".length));
  for (const line of text.split("\n")) {
    const eq = assignmentAt(line);
    if (eq >= 0) add(line.slice(0, eq));
    for (const m of line.matchAll(/\b(?:def|class|as|del)[ \t]+([A-Za-z_]\w*)/g)) out.add(m[1]);
    for (const m of line.matchAll(/\bfor\b(.*?)\bin\b/g)) add(m[1]);
    for (const m of line.matchAll(/([A-Za-z_]\w*)[ \t]*:=/g)) out.add(m[1]);
  }
  return out;
}

/** The index of a line's assignment `=` (plain or augmented) outside brackets, or -1. */
function assignmentAt(line: string): number {
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "#") return -1;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "=" && depth <= 0 && line[i + 1] !== "=" && !"=!<>".includes(line[i - 1] ?? "")) return i;
  }
  return -1;
}

/**
 * Whether `name` appears only in decorator lines and as the target of `name = …` (a mutable value
 * nothing else touches); any name in broken text may be anything.
 */
function onlyReadInDecorators(name: string, statements: Statement[], brokenTexts: string[]): boolean {
  if (brokenTexts.some((text) => identifiers(text).includes(name))) return false;
  return statements.every(
    (st) => st.tokens[0].string === "@" || st.tokens.every((t, i) => t.type !== Tok.NAME || t.string !== name || (i === 0 && st.tokens[1]?.string === "=" && st.blocks.length === 0)),
  );
}

function isMutable(v: PyValue): boolean {
  if (v.t === "list" || v.t === "dict" || v.t === "set") return true;
  return v.t === "tuple" && v.items.some(isMutable);
}

/** `a.b as c, d` (or a parenthesized list) after `import`. */
function importNames(tokens: Token[]): { module: string; alias?: string }[] {
  const out: { module: string; alias?: string }[] = [];
  let module = "";
  let alias: string | undefined;
  let afterAs = false;
  const flush = () => {
    if (module) out.push({ module, alias });
    module = "";
    alias = undefined;
    afterAs = false;
  };
  for (const t of tokens) {
    if (t.string === "," || t.type === Tok.NEWLINE) flush();
    else if (t.string === "(" || t.string === ")") continue;
    else if (t.string === "as") afterAs = true;
    else if (afterAs) alias = t.string;
    else module += t.string;
  }
  flush();
  return out;
}

/** The names a simple statement binds at this level, with their values where literal. */
function assignments(tokens: Token[], lookup: (name: string) => Binding | undefined, pool: ConstantPool): [string, ModuleBinding][] {
  const out: [string, ModuleBinding][] = [];
  const reader = new ExprReader(tokens);
  // Walrus targets anywhere.
  tokens.forEach((t, i) => {
    if (t.string === ":=" && tokens[i - 1]?.type === Tok.NAME) out.push([tokens[i - 1].string, { kind: "unknown", why: `'${tokens[i - 1].string}' is assigned with :=` }]);
  });
  const first = tokens[0];
  const namesIn = (ts: Token[], why: string) => {
    ts.forEach((t, i) => {
      if (t.type === Tok.NAME && ts[i - 1]?.string !== "." && !PYTHON_KEYWORDS.has(t.string)) out.push([t.string, { kind: "unknown", why: `'${t.string}' ${why}` }]);
    });
  };
  if (first.string === "for") return namesIn(tokens.slice(1, tokens.findIndex((t) => t.string === "in")), "is a loop variable"), out;
  if (first.string === "del") return namesIn(tokens.slice(1), "is deleted"), out;
  if (first.string === "with" || first.string === "except" || (first.string === "async" && tokens[1]?.string === "with")) {
    tokens.forEach((t, i) => {
      if (t.string === "as") namesIn(tokens.slice(i + 1, i + 2), "is bound by 'as'");
    });
    return out;
  }
  // Top-level "=" and augmented assignments.
  const eqs: number[] = [];
  let depth = 0;
  let annotation = -1;
  tokens.forEach((t, i) => {
    if (t.type !== Tok.OP) return;
    if ("([{".includes(t.string)) depth++;
    else if (")]}".includes(t.string)) depth--;
    else if (depth === 0 && t.string === "=") eqs.push(i);
    else if (depth === 0 && t.string === ":" && annotation < 0 && eqs.length === 0) annotation = i;
    else if (depth === 0 && t.string.length >= 2 && t.string.endsWith("=") && !["==", "<=", ">=", "!="].includes(t.string) && t.string !== ":=") namesIn(tokens.slice(0, i), "is changed in place");
  });
  if (eqs.length === 0) return out;
  const last = eqs[eqs.length - 1];
  const value = reader.expr(last + 1);
  const wholeValue = value.to === tokens.length - 1 || tokens[value.to]?.type === Tok.NEWLINE;
  const targets: Token[][] = [];
  let startT = 0;
  for (const at of eqs) {
    targets.push(tokens.slice(startT, annotation > startT && annotation < at ? annotation : at));
    startT = at + 1;
  }
  for (const target of targets) {
    if (target.length === 1 && target[0].type === Tok.NAME) {
      const r = wholeValue ? evaluate(value, lookup, pool) : { ok: false as const, why: "a value computed at run time" };
      out.push([target[0].string, r.ok ? { kind: "value", value: r.value, name: target[0].string } : { kind: "unknown", why: `'${target[0].string}' is ${r.why}` }]);
    } else if (!(target.length > 1 && (target[target.length - 1].string === "]" || tokens[1]?.string === "."))) {
      namesIn(target, "is assigned by unpacking");
    }
  }
  return out;
}


/** Maps (line, column) of the normalized lines to positions in the original text (BOM, CRLF kept there). */
export function positionMapper(text: string): (line: number, character: number) => Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return (line, character) => {
    const shift = line === 0 ? bom : 0;
    const start = starts[Math.min(line, starts.length - 1)];
    return { line, character: character + shift, offset: start + character + shift };
  };
}

export type { Arg };
