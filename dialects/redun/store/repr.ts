// Python's repr() of decoded values, as `redun log` and `redun run` print arguments and results.
// Objects Python would print with a memory address print as `<module.Class object>`.
import { PyBytes, PyDate, PyDict, PyFloat, PyGlobal, PyObject, PySet, PyTuple, SimpleExpression, TaskExpression, ValueExpression, type PyValue } from "./pickle";

/** Python's repr; output past `maxLength` characters is cut (shared references can make it explode). */
export function pyRepr(value: PyValue, maxLength = 1_000_000): string {
  const out: string[] = [];
  let length = 0;
  const active = new Set<object>();
  const emit = (s: string): void => {
    if (length > maxLength) throw CUT;
    out.push(s);
    length += s.length;
  };
  const seq = (open: string, items: PyValue[], close: string): void => {
    emit(open);
    items.forEach((v, i) => {
      if (i) emit(", ");
      walk(v);
    });
    emit(close);
  };
  const args = (positional: PyValue[], kwargs: PyDict, sortKeys: boolean): void => {
    let first = true;
    for (const v of positional) {
      if (!first) emit(", ");
      first = false;
      walk(v);
    }
    const entries = sortKeys ? [...kwargs.entries].sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)) : kwargs.entries;
    for (const [k, v] of entries) {
      if (!first) emit(", ");
      first = false;
      emit(`${String(k)}=`);
      walk(v);
    }
  };
  const walk = (v: PyValue): void => {
    if (v === null) return emit("None");
    if (v === true) return emit("True");
    if (v === false) return emit("False");
    if (typeof v === "number" || typeof v === "bigint") return emit(String(v));
    if (typeof v === "string") return emit(reprStr(v));
    if (v instanceof PyFloat) return emit(reprFloat(v.value));
    if (v instanceof PyBytes) return emit(reprBytes(v.data));
    if (v instanceof PyDate) return emit(reprDate(v));
    if (v instanceof PyGlobal) return emit(`<class '${v.fullName}'>`);
    if (active.has(v)) {
      // A container inside itself, as Python prints it.
      return emit(Array.isArray(v) ? "[...]" : v instanceof PyDict ? "{...}" : "...");
    }
    active.add(v);
    try {
      if (Array.isArray(v)) seq("[", v, "]");
      else if (v instanceof PyTuple) seq("(", v.items, v.items.length === 1 ? ",)" : ")");
      else if (v instanceof PyDict) {
        emit("{");
        v.entries.forEach(([k, x], i) => {
          if (i) emit(", ");
          walk(k);
          emit(": ");
          walk(x);
        });
        emit("}");
      } else if (v instanceof PySet) {
        if (v.items.length === 0) emit(v.frozen ? "frozenset()" : "set()");
        else {
          if (v.frozen) emit("frozenset(");
          seq("{", v.items, "}");
          if (v.frozen) emit(")");
        }
      } else if (v instanceof TaskExpression) {
        emit(`${v.taskName}(`);
        args(v.args, v.kwargs, true);
        emit(")");
      } else if (v instanceof SimpleExpression) simpleExpression(v);
      else if (v instanceof ValueExpression) {
        emit("ValueExpression(");
        walk(v.value);
        emit(")");
      } else if (v instanceof PyObject) object(v);
    } finally {
      active.delete(v);
    }
  };
  const simpleExpression = (v: SimpleExpression): void => {
    const [a, b, c] = v.args;
    const symbol = OPERATORS[v.funcName];
    if (symbol && v.args.length === 2) {
      const [l, r] = REVERSED.has(v.funcName) ? [b, a] : [a, b];
      emit("(");
      walk(l);
      emit(` ${symbol} `);
      walk(r);
      emit(")");
    } else if (v.funcName === "getitem" && v.args.length === 2) {
      walk(a);
      emit("[");
      walk(b);
      emit("]");
    } else if (v.funcName === "getattr" && v.args.length === 2) {
      walk(a);
      emit(`.${typeof b === "string" ? b : pyRepr(b)}`);
    } else if (v.funcName === "call" && v.args.length === 3 && c instanceof PyDict) {
      walk(a);
      emit("(");
      args(b instanceof PyTuple ? b.items : Array.isArray(b) ? b : [b], c, true);
      emit(")");
    } else {
      emit(`SimpleExpression(${reprStr(v.funcName)}, `);
      walk(new PyTuple(v.args));
      emit(", ");
      walk(v.kwargs);
      emit(")");
    }
  };
  const object = (v: PyObject): void => {
    const short = v.className.slice(v.className.lastIndexOf(".") + 1);
    if (v.className === "redun.scheduler.ErrorValue") {
      emit("ErrorValue(");
      walk(v.field("error") ?? null);
      emit(")");
    } else if (isException(v)) {
      // BaseException.__repr__: Name(arg) for one argument, Name(a, b) for several.
      emit(`${short}(`);
      v.args.forEach((x, i) => {
        if (i) emit(", ");
        walk(x);
      });
      emit(")");
    } else emit(`<${v.className} object>`);
  };
  try {
    walk(value);
  } catch (e) {
    if (e !== CUT) throw e;
    return out.join("").slice(0, maxLength) + "...";
  }
  return out.join("");
}

