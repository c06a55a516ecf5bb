// The benchmark workflows (fan-out, DAG, chain, bytes, CPU-bound), shared by bench/fanout and bench/pg.
export const workflows = {
  "fanout.ts": `import { task } from "tasklens";
export const inc = task(function inc(i: number): number { return i + 1; });
export const sumAll = task(function sumAll(values: number[]): number { return values.reduce((a, b) => a + b, 0); });
export const one = task(function one(): number { return 1; });
export const main = task(function main(n: number = 1000) {
  const calls = [];
  for (let i = 0; i < n; i++) calls.push(inc(i));
  return sumAll(calls);
});
`,
  "dag.ts": `import { task } from "tasklens";
export const leaf = task(function leaf(i: number) { return i; });
export const layer = task(function layer(d: number, i: number, inputs: number[]) { return (inputs.reduce((a, b) => a + b, 0) + i) % 1000003; });
export const total = task(function total(xs: number[]) { return xs.reduce((a, b) => a + b, 0); });
export const main = task(function main(width: number = 100, depth: number = 10) {
  let prev: any[] = [];
  for (let i = 0; i < width; i++) prev.push(leaf(i));
  for (let d = 1; d < depth; d++) {
    const next: any[] = [];
    for (let i = 0; i < width; i++) next.push(layer(d, i, prev));
    prev = next;
  }
  return total(prev);
});
`,
  "chain.ts": `import { task } from "tasklens";
export const step = task(function step(x: number) { return x + 1; });
export const main = task(function main(n: number = 100000) {
  let x: any = step(0);
  for (let i = 1; i < n; i++) x = step(x);
  return x;
});
`,
  "bytes.ts": `import { task } from "tasklens";
export const bytes = task(function bytes(mb: number) { const b = new Uint8Array(mb * 1024 * 1024); for (let i = 0; i < b.length; i += 4096) b[i] = i & 255; return b; });
export const main = task(function main(mb: number = 50) { return bytes(mb); });
`,
  "cpu.ts": `import { task } from "tasklens";
export const burn = task(function burn(i: number) { const until = Date.now() + 1000; let x = 0; while (Date.now() < until) x++; return i; }, { executor: "worker", cache: false });
export const main = task(function main() { const out = []; for (let i = 0; i < 8; i++) out.push(burn(i)); return out; }, { cache: false });
`,
};
