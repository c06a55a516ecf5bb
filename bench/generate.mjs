// A generated workflow of about `tasks` × 10 lines: constants, helpers and tasks that use them.
export function generateWorkflow(tasks = 500) {
  const lines = [`import { task } from "tasklens";`, ""];
  for (let i = 0; i < tasks; i++) {
    lines.push(
      `const LIMIT_${i} = ${i};`,
      `function helper${i}(x: number): number {`,
      `  return x * ${i % 7} + LIMIT_${i};`,
      `}`,
      `export const task${i} = task(function task${i}(n: number = ${i}) {`,
      `  const values = [n, LIMIT_${i}, helper${i}(n)];`,
      `  // a comment that does not count`,
      `  return values.reduce((a, b) => a + b, 0) + ${i > 0 ? `task${i - 1}.name.length` : "0"};`,
      `}${i % 3 === 0 ? `, { hash: "closure" }` : ""});`,
      ``,
    );
  }
  return lines.join("\n");
}

/** The i-th benchmark edit: one character added or removed inside one helper (a different one each time). */
export function editGeneratedWorkflow(text, i, tasks = 500) {
  const k = (i * 37) % tasks;
  const needle = `  return x * ${k % 7} + LIMIT_${k};`;
  const at = text.indexOf(needle);
  return text.slice(0, at) + needle.replace("return x", `return x${i % 2 ? "" : " "}`) + text.slice(at + needle.length);
}

/** "p50 … ms, p95 … ms, max … ms" of a list of durations. */
export function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
  return `p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}
