// Deterministic generator of varied redun workflow files (for the 500-task fixture, the benchmark and
// the differential test): helpers, constants, namespaces, versions, hash_includes, comments in every
// place getblock cares about, nested defs, methods, async tasks, multi-line decorators.

/** A small seeded PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LITERALS = ["1", "1.5", "True", "None", "'text'", "b'raw'", "-3", "2147483648", "[1, 'a', [2]]", "(1, 2)", "{'k': 'v', 'n': [1]}", "{1, 2, 3}", "('a', 'a')", "''", "{}"];

export function generateWorkflow(seed, count) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const out = ["from redun import task", "import redun", "", "CONST = 7", "NAME = 'planet'", ""];
  const tasks = [];
  const helpers = [];
  for (let i = 0; i < count; i++) {
    const lines = [];
    const roll = r();
    if (roll < 0.08) lines.push(`redun_namespace = ${pick(["'ns_a'", "'ns.b'", "None", "'ns_c'"])}`, "");
    if (r() < 0.15) {
      const h = `helper_${i}`;
      lines.push(`def ${h}(x):`, `    # helper ${i}`, `    return x + ${i}`, "");
      helpers.push(h);
    }
    const opts = [];
    if (r() < 0.2) opts.push(`version=${pick([`"${i}"`, `${i}`, `"v${i}"`])}`);
    if (r() < 0.15) opts.push(`namespace="explicit_${i % 5}"`);
    if (r() < 0.1) opts.push(`name="named_${i}"`);
    if (r() < 0.3) {
      const items = [];
      const n = 1 + Math.floor(r() * 3);
      for (let k = 0; k < n; k++) {
        const kind = r();
        if (kind < 0.3 && helpers.length) items.push(pick(helpers));
        else if (kind < 0.5 && tasks.length) items.push(pick(tasks));
        else if (kind < 0.6) items.push(pick(["CONST", "NAME"]));
        else items.push(pick(LITERALS));
      }
      opts.push(`hash_includes=[${items.join(", ")}]`);
    }
    if (r() < 0.1) opts.push("cache=False");
    const isAsync = r() < 0.04;
    if (isAsync && !opts.includes("cache=False")) opts.push("cache=False");
    const deco = r() < 0.1 ? "@redun.task" : "@task";
    if (opts.length === 0) lines.push(r() < 0.3 ? deco : `${deco}()`);
    else if (r() < 0.3) lines.push(`${deco}(`, ...opts.map((o) => `    ${o},`), ")");
    else lines.push(`${deco}(${opts.join(", ")})`);
    const fname = `task_${i}`;
    lines.push(`${isAsync ? "async " : ""}def ${fname}(x, y=${pick(LITERALS)}):`);
    if (r() < 0.3) lines.push(`    """Task ${i}."""`);
    if (r() < 0.3) lines.push(`    # comment ${i}`);
    if (r() < 0.2) lines.push("");
    if (r() < 0.2) lines.push("    def inner(z):", "        return z * 2", "");
    lines.push(`    total = x + ${i}`);
    if (r() < 0.2) lines.push("    s = '''", "def looks_like_a_def():", "'''");
    lines.push("    result = total", "    return result");
    const trail = r();
    if (trail < 0.15) lines.push(`    # trailing at body indent ${i}`);
    else if (trail < 0.3) lines.push(`# trailing at column 0 ${i}`);
    else if (trail < 0.35) lines.push(`        # trailing deeper ${i}`);
    lines.push("", "");
    out.push(...lines);
    if (!opts.some((o) => o.startsWith("name="))) tasks.push(fname);
  }
  return out.join("\n");
}
