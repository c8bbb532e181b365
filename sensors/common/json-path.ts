// JSON paths as Argo Events evaluates them: reads with gjson's full syntax (gjson.ts), writes with sjson's
// (`body.repo.name`, escaped dots, array indexes, `-1` appends, `:N` forces an object key), and gjson's Result
// conversions (String/Float/Bool, type names). Values are plain JSON data; nothing is ever evaluated.
import { WeirError } from '../../src/core/errors.js';
import { isJsonNumber } from '../../src/core/json-lossless.js';
import { gjsonGet } from './gjson.js';
import { isJsonText } from './gjson-text.js';

/** gjson's result type names (what Argo compares when deciding "raw JSON or string"). */
export type JsonKind = 'Null' | 'False' | 'True' | 'Number' | 'String' | 'JSON';

export interface PathResult {
  exists: boolean;
  value: unknown;
}

/** Splits a path on unescaped dots; `\x` keeps `x` literally. */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isJsonNumber(v) && !isJsonText(v);

/** Reads `path` from a JSON value with gjson's full path syntax (gjson.ts). An empty path does not exist. */
export function getPath(doc: unknown, path: string): PathResult {
  return gjsonGet(doc, path);
}

export function kindOf(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'Null';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || isJsonNumber(v)) return 'Number';
  if (typeof v === 'string') return 'String';
  return 'JSON';
}

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest decimal, never an exponent. */
export function formatFloatF(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= 0)
    return (
      m[1] + digits + '0'.repeat(Math.max(0, exp - (digits.length - 1))) + (exp < digits.length - 1 ? '.' + digits.slice(exp + 1) : '')
    );
  return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** gjson Result.String(): strings raw, numbers without exponent, true/false, objects/arrays as compact JSON, null as "". */
export function resultString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloatF(v);
  // gjson keeps an integer's digits as sent; other numbers print as their float64.
  if (isJsonNumber(v)) return /^-?\d+$/.test(v.text) ? v.text : formatFloatF(v.valueOf());
  if (typeof v === 'boolean') return String(v);
  if (isJsonText(v)) return v.text;
  return JSON.stringify(v);
}

/** gjson Result.Float(): numbers as is, strings parsed, true = 1. */
export function resultFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (isJsonNumber(v)) return v.valueOf();
  if (v === true) return 1;
  if (typeof v === 'string') {
    const n = Number.parseFloat(v);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** gjson Result.Bool(): true, "true"/"1"/"t"..., non-zero numbers. */
export function resultBool(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'number') return v !== 0;
  if (isJsonNumber(v)) return v.valueOf() !== 0;
  if (typeof v === 'string') return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
  return false;
}

// ---- writes (sjson) ----

function badPath(path: string, why: string): WeirError {
  return new WeirError('INVALID_SPEC', `cannot set path ${JSON.stringify(path)}: ${why}`);
}

/** Returns a copy of `doc` with `value` stored at `path` (sjson.Set); missing parents are created. */
export function setPath(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') throw badPath(path, 'empty path');
  const parts = splitPath(path);
  const root = doc === undefined || doc === null ? undefined : structuredClone(doc);
  return setIn(root, parts, 0, value, path);
}

function setIn(cur: unknown, parts: readonly string[], at: number, value: unknown, path: string): unknown {
  if (at === parts.length) return value;
  let key = parts[at];
  const forceKey = key.startsWith(':');
  if (forceKey) key = key.slice(1);
  const numeric = !forceKey && /^(-1|\d+)$/.test(key);
  if (Array.isArray(cur) && numeric) {
    const arr = cur;
    const i = key === '-1' ? arr.length : Number(key);
    if (i > 100_000) throw badPath(path, `index ${i} is too large`);
    while (arr.length < i) arr.push(null);
    arr[i] = setIn(arr[i], parts, at + 1, value, path);
    return arr;
  }
  if (cur === undefined || cur === null) {
    if (numeric) return setIn([], parts, at, value, path);
    return setIn({}, parts, at, value, path);
  }
  if (isObject(cur)) {
    // Own properties only: `__proto__` and friends are ordinary keys, never the prototype.
    const existing = Object.prototype.hasOwnProperty.call(cur, key) ? cur[key] : undefined;
    Object.defineProperty(cur, key, {
      value: setIn(existing, parts, at + 1, value, path),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return cur;
  }
  throw badPath(path, `${parts.slice(0, at).join('.') || 'the document'} is not an object or array`);
}
