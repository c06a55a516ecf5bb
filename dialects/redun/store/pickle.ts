// A pickle DEcoder for the values redun stores (protocol 3, as redun writes them; 4 and 5 as CPython
// writes builtin values). It never evaluates anything: a class reference is a name, a call to it is
// data. Builtin containers, ints (bigint beyond the safe range), floats, bytes, sets and datetimes
// become JavaScript values; redun's expressions become typed call records (so a cached parent's stored
// result names its child calls); anything else a generic PyObject {className, args, state}.

/** A Python float (ints are `number` when safe, else `bigint`; a float stays distinguishable from an int). */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number | string {
    return Number.isFinite(this.value) ? this.value : String(this.value);
  }
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict, in insertion order, keys of any type (int keys stay ints). */
export class PyDict {
  constructor(readonly entries: [PyValue, PyValue][] = []) {}
  /** The value of a str key. */
  get(key: string): PyValue | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
  set(key: PyValue, value: PyValue): void {
    const i = typeof key === "object" ? -1 : this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries[i][1] = value;
    else this.entries.push([key, value]);
  }
}

export class PySet {
  constructor(readonly items: PyValue[], readonly frozen: boolean) {}
}

export class PyBytes {
  constructor(readonly data: Uint8Array) {}
}

/** datetime.date, or datetime.datetime when `time` is set (naive unless tzinfo is set). */
export class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly time?: { hour: number; minute: number; second: number; microsecond: number; tzinfo: PyValue; fold: number },
  ) {}
}

