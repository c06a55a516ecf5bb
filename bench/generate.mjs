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
