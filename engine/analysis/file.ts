// What one workflow file declares: its module-level bindings, its imports and its tasks, with each
// task's parameters, options and the identifiers its body reads from outside. Everything here is
// plain data (JSON-serializable) so the engine can cache it on disk beside the transpiled code.
import ts from "typescript";
import { normalizedHash } from "./normalize";
import { declareBindingName, FreeReference, freeReferences } from "./scope";
import type { DependencyKind } from "../../core/manifest";
import type { Range } from "../../core/findings";
import { isTaskOptionName, optionValueFits, type TaskOptions } from "../task";

/**
 * The normalized hash and free references of a node depend on its text alone, so they are memoized
 * by text: after an edit, only the declarations whose text changed are walked again.
 */
interface NodeFacts {
  hash: string;
  /** Free references with offsets relative to the node's start. */
  refs: FreeReference[];
}
const factsByText = new Map<string, NodeFacts>();
const FACTS_LIMIT = 50_000;

function nodeFacts(sf: ts.SourceFile, node: ts.Node, refsOf: ts.Node | undefined): { hash: string; refs: FreeReference[] } {
  const start = node.getStart(sf);
  const key = `${node.kind}:${refsOf ? refsOf.getStart(sf) - start : -1}:${sf.text.slice(start, node.getEnd())}`;
  let facts = factsByText.get(key);
  if (!facts) {
    if (factsByText.size > FACTS_LIMIT) factsByText.clear();
    const refs = refsOf ? freeReferences(refsOf).map((r) => ({ ...r, start: r.start - start, end: r.end - start })) : [];
    facts = { hash: normalizedHash(node, sf), refs };
    factsByText.set(key, facts);
  }
  return { hash: facts.hash, refs: facts.refs.map((r) => ({ ...r, start: r.start + start, end: r.end + start })) };
}

export type { DependencyKind } from "../../core/manifest";
export type { Range } from "../../core/findings";

export interface ImportInfo {
  module: string;
  /** "default", "*", or the exported name. */
  imported: string;
  relative: boolean;
  typeOnly: boolean;
}

export interface BindingInfo extends Range {
  name: string;
  kind: Exclude<DependencyKind, "global" | "package" | "import"> | "import" | "package";
  /** Hash of the declaration's normalized source (for an import: of the import specifier). */
  hash: string;
  /** Module-level names (or globals) its declaration reads. */
  reads: string[];
  /** For a literal initializer, its value (so static tools can hash it as the engine would). */
  literal?: { value: unknown };
  import?: ImportInfo;
  exported: boolean;
}

export interface ParamInfo {
  name: string;
  type?: string;
  defaultText?: string;
  /** The default's value when it is built from literals and module constants (what the binder will compute). */
  defaultValue?: { value: unknown };
  optional: boolean;
  rest: boolean;
}

export interface ReferenceSite extends Range {
  inDefault: boolean;
}

export interface TaskReference {
  name: string;
  sites: ReferenceSite[];
}

/** The options as written: each literal one by value (their kinds are declared once, in `TASK_OPTION_KINDS`). */
export interface TaskOptionsInfo extends Omit<TaskOptions, "hashIncludes"> {
  /** Options whose value is not a literal (or not one the option takes), so only the engine knows it. */
  dynamic: string[];
  /** The options object literal, if any (quick fixes edit it). */
  objectRange?: Range;
  /** Each element by the name it reads, or by its value when it is built from literals and constants. */
  hashIncludes?: { range: Range; elements: Array<{ text: string; name?: string; value?: { value: unknown }; range: Range }> };
  properties: Record<string, Range>;
}

export interface EffectSite extends Range {
  kind: "nondeterministic" | "external-input";
  /** What the code does, as a user would write it: `Date.now()`, `process.env`, `fs.readFileSync()`. */
  what: string;
}

export interface TaskInfo {
  /** Index among the file's tasks, in source order: how the loader and the engine match them. */
  site: number;
  call: Range;
  fn: Range;
  /** The identifier a user points at: the bound name, else the function's name, else the call. */
  nameRange: Range;
  line: number;
  name?: string;
  bindingName?: string;
  fullName?: string;
  normalizedHash: string;
  source: string;
  params: ParamInfo[];
  /**
   * Where the parameters sit: from the first one's start to the last one's end (both just after
   * `(` when there are none); `parenthesized` is false for `x => …`. Undefined for a half-typed list.
   */
  paramList?: Range & { parenthesized: boolean };
  options: TaskOptionsInfo;
  reads: TaskReference[];
  effects: EffectSite[];
  async: boolean;
}

export interface SyntaxProblem {
  start: number;
  line: number;
  col: number;
  message: string;
}