/** A reference to a class or function (`module.name`), as pickle names it; never imported. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Any other object: its class, the constructor arguments pickle recorded, and its state. */
export class PyObject {
  /** The value hash of a top-level stored value (set by the store reader). */
  hash?: string;
  state: PyValue | undefined = undefined;
  readonly listItems: PyValue[] = [];
  readonly dictItems: [PyValue, PyValue][] = [];
  constructor(
    readonly className: string,
    readonly args: PyValue[] = [],
  ) {}
  setState(state: PyValue): void {
    this.state = state;
  }
  /** A str-keyed field of a dict state (or of a `(dict, slots)` state). */
  field(name: string): PyValue | undefined {
    const s = this.state instanceof PyTuple ? this.state.items : [this.state];
    for (const part of s) if (part instanceof PyDict) {
      const v = part.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/** redun's call of a task (`TaskExpression`; `SchedulerExpression` for redun's scheduler tasks such as cond). */
export class TaskExpression {
  taskName = "";
  args: PyValue[] = [];
  kwargs = new PyDict();
  options: PyValue = new PyDict();
  length: PyValue = null;
  constructor(readonly kind: "TaskExpression" | "SchedulerExpression") {}
}

/** A lazy operation on another expression's result (`getitem`, `getattr`, `call`, operators). */
export class SimpleExpression {
  funcName = "";
  args: PyValue[] = [];
  kwargs = new PyDict();
}

export class ValueExpression {
  valueType = "";
  value: PyValue = null;
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyBytes
  | PyValue[]
  | PyTuple
  | PyDict
  | PySet
  | PyDate
  | PyGlobal
  | PyObject
  | TaskExpression
  | SimpleExpression
  | ValueExpression;

export class PickleError extends Error {}

export interface UnpickleOptions {
  /** Largest input accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
  /** Deepest nesting of containers and nested pickles accepted (default 500). */
  maxDepth?: number;
}

const MARK = Symbol("mark");
type Item = PyValue | typeof MARK;

/** Decodes one pickle. Throws PickleError on anything malformed, truncated, unsupported or too deep. */
export function unpickle(data: Uint8Array, options: UnpickleOptions = {}): PyValue {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 500;
  const value = decode(data, maxBytes, maxDepth, 0);
  checkDepth(value, maxDepth);
  return value;
}

function decode(data: Uint8Array, maxBytes: number, maxDepth: number, nesting: number): PyValue {
  if (data.length > maxBytes) throw new PickleError(`pickle too large (${data.length} bytes)`);
  if (nesting > maxDepth) throw new PickleError("pickle nested too deeply");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const text = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  let pos = 0;
  const stack: Item[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const need = (n: number): void => {
    if (n < 0 || pos + n > data.length) throw new PickleError(`pickle truncated at byte ${pos}`);
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const big = view.getBigUint64(pos, true);
    pos += 8;
    if (big > BigInt(data.length)) throw new PickleError(`pickle length ${big} beyond its data`);
    return Number(big);
  };
  const bytes = (n: number): Uint8Array => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`pickle truncated at byte ${pos}`);
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array): string => {
    try {
      return text.decode(b);
    } catch {
      throw new PickleError(`invalid UTF-8 in a pickled str at byte ${pos}`);
    }
  };
  const push = (v: PyValue): void => {
    stack.push(v);
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new PickleError(`pickle stack underflow at byte ${pos}`);
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new PickleError(`pickle stack underflow at byte ${pos}`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(`pickle MARK missing at byte ${pos}`);
    return stack.splice(m) as PyValue[];
  };
  const get = (i: number): PyValue => {
    if (!memo.has(i)) throw new PickleError(`pickle memo ${i} missing at byte ${pos}`);
    return memo.get(i)!;
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > 1024 * 1024) throw new PickleError("pickled int too large");
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
    return int(n);
  };
  const nested = (v: PyValue): PyValue => (v instanceof PyBytes ? decode(v.data, maxBytes, maxDepth, nesting + 1) : v);

  // Calls are only ever recognised, never performed.
  const reduce = (fn: PyValue, args: PyValue): PyValue => {
    if (!(args instanceof PyTuple)) throw new PickleError(`pickle REDUCE without an argument tuple at byte ${pos}`);
    const a = args.items;
    if (fn instanceof PyGlobal) {
      switch (fn.fullName) {
        case "builtins.set":
        case "builtins.frozenset":
          if (a.length === 0) return new PySet([], fn.name === "frozenset");
          if (a.length === 1 && Array.isArray(a[0])) return new PySet([...a[0]], fn.name === "frozenset");
          break;
        case "datetime.datetime":
          if (a[0] instanceof PyBytes && a[0].data.length === 10) {
            const b = a[0].data;
            return new PyDate((b[0] << 8) | b[1], b[2] & 0x7f, b[3], { hour: b[4], minute: b[5], second: b[6], microsecond: (b[7] << 16) | (b[8] << 8) | b[9], tzinfo: a[1] ?? null, fold: b[2] >> 7 });
          }
          break;
        case "datetime.date":
          if (a[0] instanceof PyBytes && a[0].data.length === 4) {
            const b = a[0].data;
            return new PyDate((b[0] << 8) | b[1], b[2], b[3]);
          }
          break;
        case "_codecs.encode":
          // How protocols < 3 write bytes: _codecs.encode(text, "latin1").
          if (typeof a[0] === "string" && a[1] === "latin1") return new PyBytes(Uint8Array.from(a[0], (c) => c.charCodeAt(0)));
          break;
        case "copyreg._reconstructor":
          if (a[0] instanceof PyGlobal) return newObject(a[0], []);
          break;
      }
      return new PyObject(fn.fullName, a);
    }
    throw new PickleError(`pickle calls something that is not a class at byte ${pos}`);
  };
  const newObject = (cls: PyValue, args: PyValue[]): PyValue => {
    if (!(cls instanceof PyGlobal)) throw new PickleError(`pickle NEWOBJ of a non-class at byte ${pos}`);
    switch (cls.fullName) {
      case "redun.expression.TaskExpression":
        return new TaskExpression("TaskExpression");
      case "redun.expression.SchedulerExpression":
        return new TaskExpression("SchedulerExpression");
      case "redun.expression.SimpleExpression":
        return new SimpleExpression();
      case "redun.expression.ValueExpression":
        return new ValueExpression();
    }
    return new PyObject(cls.fullName, args);
  };
  // redun's expressions keep their arguments as nested pickles (bytes) in their state.
  const build = (obj: PyValue, state: PyValue): void => {
    if (obj instanceof TaskExpression || obj instanceof SimpleExpression || obj instanceof ValueExpression) {
      if (!(state instanceof PyDict)) throw new PickleError(`redun expression without a dict state at byte ${pos}`);
      if (obj instanceof ValueExpression) {
        obj.valueType = String(state.get("value_type") ?? "");
        const raw = state.get("value") ?? null;
        try {
          obj.value = nested(raw);
        } catch (e) {
          // A value serialized by its own type (not a pickle) stays bytes.
          if (!(e instanceof PickleError) || !(raw instanceof PyBytes)) throw e;
          obj.value = raw;
        }
        return;
      }
      const args = nested(state.get("args") ?? new PyTuple([]));
      const kwargs = nested(state.get("kwargs") ?? new PyDict());
      if (!(args instanceof PyTuple) || !(kwargs instanceof PyDict)) throw new PickleError(`redun expression with malformed arguments at byte ${pos}`);
      obj.args = args.items;
      obj.kwargs = kwargs;
      if (obj instanceof TaskExpression) {
        obj.taskName = String(state.get("task_name") ?? "");
        obj.options = state.get("task_options") ?? new PyDict();
        obj.length = state.get("length") ?? null;
      } else obj.funcName = String(state.get("func_name") ?? "");
      return;
    }
    if (obj instanceof PyObject) return obj.setState(state);
    throw new PickleError(`pickle BUILD on a ${describeType(obj)} at byte ${pos}`);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError("unsupported pickle protocol");
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length) throw new PickleError(`pickle ends with ${stack.length} items on its stack`);
        if (pos !== data.length) throw new PickleError(`${data.length - pos} bytes after the end of the pickle`);
        return pop();
      }
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: need(4); push(view.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(bytes(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        push(long(bytes(n)));
        break;
      }
      case 0x49: { // INT (protocol 0 text; "01"/"00" are bools)
        const s = line();
        if (s === "01" || s === "00") push(s === "01");
        else push(parseInt10(s, at));
        break;
      }
      case 0x4c: push(parseInt10(line().replace(/L$/, ""), at)); break; // LONG (text)
      case 0x47: need(8); push(new PyFloat(view.getFloat64(pos, false))); pos += 8; break; // BINFLOAT
      case 0x46: { // FLOAT (text)
        const s = line();
        const f = Number(s);
        if (Number.isNaN(f) && !/^[-+]?nan$/i.test(s)) throw new PickleError(`bad pickled float at byte ${at}`);
        push(new PyFloat(f));
        break;
      }
      case 0x58: push(utf8(bytes(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8(bytes(u64()))); break; // BINUNICODE8
      case 0x42: push(new PyBytes(bytes(u32()))); break; // BINBYTES
      case 0x43: push(new PyBytes(bytes(u8()))); break; // SHORT_BINBYTES
      case 0x8e: push(new PyBytes(bytes(u64()))); break; // BINBYTES8
      case 0x96: push(new PyObject("builtins.bytearray", [new PyBytes(bytes(u64()))])); break; // BYTEARRAY8
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x8f: push(new PySet([], false)); break; // EMPTY_SET
      case 0x28: marks.push(stack.length); stack.push(MARK); break; // MARK
      case 0x6c: push(popMark().slice(1)); break; // LIST
      case 0x74: push(new PyTuple(popMark().slice(1))); break; // TUPLE
      case 0x85: push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); push(new PyTuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); push(new PyTuple([pop(), b, c])); break; } // TUPLE3
      case 0x64: { // DICT
        const items = popMark().slice(1);
        const d = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x91: push(new PySet(popMark().slice(1), true)); break; // FROZENSET
      case 0x61: { // APPEND
        const v = pop();
        appendTo(top(), [v], at);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark().slice(1);
        appendTo(top(), items, at);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v], at);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark().slice(1);
        setItems(top(), items, at);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark().slice(1);
        const s = top();
        if (!(s instanceof PySet) || s.frozen) throw new PickleError(`pickle ADDITEMS on a ${describeType(s)} at byte ${at}`);
        s.items.push(...items);
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(parseInt10(line(), at) as number, top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: push(get(u8())); break; // BINGET
      case 0x6a: push(get(u32())); break; // LONG_BINGET
      case 0x67: push(get(parseInt10(line(), at) as number)); break; // GET
      case 0x63: { // GLOBAL
        const module = line();
        push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== "string" || typeof module !== "string") throw new PickleError(`pickle STACK_GLOBAL without names at byte ${at}`);
        push(new PyGlobal(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        push(reduce(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) throw new PickleError(`pickle NEWOBJ without an argument tuple at byte ${at}`);
        push(newObject(cls, args.items));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) throw new PickleError(`pickle NEWOBJ_EX without an argument tuple at byte ${at}`);
        const obj = newObject(cls, args.items);
        if (obj instanceof PyObject && kwargs instanceof PyDict && kwargs.entries.length) obj.args.push(kwargs);
        push(obj);
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`);
    }
  }
}

function appendTo(target: PyValue, items: PyValue[], at: number): void {
  if (Array.isArray(target)) target.push(...items);
  else if (target instanceof PyObject) target.listItems.push(...items);
  else throw new PickleError(`pickle APPEND on a ${describeType(target)} at byte ${at}`);
}

function setItems(target: PyValue, items: PyValue[], at: number): void {
  if (items.length % 2) throw new PickleError(`pickle SETITEMS with an odd item count at byte ${at}`);
  for (let i = 0; i < items.length; i += 2) {
    if (target instanceof PyDict) target.set(items[i], items[i + 1]);
    else if (target instanceof PyObject) target.dictItems.push([items[i], items[i + 1]]);
    else throw new PickleError(`pickle SETITEM on a ${describeType(target)} at byte ${at}`);
  }
}

function parseInt10(s: string, at: number): number | bigint {
  if (!/^[-+]?\d+$/.test(s.trim())) throw new PickleError(`bad pickled int at byte ${at}`);
  return int(BigInt(s.trim()));
}

function int(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export function describeType(v: PyValue | undefined): string {
  if (v === null) return "None";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "list";
  if (typeof v !== "object") return typeof v;
  if (v instanceof PyObject) return v.className;
  return v.constructor.name;
}

/**
 * Checks nesting depth: the stack machine never recurses, everything walking its output does. Heights
 * are memoized, so shared references (which pickle allows) cost linear time; cycles end the walk.
 */
export function checkDepth(value: PyValue, maxDepth = 500): void {
  const height = new Map<object, number>();
  const walk = (v: PyValue, depth: number): number => {
    if (v === null || typeof v !== "object") return 0;
    if (depth > maxDepth) throw new PickleError("pickled value nested too deeply");
    const known = height.get(v);
    if (known !== undefined) {
      if (depth + known > maxDepth) throw new PickleError("pickled value nested too deeply");
      return known;
    }
    height.set(v, 0); // in progress: a cycle adds nothing
    let h = 0;
    for (const child of children(v)) h = Math.max(h, 1 + walk(child, depth + 1));
    height.set(v, h);
    return h;
  };
  walk(value, 0);
}

/** The values directly inside a value (for walks: depth checks, child-call extraction). */
export function children(v: PyValue): PyValue[] {
  if (v === null || typeof v !== "object") return [];
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return v.items;
  if (v instanceof PyDict) return v.entries.flat();
  if (v instanceof PySet) return v.items;
  if (v instanceof PyDate) return v.time ? [v.time.tzinfo] : [];
  if (v instanceof TaskExpression || v instanceof SimpleExpression) return [...v.args, ...v.kwargs.entries.flat()];
  if (v instanceof ValueExpression) return [v.value];
  if (v instanceof PyObject) return [...v.args, ...(v.state === undefined ? [] : [v.state]), ...v.listItems, ...v.dictItems.flat()];
  return [];
}

export function isExpression(v: PyValue): v is TaskExpression | SimpleExpression | ValueExpression {
  return v instanceof TaskExpression || v instanceof SimpleExpression || v instanceof ValueExpression;
}
