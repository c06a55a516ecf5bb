// The calls and attributes whose value a task's cache key cannot hold: nondeterministic ones (a new
// value every run; the cache keeps the first) and external inputs (the environment, files named in
// the code, the network). Matched on the qualified name a use stands for (`np.random.rand` →
// numpy.random.rand; `datetime.now` after `from datetime import datetime` → datetime.datetime.now).

export type EffectKind = "nondeterministic" | "external-input";

interface Rule {
  kind: EffectKind;
  /** `a.b` matches a.b and a.b.…; `a.*` matches anything below a. */
  names: string[];
  /** Only when the first argument is a path written in the code (a string, or a module constant). */
  plainPath?: boolean;
}

const RULES: Rule[] = [
  {
    kind: "nondeterministic",
    names: [
      "random.*", "numpy.random.*", "secrets.*", "uuid.uuid1", "uuid.uuid4", "os.urandom", "os.getpid",
      "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic", "time.monotonic_ns", "time.process_time",
      "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    ],
  },
  {
    kind: "external-input",
    names: [
      "os.environ", "os.environb", "os.getenv", "os.listdir", "os.scandir", "os.walk", "os.stat", "os.path.exists", "os.path.isfile", "os.path.isdir",
      "os.path.getmtime", "os.path.getsize", "glob.glob", "glob.iglob", "sys.argv", "sys.stdin", "builtins.input",
      "requests.*", "httpx.*", "urllib.request.*", "urllib3.*", "aiohttp.*", "http.client.*", "socket.*", "boto3.*", "subprocess.*",
    ],
  },
  { kind: "external-input", names: ["builtins.open", "io.open", "pandas.read_*", "numpy.load", "numpy.loadtxt", "numpy.genfromtxt"], plainPath: true },
];

/** Seeded or seeding: these make randomness repeatable. */
const DETERMINISTIC = new Set(["random.seed", "random.Random", "numpy.random.seed", "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator"]);

function matches(qualified: string, pattern: string): boolean {
  if (pattern.endsWith("*")) return qualified.startsWith(pattern.slice(0, -1)) && qualified.length > pattern.length - 1;
  return qualified === pattern || qualified.startsWith(pattern + ".");
}

/**
 * The effect of using `qualified` (called or not); `plainPath` says whether the call's first argument
 * is a path written in the code.
 */
export function effectOf(qualified: string, plainPath: boolean): EffectKind | undefined {
  if ([...DETERMINISTIC].some((d) => matches(qualified, d))) return undefined;
  for (const rule of RULES) {
    if (rule.plainPath && !plainPath) continue;
    if (rule.names.some((n) => matches(qualified, n))) return rule.kind;
  }
  return undefined;
}