export interface FileAnalysis {
  fileName: string;
  namespace?: string;
  bindings: Record<string, BindingInfo>;
  tasks: TaskInfo[];
  syntaxErrors: SyntaxProblem[];
  /** The first `await` outside any function: the engine loads workflows as CommonJS, which has none. */
  topLevelAwait?: SyntaxProblem;
  /** A `taskNamespace` whose value the analysis cannot evaluate. */
  namespaceProblem?: SyntaxProblem;
}

export function parseSource(fileName: string, text: string): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind(fileName));
}

export function scriptKind(fileName: string): ts.ScriptKind {
  if (/\.m?jsx?$|\.cjs$/.test(fileName)) return fileName.endsWith("x") ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  return fileName.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}

export function isRelativeModule(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === "..";
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** A module constant's value by name, when the static side knows it. */
export type ConstantLookup = (name: string) => { value: unknown } | undefined;

/** A literal the static side can evaluate: strings, numbers, booleans, null, arrays and objects of them. */
export function literalValue(node: ts.Expression | undefined): { value: unknown } | undefined {
  return constantValue(node, () => undefined);
}

/**
 * The value of an expression built only from literals and module constants (`lookup`): names,
 * `+ - * /`, template strings, spreads of arrays and objects. The engine sees the same value at run
 * time, so the static side may hash it as the engine will. Undefined for anything else.
 */
export function constantValue(node: ts.Expression | undefined, lookup: ConstantLookup): { value: unknown } | undefined {
  if (!node) return undefined;
  const of = (e: ts.Expression) => constantValue(e, lookup);
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isNonNullExpression(node)) return of(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { value: node.text };
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) };
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { value: null };
  if (ts.isIdentifier(node)) return lookup(node.text);
  if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.PlusToken)) {
    const v = of(node.operand)?.value;
    return typeof v === "number" ? { value: node.operator === ts.SyntaxKind.MinusToken ? -v : v } : undefined;
  }
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const v = of(span.expression);
      if (!v || !isPrimitive(v.value)) return undefined;
      text += String(v.value) + span.literal.text;
    }
    return { value: text };
  }
  if (ts.isBinaryExpression(node)) {
    const a = of(node.left)?.value;
    const b = of(node.right)?.value;
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken && (typeof a === "string" || typeof b === "string") && isPrimitive(a) && isPrimitive(b)) return { value: String(a) + String(b) };
    if (typeof a !== "number" || typeof b !== "number") return undefined;
    if (op === ts.SyntaxKind.PlusToken) return { value: a + b };
    if (op === ts.SyntaxKind.MinusToken) return { value: a - b };
    if (op === ts.SyntaxKind.AsteriskToken) return { value: a * b };
    if (op === ts.SyntaxKind.SlashToken) return { value: a / b };
    return undefined;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const out: unknown[] = [];
    for (const e of node.elements) {
      const v = of(ts.isSpreadElement(e) ? e.expression : e);
      if (!v) return undefined;
      if (!ts.isSpreadElement(e)) out.push(v.value);
      else if (Array.isArray(v.value)) out.push(...v.value);
      else return undefined;
    }
    return { value: out };
  }
  if (ts.isObjectLiteralExpression(node)) {
    const out: Record<string, unknown> = {};
    for (const p of node.properties) {
      if (ts.isShorthandPropertyAssignment(p)) {
        const v = lookup(p.name.text);
        if (!v) return undefined;
        out[p.name.text] = v.value;
      } else if (ts.isSpreadAssignment(p)) {
        const v = of(p.expression)?.value;
        if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
        Object.assign(out, v);
      } else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
        const v = of(p.initializer);
        if (!v) return undefined;
        out[p.name.text] = v.value;
      } else return undefined;
    }
    return { value: out };
  }
  return undefined;
}

function isPrimitive(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** Module constants whose value the static side knows (from their `literal`). */
export function constantLookup(bindings: Record<string, BindingInfo>): ConstantLookup {
  return (name) => {
    const b = bindings[name];
    return b && b.kind === "const" ? b.literal : undefined;
  };
}

/** Local names under which `task` from "tasklens" is visible: direct imports, and namespace imports. */
function taskImportNames(sf: ts.SourceFile): { direct: Set<string>; namespaces: Set<string> } {
  const direct = new Set<string>();
  const namespaces = new Set<string>();
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text !== "tasklens") continue;
    const bindings = s.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const e of bindings.elements) if ((e.propertyName ?? e.name).text === "task") direct.add(e.name.text);
    } else if (bindings && ts.isNamespaceImport(bindings)) {
      namespaces.add(bindings.name.text);
    }
  }
  return { direct, namespaces };
}

