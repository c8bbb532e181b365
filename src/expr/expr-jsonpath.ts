// The JSONPath subset Argo users write in `jsonpath(json, path)`: `$.a.b`, `$['a-b']`, `$.items[0]`, `[-1]`,
// `[*]`/`.*`, slices `[1:3]`, unions `[0,2]`, recursive `..name`, and filters `[?(...)]` (expr-jsonpath-filter.ts:
// `@.x == 'y'`, `@.x`, `@.a > 1 && @.a < 3`, `||`, `!`, `=~`).
// Definite paths return one value (missing keys are errors); others return an array of matches.
import { exprError, hasOwn, isMap } from './expr-values.js';
import { filterMatches, parseFilter } from './expr-jsonpath-filter.js';
import type { FilterExpr } from './expr-jsonpath-filter.js';

type Seg =
  | { t: 'key'; name: string }
  | { t: 'index'; i: number }
  | { t: 'wild' }
  | { t: 'slice'; a?: number; b?: number }
  | { t: 'union'; keys: (string | number)[] }
  | { t: 'deep'; name: string }
  | { t: 'filter'; e: FilterExpr };

function parsePath(path: string): Seg[] {
  if (!path.startsWith('$')) throw exprError(`jsonpath: path must start with $: ${path}`);
  const segs: Seg[] = [];
  let i = 1;
  const name = (): string => {
    const m = /^[A-Za-z0-9_\-$]+/.exec(path.slice(i));
    if (!m) throw exprError(`jsonpath: expected name at ${i} in ${path}`);
    i += m[0].length;
    return m[0];
  };
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      i += 2;
      segs.push({ t: 'deep', name: name() });
    } else if (path[i] === '.') {
      i++;
      if (path[i] === '*') {
        i++;
        segs.push({ t: 'wild' });
      } else segs.push({ t: 'key', name: name() });
    } else if (path[i] === '[') {
      const end = findClose(path, i);
      segs.push(parseBracket(path.slice(i + 1, end).trim(), path));
      i = end + 1;
    } else throw exprError(`jsonpath: unexpected ${JSON.stringify(path[i])} in ${path}`);
  }
  return segs;
}

function findClose(path: string, open: number): number {
  let quote = '';
  let depth = 0;
  for (let j = open; j < path.length; j++) {
    const c = path[j];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return j;
    }
  }
  throw exprError(`jsonpath: unclosed [ in ${path}`);
}

function literal(s: string, path: string): unknown {
  const t = s.trim();
  const q = /^'(.*)'$|^"(.*)"$/s.exec(t);
  if (q) return q[1] ?? q[2];
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw exprError(`jsonpath: invalid literal ${t} in ${path}`);
}

function parseBracket(body: string, path: string): Seg {
  if (body === '*') return { t: 'wild' };
  if (body.startsWith('?(') && body.endsWith(')')) {
    return { t: 'filter', e: parseFilter(body.slice(2, -1), path) };
  }
  const slice = /^(-?\d*)\s*:\s*(-?\d*)$/.exec(body);
  if (slice) return { t: 'slice', a: slice[1] ? Number(slice[1]) : undefined, b: slice[2] ? Number(slice[2]) : undefined };
  const parts = body.split(',').map((p) => literal(p, path));
  if (parts.some((p) => typeof p !== 'string' && !(typeof p === 'number' && Number.isInteger(p)))) {
    throw exprError(`jsonpath: invalid subscript [${body}]`);
  }
  const keys = parts as (string | number)[];
  if (keys.length > 1) return { t: 'union', keys };
  return typeof keys[0] === 'number' ? { t: 'index', i: keys[0] } : { t: 'key', name: keys[0] };
}

function child(v: unknown, k: string | number, strict: boolean): unknown[] {
  if (typeof k === 'string') {
    if (isMap(v) && hasOwn(v, k)) return [v[k]];
  } else if (Array.isArray(v)) {
    const i = k < 0 ? v.length + k : k;
    if (i >= 0 && i < v.length) return [v[i]];
  }
  if (strict) throw exprError(`jsonpath: ${typeof k === 'string' ? `key '${k}' not found` : `index ${k} out of range`}`);
  return [];
}

function members(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMap(v))
    return Object.keys(v)
      .sort()
      .map((k) => v[k]);
  return [];
}

function deep(v: unknown, name: string, out: unknown[], depth: number): void {
  if (depth > 100 || out.length > 100_000) throw exprError('jsonpath: document too deep or too many matches');
  if (isMap(v) && hasOwn(v, name)) out.push(v[name]);
  for (const m of members(v)) deep(m, name, out, depth + 1);
}

export function jsonPathQuery(doc: unknown, path: string): unknown {
  const segs = parsePath(path);
  const definite = segs.every((s) => s.t === 'key' || s.t === 'index');
  let cur: unknown[] = [doc];
  for (const seg of segs) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (seg.t) {
        case 'key':
          next.push(...child(v, seg.name, definite));
          break;
        case 'index':
          next.push(...child(v, seg.i, definite));
          break;
        case 'wild':
          next.push(...members(v));
          break;
        case 'union':
          for (const k of seg.keys) next.push(...child(v, k, false));
          break;
        case 'slice':
          if (Array.isArray(v)) next.push(...(v as unknown[]).slice(seg.a ?? 0, seg.b ?? v.length));
          break;
        case 'deep':
          deep(v, seg.name, next, 0);
          break;
        case 'filter':
          next.push(...members(v).filter((m) => filterMatches(seg.e, m, doc)));
          break;
      }
    }
    cur = next;
  }
  return definite ? cur[0] : cur;
}
