// gjson path syntax (github.com/tidwall/gjson, what Argo Events uses for data-filter paths, exprs fields and
// parameter dataKeys), evaluated over parsed JSON values (JsonNumber keeps big numbers): keys with `*`/`?` wildcards
// and `\` escapes, array indexes, `#` (length) and `#.path` (map), queries `#(path op value)` (first match) and
// `#(...)#` (all), with ==, =, !=, <, <=, >, >=, % (like), !% (not like), nested queries, `.` vs `|` after arrays,
// multipaths `[a,b]` / `{a,"k":b}`, literals `!true`, and modifiers (gjson-modifiers.ts). Linear-time wildcard
// matching; the path is data, never code.
import { isJsonNumber, parseJsonLossless } from '../../src/core/json-lossless.js';
import { applyModifier, isModifier } from './gjson-modifiers.js';
import { isJsonText } from './gjson-text.js';

export interface GjsonResult {
  exists: boolean;
  value: unknown;
}

const NONE: GjsonResult = { exists: false, value: undefined };
const found = (value: unknown): GjsonResult => ({ exists: true, value });
const MAX_DEPTH = 64;
export const MAX_PATH = 4096;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isJsonNumber(v) && !isJsonText(v);

/** Values held as text (a @pretty result) are read again before a path goes into them. */
function unwrap(v: unknown): unknown {
  if (isJsonText(v)) {
    try {
      return parseJsonLossless(v.text);
    } catch {
      return undefined;
    }
  }
  return v;
}

interface Split {
  comp: string;
  /** '' at the end of the path, else the separator after the component. */
  sep: '' | '.' | '|';
  rest: string;
}

/** Splits off the first component at an unescaped `.` or `|` outside strings and brackets. */
export function splitFirst(path: string): Split {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '\\') i++;
    else if (c === '"' && depth > 0) inStr = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === '.' || c === '|') && depth === 0) return { comp: path.slice(0, i), sep: c, rest: path.slice(i + 1) };
  }
  return { comp: path, sep: '', rest: '' };
}

/** Removes `\` escapes from a key. */
export function unescapeKey(k: string): string {
  return k.replace(/\\(.)/gs, '$1');
}

/** gjson's wildcard match (`*` any run, `?` any one character, `\x` literal x) in O(len(p) * len(s)) at worst. */
export function wildcardMatch(pattern: string, s: string): boolean {
  const toks: { star?: true; any?: true; lit?: string }[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) toks.push({ lit: pattern[++i] });
    else if (c === '*') toks.push({ star: true });
    else if (c === '?') toks.push({ any: true });
    else toks.push({ lit: c });
  }
  const chars = [...s];
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < chars.length) {
    const t = toks[pi];
    if (t !== undefined && !t.star && (t.any || t.lit === chars[si])) {
      pi++;
      si++;
    } else if (t?.star) {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else return false;
  }
  while (toks[pi]?.star) pi++;
  return pi === toks.length;
}

const hasWildcard = (k: string): boolean => /(^|[^\\])(\\\\)*[*?]/.test(k);

/** gjson.Get over a parsed value. */
export function gjsonGet(doc: unknown, path: string): GjsonResult {
  if (path === '' || path.length > MAX_PATH) return NONE;
  return walk(doc, path, 0);
}

function walk(cur: unknown, path: string, depth: number): GjsonResult {
  if (depth > MAX_DEPTH) return NONE;
  const { comp, sep, rest } = splitFirst(path);
  const then = (r: GjsonResult): GjsonResult => (!r.exists || sep === '' ? r : walk(r.value, rest, depth + 1));
  const c = comp[0];
  if (comp === '#') {
    const arr = unwrap(cur);
    if (!Array.isArray(arr)) return NONE;
    if (sep === '.') return found(mapRest(arr, rest, depth));
    return then(found(arr.length));
  }
  if (c === '#' && (comp[1] === '(' || comp[1] === '[')) return query(cur, comp, sep, rest, depth);
  if (c === '@' && isModifier(comp)) return then(applyModifier(unwrap(cur), comp));
  if ((c === '[' || c === '{') && closes(comp)) return then(found(multipath(cur, comp, depth)));
  if (c === '!' && comp.length > 1) {
    try {
      return then(found(parseJsonLossless(comp.slice(1))));
    } catch {
      return NONE;
    }
  }
  const v = unwrap(cur);
  if (Array.isArray(v)) {
    if (!/^\d+$/.test(comp)) return NONE;
    const i = Number(comp);
    return i < v.length ? then(found(v[i])) : NONE;
  }
  if (!isObject(v)) return NONE;
  if (hasWildcard(comp)) {
    for (const k of Object.keys(v)) if (wildcardMatch(comp, k)) return then(found(v[k]));
    return NONE;
  }
  const key = unescapeKey(comp);
  return Object.prototype.hasOwnProperty.call(v, key) ? then(found(v[key])) : NONE;
}