export function isTaskCall(node: ts.Node, names: { direct: Set<string>; namespaces: Set<string> }): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return names.direct.has(callee.text);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && names.namespaces.has(callee.expression.text) && callee.name.text === "task";
}

/** Every `task(fn, options?)` call whose first argument is a function literal, in source order. */
export function findTaskCalls(sf: ts.SourceFile): ts.CallExpression[] {
  const names = taskImportNames(sf);
  const calls: ts.CallExpression[] = [];
  if (names.direct.size === 0 && names.namespaces.size === 0) return calls;
  const visit = (node: ts.Node): void => {
    if (isTaskCall(node, names)) {
      const fn = node.arguments[0];
      if (fn && (ts.isFunctionExpression(fn) || ts.isArrowFunction(fn))) calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return calls;
}

function collectBindings(sf: ts.SourceFile, taskCalls: Set<ts.Node>): Record<string, BindingInfo> {
  const bindings: Record<string, BindingInfo> = Object.create(null);
  const add = (name: string, kind: BindingInfo["kind"], node: ts.Node, readsFrom: ts.Node | undefined, extra: Partial<BindingInfo> = {}) => {
    const facts = nodeFacts(sf, node, readsFrom);
    bindings[name] = {
      name,
      kind,
      start: node.getStart(sf),
      end: node.getEnd(),
      hash: facts.hash,
      reads: [...new Set(facts.refs.map((r) => r.name))],
      exported: isExported(node),
      ...extra,
    };
  };
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.importClause) {
      const module = s.moduleSpecifier.text;
      const relative = isRelativeModule(module);
      const kind = relative ? "import" : "package";
      const clause = s.importClause;
      const typeOnly = clause.isTypeOnly;
      if (clause.name) add(clause.name.text, kind, s, undefined, { import: { module, imported: "default", relative, typeOnly } });
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) add(nb.name.text, kind, s, undefined, { import: { module, imported: "*", relative, typeOnly } });
      if (nb && ts.isNamedImports(nb)) {
        for (const e of nb.elements) {
          add(e.name.text, kind, e, undefined, { import: { module, imported: (e.propertyName ?? e.name).text, relative, typeOnly: typeOnly || e.isTypeOnly } });
        }
      }
    } else if (ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference) && ts.isStringLiteral(s.moduleReference.expression)) {
      const module = s.moduleReference.expression.text;
      const relative = isRelativeModule(module);
      add(s.name.text, relative ? "import" : "package", s, undefined, { import: { module, imported: "*", relative, typeOnly: s.isTypeOnly } });
    } else if (ts.isVariableStatement(s)) {
      const mutable = !(s.declarationList.flags & ts.NodeFlags.Const);
      for (const d of s.declarationList.declarations) {
        const init = d.initializer;
        let kind: BindingInfo["kind"] = mutable ? "let" : "const";
        if (!mutable && init && taskCalls.has(init)) kind = "task";
        else if (!mutable && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) kind = "function";
        else if (!mutable && init && ts.isClassExpression(init)) kind = "class";
        const names = new Set<string>();
        declareBindingName(d.name, names);
        // Constants built from earlier constants count too (`const NS = PREFIX + ".etl"`).
        const literal = ts.isIdentifier(d.name) && !mutable ? constantValue(init, constantLookup(bindings)) : undefined;
        for (const name of names) {
          // The whole statement is hashed: `const` → `let` or a changed type annotation is a change too.
          add(name, kind, d, d, { literal, exported: isExported(s) });
        }
      }
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) {
      add(s.name.text, ts.isFunctionDeclaration(s) ? "function" : "class", s, s);
    } else if (ts.isEnumDeclaration(s)) {
      add(s.name.text, "const", s, s);
    } else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name)) {
      add(s.name.text, "const", s, s);
    }
  }
  return bindings;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function readOptions(sf: ts.SourceFile, node: ts.Expression | undefined, constants: ConstantLookup): TaskOptionsInfo {
  const info: TaskOptionsInfo = { dynamic: [], properties: {} };
  if (!node) return info;
  if (!ts.isObjectLiteralExpression(node)) {
    info.dynamic.push("*");
    return info;
  }
  info.objectRange = { start: node.getStart(sf), end: node.getEnd() };
  for (const p of node.properties) {
    const initializer = ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined;
    if (!initializer || !(ts.isIdentifier(p.name!) || ts.isStringLiteral(p.name!))) {
      info.dynamic.push("*");
      continue;
    }
    const key = (p.name as ts.Identifier | ts.StringLiteral).text;
    info.properties[key] = { start: p.getStart(sf), end: p.getEnd() };
    if (key === "hashIncludes" && ts.isArrayLiteralExpression(initializer)) {
      info.hashIncludes = {
        range: { start: initializer.getStart(sf), end: initializer.getEnd() },
        elements: initializer.elements.map((e) => ({
          text: e.getText(sf),
          name: ts.isIdentifier(e) ? e.text : undefined,
          value: ts.isIdentifier(e) ? undefined : constantValue(e, constants),
          range: { start: e.getStart(sf), end: e.getEnd() },
        })),
      };
      continue;
    }
    // Module constants count as literals: the engine sees the same value (`version: VERSION`).
    const value = constantValue(initializer, constants);
    if (key === "hashIncludes" && Array.isArray(value?.value)) {
      // A constant list (`hashIncludes: INCLUDES`): each element hashed by value, as the engine does.
      const range = { start: initializer.getStart(sf), end: initializer.getEnd() };
      info.hashIncludes = { range, elements: value.value.map((v) => ({ text: JSON.stringify(v), value: { value: v }, range })) };
    } else if (value && isTaskOptionName(key) && key !== "hashIncludes" && optionValueFits(key, value.value)) {
      (info as unknown as Record<string, unknown>)[key] = value.value;
    } else info.dynamic.push(key);
  }
  return info;
}