const CUT = new Error("repr budget exceeded");

// redun's lazy operators (func_name → symbol), and those it prints with their operands swapped.
const OPERATORS: Record<string, string> = {
  eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=", add: "+", radd: "+", sub: "-", rsub: "-",
  mul: "*", rmul: "*", div: "/", rdiv: "/", and: "&", rand: "&", or: "|", ror: "|",
};
const REVERSED = new Set(["radd", "rsub", "rmul", "rdiv", "rand", "ror"]);

/** Exceptions are pickled as a call of their class with their args (plus a state dict when they carry attributes). */
export function isException(v: PyObject): boolean {
  return /^(builtins|[\w.]+)\.\w*(Error|Exception|Warning|Interrupt|Exit|Iteration)$/.test(v.className);
}

export function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + hex(c, 2);
    else if (c < 0x7f || !NON_PRINTABLE.test(ch)) out += ch;
    else if (c <= 0xff) out += "\\x" + hex(c, 2);
    else if (c <= 0xffff) out += "\\u" + hex(c, 4);
    else out += "\\U" + hex(c, 8);
  }
  return out + quote;
}

// str.isprintable(): everything but the "Other" and "Separator" categories (space excepted).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

export function reprBytes(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 0x27) hasSingle = true;
    if (c === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + quote;
  for (const c of b) {
    if (c === quote.charCodeAt(0) || c === 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c < 0x20 || c >= 0x7f) out += "\\x" + hex(c, 2);
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** float.__repr__: the shortest round-tripping digits, exponent form below 1e-4 and from 1e16. */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exp] = Math.abs(x).toExponential().split("e");
  const e = Number(exp);
  const digits = mantissa.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${"0".repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

function reprDate(d: PyDate): string {
  if (!d.time) return `datetime.date(${d.year}, ${d.month}, ${d.day})`;
  const parts = [d.year, d.month, d.day, d.time.hour, d.time.minute, d.time.second, d.time.microsecond];
  // datetime.__repr__ drops a zero microsecond, then a zero second.
  if (parts[parts.length - 1] === 0) parts.pop();
  if (parts[parts.length - 1] === 0) parts.pop();
  let s = `datetime.datetime(${parts.join(", ")}`;
  if (d.time.fold) s += ", fold=1";
  if (d.time.tzinfo !== null) s += `, tzinfo=${pyRepr(d.time.tzinfo)}`;
  return s + ")";
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** redun's trim_string: at most 200 characters, the last three an ellipsis. */
export function trimString(text: string, maxLength = 200): string {
  return text.length > maxLength ? text.slice(0, maxLength - 3) + "..." : text;
}