function mapRest(arr: readonly unknown[], rest: string, depth: number): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    const r = walk(el, rest, depth + 1);
    if (r.exists) out.push(r.value);
  }
  return out;
}

/** True when comp[0]'s bracket closes at the last character. */
function closes(comp: string): boolean {
  return matchingClose(comp, 0) === comp.length - 1;
}

function matchingClose(s: string, open: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '\\') i++;
    else if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return i;
    }
  }
  return -1;
}

/** Splits a bracket body at top-level commas. */
function splitTop(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inStr = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '\\') i++;
    else if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The name gjson gives a multipath member: the last component when it is a plain key, else "_". */
function memberName(path: string): string {
  let last = path;
  for (let s = splitFirst(path); s.sep !== ''; s = splitFirst(s.rest)) last = s.rest;
  const comp = splitFirst(last).comp;
  return comp === '' || /^[#@[{!]/.test(comp) || hasWildcard(comp) ? '_' : unescapeKey(comp);
}

function multipath(cur: unknown, comp: string, depth: number): unknown {
  const parts = splitTop(comp.slice(1, -1));
  if (comp[0] === '[') {
    const out: unknown[] = [];
    for (const p of parts) {
      const r = walk(cur, p, depth + 1);
      if (r.exists) out.push(r.value);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const p of parts) {
    let key: string | undefined;
    let path = p;
    const named = /^("(?:[^"\\]|\\.)*")\s*:\s*/.exec(p);
    if (named) {
      key = JSON.parse(named[1]) as string;
      path = p.slice(named[0].length);
    }
    const r = walk(cur, path, depth + 1);
    if (r.exists)
      Object.defineProperty(out, key ?? memberName(path), { value: r.value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const OPS = ['==', '!=', '<=', '>=', '!%', '=', '<', '>', '%'] as const;
type Op = (typeof OPS)[number];

interface Query {
  path: string;
  op?: Op;
  /** The right-hand side as written (a JSON string literal keeps its quotes). */
  rhs: string;
}

function parseQuery(body: string): Query {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '\\') i++;
    else if (c === '"') inStr = true;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && '=!<>%'.includes(c)) {
      const op = OPS.find((o) => body.startsWith(o, i));
      if (op !== undefined) return { path: body.slice(0, i).trim(), op, rhs: body.slice(i + op.length).trim() };
    }
  }
  return { path: body.trim(), rhs: '' };
}

function rhsString(rhs: string): string {
  if (rhs.startsWith('"')) {
    try {
      return JSON.parse(rhs) as string;
    } catch {
      return rhs.slice(1, -1);
    }
  }
  return rhs;
}

function compare<T extends string | number | boolean>(a: T, op: Op, b: T): boolean {
  switch (op) {
    case '=':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** gjson's queryMatches: the element's type decides how the right-hand side is read. */
function matches(el: unknown, q: Query, depth: number): boolean {
  const r = q.path === '' ? found(el) : walk(el, q.path, depth + 1);
  if (!r.exists) return false;
  if (q.op === undefined) return r.value !== false && r.value !== null;
  const v = r.value;
  if (typeof v === 'string') {
    const s = rhsString(q.rhs);
    if (q.op === '%') return wildcardMatch(s, v);
    if (q.op === '!%') return !wildcardMatch(s, v);
    return compare(v, q.op, s);
  }
  if (typeof v === 'number' || isJsonNumber(v)) {
    const n = Number.parseFloat(q.rhs);
    return compare(Number(v), q.op, Number.isNaN(n) ? 0 : n);
  }
  if (typeof v === 'boolean') return compare(v, q.op, q.rhs === 'true');
  return false;
}

function query(cur: unknown, comp: string, sep: Split['sep'], rest: string, depth: number): GjsonResult {
  const close = matchingClose(comp, 1);
  if (close < 0) return NONE;
  const all = comp.slice(close + 1) === '#';
  if (!all && close !== comp.length - 1) return NONE;
  const arr = unwrap(cur);
  if (!Array.isArray(arr)) return NONE;
  const q = parseQuery(comp.slice(2, close));
  if (!all) {
    const hit: unknown = (arr as unknown[]).find((el) => matches(el, q, depth));
    if (hit === undefined) return NONE;
    return sep === '' ? found(hit) : walk(hit, rest, depth + 1);
  }
  const hits = arr.filter((el) => matches(el, q, depth));
  if (sep === '') return found(hits);
  if (sep === '.') return found(mapRest(hits, rest, depth));
  return walk(hits, rest, depth + 1);
}