function readParams(sf: ts.SourceFile, fn: ts.SignatureDeclaration, constants: ConstantLookup): ParamInfo[] {
  // A default may read an earlier parameter, which shadows a module constant of the same name.
  const shadowed = new Set<string>();
  for (const p of fn.parameters) declareBindingName(p.name, shadowed);
  const lookup: ConstantLookup = (name) => (shadowed.has(name) ? undefined : constants(name));
  return fn.parameters.map((p, i) => ({
    name: ts.isIdentifier(p.name) ? p.name.text : `arg${i}`,
    type: p.type?.getText(sf),
    defaultText: p.initializer?.getText(sf),
    defaultValue: p.initializer ? constantValue(p.initializer, lookup) : undefined,
    optional: Boolean(p.questionToken || p.initializer || p.dotDotDotToken),
    rest: Boolean(p.dotDotDotToken),
  }));
}

function paramListOf(sf: ts.SourceFile, fn: ts.SignatureDeclaration): TaskInfo["paramList"] {
  const open = fn.getChildren(sf).find((c) => c.kind === ts.SyntaxKind.OpenParenToken);
  const first = fn.parameters[0];
  if (!first) return open ? { start: open.getEnd(), end: open.getEnd(), parenthesized: true } : undefined;
  return { start: first.getStart(sf), end: fn.parameters[fn.parameters.length - 1].getEnd(), parenthesized: Boolean(open) };
}

/**
 * The module's `export const taskNamespace`: a string, or built from module constants. One the
 * analysis cannot evaluate is a problem (the engine refuses the file), never silently ignored.
 */
function moduleNamespace(sf: ts.SourceFile, constants: ConstantLookup): { namespace?: string; problem?: SyntaxProblem } {
  for (const s of sf.statements) {
    if (!ts.isVariableStatement(s)) continue;
    for (const d of s.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== "taskNamespace") continue;
      const v = constantValue(d.initializer, constants)?.value;
      if (typeof v === "string") return { namespace: v };
      const at = (d.initializer ?? d).getStart(sf);
      const lc = sf.getLineAndCharacterOfPosition(at);
      const message = "taskNamespace must be a string built from literals and module constants: tasklens names tasks (and predicts their hashes) without running the file";
      return { problem: { start: at, line: lc.line + 1, col: lc.character + 1, message } };
    }
  }
  return {};
}

const NONDETERMINISTIC_CALLS: Record<string, string[]> = { Date: ["now"], Math: ["random"], crypto: ["randomUUID", "getRandomValues"], performance: ["now"] };
const FS_MODULES = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises"]);
const NETWORK_MODULES = new Set(["http", "node:http", "https", "node:https", "net", "node:net", "axios", "node-fetch", "undici"]);
const FS_READS = /^(readFile|readFileSync|readdir|readdirSync|createReadStream|stat|statSync|lstat|lstatSync|existsSync|access|accessSync|opendir|opendirSync|readlink|readlinkSync|realpath|realpathSync)$/;

/**
 * Calls whose result differs from run to run (a cached task then caches one draw) and reads of the
 * outside world (environment, files, network) that no hash covers. `free` are the names the task
 * reads from outside itself: a local variable called `Date` is not the global.
 */
