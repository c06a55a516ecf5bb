// Parse + hash time of the 5,000-line, 500-task redun workflow (test/fixtures/redun/hashes/big.py):
// cold (first call in the process) and warm (median of 20).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const { discoverTasks } = await import(join(ROOT, "dist/dialects/redun/hash/discover.js"));
const text = readFileSync(join(ROOT, "test/fixtures/redun/hashes/big.py"), "utf8");

const time = () => {
  const t0 = performance.now();
  const r = discoverTasks(text, { moduleName: "big" });
  return { ms: performance.now() - t0, r };
};
const cold = time();
const warm = Array.from({ length: 20 }, () => time().ms).sort((a, b) => a - b);
const lines = text.split("\n").length;
const hashed = cold.r.tasks.filter((t) => t.hash !== null).length;
console.log(`redun hash: ${lines} lines, ${cold.r.tasks.length} tasks (${hashed} hashed)`);
console.log(`parse + hash: cold ${cold.ms.toFixed(1)} ms, warm median ${warm[10].toFixed(1)} ms (min ${warm[0].toFixed(1)}, max ${warm[19].toFixed(1)})`);
