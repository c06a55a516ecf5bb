// Edit scenarios for the plan's measured truth (driven by plan-corpus.test.mjs). Each scenario:
// `files` (w.ts is the workflow), a first run (`first`: its arguments, default `args`), optional
// `steps` (edits followed by a run each, before the measured edit), the measured `edits`
// ([file, from, to], file defaulting to w.ts), then `plan` and a second run with `args`.
const T = `import { task } from "tasklens";\n`;

const lib = `export function scale(n: number): number { return n * 10; }
export class Scaler { factor = 2; apply(n: number) { return n * this.factor; } }
export const TABLE = [1, 2];
export const unrelated = 1;
`;
const libTask = `import { task } from "tasklens";
export const double = task(function double(n: number) { return n * 2; });
`;

/** A workflow whose main returns one call per task given, by name. */
function fanIn(top, tasks, mainBody) {
  const defs = Object.entries(tasks).map(([name, def]) => `export const ${name} = ${def};`).join("\n");
  const body = mainBody ?? `return { ${Object.keys(tasks).map((n) => `${n}: ${n}()`).join(", ")} };`;
  return `${T}${top}\n${defs}\nexport const main = task(function main() { ${body} });\n`;
}

const chain = `${T}export const c = task(function c() { return 1; });
export const b = task(function b() { return c(); });
export const a = task(function a() { return b(); });
export const main = task(function main() { return a(); });
`;

const hello = `${T}export const taskNamespace = "hw";
const planet = "World";
export const getPlanet = task(function getPlanet(): string { return planet; });
export const greeter = task(function greeter(greet: string, thing: string): string { return \`\${greet}, \${thing}!\`; });
export const main = task(function main(greet: string = "Hello") { return greeter(greet, getPlanet()); });
`;

const dataflow = `${T}export const up = task(function up() { return 2; });
export const down = task(function down(x: number) { return x + 1; });
export const other = task(function other() { return 5; });
export const main = task(function main() { return [down(up()), other()]; });
`;

const asyncParent = `${T}const K = 1;
export const leaf = task(function leaf() { return 1; });
export const leaf2 = task(function leaf2() { return 10; });
export const parent = task(async function parent() { return (await leaf()) + 1; });
export const both = task(async function both() { const [a, b] = await Promise.all([leaf(), leaf2()]); return a + b + K; });
export const main = task(function main() { return { parent: parent(), both: both() }; });
`;

const shared = `${T}const S = "s";
export const base = task(function base() { return 1; });
export const left = task(function left(x: number) { return x + 1; });
export const right = task(function right(x: number) { return x + 2; });
export const join = task(function join(a: number, b: number) { return a + b; });
export const tag = task(function tag() { return S; });
export const main = task(function main() { const b = base(); return { j: join(left(b), right(b)), t1: tag(), t2: tag() }; });
`;

const fanout = `${T}export const inc = task(function inc(i: number) { return i + 1; });
export const sumAll = task(function sumAll(xs: number[]) { return xs.reduce((a, b) => a + b, 0); });
export const main = task(function main(n: number = 5) { return sumAll(Array.from({ length: n }, (_, i) => inc(i))); });
`;

const failing = `${T}const FAIL = true;
export const ok = task(function ok() { return 1; });
export const flaky = task(function flaky() { if (FAIL) throw new Error("boom"); return 2; });
export const main = task(function main() { return [ok(), flaky()]; });
`;

const options = `${T}const V = "1";
const CV = 1;
const NS = "ns";
const INCLUDES = [1, 2];
const SUFFIX = "a";
export const pinned = task(function pinned() { return 1; }, { version: V });
export const bumped = task(function bumped() { return 2; }, { cacheVersion: CV });
export const spaced = task(function spaced() { return 3; }, { namespace: NS });
export const included = task(function included() { return 4; }, { hashIncludes: INCLUDES });
export const computed = task(function computed() { return 5; }, { hashIncludes: [\`v-\${SUFFIX}\`, CV * 2] });
export const main = task(function main() { return [pinned(), bumped(), spaced(), included(), computed()]; });
`;

