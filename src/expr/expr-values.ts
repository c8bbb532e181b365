// Value model shared by Weir's expression interpreters: nil/bool/number/string/array/map plus time values,
// safe member access (own properties only, never prototypes), equality, ordering, Go-style formatting and JSON.
// Numbers are JS numbers; an integral number counts as expr-lang `int`, any other as `float`.
import { WeirError, errorMessage } from '../core/errors.js';

/** A function value callable from expressions. Only these are callable: plain JS functions in data never are. */
export class Callable {
  constructor(
    readonly name: string,
    readonly fn: (args: unknown[], ctx: CallContext) => unknown,
  ) {}
}

/** What builtins may use while running: a work budget and the clock. */
export interface CallContext {
  charge(units: number): void;
  now(): Date;
}

/** A Go-style duration, in nanoseconds. */
export class Duration {
  constructor(readonly ns: number) {}
}

export const MAX_STRING = 1 << 20;

export function exprError(message: string, pos?: number): WeirError {
  const details = pos === undefined ? undefined : { position: pos };
  return new WeirError('EXPRESSION_ERROR', pos === undefined ? message : `${message} (at position ${pos + 1})`, { details });
}

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

/** A map value: a plain object (not an array, date, duration or callable). */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A lookup table without a prototype, so keys like `constructor` are never found by accident. */
export function table<T>(o: Record<string, T>): Record<string, T | undefined> {
  return Object.assign(Object.create(null) as Record<string, T>, o);
}

export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/** Sets an own, enumerable property even for keys like `__proto__`. */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function newMap(entries: Iterable<[string, unknown]> = []): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (const [k, v] of entries) setKey(m, k, v);
  return m;
}

export function typeName(v: unknown): string {
  if (isNil(v)) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'time.Time';
  if (v instanceof Duration) return 'time.Duration';
  if (v instanceof Callable) return 'func';
  if (isMap(v)) return 'map';
  return 'unknown';
}

export function checkString(s: string, pos?: number): string {
  if (s.length > MAX_STRING) throw exprError(`string result longer than ${MAX_STRING} characters`, pos);
  return s;
}

/** Reads `obj[key]` the way expr-lang does, without ever reaching JS internals. */
export function getMember(obj: unknown, key: unknown, pos?: number): unknown {
  if (isNil(obj)) throw exprError(`cannot fetch ${String(key)} from nil`, pos);
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key)) {
      throw exprError(`cannot fetch ${describe(key)} from ${typeName(obj)}`, pos);
    }
    const i = key < 0 ? obj.length + key : key;
    if (i < 0 || i >= obj.length) throw exprError(`index out of range: ${key} (array length is ${obj.length})`, pos);
    return obj[i];
  }
  if (isMap(obj)) {
    const k = typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'boolean' ? String(key) : undefined;
    if (k === undefined) throw exprError(`cannot use ${typeName(key)} as map key`, pos);
    return hasOwn(obj, k) ? obj[k] : null;
  }
  if (typeof key === 'string' && (obj instanceof Date || obj instanceof Duration)) {
    const m = (obj instanceof Date ? timeMethods : durationMethods)[key];
    if (m) return new Callable(key, (args) => m(obj as never, args));
  }
  throw exprError(`cannot fetch ${describe(key)} from ${typeName(obj)}`, pos);
}

function describe(v: unknown): string {
  return typeof v === 'string' ? v : goString(v);
}

const timeMethods = table<(t: Date, a: unknown[]) => unknown>({
  Unix: (t) => Math.floor(t.getTime() / 1000),
  UnixMilli: (t) => t.getTime(),
  Year: (t) => t.getUTCFullYear(),
  Month: (t) => t.getUTCMonth() + 1,
  Day: (t) => t.getUTCDate(),
  Hour: (t) => t.getUTCHours(),
  Minute: (t) => t.getUTCMinutes(),
  Second: (t) => t.getUTCSeconds(),
  Weekday: (t) => t.getUTCDay(),
  UTC: (t) => t,
  String: (t) => goString(t),
  Format: (t, a) => formatGoTime(t, String(a[0])),
  Add: (t, a) => new Date(t.getTime() + (a[0] instanceof Duration ? a[0].ns / 1e6 : 0)),
  Sub: (t, a) => new Duration(a[0] instanceof Date ? (t.getTime() - a[0].getTime()) * 1e6 : 0),
  Before: (t, a) => a[0] instanceof Date && t.getTime() < a[0].getTime(),
  After: (t, a) => a[0] instanceof Date && t.getTime() > a[0].getTime(),
});

const durationMethods = table<(d: Duration, a: unknown[]) => unknown>({
  Hours: (d) => d.ns / 3.6e12,
  Minutes: (d) => d.ns / 6e10,
  Seconds: (d) => d.ns / 1e9,
  Milliseconds: (d) => Math.trunc(d.ns / 1e6),
  Nanoseconds: (d) => d.ns,
  String: (d) => formatDuration(d),
});

export function isTruthyBool(v: unknown, what: string, pos?: number): boolean {
  if (typeof v !== 'boolean') throw exprError(`${what} expects bool, got ${typeName(v)}`, pos);
  return v;
}

