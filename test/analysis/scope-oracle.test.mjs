// The scope resolution agrees with the TypeScript checker (getSymbolAtLocation) on every identifier
// of every task body, in a corpus of tricky cases and in generated files.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers.mjs";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const { freeReferences } = require("../../dist/engine/analysis/scope.js");
const { findTaskCalls } = require("../../dist/engine/analysis/file.js");

function isInTypePosition(node, stop) {
  for (let n = node; n && n !== stop; n = n.parent) {
    // `class A extends B`: B is a value (the expression), though the node kind counts as a type.
    if (ts.isExpressionWithTypeArguments(n) && ts.isHeritageClause(n.parent) && n.parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(n.parent.parent)) return false;
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)) return true;
    if (ts.isExpressionWithTypeArguments(n) && n.parent && ts.isHeritageClause(n.parent) && n.parent.token === ts.SyntaxKind.ImplementsKeyword) return true;
  }
  return false;
}

/** What the checker says: identifiers in the function whose value symbol is declared outside it. */
function oracle(checker, sf, fn) {
  const found = new Set();
  const visit = (node) => {
    const parent = node.parent;
    const memberName = parent && ((ts.isPropertyAccessExpression(parent) && parent.name === node) || ts.isQualifiedName(parent));
    if (ts.isIdentifier(node) && node.text && !memberName && !isInTypePosition(node, fn)) {
      const symbol = ts.isShorthandPropertyAssignment(parent) && parent.name === node ? checker.getShorthandAssignmentValueSymbol(parent) : checker.getSymbolAtLocation(node);
      const declarations = symbol?.declarations ?? [];
      // The checker's own `undefined` symbol is flagged as a property; it is the global value.
      const intrinsicUndefined = symbol && symbol.escapedName === "undefined" && declarations.length === 0;
      const valueLike = intrinsicUndefined || symbol && symbol.flags & (ts.SymbolFlags.Value | ts.SymbolFlags.Alias) && !(symbol.flags & (ts.SymbolFlags.Property | ts.SymbolFlags.Method | ts.SymbolFlags.Accessor | ts.SymbolFlags.EnumMember));
      const outside = declarations.every((d) => d.getSourceFile() !== sf || d.getStart() < fn.getStart() || d.getStart() >= fn.getEnd());
      if (valueLike && outside) found.add(`${node.text}@${node.getStart()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

/** Compares every task of the given files (name → text), type-checked together in one program. */
function compareFiles(files) {
  const options = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")], noEmit: true };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile;
  host.getSourceFile = (name, ...rest) => (name in files ? ts.createSourceFile(name, files[name], ts.ScriptTarget.ES2022, true) : original.call(host, name, ...rest));
  const program = ts.createProgram(Object.keys(files), options, host);
  const checker = program.getTypeChecker();
  let compared = 0;
  for (const fileName of Object.keys(files)) compared += compareFile(checker, program.getSourceFile(fileName), fileName);
  return compared;
}

function compareFile(checker, sf, fileName) {
  const calls = findTaskCalls(sf);
  assert.ok(calls.length > 0, `${fileName} has tasks`);
  let compared = 0;
  for (const call of calls) {
    const fn = call.arguments[0];
    const expected = oracle(checker, sf, fn);
    const mine = new Set(freeReferences(fn).map((r) => `${r.name}@${r.start}`));
    for (const key of expected) assert.ok(mine.has(key), `${fileName}: the checker resolves ${key} outside the task, the analysis misses it`);
    for (const key of mine) {
      const [name, pos] = key.split("@");
      const id = findIdentifier(sf, Number(pos));
      const symbol = id && checker.getSymbolAtLocation(id);
      if (symbol && !expected.has(key) && !(ts.isShorthandPropertyAssignment(id.parent))) {
        assert.fail(`${fileName}: the analysis reports ${name} at ${pos} as outside the task; the checker disagrees`);
      }
    }
    compared += expected.size;
  }
  return compared;
}

function findIdentifier(sf, pos) {
  let found;
  const visit = (n) => {
    if (found) return;
    if (ts.isIdentifier(n) && n.getStart() === pos) found = n;
    else if (n.getStart() <= pos && pos < n.getEnd()) ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test("the tricky-case corpus: analysis and checker agree on every identifier", () => {
  const file = join(ROOT, "test", "fixtures", "scope-corpus.ts");
  const compared = compareFiles({ [file]: readFileSync(file, "utf8") });
  assert.ok(compared >= 35, `compared ${compared} outside references`);
});

/** A deterministic generator of task bodies mixing module names, locals, shadowing, nesting. */
function generate(seed) {
  let state = seed;
  const rand = (n) => ((state = (state * 1103515245 + 12345) % 2147483648), state % n);
  const moduleNames = ["alpha", "beta", "gamma", "helperA", "Klass"];
  const pick = (list) => list[rand(list.length)];
  const lines = [`import { task } from "tasklens";`, `const alpha = 1;`, `let beta = 2;`, `var gamma = 3;`, `function helperA(x: number) { return x + alpha; }`, `class Klass { v = beta; }`];
  for (let t = 0; t < 12; t++) {
    const locals = [];
    const body = [];
    const expr = () => {
      const names = [...moduleNames.filter((n) => n !== "Klass"), ...locals];
      const a = pick(names);
      switch (rand(5)) {
        case 0: return `${a}`;
        case 1: return `helperA(${pick(names)})`;
        case 2: return `new Klass().v + ${a}`;
        case 3: return `((${pick(["alpha", "q"])}: number) => ${pick(["alpha", "q", a])})(1)`;
        default: return `{ ${a} }.${a}`;
      }
    };
    for (let s = 0; s < 8; s++) {
      switch (rand(6)) {
        case 0: { const n = pick(["alpha", "beta", "tmp", "gamma"]) + (rand(2) ? "" : s); body.push(`const ${n} = ${expr()};`); locals.push(n); break; }
        case 1: body.push(`if (${expr()}) { const alpha = ${expr()}; out.push(alpha); }`); break;
        case 2: body.push(`for (const beta of [${expr()}]) out.push(beta + ${expr()});`); break;
        case 3: body.push(`try { out.push(${expr()}); } catch (gamma) { out.push(String(gamma)); }`); break;
        case 4: body.push(`var hoisted${s} = ${expr()};`); locals.push(`hoisted${s}`); break;
        default: body.push(`out.push(${expr()} as number);`);
      }
    }
    lines.push(`export const t${t} = task(function t${t}(p: number = ${pick(["alpha", "gamma", "1"])}) {\n  const out: unknown[] = [];\n  ${body.join("\n  ")}\n  return out;\n});`);
  }
  return lines.join("\n");
}

test("generated files: analysis and checker agree on every identifier", () => {
  const files = {};
  for (let seed = 1; seed <= 25; seed++) files[`/virtual/generated-${seed}.ts`] = generate(seed);
  const compared = compareFiles(files);
  assert.ok(compared > 500, `compared ${compared} outside references`);
});