function findEffects(sf: ts.SourceFile, fn: ts.Node, bindings: Record<string, BindingInfo>, free: Set<string>): EffectSite[] {
  const effects: EffectSite[] = [];
  const isGlobal = (name: string) => free.has(name) && !bindings[name];
  const importedFrom = (name: string, modules: Set<string>) => free.has(name) && bindings[name]?.import !== undefined && modules.has(bindings[name].import!.module);
  const add = (kind: EffectSite["kind"], node: ts.Node, what: string) => effects.push({ kind, what, start: node.getStart(sf), end: node.getEnd() });
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        const object = callee.expression.text;
        const method = callee.name.text;
        if (isGlobal(object) && NONDETERMINISTIC_CALLS[object]?.includes(method)) add("nondeterministic", node, `${object}.${method}()`);
        else if (importedFrom(object, FS_MODULES) && FS_READS.test(method)) add("external-input", node, `${object}.${method}()`);
        else if (importedFrom(object, NETWORK_MODULES)) add("external-input", node, `${object}.${method}()`);
      } else if (ts.isIdentifier(callee)) {
        if (callee.text === "fetch" && isGlobal("fetch")) add("external-input", node, "fetch()");
        else if (importedFrom(callee.text, FS_MODULES) && FS_READS.test(bindings[callee.text].import!.imported)) add("external-input", node, `${callee.text}()`);
        else if (importedFrom(callee.text, NETWORK_MODULES)) add("external-input", node, `${callee.text}()`);
      }
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "Date" && isGlobal("Date") && !node.arguments?.length) {
      add("nondeterministic", node, "new Date()");
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "process" && node.name.text === "env" && isGlobal("process")) {
      add("external-input", node, "process.env");
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return effects;
}

function findTopLevelAwait(sf: ts.SourceFile): SyntaxProblem | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) found = node;
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(sf, visit);
  if (!found) return undefined;
  const start = found.getStart(sf);
  const lc = sf.getLineAndCharacterOfPosition(start);
  return { start, line: lc.line + 1, col: lc.character + 1, message: "top-level await is not supported in a workflow file (workflows load as CommonJS); move the awaited work into a task" };
}

export function analyzeSourceFile(sf: ts.SourceFile): FileAnalysis {
  const calls = findTaskCalls(sf);
  const bindings = collectBindings(sf, new Set(calls));
  const constants = constantLookup(bindings);
  const { namespace, problem: namespaceProblem } = moduleNamespace(sf, constants);
  const tasks = calls.map((call, site): TaskInfo => {
    const fn = call.arguments[0] as ts.FunctionExpression | ts.ArrowFunction;
    const options = readOptions(sf, call.arguments[1], constants);
    const parent = call.parent;
    const bindingName = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : undefined;
    const fnName = ts.isFunctionExpression(fn) && fn.name ? fn.name.text : undefined;
    const name = options.name ?? fnName ?? bindingName;
    const ns = options.namespace ?? namespace;
    const nameNode = bindingName ? (parent as ts.VariableDeclaration).name : ts.isFunctionExpression(fn) && fn.name ? fn.name : call.expression;
    const facts = nodeFacts(sf, fn, fn);
    const reads = new Map<string, TaskReference>();
    for (const ref of facts.refs) {
      let entry = reads.get(ref.name);
      if (!entry) reads.set(ref.name, (entry = { name: ref.name, sites: [] }));
      entry.sites.push({ start: ref.start, end: ref.end, inDefault: ref.inDefault });
    }
    return {
      site,
      call: { start: call.getStart(sf), end: call.getEnd() },
      fn: { start: fn.getStart(sf), end: fn.getEnd() },
      nameRange: { start: nameNode.getStart(sf), end: nameNode.getEnd() },
      line: lineOf(sf, fn.getStart(sf)),
      name,
      bindingName,
      fullName: name === undefined ? undefined : ns ? `${ns}.${name}` : name,
      normalizedHash: facts.hash,
      source: fn.getText(sf),
      params: readParams(sf, fn, constants),
      paramList: paramListOf(sf, fn),
      options,
      reads: [...reads.values()],
      effects: findEffects(sf, fn, bindings, new Set(reads.keys())),
      async: Boolean(ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)),
    };
  });
  const syntaxErrors = ((sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? []).map((d) => {
    const lc = sf.getLineAndCharacterOfPosition(d.start);
    return { start: d.start, line: lc.line + 1, col: lc.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") };
  });
  return { fileName: sf.fileName, namespace, namespaceProblem, bindings, tasks, syntaxErrors, topLevelAwait: findTopLevelAwait(sf) };
}

export function analyzeText(fileName: string, text: string): FileAnalysis {
  return analyzeSourceFile(parseSource(fileName, text));
}