const defaults = `${T}const N = 1;
export const t = task(function t(n: number = N) { return n * 10; });
export const lit = task(function lit(n: number = 3) { return n; });
export const pair = task(function pair(a: number, b: number = a + 1) { return a + b; });
export const main = task(function main() { return [t(), t(7), lit(), pair(1)]; });
`;

const args = `${T}export const child = task(function child(x: string) { return x.toUpperCase(); });
export const fixed = task(function fixed() { return "f"; });
export const main = task(function main(word: string = "a", times: number = 1, loud: boolean = false) { return [child(word.repeat(times)), fixed(), loud]; });
`;

export const scenarios = [
  // constants
  { name: "constant edit, source mode: stale", files: { "w.ts": fanIn(`const PLANET = "World";`, { get: `task(function get() { return PLANET; })` }) }, edits: [["World", "Mars"]] },
  { name: "constant edit, closure mode", files: { "w.ts": fanIn(`const PLANET = "World";`, { get: `task(function get() { return PLANET; }, { hash: "closure" })` }) }, edits: [["World", "Mars"]] },
  { name: "constant in hashIncludes edited", files: { "w.ts": fanIn(`const TABLE = [1, 2];`, { t: `task(function t() { return TABLE.length; }, { hashIncludes: [TABLE] })` }) }, edits: [["[1, 2]", "[1, 2, 3]"]] },
  { name: "constant edited then reverted (source mode)", files: { "w.ts": fanIn(`const P = "a";`, { get: `task(function get() { return P; })` }) }, steps: [{ edits: [['"a"', '"b"']] }], edits: [['"b"', '"a"']] },
  { name: "unrelated constant edited", files: { "w.ts": fanIn(`const USED = 1;\nconst UNUSED = 1;`, { t: `task(function t() { return USED; })` }) }, edits: [["UNUSED = 1", "UNUSED = 2"]] },
  { name: "constant read by two tasks", files: { "w.ts": fanIn(`const C = 1;`, { a: `task(function a() { return C; })`, b: `task(function b() { return C + 1; }, { hash: "closure" })` }) }, edits: [["C = 1", "C = 2"]] },
  { name: "constant built from constants, closure mode", files: { "w.ts": fanIn(`const A = 1;\nconst B = A + 1;`, { t: `task(function t() { return B; }, { hash: "closure" })` }) }, edits: [["A = 1", "A = 5"]] },
  // helpers
  { name: "helper edit, source mode", files: { "w.ts": fanIn(`function helper() { return 1; }`, { t: `task(function t() { return helper(); })` }) }, edits: [["return 1;", "return 2;"]] },
  { name: "helper edit, closure mode", files: { "w.ts": fanIn(`function helper() { return 1; }`, { t: `task(function t() { return helper(); }, { hash: "closure" })` }) }, edits: [["return 1;", "return 2;"]] },
  { name: "transitive helper edit, closure mode", files: { "w.ts": fanIn(`function inner() { return 1; }\nfunction outer() { return inner() + 1; }`, { t: `task(function t() { return outer(); }, { hash: "closure" })` }) }, edits: [["return 1;", "return 5;"]] },
  { name: "helper in hashIncludes edited", files: { "w.ts": fanIn(`function helper() { return 1; }`, { t: `task(function t() { return helper(); }, { hashIncludes: [helper] })` }) }, edits: [["return 1;", "return 2;"]] },
  { name: "helper comment edit, closure mode", files: { "w.ts": fanIn(`function helper() { return 1; /* a */ }`, { t: `task(function t() { return helper(); }, { hash: "closure" })` }) }, edits: [["/* a */", "/* b */"]] },
  { name: "class edit, closure mode", files: { "w.ts": fanIn(`class K { v = 1; }`, { t: `task(function t() { return new K().v; }, { hash: "closure" })` }) }, edits: [["v = 1", "v = 2"]] },
  { name: "arrow helper edit, source mode", files: { "w.ts": fanIn(`const h = (x: number) => x + 1;`, { t: `task(function t() { return h(1); })` }) }, edits: [["x + 1", "x + 2"]] },
  // imports
  { name: "imported helper edit, source mode", files: { "w.ts": fanIn(`import { scale } from "./lib";`, { t: `task(function t() { return scale(1); })` }), "lib.ts": lib }, edits: [["lib.ts", "n * 10", "n * 11"]] },
  { name: "imported helper edit, closure mode", files: { "w.ts": fanIn(`import { scale } from "./lib";`, { t: `task(function t() { return scale(1); }, { hash: "closure" })` }), "lib.ts": lib }, edits: [["lib.ts", "n * 10", "n * 11"]] },
  { name: "imported class edit, closure mode", files: { "w.ts": fanIn(`import { Scaler } from "./lib";`, { t: `task(function t() { return new Scaler().apply(3); }, { hash: "closure" })` }), "lib.ts": lib }, edits: [["lib.ts", "factor = 2", "factor = 3"]] },
  { name: "imported constant in hashIncludes edited", files: { "w.ts": fanIn(`import { TABLE } from "./lib";`, { t: `task(function t() { return TABLE.length; }, { hashIncludes: [TABLE] })` }), "lib.ts": lib }, edits: [["lib.ts", "TABLE = [1, 2]", "TABLE = [1, 2, 3]"]] },
  { name: "imported file, unrelated edit", files: { "w.ts": fanIn(`import { scale } from "./lib";`, { t: `task(function t() { return scale(1); }, { hash: "closure" })` }), "lib.ts": lib }, edits: [["lib.ts", "unrelated = 1", "unrelated = 2"]] },
  { name: "imported task edited", files: { "w.ts": `${T}import { double } from "./tasks";\nexport const main = task(function main() { return [double(2), double(3)]; });\n`, "tasks.ts": libTask }, edits: [["tasks.ts", "n * 2", "n * 3"]] },
  { name: "imported task unchanged, main edited", files: { "w.ts": `${T}import { double } from "./tasks";\nexport const main = task(function main() { return [double(2)]; });\n`, "tasks.ts": libTask }, edits: [["[double(2)]", "[double(2), double(4)]"]] },
  // closure mode from the project
  { name: "project default closure mode, constant edit", files: { "package.json": `{"name":"p","tasklens":{"hash":"closure"}}`, "w.ts": fanIn(`const C = 1;`, { t: `task(function t() { return C; })` }) }, edits: [["C = 1", "C = 2"]] },
  { name: "switch a task to closure mode", files: { "w.ts": fanIn(`const C = 1;`, { t: `task(function t() { return C; })` }) }, edits: [["return C; })", `return C; }, { hash: "closure" })`]] },
  { name: "closure mode, reformat only", files: { "w.ts": fanIn(`const C = [1, 2];`, { t: `task(function t() { return C.length; }, { hash: "closure" })` }) }, edits: [["const C = [1, 2];", "const C = [\n  1,\n  2,\n];"]] },
  // options from constants
  { name: "version from a constant, body edited", files: { "w.ts": options }, edits: [["return 1; }, { version: V }", "return 11; }, { version: V }"]] },
  { name: "version constant bumped", files: { "w.ts": options }, edits: [['const V = "1";', 'const V = "2";']] },
  { name: "cacheVersion constant bumped", files: { "w.ts": options }, edits: [["const CV = 1;", "const CV = 2;"]] },
  { name: "namespace constant changed", files: { "w.ts": options }, edits: [['const NS = "ns";', 'const NS = "other";']] },
  { name: "hashIncludes constant list edited", files: { "w.ts": options }, edits: [["const INCLUDES = [1, 2];", "const INCLUDES = [1, 2, 3];"]] },
  { name: "computed hashIncludes constant edited", files: { "w.ts": options }, edits: [['const SUFFIX = "a";', 'const SUFFIX = "b";']] },
  { name: "options from constants, nothing edited", files: { "w.ts": options }, edits: [] },
  { name: "taskNamespace from constants changed", files: { "w.ts": `${T}const ROOT = "acme";\nexport const taskNamespace = ROOT + ".jobs";\nexport const t = task(function t() { return 1; });\nexport const main = task(function main() { return t(); });\n` }, edits: [['"acme"', '"other"']] },
  // arguments
  { name: "entry argument changed", files: { "w.ts": hello }, args: ["--greet", "Hi"], first: [] },
  { name: "same explicit entry arguments", files: { "w.ts": hello }, args: ["--greet", "Hello"], first: [] },
  { name: "entry task other than main, cached", files: { "w.ts": hello }, args: ["greeter", "--greet", "Yo", "--thing", "Venus"] },
  { name: "entry task other than main, new argument", files: { "w.ts": hello }, first: ["greeter", "--greet", "Yo", "--thing", "Venus"], args: ["greeter", "--greet", "Yo", "--thing", "Mars"] },
  { name: "typed arguments (number, boolean) changed", files: { "w.ts": args }, first: ["--word", "b", "--times", "2"], args: ["--word", "b", "--times", "3", "--loud", "true"] },
  { name: "argument unchanged, child edited", files: { "w.ts": args }, first: ["--word", "b"], args: ["--word", "b"], edits: [["x.toUpperCase()", "x.toLowerCase()"]] },
  // defaults
  { name: "default constant changed (redun's idiom)", files: { "w.ts": defaults }, edits: [["const N = 1;", "const N = 2;"]] },
  { name: "default constant reverted", files: { "w.ts": defaults }, steps: [{ edits: [["const N = 1;", "const N = 2;"]] }], edits: [["const N = 2;", "const N = 1;"]] },
  { name: "literal default changed", files: { "w.ts": defaults }, edits: [["n: number = 3", "n: number = 4"]] },
  { name: "default reading an earlier parameter changed", files: { "w.ts": defaults }, edits: [["b: number = a + 1", "b: number = a + 2"]] },
  { name: "default computed at run time", files: { "w.ts": `${T}export const t = task(function t(n: number = [1, 2].length) { return n; });\nexport const main = task(function main() { return t(); });\n` }, edits: [["[1, 2]", "[1, 2, 3]"]] },
  // nested calls
  { name: "chain: leaf edited", files: { "w.ts": chain }, edits: [["return 1;", "return 2;"]] },
  { name: "chain: middle edited", files: { "w.ts": chain }, edits: [["function b() { return c(); }", "function b() { return [c()]; }"]] },
  { name: "chain: nothing edited (whole subtree)", files: { "w.ts": chain }, edits: [] },
  { name: "chain: comment edit", files: { "w.ts": chain }, edits: [["return 1;", "return 1; /* one */"]] },
  { name: "dataflow: upstream edited", files: { "w.ts": dataflow }, edits: [["return 2;", "return 3;"]] },
  { name: "dataflow: upstream edited, same value", files: { "w.ts": dataflow }, edits: [["return 2;", "return 1 + 1;"]] },
  { name: "dataflow: downstream edited", files: { "w.ts": dataflow }, edits: [["x + 1", "x + 10"]] },
  { name: "dataflow: sibling edited", files: { "w.ts": dataflow }, edits: [["return 5;", "return 6;"]] },
  { name: "main edited: children beyond the horizon", files: { "w.ts": dataflow }, edits: [["[down(up()), other()]", "[down(up()), other(), 1]"]] },
  { name: "fan-out: leaf edited", files: { "w.ts": fanout }, edits: [["i + 1", "i + 2"]] },
  { name: "fan-out: reducer edited", files: { "w.ts": fanout }, edits: [["a + b, 0", "a + b, 1"]] },
  { name: "fan-out: more items", files: { "w.ts": fanout }, args: ["--n", "6"], first: [] },
  { name: "recursive task, base edited", files: { "w.ts": `${T}export const count = task(function count(n: number): unknown { return n <= 0 ? "done" : count(n - 1); });\nexport const main = task(function main() { return count(3); });\n` }, edits: [['"done"', '"end"']] },
  // async tasks awaiting children
  { name: "async: awaited child edited", files: { "w.ts": asyncParent }, edits: [["function leaf() { return 1; }", "function leaf() { return 2; }"]] },
  { name: "async: nothing edited", files: { "w.ts": asyncParent }, edits: [] },
  { name: "async: one of two awaited children edited", files: { "w.ts": asyncParent }, edits: [["return 10;", "return 20;"]] },
  { name: "async: parent edited", files: { "w.ts": asyncParent }, edits: [["(await leaf()) + 1", "(await leaf()) + 2"]] },
  { name: "async: unhashed constant of the parent edited", files: { "w.ts": asyncParent }, edits: [["const K = 1;", "const K = 2;"]] },
  { name: "async: child edited, run on its own before", files: { "w.ts": asyncParent }, steps: [{ edits: [["return 10;", "return 30;"]], run: ["leaf2"] }], edits: [] },
  // failures
  { name: "failure fixed", files: { "w.ts": failing }, edits: [["const FAIL = true;", "const FAIL = false;"], ["return 2;", "return 3;"]] },
  { name: "failure not fixed", files: { "w.ts": failing }, edits: [] },
  { name: "failure fixed through an unhashed constant only", files: { "w.ts": failing }, edits: [["const FAIL = true;", "const FAIL = false;"]] },
  { name: "an edit makes a task fail", files: { "w.ts": fanIn(``, { a: `task(function a() { return 1; })`, b: `task(function b() { return 2; })` }) }, edits: [["return 2;", `throw new Error("now broken");`]] },
  // shared sub-calls
  { name: "shared: base edited", files: { "w.ts": shared }, edits: [["return 1; })", "return 2; })"]] },
  { name: "shared: one consumer edited", files: { "w.ts": shared }, edits: [["x + 2", "x + 3"]] },
  { name: "shared: join edited", files: { "w.ts": shared }, edits: [["a + b", "a * b"]] },
  { name: "shared: stale constant of a call used twice", files: { "w.ts": shared }, edits: [['const S = "s";', 'const S = "t";']] },
  { name: "shared: nothing edited", files: { "w.ts": shared }, edits: [] },
  // other edits
  { name: "cache: false task", files: { "w.ts": fanIn(``, { t: `task(function t() { return 1; }, { cache: false })`, u: `task(function u() { return 2; })` }) }, edits: [] },
  { name: "comment-only edit", files: { "w.ts": fanIn(``, { t: `task(function t() { return 1; /* one */ })` }) }, edits: [["/* one */", "/* uno */"]] },
  { name: "task renamed", files: { "w.ts": fanIn(``, { t: `task(function t() { return 1; })` }) }, edits: [["function t()", "function renamed()"]] },
  { name: "mutable module state edited", files: { "w.ts": fanIn(`let counter = 0;`, { t: `task(function t() { return counter + 1; })` }) }, edits: [["let counter = 0;", "let counter = 10;"]] },
  { name: "version-pinned body edit", files: { "w.ts": fanIn(``, { t: `task(function t() { return 1; }, { version: "1" })` }) }, edits: [["return 1;", "return 2;"]] },
  { name: "task moved within the file", files: { "w.ts": fanIn(``, { a: `task(function a() { return 1; })`, b: `task(function b() { return 2; })` }) }, edits: [["export const a = task(function a() { return 1; });\n", ""], ["export const main", "export const a = task(function a() { return 1; });\nexport const main"]] },
  { name: "hello world: getPlanet edited", files: { "w.ts": hello }, edits: [["return planet;", 'return "Mars";']] },
  { name: "hello world: planet constant edited", files: { "w.ts": hello }, edits: [['const planet = "World";', 'const planet = "Mars";']] },
];
