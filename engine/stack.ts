// Stacks shown to users name the workflow's frames, not the engine's.
import path from "node:path";

/** The error's stack without the engine's own frames (they say nothing about the workflow). */
export function trimStack(stack: string): string {
  // Two levels up from this module's folder, whether it runs from dist/engine/ or from a bundle in dist/extension/.
  const packageRoot = path.resolve(__dirname, "..", "..");
  const engineFrame = (line: string) => ["engine", "cli", "dist"].some((dir) => line.includes(`${packageRoot}/${dir}/`));
  return stack
    .split("\n")
    .filter((line) => !/^\s+at /.test(line) || !(engineFrame(line) || /[( ]node:[a-z_]/.test(line)))
    .join("\n");
}