/** expr-lang's `==`: numbers compare numerically, composites deeply, different kinds are unequal. */
export function equal(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Duration && b instanceof Duration) return a.ns === b.ns;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => hasOwn(b, k) && equal(a[k], b[k]));
  }
  return a === b;
}

/** Ordering for `< <= > >=` and sort: numbers with numbers, strings with strings, times with times. */
export function compare(a: unknown, b: unknown, op: string, pos?: number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Duration && b instanceof Duration) return Math.sign(a.ns - b.ns);
  throw exprError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`, pos);
}

/** Formats a number like Go's %v for float64/int. */
export function goNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** Go's fmt %v rendering, used by `string()` and Argo's sprig `toString`. */
export function goString(v: unknown): string {
  if (isNil(v)) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (v instanceof Date)
    return (
      v
        .toISOString()
        .replace('T', ' ')
        .replace(/\.000Z$|Z$/, '') + ' +0000 UTC'
    );
  if (v instanceof Duration) return formatDuration(v);
  if (v instanceof Callable) return `func ${v.name}`;
  if (isMap(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goString(v[k])}`)
      .join(' ')}]`;
  }
  return '<unknown>';
}

/** Go's encoding/json: sorted map keys, HTML-safe escapes; `indent` as in MarshalIndent. */
export function toJSONText(v: unknown, indent = ''): string {
  const out = JSON.stringify(jsonReady(v, 0), null, indent || undefined) ?? 'null';
  return checkString(out.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function jsonReady(v: unknown, depth: number): unknown {
  if (depth > 200) throw exprError('value nested too deeply for JSON');
  if (isNil(v)) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw exprError(`json: unsupported value: ${goNumber(v)}`);
    return v;
  }
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x) => jsonReady(x, depth + 1));
  if (v instanceof Date) return v.toISOString().replace(/\.000Z$/, 'Z');
  if (v instanceof Duration) return v.ns;
  if (isMap(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) setKey(o, k, jsonReady(v[k], depth + 1));
    return o;
  }
  throw exprError(`json: unsupported type ${typeName(v)}`);
}

/** Parses JSON into the value model; objects get ordinary prototypes with own keys only. */
export function fromJSONText(s: string): unknown {
  try {
    return JSON.parse(s, (_k, val: unknown) => (isMap(val) ? newMap(Object.entries(val)) : val));
  } catch (e) {
    throw new WeirError('EXPRESSION_ERROR', `invalid JSON: ${errorMessage(e)}`, { cause: e });
  }
}

const UNITS: [string, number][] = [
  ['h', 3.6e12],
  ['m', 6e10],
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
  ['µs', 1e3],
  ['ns', 1],
];

/** Parses Go duration strings like `1h30m`, `-2.5s`, `300ms`. */
export function parseDuration(s: string): Duration {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:h|ms|us|µs|ns|m|s))+$/.exec(s);
  if (!m && s !== '0') throw exprError(`invalid duration "${s}"`);
  let ns = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)/g)) {
    ns += Number(part[1]) * (UNITS.find(([u]) => u === part[2])?.[1] ?? 0);
  }
  return new Duration(s.startsWith('-') ? -ns : ns);
}

export function formatDuration(d: Duration): string {
  let ns = Math.abs(d.ns);
  if (ns === 0) return '0s';
  const sign = d.ns < 0 ? '-' : '';
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${goNumber(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${goNumber(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  ns -= h * 3.6e12;
  const m = Math.floor(ns / 6e10);
  ns -= m * 6e10;
  const sec = `${goNumber(Number((ns / 1e9).toFixed(9)))}s`;
  return sign + (h ? `${h}h${m}m${sec}` : m ? `${m}m${sec}` : sec);
}

/** Formats a time with a Go reference layout (2006-01-02T15:04:05Z07:00), in UTC. */
export function formatGoTime(t: Date, layout: string): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const h = t.getUTCHours();
  const table: [string, () => string][] = [
    ['2006', () => p(t.getUTCFullYear(), 4)],
    ['January', () => months[t.getUTCMonth()]],
    ['Jan', () => months[t.getUTCMonth()].slice(0, 3)],
    ['Monday', () => days[t.getUTCDay()]],
    ['Mon', () => days[t.getUTCDay()].slice(0, 3)],
    ['MST', () => 'UTC'],
    ['Z07:00', () => 'Z'],
    ['-07:00', () => '+00:00'],
    ['-0700', () => '+0000'],
    ['.000', () => `.${p(t.getUTCMilliseconds(), 3)}`],
    ['01', () => p(t.getUTCMonth() + 1)],
    ['02', () => p(t.getUTCDate())],
    ['15', () => p(h)],
    ['03', () => p(h % 12 || 12)],
    ['04', () => p(t.getUTCMinutes())],
    ['05', () => p(t.getUTCSeconds())],
    ['06', () => p(t.getUTCFullYear() % 100)],
    ['PM', () => (h >= 12 ? 'PM' : 'AM')],
    ['1', () => String(t.getUTCMonth() + 1)],
    ['2', () => String(t.getUTCDate())],
    ['3', () => String(h % 12 || 12)],
  ];
  let out = '';
  for (let i = 0; i < layout.length;) {
    const hit = table.find(([k]) => layout.startsWith(k, i));
    if (hit) {
      out += hit[1]();
      i += hit[0].length;
    } else out += layout[i++];
  }
  return out;
}
